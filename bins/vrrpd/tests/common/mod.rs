//! Helpers shared by vrrpd's lab tests.

// Each test file uses a part of this module.
#![allow(dead_code)]
// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use netlab::{Host, Process};

/// Starts vrrpd on `host` with `config` (written to `<label>.conf`);
/// `label` names its log (a restarted daemon gets a log of its own).
pub(crate) fn vrrpd(host: &Host, label: &str, config: &str) -> Process {
    vrrpd_with(host, label, config, &[])
}

/// [`vrrpd`] with extra command-line flags.
pub(crate) fn vrrpd_with(host: &Host, label: &str, config: &str, flags: &[&str]) -> Process {
    let path = host.write_file(&format!("{label}.conf"), config).unwrap();
    let run_dir = host.path("run");
    let mut argv = vec![
        env!("CARGO_BIN_EXE_vrrpd"),
        "-l",
        "-f",
        path.to_str().unwrap(),
        "--run-dir",
        run_dir.to_str().unwrap(),
    ];
    argv.extend(flags);
    host.spawn(label, &argv).unwrap()
}
