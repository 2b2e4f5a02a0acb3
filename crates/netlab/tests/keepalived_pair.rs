//! A real keepalived 2.2.7 pair in the lab: one master holds the VIP, and the
//! VIP moves when the master dies. This is the lab proving it can host the
//! interop tests of later issues.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::time::Duration;

use netlab::Lab;
use netlab::peers::keepalived::{self, Keepalived, VrrpInstance};

const VIP: &str = "10.0.0.100";

#[test]
fn keepalived_pair_elects_one_master_and_fails_over() {
    let Some(lab) = Lab::for_test("keepalived-pair", &["keepalived"]) else {
        return;
    };
    let lan = lab.segment("lan").unwrap();
    let (low, high) = (lab.host("low").unwrap(), lab.host("high").unwrap());
    lan.attach(&low, "eth0", &["10.0.0.1/24"]).unwrap();
    lan.attach(&high, "eth0", &["10.0.0.2/24"]).unwrap();

    let instance =
        |priority| VrrpInstance::new("VI_1", "eth0", 51, priority).vip(&format!("{VIP}/24"));
    let low_config = keepalived::config("low", &[instance(100)]);
    let high_config = keepalived::config("high", &[instance(150)]);
    for config in [&low_config, &high_config] {
        let path = lab.path("check.conf");
        std::fs::write(&path, config).unwrap();
        let verdict = keepalived::config_test(&path).unwrap();
        assert!(
            verdict.success && verdict.diagnostics.trim().is_empty(),
            "{}",
            verdict.diagnostics
        );
    }

    let mut low_ka = Keepalived::start(&low, &low_config).unwrap();
    let mut high_ka = Keepalived::start(&high, &high_config).unwrap();
    high_ka
        .wait_for_state(0, "VI_1", "MASTER", Duration::from_secs(10))
        .unwrap();
    low_ka
        .wait_for_state(0, "VI_1", "BACKUP", Duration::from_secs(10))
        .unwrap();
    let vip: IpAddr = VIP.parse().unwrap();
    netlab::wait_until("the master to add the VIP", Duration::from_secs(3), || {
        high.has_address(vip)
    })
    .unwrap();
    assert!(
        !low.has_address(vip).unwrap(),
        "the backup must not hold the VIP"
    );

    // A crash of the whole master host's keepalived (parent and children).
    let mark = low_ka.process().log_mark();
    high.kill_all();
    let took = low_ka
        .wait_for_state(mark, "VI_1", "MASTER", Duration::from_secs(10))
        .unwrap();
    netlab::wait_until(
        "the new master to add the VIP",
        Duration::from_secs(3),
        || low.has_address(vip),
    )
    .unwrap();
    // Master_Down_Interval for advert_int 1, priority 100 (VRRPv2): 3 s + (256-100)/256 s.
    eprintln!("keepalived takeover after SIGKILL of the master: {took:?}");
    assert!(took <= Duration::from_secs(6), "takeover took {took:?}");
}
