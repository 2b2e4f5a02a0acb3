//! The notify FIFOs (`notify_fifo`, `vrrp_notify_fifo`): one line per state
//! change, in keepalived's words, for a reader such as
//! `notify_fifo_script`:
//!
//! ```text
//! INSTANCE "VI_1" MASTER 150
//! GROUP "G1" MASTER 0
//! ```
//!
//! As keepalived does, a missing FIFO is created (mode 0600, owned by the
//! configured user and group), and it is opened read-write so that opening
//! never waits for a reader and writing never fails for want of one. Writes
//! never block the event loop: a line that does not fit in the pipe (nobody
//! reads it) is dropped and counted, with a log line for the first one.
//! A path that exists and is not a FIFO, or is a symbolic link, is refused
//! (a root daemon must not be tricked into writing into some other file).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use kconf_parser::model::global::Fifo as FifoConfig;
use nix::sys::stat::Mode;
use nix::unistd::{Group, User, chown, mkfifo};

use crate::notify::{self, Command, RunAs};

/// One open FIFO.
#[derive(Debug)]
pub(crate) struct NotifyFifo {
    path: PathBuf,
    file: File,
    /// Lines dropped because the pipe was full.
    dropped: u64,
    /// The reader script, if one is configured (started once the FIFO is
    /// open, with its path as the last argument).
    reader: Option<Command>,
}

/// What could not be set up.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FifoError {
    #[error("{path}: exists and is not a FIFO")]
    NotAFifo { path: String },
    #[error("{path}: {action}: {source}")]
    Io {
        path: String,
        action: &'static str,
        source: io::Error,
    },
    #[error("{path}: no user or group {name}")]
    NoSuchOwner { path: String, name: String },
}

impl NotifyFifo {
    /// Creates (if needed) and opens the FIFO of `config`; `default_owner`
    /// (script_user) owns a FIFO that names no user.
    pub(crate) fn open(
        config: &FifoConfig,
        reader: Option<Command>,
        default_owner: &RunAs,
    ) -> Result<Self, FifoError> {
        let path = PathBuf::from(&config.path.value);
        let shown = || path.display().to_string();
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_fifo() => {}
            Ok(_) => return Err(FifoError::NotAFifo { path: shown() }),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                mkfifo(&path, Mode::from_bits_truncate(0o600)).map_err(|e| FifoError::Io {
                    path: shown(),
                    action: "creating the FIFO",
                    source: e.into(),
                })?;
                let owner = match &config.user {
                    Some(user) => Some((user.clone(), config.group.clone())),
                    None => default_owner.clone(),
                };
                if let Some((user, group)) = owner {
                    set_owner(&path, &user, group.as_deref())?;
                }
            }
            Err(source) => {
                return Err(FifoError::Io {
                    path: shown(),
                    action: "checking the path",
                    source,
                });
            }
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path)
            .map_err(|source| FifoError::Io {
                path: shown(),
                action: "opening the FIFO",
                source,
            })?;
        Ok(NotifyFifo {
            path,
            file,
            dropped: 0,
            reader,
        })
    }

    /// Starts the reader script, if any, with the FIFO's path as its last
    /// argument.
    pub(crate) fn start_reader(&self) {
        if let Some(command) = &self.reader {
            let mut command = command.clone();
            command.argv.push(self.path.display().to_string());
            notify::spawn("notify_fifo", &command);
        }
    }

    /// Writes one line (without its newline).
    pub(crate) fn write_line(&mut self, line: &str) {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        // A pipe write of at most PIPE_BUF bytes is all or nothing, so a
        // line is never split between two writers or torn by a full pipe.
        match self.file.write(&bytes) {
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                if self.dropped == 0 {
                    eprintln!(
                        "vrrpd: notify FIFO {} is full (nobody reads it); dropping lines",
                        self.path.display()
                    );
                }
                self.dropped += 1;
            }
            Err(err) => eprintln!(
                "vrrpd: writing to notify FIFO {}: {err}",
                self.path.display()
            ),
        }
    }

    /// Lines dropped because the FIFO was full.
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "for the stats of the control socket")
    )]
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }
}

fn set_owner(path: &Path, user: &str, group: Option<&str>) -> Result<(), FifoError> {
    let shown = || path.display().to_string();
    let Ok(Some(user_entry)) = User::from_name(user) else {
        return Err(FifoError::NoSuchOwner {
            path: shown(),
            name: user.to_owned(),
        });
    };
    let gid = match group {
        None => user_entry.gid,
        Some(group) => match Group::from_name(group) {
            Ok(Some(entry)) => entry.gid,
            _ => {
                return Err(FifoError::NoSuchOwner {
                    path: shown(),
                    name: group.to_owned(),
                });
            }
        },
    };
    chown(path, Some(user_entry.uid), Some(gid)).map_err(|e| FifoError::Io {
        path: shown(),
        action: "setting the owner",
        source: e.into(),
    })
}

/// The line for an instance's transition.
pub(crate) fn instance_line(name: &str, state: &str, priority: u8) -> String {
    format!("INSTANCE \"{name}\" {state} {priority}")
}

/// The line for a sync group's transition (keepalived writes priority 0).
pub(crate) fn group_line(name: &str, state: &str) -> String {
    format!("GROUP \"{name}\" {state} 0")
}

/// Every FIFO that VRRP events go to.
#[derive(Debug, Default)]
pub(crate) struct Fifos(Vec<NotifyFifo>);

impl Fifos {
    /// Opens `notify_fifo` and `vrrp_notify_fifo` (one FIFO, if both name
    /// the same path); a FIFO that cannot be opened is reported and left out.
    pub(crate) fn open(config: &kconf_parser::model::Config, default_user: &RunAs) -> Self {
        let notification = &config.global.notification;
        let mut fifos: Vec<NotifyFifo> = Vec::new();
        for (fifo, script) in [
            (&notification.notify_fifo, &notification.notify_fifo_script),
            (
                &notification.vrrp_notify_fifo,
                &notification.vrrp_notify_fifo_script,
            ),
        ] {
            let Some(fifo) = fifo else { continue };
            if fifos.iter().any(|f| f.path == Path::new(&fifo.path.value)) {
                continue;
            }
            let reader = notify::vetted(config, "notify_fifo_script", script)
                .map(|s| notify::command_of(&s, default_user, Vec::new()));
            match NotifyFifo::open(fifo, reader, default_user) {
                Ok(fifo) => fifos.push(fifo),
                Err(err) => eprintln!("vrrpd: notify FIFO {err}; not used"),
            }
        }
        Fifos(fifos)
    }

    /// Starts the reader scripts.
    pub(crate) fn start_readers(&self) {
        for fifo in &self.0 {
            fifo.start_reader();
        }
    }

    /// Writes `line` to every FIFO.
    pub(crate) fn write_line(&mut self, line: &str) {
        for fifo in &mut self.0 {
            fifo.write_line(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use kconf_parser::model::Located;

    use super::*;

    fn config(path: &Path) -> FifoConfig {
        FifoConfig {
            path: Located::bare(path.display().to_string()),
            user: None,
            group: None,
        }
    }

    #[test]
    fn lines_are_keepalived_s() {
        assert_eq!(
            instance_line("VI_1", "MASTER", 150),
            "INSTANCE \"VI_1\" MASTER 150"
        );
        assert_eq!(group_line("G1", "FAULT"), "GROUP \"G1\" FAULT 0");
    }

    #[test]
    fn creates_a_private_fifo_and_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.fifo");
        let mut fifo = NotifyFifo::open(&config(&path), None, &None).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert!(meta.file_type().is_fifo());
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
            0o600
        );
        fifo.write_line("INSTANCE \"VI_1\" MASTER 150");
        let mut reader = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&path)
            .unwrap();
        let mut buffer = [0u8; 64];
        let n = reader.read(&mut buffer).unwrap();
        assert_eq!(&buffer[..n], b"INSTANCE \"VI_1\" MASTER 150\n");
        // Nobody reads: the pipe fills, lines are dropped, nothing blocks.
        let long = "x".repeat(1000);
        for _ in 0..200 {
            fifo.write_line(&long);
        }
        assert!(fifo.dropped() > 0);
    }

    #[test]
    fn refuses_what_is_not_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        assert!(matches!(
            NotifyFifo::open(&config(&file), None, &None),
            Err(FifoError::NotAFifo { .. })
        ));
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("elsewhere.fifo"), &link).unwrap();
        assert!(NotifyFifo::open(&config(&link), None, &None).is_err());
        assert!(!dir.path().join("elsewhere.fifo").exists());
    }
}
