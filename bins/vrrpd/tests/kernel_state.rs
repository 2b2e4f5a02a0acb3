//! What vrrpd leaves in the kernel, read back with `ip`: virtual routes and
//! rules on the master only (moving on failover), static addresses, routes
//! and rules on every router from start to stop, and `use_vmac` macvlans
//! carrying the virtual MAC that other hosts learn for the VIP.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use netlab::peers::keepalived::{self, VrrpInstance};
use netlab::{Host, Lab, Process};

mod common;
use common::vrrpd;

const VIP: &str = "10.0.0.100";

fn wait_master(process: &mut Process, mark: usize) {
    process
        .wait_for_log_after(
            mark,
            "(VI_1) Entering MASTER STATE",
            Duration::from_secs(10),
        )
        .unwrap();
}

/// Fields drop in order: the hosts, then the segment, then the lab.
struct Hosts {
    a: Host,
    b: Host,
    c: Host,
    _lan: netlab::Segment,
    _lab: Lab,
}

fn hosts(test: &str) -> Option<Hosts> {
    let lab = Lab::for_test(test, &[])?;
    let lan = lab.segment("lan").unwrap();
    let a = lab.host("a").unwrap();
    let b = lab.host("b").unwrap();
    let c = lab.host("c").unwrap();
    lan.attach(&a, "eth0", &["10.0.0.1/24"]).unwrap();
    lan.attach(&b, "eth0", &["10.0.0.2/24"]).unwrap();
    lan.attach(&c, "eth0", &["10.0.0.3/24"]).unwrap();
    Some(Hosts {
        a,
        b,
        c,
        _lan: lan,
        _lab: lab,
    })
}

/// Routes, rules and addresses of `host`, as `ip` prints them.
fn kernel_state(host: &Host) -> String {
    let mut text = host
        .run_stdout(&["ip", "route", "show", "table", "all"])
        .unwrap();
    text.push_str(&host.run_stdout(&["ip", "rule", "show"]).unwrap());
    text.push_str(&host.run_stdout(&["ip", "addr", "show"]).unwrap());
    text
}

const VIRTUAL: [&str; 3] = [
    "10.50.0.0/16 via 10.0.0.254 dev eth0 table 100",
    "blackhole 10.51.0.0/16",
    "50:\tfrom 10.50.0.0/16 lookup 100",
];
const STATIC: [&str; 3] = [
    "10.99.0.0/16 via 10.0.0.254 dev eth0",
    "98:\tfrom 10.98.0.0/16 lookup 98",
    "inet 192.168.99.1/32 scope global eth0",
];

fn routing_config(priority: u8) -> String {
    let mut instance = VrrpInstance::new("VI_1", "eth0", 51, priority).vip(&format!("{VIP}/24"));
    instance.extra = vec![
        "virtual_routes {\n        10.50.0.0/16 via 10.0.0.254 dev eth0 table 100\n        blackhole 10.51.0.0/16\n    }".into(),
        "virtual_rules {\n        from 10.50.0.0/16 table 100 preference 50\n    }".into(),
    ];
    let mut config = keepalived::config("lab", &[instance]);
    config.push_str(
        "static_ipaddress {\n    192.168.99.1/32 dev eth0\n}\n\
         static_routes {\n    10.99.0.0/16 via 10.0.0.254 dev eth0\n}\n\
         static_rules {\n    from 10.98.0.0/16 table 98 preference 98\n}\n",
    );
    config
}

fn holds_all(host: &Host, lines: &[&str]) -> bool {
    let state = kernel_state(host);
    lines.iter().all(|line| state.contains(line))
}

fn holds_none(host: &Host, lines: &[&str]) -> bool {
    let state = kernel_state(host);
    !lines.iter().any(|line| state.contains(line))
}

#[test]
fn virtual_routes_and_rules_follow_the_master_and_static_ones_stay() {
    let Some(h) = hosts("vrrpd-kernel-routes") else {
        return;
    };
    let mut high = vrrpd(&h.a, "vrrpd-1", &routing_config(150));
    let mut low = vrrpd(&h.b, "vrrpd-2", &routing_config(100));
    wait_master(&mut high, 0);
    low.wait_for_log("(VI_1) Entering BACKUP STATE", Duration::from_secs(10))
        .unwrap();
    netlab::wait_until(
        "the master to install its routes and rules",
        Duration::from_secs(3),
        || Ok(holds_all(&h.a, &VIRTUAL) && holds_all(&h.a, &STATIC)),
    )
    .unwrap_or_else(|e| panic!("{e}:\n{}\n{}", kernel_state(&h.a), high.log()));
    netlab::wait_until("the backup's static state", Duration::from_secs(3), || {
        Ok(holds_all(&h.b, &STATIC))
    })
    .unwrap_or_else(|e| panic!("{e}:\n{}", kernel_state(&h.b)));
    assert!(
        holds_none(&h.b, &VIRTUAL),
        "the backup holds no virtual routes or rules:\n{}",
        kernel_state(&h.b)
    );
    for log in [high.log(), low.log()] {
        // Nothing refused or failed: only state changes are reported.
        let complaints: Vec<&str> = log
            .lines()
            .filter(|l| l.starts_with("(static)") || l.starts_with("(VI_1)"))
            .filter(|l| !l.contains(" Entering "))
            .collect();
        assert!(complaints.is_empty(), "{log}");
        assert!(!log.contains("not supported"), "{log}");
    }

    // A clean stop: the backup takes the virtual state over, and the
    // stopped router keeps nothing, static state included.
    let mark = low.log_mark();
    high.signal(nix::sys::signal::Signal::SIGTERM).unwrap();
    wait_master(&mut low, mark);
    high.terminate(Duration::from_secs(5)).unwrap();
    netlab::wait_until("the virtual state to move", Duration::from_secs(3), || {
        Ok(holds_all(&h.b, &VIRTUAL))
    })
    .unwrap_or_else(|e| panic!("{e}:\n{}", kernel_state(&h.b)));
    assert!(holds_none(&h.a, &VIRTUAL), "{}", kernel_state(&h.a));
    assert!(holds_none(&h.a, &STATIC), "{}", kernel_state(&h.a));

    low.signal(nix::sys::signal::Signal::SIGTERM).unwrap();
    low.terminate(Duration::from_secs(5)).unwrap();
    assert!(holds_none(&h.b, &VIRTUAL), "{}", kernel_state(&h.b));
    assert!(holds_none(&h.b, &STATIC), "{}", kernel_state(&h.b));
}

fn vmac_config(priority: u8) -> String {
    let mut instance = VrrpInstance::new("VI_1", "eth0", 51, priority).vip(&format!("{VIP}/24"));
    instance.extra = vec!["use_vmac".into()];
    keepalived::config("lab", &[instance])
}

fn vmac_link(host: &Host) -> String {
    host.run_stdout(&["ip", "-d", "addr", "show", "dev", "vrrp.51"])
        .unwrap_or_default()
}

/// Pings the VIP from `host` and returns the MAC its neighbour table maps
/// the VIP to.
fn learned_mac(host: &Host) -> String {
    let _ = host.run(&["ping", "-c", "1", "-W", "1", VIP]);
    host.run_stdout(&["ip", "neigh", "show", VIP]).unwrap()
}

#[test]
fn a_vmac_carries_the_virtual_mac_and_the_vip() {
    let Some(h) = hosts("vrrpd-kernel-vmac") else {
        return;
    };
    // keepalived's documentation ("Note on using VRRP with Virtual MAC
    // address") has the administrator set arp_announce: without it, a reply
    // routed out of the base interface asks ARP from the VIP with the base
    // MAC, and the client relearns the wrong MAC. keepalived does not set it.
    for host in [&h.a, &h.b] {
        host.run(&["sysctl", "-qw", "net.ipv4.conf.all.arp_announce=2"])
            .unwrap();
    }
    let mut high = vrrpd(&h.a, "vrrpd-1", &vmac_config(150));
    let mut low = vrrpd(&h.b, "vrrpd-2", &vmac_config(100));
    wait_master(&mut high, 0);
    low.wait_for_log("(VI_1) Entering BACKUP STATE", Duration::from_secs(10))
        .unwrap();
    netlab::wait_until("the VMAC to hold the VIP", Duration::from_secs(3), || {
        Ok(vmac_link(&h.a).contains(&format!("inet {VIP}/24")))
    })
    .unwrap_or_else(|e| panic!("{e}:\n{}\n{}", vmac_link(&h.a), high.log()));
    let link = vmac_link(&h.a);
    assert!(link.contains("link/ether 00:00:5e:00:01:33"), "{link}");
    assert!(link.contains("macvlan mode private"), "{link}");
    assert!(
        !h.a.run_stdout(&["ip", "addr", "show", "dev", "eth0"])
            .unwrap()
            .contains(VIP),
        "the VIP is on the VMAC, not the base interface"
    );
    // The backup has its VMAC too, without the VIP.
    assert!(vmac_link(&h.b).contains("00:00:5e:00:01:33"));
    assert!(!vmac_link(&h.b).contains(VIP));
    let sysctl = |host: &Host, name: &str| {
        host.run_stdout(&["cat", &format!("/proc/sys/net/ipv4/conf/{name}")])
            .unwrap()
            .trim()
            .to_owned()
    };
    assert_eq!(sysctl(&h.a, "vrrp.51/arp_ignore"), "1");
    assert_eq!(sysctl(&h.a, "vrrp.51/accept_local"), "1");
    assert_eq!(sysctl(&h.a, "vrrp.51/rp_filter"), "0");
    assert_eq!(sysctl(&h.a, "eth0/arp_ignore"), "1");
    assert_eq!(sysctl(&h.a, "eth0/arp_filter"), "1");
    let mac = learned_mac(&h.c);
    assert!(
        mac.contains("00:00:5e:00:01:33"),
        "{mac}\na: {}\nb: {}\n{}",
        h.a.run_stdout(&["ip", "link"]).unwrap(),
        h.b.run_stdout(&["ip", "link"]).unwrap(),
        high.log()
    );

    // The master crashes: the backup takes over and the VIP keeps its MAC.
    let mark = low.log_mark();
    high.kill().unwrap();
    wait_master(&mut low, mark);
    netlab::wait_until(
        "the backup's VMAC to hold the VIP",
        Duration::from_secs(3),
        || Ok(vmac_link(&h.b).contains(&format!("inet {VIP}/24"))),
    )
    .unwrap();
    let mac = learned_mac(&h.c);
    assert!(mac.contains("00:00:5e:00:01:33"), "{mac}");

    // A clean stop removes the VMAC and gives the base interface back its
    // sysctls.
    low.signal(nix::sys::signal::Signal::SIGTERM).unwrap();
    low.terminate(Duration::from_secs(5)).unwrap();
    assert!(
        h.b.run(&["ip", "link", "show", "vrrp.51"]).is_err(),
        "the VMAC is gone"
    );
    assert_eq!(sysctl(&h.b, "eth0/arp_ignore"), "0");
    assert_eq!(sysctl(&h.b, "eth0/arp_filter"), "0");

    // An interface of the VMAC's name that is not ours is left alone.
    h.c.run(&[
        "ip", "link", "add", "vrrp.51", "type", "veth", "peer", "name", "other",
    ])
    .unwrap();
    let mut other = vrrpd(&h.c, "vrrpd-3", &vmac_config(100));
    other
        .wait_for_log("exists and is not a VMAC", Duration::from_secs(5))
        .unwrap();
    let _ = other.terminate(Duration::from_secs(5));
    assert!(
        h.c.run_stdout(&["ip", "-d", "link", "show", "vrrp.51"])
            .unwrap()
            .contains("veth"),
        "the other interface is still there"
    );
}
