//! Helpers shared by vrrpd's lab tests.

// Each test file uses a part of this module.
#![allow(dead_code)]
// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use netlab::{Host, Lab, Process, Segment};

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

/// Two hosts, `a` and `b`, with `eth0` on one segment `lan`. Fields drop in
/// order: the hosts, then the segment, then the lab.
pub(crate) struct Pair {
    pub(crate) a: Host,
    pub(crate) b: Host,
    pub(crate) lan: Segment,
    _lab: Lab,
}

/// A lab for `test` (skipped, loudly, without `programs`) with a pair whose
/// `eth0` has `a_addresses` and `b_addresses`.
pub(crate) fn pair(
    test: &str,
    programs: &[&str],
    a_addresses: &[&str],
    b_addresses: &[&str],
) -> Option<Pair> {
    let lab = Lab::for_test(test, programs)?;
    let lan = lab.segment("lan").unwrap();
    let a = lab.host("a").unwrap();
    let b = lab.host("b").unwrap();
    lan.attach(&a, "eth0", a_addresses).unwrap();
    lan.attach(&b, "eth0", b_addresses).unwrap();
    Some(Pair {
        a,
        b,
        lan,
        _lab: lab,
    })
}
