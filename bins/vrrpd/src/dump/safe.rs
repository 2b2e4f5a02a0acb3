//! Writing a dump file without giving a local user a way to misuse it (the
//! lessons of CVE-2018-19044/19045/19046, where keepalived wrote its dumps
//! through symlinks planted in /tmp, with mode 0644).
//!
//! The file is written to a fresh temporary name in the target's directory,
//! created with `O_CREAT|O_EXCL|O_NOFOLLOW` and mode 0600, synced, then
//! renamed over the target. `rename` replaces whatever the target name is,
//! a symlink included, instead of writing through it; a reader sees the
//! old file or the new one, never half of one.
//!
//! A directory that anyone may write to is refused unless it has the sticky
//! bit (as /tmp has): without it another user could rename or delete our
//! file between the write and the rename. It does not check the directory's
//! parents, and it follows a symlink in the directory path itself (that
//! path is the administrator's choice, TMPDIR; the file name is not).

use std::fs::File;
use std::io::{self, Write as _};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use nix::fcntl::{OFlag, open, openat, renameat};
use nix::sys::stat::{Mode, fchmod, fstat};
use nix::unistd::{UnlinkatFlags, unlinkat};

/// Why a dump was not written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WriteError {
    /// The directory cannot be opened or examined.
    #[error("cannot open directory {dir}: {source}")]
    Directory { dir: String, source: nix::Error },
    /// The directory is writable by anyone and not sticky.
    #[error("refusing to write in {dir}: it is world-writable without the sticky bit")]
    UnsafeDirectory { dir: String },
    /// The file name is empty or names a path, not a file.
    #[error("not a plain file name: {name:?}")]
    BadName { name: String },
    /// Creating, writing, syncing or renaming failed.
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: io::Error },
}

/// Writes `contents` to `dir/name` atomically, mode 0600, never through a
/// symlink. The previous file (or whatever had the name) is replaced.
pub(crate) fn write_file(dir: &Path, name: &str, contents: &[u8]) -> Result<(), WriteError> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(WriteError::BadName {
            name: name.to_owned(),
        });
    }
    let shown = dir.display().to_string();
    let dir_fd = open(
        dir,
        OFlag::O_DIRECTORY | OFlag::O_RDONLY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|source| WriteError::Directory {
        dir: shown.clone(),
        source,
    })?;
    let stat = fstat(&dir_fd).map_err(|source| WriteError::Directory {
        dir: shown.clone(),
        source,
    })?;
    let mode = stat.st_mode;
    if mode & libc::S_IWOTH != 0 && mode & libc::S_ISVTX == 0 {
        return Err(WriteError::UnsafeDirectory { dir: shown });
    }
    let path = dir.join(name).display().to_string();
    let io_error = |source: io::Error| WriteError::Io {
        path: path.clone(),
        source,
    };
    let (temp_name, file) = create_temporary(&dir_fd, name).map_err(&io_error)?;
    let written = fill(file, contents).and_then(|()| {
        renameat(&dir_fd, temp_name.as_str(), &dir_fd, name).map_err(io::Error::from)
    });
    if let Err(err) = written {
        // Nothing half-written is left behind under a name of ours.
        let _ = unlinkat(&dir_fd, temp_name.as_str(), UnlinkatFlags::NoRemoveDir);
        return Err(io_error(err));
    }
    Ok(())
}

/// Creates `.NAME.PID.N` exclusively; a name another process holds (or a
/// planted symlink) makes it try the next `N`.
fn create_temporary(dir: &impl AsFd, name: &str) -> io::Result<(String, File)> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let flags =
        OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_WRONLY | OFlag::O_CLOEXEC;
    let mode = Mode::S_IRUSR | Mode::S_IWUSR;
    let mut last = io::Error::other("no temporary name tried");
    for _ in 0..16 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = format!(".{name}.{}.{n}", std::process::id());
        match openat(dir, temp.as_str(), flags, mode) {
            Ok(fd) => {
                let fd: OwnedFd = fd;
                // The umask may only have narrowed 0600; make it exactly that.
                fchmod(&fd, mode).map_err(io::Error::from)?;
                return Ok((temp, File::from(fd)));
            }
            Err(nix::Error::EEXIST) => last = io::Error::from(nix::Error::EEXIST),
            Err(err) => return Err(err.into()),
        }
    }
    Err(last)
}

fn fill(mut file: File, contents: &[u8]) -> io::Result<()> {
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    fn mode_of(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    }

    #[test]
    fn writes_a_new_file_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        write_file(dir.path(), "keepalived.data", b"hello\n").unwrap();
        let path = dir.path().join("keepalived.data");
        assert_eq!(std::fs::read(&path).unwrap(), b"hello\n");
        assert_eq!(mode_of(&path), 0o600);
        // No temporary file is left.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_symlink_at_the_target_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("shadow");
        std::fs::write(&victim, b"precious").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let target = dir.path().join("keepalived.stats");
        symlink(&victim, &target).unwrap();
        write_file(dir.path(), "keepalived.stats", b"stats").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(mode_of(&victim), 0o644);
        let meta = std::fs::symlink_metadata(&target).unwrap();
        assert!(meta.file_type().is_file(), "the symlink itself is replaced");
        assert_eq!(std::fs::read(&target).unwrap(), b"stats");
        assert_eq!(mode_of(&target), 0o600);
    }

    #[test]
    fn a_dangling_symlink_creates_nothing_at_its_destination() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let planted = outside.path().join("created-by-root");
        symlink(&planted, dir.path().join("keepalived.json")).unwrap();
        write_file(dir.path(), "keepalived.json", b"[]").unwrap();
        assert!(!planted.exists());
        assert_eq!(
            std::fs::read(dir.path().join("keepalived.json")).unwrap(),
            b"[]"
        );
    }

    #[test]
    fn an_existing_file_is_replaced_as_a_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keepalived.data");
        std::fs::write(&path, vec![b'x'; 10_000]).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let before = std::fs::metadata(&path).unwrap();
        write_file(dir.path(), "keepalived.data", b"short").unwrap();
        // A new inode: a reader holding the old file kept it whole.
        use std::os::unix::fs::MetadataExt as _;
        let after = std::fs::metadata(&path).unwrap();
        assert_ne!(before.ino(), after.ino());
        assert_eq!(std::fs::read(&path).unwrap(), b"short");
        assert_eq!(mode_of(&path), 0o600);
    }

    #[test]
    fn a_world_writable_directory_without_sticky_bit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = write_file(dir.path(), "keepalived.data", b"x").unwrap_err();
        assert!(matches!(err, WriteError::UnsafeDirectory { .. }), "{err}");
        assert!(!dir.path().join("keepalived.data").exists());
        // With the sticky bit (as /tmp) it is fine.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        write_file(dir.path(), "keepalived.data", b"x").unwrap();
    }

    #[test]
    fn bad_names_and_missing_directories_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["", ".", "..", "a/b"] {
            assert!(matches!(
                write_file(dir.path(), name, b"x"),
                Err(WriteError::BadName { .. })
            ));
        }
        let missing = dir.path().join("nope");
        assert!(matches!(
            write_file(&missing, "keepalived.data", b"x"),
            Err(WriteError::Directory { .. })
        ));
        // A directory at the target name: the rename fails, no leftovers.
        std::fs::create_dir(dir.path().join("keepalived.data")).unwrap();
        std::fs::write(dir.path().join("keepalived.data/f"), b"").unwrap();
        assert!(matches!(
            write_file(dir.path(), "keepalived.data", b"x"),
            Err(WriteError::Io { .. })
        ));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
