//! vrrpd on real interfaces in the lab: an election, failover after a
//! crash (within Master_Down) and after a clean stop (within Skew), and
//! interoperation with the real keepalived 2.2.7 in the same VRID.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::time::Duration;

use netlab::peers::keepalived::{self, Keepalived, VrrpInstance};
use netlab::{Host, Lab, Process};

mod common;
use common::{Pair, vrrpd};

const VIP: &str = "10.0.0.100";

fn config(priority: u8) -> String {
    let mut instance = VrrpInstance::new("VI_1", "eth0", 51, priority).vip(&format!("{VIP}/24"));
    instance.auth_pass = Some("secret".into());
    keepalived::config("lab", &[instance])
}

fn vip() -> IpAddr {
    VIP.parse().unwrap()
}

fn holds(host: &Host) -> bool {
    host.has_address(vip()).unwrap()
}

fn wait_master(process: &mut Process, mark: usize, timeout: Duration) -> Duration {
    process
        .wait_for_log_after(mark, "(VI_1) Entering MASTER STATE", timeout)
        .unwrap()
}

fn pair(test: &str, programs: &[&str]) -> Option<Pair> {
    common::pair(test, programs, &["10.0.0.1/24"], &["10.0.0.2/24"])
}

#[test]
fn our_pair_elects_fails_over_and_preempts() {
    let Some(p) = pair("vrrpd-pair", &[]) else {
        return;
    };
    let mut high = vrrpd(&p.a, "vrrpd-1", &config(150));
    let mut low = vrrpd(&p.b, "vrrpd-2", &config(100));
    wait_master(&mut high, 0, Duration::from_secs(10));
    low.wait_for_log("(VI_1) Entering BACKUP STATE", Duration::from_secs(10))
        .unwrap();
    netlab::wait_until("the master to hold the VIP", Duration::from_secs(3), || {
        Ok(holds(&p.a))
    })
    .unwrap();
    assert!(!holds(&p.b), "the backup must not hold the VIP");

    // A crash: the backup takes over within Master_Down_Interval
    // (3 + (256-100)/256 s for VRRPv2 priority 100), plus scheduling slack.
    let mark = low.log_mark();
    high.kill().unwrap();
    let took = wait_master(&mut low, mark, Duration::from_secs(10));
    eprintln!("takeover after SIGKILL: {took:?}");
    assert!(took <= Duration::from_millis(3_609 + 500), "{took:?}");
    netlab::wait_until("the backup to hold the VIP", Duration::from_secs(3), || {
        Ok(holds(&p.b))
    })
    .unwrap();

    // The higher priority comes back and preempts.
    // (A crashed vrrpd left its VIP; the new one re-adds it idempotently.)
    let mut high = vrrpd(&p.a, "vrrpd-3", &config(150));
    wait_master(&mut high, 0, Duration::from_secs(10));
    netlab::wait_until(
        "the old backup to release the VIP",
        Duration::from_secs(5),
        || Ok(!holds(&p.b)),
    )
    .unwrap();

    // A clean stop hands over after Skew_Time (0.61 s), not Master_Down.
    let mark = low.log_mark();
    let stopped = std::time::Instant::now();
    high.signal(nix::sys::signal::Signal::SIGTERM).unwrap();
    wait_master(&mut low, mark, Duration::from_secs(10));
    let took = stopped.elapsed();
    eprintln!("takeover after SIGTERM: {took:?}");
    assert!(took <= Duration::from_millis(609 + 500), "{took:?}");
    high.terminate(Duration::from_secs(5)).unwrap();
    assert!(!holds(&p.a), "a stopped master releases the VIP");
}

#[test]
fn interoperates_with_keepalived() {
    let Some(p) = pair("vrrpd-keepalived", &["keepalived"]) else {
        return;
    };
    // keepalived is the backup; ours wins with the higher priority.
    let mut ka = Keepalived::start(&p.b, &config(100)).unwrap();
    let mut ours = vrrpd(&p.a, "vrrpd-4", &config(150));
    wait_master(&mut ours, 0, Duration::from_secs(10));
    ka.wait_for_state(0, "VI_1", "BACKUP", Duration::from_secs(10))
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let log = ka.process().log();
    assert!(
        !log.contains("Entering MASTER STATE"),
        "keepalived must stay backup:\n{log}"
    );
    for complaint in [
        "bad checksum",
        "invalid",
        "ip address associated",
        "wrong",
        "mismatch",
    ] {
        assert!(
            !log.to_lowercase().contains(complaint),
            "keepalived complains ({complaint}) about our adverts:\n{log}"
        );
    }

    // Ours dies: keepalived takes over.
    let mark = ka.process().log_mark();
    ours.kill().unwrap();
    ka.wait_for_state(mark, "VI_1", "MASTER", Duration::from_secs(10))
        .unwrap();
    netlab::wait_until("keepalived to hold the VIP", Duration::from_secs(3), || {
        Ok(holds(&p.b))
    })
    .unwrap();

    // Ours comes back below keepalived's priority and stays backup...
    let mut ours = vrrpd(&p.a, "vrrpd-5", &config(50));
    ours.wait_for_log("(VI_1) Entering BACKUP STATE", Duration::from_secs(10))
        .unwrap();
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        !ours.log().contains("Entering MASTER STATE"),
        "{}",
        ours.log()
    );
    // ...and takes over when keepalived stops (priority 0 from keepalived).
    let mark = ours.log_mark();
    let stopped = std::time::Instant::now();
    ka.process()
        .signal(nix::sys::signal::Signal::SIGTERM)
        .unwrap();
    wait_master(&mut ours, mark, Duration::from_secs(10));
    let took = stopped.elapsed();
    eprintln!("takeover from keepalived after SIGTERM: {took:?}");
    // Skew for priority 50 is (256-50)/256 s = 0.80 s, far below Master_Down.
    assert!(took <= Duration::from_millis(805 + 500), "{took:?}");
}

#[test]
fn link_down_faults_and_removed_vips_come_back() {
    let Some(p) = pair("vrrpd-link", &[]) else {
        return;
    };
    let mut high = vrrpd(&p.a, "vrrpd-1", &config(150));
    let mut low = vrrpd(&p.b, "vrrpd-2", &config(100));
    wait_master(&mut high, 0, Duration::from_secs(10));
    netlab::wait_until("the master to hold the VIP", Duration::from_secs(3), || {
        Ok(holds(&p.a))
    })
    .unwrap();

    // Someone deletes the VIP on the master: it is put back.
    p.a.run(&["ip", "addr", "del", &format!("{VIP}/24"), "dev", "eth0"])
        .unwrap();
    netlab::wait_until("the VIP to be restored", Duration::from_secs(3), || {
        Ok(holds(&p.a))
    })
    .unwrap();
    assert!(
        high.log().contains("was removed; restoring it"),
        "{}",
        high.log()
    );

    // The master's interface goes down: it faults and the backup takes over.
    let mark = low.log_mark();
    p.a.set_link("eth0", false).unwrap();
    high.wait_for_log("(VI_1) Entering FAULT STATE", Duration::from_secs(5))
        .unwrap();
    wait_master(&mut low, mark, Duration::from_secs(10));
    // Back up: Backup first, then it preempts.
    let mark = high.log_mark();
    p.a.set_link("eth0", true).unwrap();
    high.wait_for_log_after(mark, "(VI_1) Entering BACKUP STATE", Duration::from_secs(5))
        .unwrap();
    wait_master(&mut high, mark, Duration::from_secs(10));
}

#[test]
fn a_tracked_interface_faults_the_instance() {
    let Some(lab) = Lab::for_test("vrrpd-track-interface", &[]) else {
        return;
    };
    let lan = lab.segment("lan").unwrap();
    let uplink = lab.segment("uplink").unwrap();
    let (a, b) = (lab.host("a").unwrap(), lab.host("b").unwrap());
    lan.attach(&a, "eth0", &["10.0.0.1/24"]).unwrap();
    lan.attach(&b, "eth0", &["10.0.0.2/24"]).unwrap();
    let a_uplink = uplink.attach(&a, "eth1", &["192.0.2.1/24"]).unwrap();
    let tracked = |priority: u8| {
        let mut instance =
            VrrpInstance::new("VI_1", "eth0", 51, priority).vip(&format!("{VIP}/24"));
        instance.extra = vec!["track_interface {\n        eth1\n    }".into()];
        keepalived::config("lab", &[instance])
    };
    let mut high = vrrpd(&a, "vrrpd-1", &tracked(150));
    let mut low = vrrpd(&b, "vrrpd-2", &config(100));
    wait_master(&mut high, 0, Duration::from_secs(10));
    assert!(!high.log().contains("not supported"), "{}", high.log());

    // The uplink loses its carrier: the master faults, the backup takes over.
    let mark = low.log_mark();
    uplink.set_port_up(&a_uplink, false).unwrap();
    high.wait_for_log("(VI_1) Entering FAULT STATE", Duration::from_secs(5))
        .unwrap();
    wait_master(&mut low, mark, Duration::from_secs(10));
    netlab::wait_until("the VIP to move", Duration::from_secs(3), || {
        Ok(holds(&b) && !holds(&a))
    })
    .unwrap();

    // It comes back: the higher priority preempts again.
    let mark = high.log_mark();
    uplink.set_port_up(&a_uplink, true).unwrap();
    wait_master(&mut high, mark, Duration::from_secs(10));
}

#[test]
fn notify_scripts_run_with_keepalived_arguments() {
    let Some(p) = pair("vrrpd-notify", &[]) else {
        return;
    };
    let record = p.a.path("transitions");
    let script =
        p.a.write_file(
            "notify.sh",
            &format!("#!/bin/sh\necho \"$@\" >> {}\n", record.display()),
        )
        .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut instance = VrrpInstance::new("VI_1", "eth0", 51, 150).vip(&format!("{VIP}/24"));
    instance.auth_pass = Some("secret".into());
    instance.extra = vec![
        format!("notify_master \"{} own-master\"", script.display()),
        format!("notify {}", script.display()),
    ];
    let mut high = vrrpd(&p.a, "vrrpd-1", &keepalived::config("lab", &[instance]));
    wait_master(&mut high, 0, Duration::from_secs(10));
    // The scripts start in keepalived's order but run concurrently, so
    // compare what they recorded, not the order they finished in.
    let mut expected = vec![
        "INSTANCE VI_1 BACKUP 150",
        "INSTANCE VI_1 MASTER 150",
        "own-master",
    ];
    expected.sort();
    let recorded = || {
        let text = std::fs::read_to_string(&record).unwrap_or_default();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };
    netlab::wait_until("the notify scripts to run", Duration::from_secs(3), || {
        Ok(recorded() == expected)
    })
    .unwrap_or_else(|e| panic!("{e}: {:?}", recorded()));
    assert!(!high.log().contains("not supported"), "{}", high.log());
}

#[test]
fn an_interface_that_appears_later_is_picked_up() {
    let Some(lab) = Lab::for_test("vrrpd-late-interface", &[]) else {
        return;
    };
    let lan = lab.segment("lan").unwrap();
    let (a, b) = (lab.host("a").unwrap(), lab.host("b").unwrap());
    lan.attach(&b, "eth0", &["10.0.0.2/24"]).unwrap();
    // a's eth0 does not exist yet: vrrpd waits in FAULT instead of failing.
    let mut late = vrrpd(&a, "vrrpd-1", &config(150));
    late.wait_for_log("(VI_1) Entering FAULT STATE", Duration::from_secs(5))
        .unwrap();
    let mut other = vrrpd(&b, "vrrpd-2", &config(100));
    wait_master(&mut other, 0, Duration::from_secs(10));
    assert!(late.is_running(), "{}", late.log());

    // The interface comes (with its address): the instance starts, and
    // its higher priority takes the VIP over.
    let mark = late.log_mark();
    lan.attach(&a, "eth0", &["10.0.0.1/24"]).unwrap();
    late.wait_for_log_after(mark, "interface eth0 is here", Duration::from_secs(5))
        .unwrap();
    wait_master(&mut late, mark, Duration::from_secs(10));
    netlab::wait_until("the VIP to move", Duration::from_secs(5), || {
        Ok(holds(&a) && !holds(&b))
    })
    .unwrap();
}

#[test]
fn nopreempt_keeps_a_higher_priority_backup_back() {
    let Some(p) = pair("vrrpd-nopreempt", &[]) else {
        return;
    };
    let nopreempt = |priority: u8| {
        let mut instance =
            VrrpInstance::new("VI_1", "eth0", 51, priority).vip(&format!("{VIP}/24"));
        instance.auth_pass = Some("secret".into());
        instance.nopreempt = true;
        keepalived::config("lab", &[instance])
    };
    let mut low = vrrpd(&p.b, "vrrpd-1", &nopreempt(100));
    wait_master(&mut low, 0, Duration::from_secs(10));
    // The higher priority joins later: with nopreempt it stays backup.
    let mut high = vrrpd(&p.a, "vrrpd-2", &nopreempt(150));
    high.wait_for_log("(VI_1) Entering BACKUP STATE", Duration::from_secs(10))
        .unwrap();
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        !high.log().contains("Entering MASTER STATE"),
        "{}",
        high.log()
    );
    assert!(holds(&p.b) && !holds(&p.a));
    // It still takes over when the master goes.
    let mark = high.log_mark();
    low.signal(nix::sys::signal::Signal::SIGTERM).unwrap();
    wait_master(&mut high, mark, Duration::from_secs(5));
}

#[test]
fn a_configured_multicast_group_is_used_and_understood_by_keepalived() {
    let Some(p) = pair("vrrpd-mcast-group", &["keepalived"]) else {
        return;
    };
    // Both sides move their adverts to another group (global_defs).
    let with_group = |priority: u8| {
        config(priority).replacen(
            "global_defs {",
            "global_defs {\n    vrrp_mcast_group4 239.9.9.18",
            1,
        )
    };
    assert!(with_group(100).contains("vrrp_mcast_group4"));
    let mut ka = Keepalived::start(&p.b, &with_group(100)).unwrap();
    let mut ours = vrrpd(&p.a, "vrrpd-1", &with_group(150));
    wait_master(&mut ours, 0, Duration::from_secs(10));
    ka.wait_for_state(0, "VI_1", "BACKUP", Duration::from_secs(10))
        .unwrap();
    // keepalived hears our adverts on 239.9.9.18 (it joined only that
    // group), so it stays backup.
    std::thread::sleep(Duration::from_secs(4));
    let log = ka.process().log();
    assert!(!log.contains("Entering MASTER STATE"), "{log}");
    // And we hear its: it takes over when we stop, and we hear it as master.
    let mark = ka.process().log_mark();
    ours.signal(nix::sys::signal::Signal::SIGTERM).unwrap();
    ka.wait_for_state(mark, "VI_1", "MASTER", Duration::from_secs(5))
        .unwrap();
    let mut again = vrrpd(&p.a, "vrrpd-2", &with_group(50));
    again
        .wait_for_log("(VI_1) Entering BACKUP STATE", Duration::from_secs(10))
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        !again.log().contains("Entering MASTER STATE"),
        "{}",
        again.log()
    );
}

#[test]
fn a_deleted_and_recreated_interface_is_taken_up_again() {
    let Some(p) = pair("vrrpd-recreated", &[]) else {
        return;
    };
    let mut high = vrrpd(&p.a, "vrrpd-1", &config(150));
    let mut low = vrrpd(&p.b, "vrrpd-2", &config(100));
    wait_master(&mut high, 0, Duration::from_secs(10));
    // The master's interface is deleted (a network restart, a VLAN
    // re-created): it faults and the backup takes over.
    let mark = low.log_mark();
    p.a.run(&["ip", "link", "del", "eth0"]).unwrap();
    high.wait_for_log("(VI_1) Entering FAULT STATE", Duration::from_secs(5))
        .unwrap();
    wait_master(&mut low, mark, Duration::from_secs(10));
    // An interface of the same name comes back (a new index): vrrpd opens a
    // new socket on it and preempts again.
    let mark = high.log_mark();
    p.lan.attach(&p.a, "eth0", &["10.0.0.1/24"]).unwrap();
    wait_master(&mut high, mark, Duration::from_secs(10));
    netlab::wait_until("the VIP to come back", Duration::from_secs(5), || {
        Ok(holds(&p.a) && !holds(&p.b))
    })
    .unwrap();
    assert!(high.is_running(), "{}", high.log());
}
