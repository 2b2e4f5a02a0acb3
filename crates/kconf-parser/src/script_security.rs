//! keepalived's verdict on one script: who runs it and whether running it
//! as root is safe, judged against this host's users and file system.
//!
//! Shared by `keepalived-rs -t` (which reports verdicts as diagnostics) and
//! vrrpd (which refuses to run what keepalived would refuse). It reads
//! `/etc/passwd` and file metadata through [`HostInfo`], so tests can
//! supply a fake host; it never runs anything.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What the checks need to know about the host.
pub trait HostInfo {
    /// Whether a user of that name exists.
    fn user_exists(&self, name: &str) -> bool;
    /// The executable a command runs, if it exists.
    fn program(&self, name: &str) -> Option<PathBuf>;
    /// Whether a non-root user could change `path` (the file, or a
    /// directory on the way to it).
    fn writable_by_others(&self, path: &Path) -> bool;
}

/// The real host.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThisHost;

impl HostInfo for ThisHost {
    fn user_exists(&self, name: &str) -> bool {
        std::fs::read_to_string("/etc/passwd")
            .map(|passwd| {
                passwd
                    .lines()
                    .any(|line| line.split(':').next() == Some(name))
            })
            .unwrap_or(false)
    }

    fn program(&self, name: &str) -> Option<PathBuf> {
        let executable = |path: &Path| {
            path.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        };
        if name.contains('/') {
            let path = PathBuf::from(name);
            return executable(&path).then_some(path);
        }
        let search =
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin:/usr/sbin:/sbin".into());
        std::env::split_paths(&search)
            .map(|dir| dir.join(name))
            .find(|path| executable(path))
    }

    fn writable_by_others(&self, path: &Path) -> bool {
        path.ancestors().any(|part| {
            part.metadata().is_ok_and(|m| {
                // A sticky directory (/tmp) lets others add files, not
                // replace ours.
                let sticky_dir = m.is_dir() && m.mode() & 0o1000 != 0;
                m.uid() != 0 || (m.mode() & 0o022 != 0 && !sticky_dir)
            })
        })
    }
}

/// The user scripts without a user of their own run as: `script_user`,
/// else `keepalived_script` if that user exists, else none (root).
pub fn default_user<'a>(script_user: Option<&'a str>, host: &dyn HostInfo) -> Option<&'a str> {
    match script_user {
        Some(user) => Some(user),
        None if host.user_exists("keepalived_script") => Some("keepalived_script"),
        None => None,
    }
}

/// keepalived's verdict on one script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `enable_script_security` is set but there is no user to run it as:
    /// keepalived does not run it.
    NoUser,
    /// The program is not an executable on this host: running it fails.
    NotExecutable {
        /// The program named by the command.
        program: String,
    },
    /// It runs as a non-root user.
    Unprivileged,
    /// It runs as root.
    Root {
        /// The program's path.
        program: PathBuf,
        /// A non-root user could change it (or a directory above it).
        writable_by_others: bool,
        /// `enable_script_security` is set: an insecure script is refused,
        /// a secure one runs quietly. Without it, every root script runs
        /// (keepalived warns).
        secure: bool,
    },
}

impl Verdict {
    /// Whether keepalived refuses to run the script.
    pub fn refused(&self) -> bool {
        match self {
            Verdict::NoUser => true,
            Verdict::Root {
                writable_by_others,
                secure,
                ..
            } => *secure && *writable_by_others,
            Verdict::NotExecutable { .. } | Verdict::Unprivileged => false,
        }
    }
}

/// Judges `command` run as `user` (the script's own, else the default;
/// `None` means root), with `enable_script_security` set or not.
pub fn judge(command: &str, user: Option<&str>, secure: bool, host: &dyn HostInfo) -> Verdict {
    if secure && user.is_none() {
        return Verdict::NoUser;
    }
    let program_name = command
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_matches(['"', '\'']);
    let Some(program) = host.program(program_name) else {
        return Verdict::NotExecutable {
            program: program_name.to_owned(),
        };
    };
    if !matches!(user, None | Some("root")) {
        return Verdict::Unprivileged;
    }
    Verdict::Root {
        writable_by_others: host.writable_by_others(&program),
        program,
        secure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake;

    impl HostInfo for Fake {
        fn user_exists(&self, name: &str) -> bool {
            name == "keepalived_script"
        }
        fn program(&self, name: &str) -> Option<PathBuf> {
            name.starts_with("/ok").then(|| PathBuf::from(name))
        }
        fn writable_by_others(&self, path: &Path) -> bool {
            path.ends_with("open.sh")
        }
    }

    #[test]
    fn verdicts() {
        assert_eq!(default_user(None, &Fake), Some("keepalived_script"));
        assert_eq!(default_user(Some("nobody"), &Fake), Some("nobody"));
        assert_eq!(judge("/ok/a.sh", None, true, &Fake), Verdict::NoUser);
        assert!(judge("/ok/a.sh", None, true, &Fake).refused());
        assert_eq!(
            judge("/missing x", Some("nobody"), true, &Fake),
            Verdict::NotExecutable {
                program: "/missing".into()
            }
        );
        assert_eq!(
            judge("'/ok/open.sh' arg", Some("nobody"), true, &Fake),
            Verdict::Unprivileged
        );
        let refused = judge("/ok/open.sh", Some("root"), true, &Fake);
        assert!(refused.refused(), "{refused:?}");
        assert!(!judge("/ok/open.sh", None, false, &Fake).refused());
        assert!(!judge("/ok/closed.sh", Some("root"), true, &Fake).refused());
    }
}
