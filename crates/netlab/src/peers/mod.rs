//! Real protocol peers started inside lab hosts: the judges of
//! interoperability.
//!
//! Each peer writes its generated configuration into the lab directory, runs
//! in the foreground inside one host (so the lab's teardown reaps it), and
//! keeps its log beside the configuration.

use std::path::{Path, PathBuf};

pub mod bird;
pub mod frr;
pub mod keepalived;
pub mod nginx;

/// Directories searched after `PATH`: daemons live in sbin and FRR's under
/// /usr/lib/frr, which are not on every user's `PATH`.
const EXTRA_DIRS: &[&str] = &["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/lib/frr"];

/// Finds an executable by name on `PATH`, then in the sbin and FRR directories.
pub fn find_program(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let path = Path::new(name);
        return is_executable(path).then(|| path.to_path_buf());
    }
    let path_dirs = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path_dirs)
        .chain(EXTRA_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh_and_not_nonsense() {
        assert!(find_program("sh").is_some());
        assert!(find_program("/bin/sh").is_some());
        assert!(find_program("no-such-program-netlab").is_none());
        assert!(find_program("/no/such/program").is_none());
    }
}
