//! Helpers shared by keepalived-rs's lab tests.

// Each test file uses a part of this module.
#![allow(dead_code)]
// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use netlab::peers::keepalived::{self, VrrpInstance};
use netlab::{Host, Lab, Segment};

/// The VIP of [`config`].
pub(crate) const VIP: &str = "10.0.0.100";

/// One host `a` with `eth0` (10.0.0.1/24) on a segment of its own. Fields
/// drop in order: the host, then the segment, then the lab.
pub(crate) struct OneHost {
    pub(crate) host: Host,
    _lan: Segment,
    _lab: Lab,
}

/// A lab for `test` (skipped, loudly, without `programs`) with one host.
pub(crate) fn one_host(test: &str, programs: &[&str]) -> Option<OneHost> {
    let lab = Lab::for_test(test, programs)?;
    let lan = lab.segment("lan").unwrap();
    let host = lab.host("a").unwrap();
    lan.attach(&host, "eth0", &["10.0.0.1/24"]).unwrap();
    Some(OneHost {
        host,
        _lan: lan,
        _lab: lab,
    })
}

/// Writes `keepalived.conf` with one instance, VI_1 (VRID 51, priority
/// 150, [`VIP`]/24 on eth0), and returns its path.
pub(crate) fn config(host: &Host) -> PathBuf {
    let instance = VrrpInstance::new("VI_1", "eth0", 51, 150).vip(&format!("{VIP}/24"));
    host.write_file("keepalived.conf", &keepalived::config("lab", &[instance]))
        .unwrap()
}

/// The vrrpd processes running in `host`.
pub(crate) fn vrrpd_pids(host: &Host) -> Vec<i32> {
    host.pids()
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == "vrrpd")
        })
        .collect()
}
