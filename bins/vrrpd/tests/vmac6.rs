//! IPv6 VMACs, gratuitous ARP pacing and the release flags, seen from the
//! kernel and the wire: an IPv6 VRRPv3 pair with `use_vmac` whose virtual
//! MAC a third host learns for the VIP and keeps across a failover;
//! `vrrp_garp_interval` spacing the ARPs a third host captures; and
//! `--dont-release-vrrp` / `--release-vips` deciding what a stopped vrrpd
//! leaves on its host.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use netlab::peers::keepalived::{self, VrrpInstance};
use netlab::{Host, Lab, Process};
use nix::sys::signal::Signal;

mod common;
use common::vrrpd_with as vrrpd;

const VIP6: &str = "fd00::100";
const VIP4: &str = "10.0.0.100";

fn wait_state(process: &mut Process, mark: usize, state: &str) {
    process
        .wait_for_log_after(
            mark,
            &format!("(VI_1) Entering {state} STATE"),
            Duration::from_secs(10),
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", process.log()));
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
    let lab = Lab::for_test(test, &["tcpdump"])?;
    let lan = lab.segment("lan").unwrap();
    let a = lab.host("a").unwrap();
    let b = lab.host("b").unwrap();
    let c = lab.host("c").unwrap();
    lan.attach(&a, "eth0", &["10.0.0.1/24", "fd00::1/64"])
        .unwrap();
    lan.attach(&b, "eth0", &["10.0.0.2/24", "fd00::2/64"])
        .unwrap();
    lan.attach(&c, "eth0", &["10.0.0.3/24", "fd00::3/64"])
        .unwrap();
    Some(Hosts {
        a,
        b,
        c,
        _lan: lan,
        _lab: lab,
    })
}

fn link(host: &Host, name: &str) -> String {
    host.run_stdout(&["ip", "-d", "addr", "show", "dev", name])
        .unwrap_or_default()
}

/// The link-local address `ip` shows on `host`'s `name`.
fn link_local(host: &Host, name: &str) -> Option<String> {
    host.run_stdout(&[
        "ip", "-6", "-o", "addr", "show", "dev", name, "scope", "link",
    ])
    .ok()?
    .split_whitespace()
    .skip_while(|w| *w != "inet6")
    .nth(1)
    .map(str::to_owned)
}

/// Pings the VIP from `host` and returns its neighbour entry for it.
fn learned_mac(host: &Host) -> String {
    let _ = host.run(&["ping", "-6", "-c", "1", "-W", "1", VIP6]);
    host.run_stdout(&["ip", "-6", "neigh", "show", VIP6])
        .unwrap()
}

fn vmac6_config(priority: u8) -> String {
    let mut instance = VrrpInstance::new("VI_1", "eth0", 51, priority)
        .version(3)
        .advert_int(0.2)
        .vip(&format!("{VIP6}/64"));
    instance.extra = vec!["use_vmac".into()];
    keepalived::config("lab", &[instance])
}

#[test]
fn an_ipv6_vmac_carries_the_virtual_mac_the_vip_and_the_adverts() {
    let Some(h) = hosts("vrrpd-vmac6") else {
        return;
    };
    let mut high = vrrpd(&h.a, "vrrpd-1", &vmac6_config(150), &[]);
    let mut low = vrrpd(&h.b, "vrrpd-2", &vmac6_config(100), &[]);
    wait_state(&mut high, 0, "MASTER");
    wait_state(&mut low, 0, "BACKUP");
    netlab::wait_until("the VMAC to hold the VIP", Duration::from_secs(5), || {
        Ok(link(&h.a, "vrrp.51").contains(&format!("inet6 {VIP6}/64")))
    })
    .unwrap_or_else(|e| panic!("{e}:\n{}\n{}", link(&h.a, "vrrp.51"), high.log()));
    let vmac = link(&h.a, "vrrp.51");
    assert!(vmac.contains("link/ether 00:00:5e:00:02:33"), "{vmac}");
    assert!(vmac.contains("macvlan mode private"), "{vmac}");
    // The VMAC's link-local address is the base interface's, not the
    // EUI-64 of the virtual MAC (which every router's VMAC would share).
    let base_ll = link_local(&h.a, "eth0").unwrap();
    assert_eq!(link_local(&h.a, "vrrp.51"), Some(base_ll.clone()), "{vmac}");
    assert!(!vmac.contains("fe80::200:5eff:fe00:233"), "{vmac}");
    assert!(!vmac.contains("tentative"), "{vmac}");
    assert_eq!(
        h.a.run_stdout(&["cat", "/proc/sys/net/ipv6/conf/vrrp.51/addr_gen_mode"])
            .unwrap()
            .trim(),
        "1"
    );
    let backup_vmac = link(&h.b, "vrrp.51");
    assert!(backup_vmac.contains("00:00:5e:00:02:33"), "{backup_vmac}");
    assert!(!backup_vmac.contains(VIP6), "{backup_vmac}");
    assert_eq!(
        link_local(&h.b, "vrrp.51"),
        link_local(&h.b, "eth0"),
        "{backup_vmac}"
    );

    // Adverts leave from the VMAC: the virtual MAC, the base's link-local
    // address.
    let adverts =
        h.c.run_stdout(&[
            "timeout", "5", "tcpdump", "-n", "-e", "-c", "2", "-i", "eth0", "ip6", "proto", "112",
        ])
        .unwrap();
    let lines: Vec<&str> = adverts.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{adverts}");
    eprintln!("adverts seen by c:\n{adverts}");
    for line in lines {
        assert!(
            line.starts_with_mac_source("00:00:5e:00:02:33"),
            "{adverts}"
        );
        assert!(
            line.contains(&format!(
                "{} > ff02::12",
                base_ll.split('/').next().unwrap()
            )),
            "{adverts}"
        );
    }

    let mac = learned_mac(&h.c);
    assert!(mac.contains("00:00:5e:00:02:33"), "{mac}\n{}", high.log());

    // The master crashes and its host goes away with its VMAC: the backup
    // takes over, and the VIP keeps its MAC for the third host.
    let mark = low.log_mark();
    high.kill().unwrap();
    h.a.run(&["ip", "link", "del", "vrrp.51"]).unwrap();
    wait_state(&mut low, mark, "MASTER");
    netlab::wait_until(
        "the backup's VMAC to hold the VIP",
        Duration::from_secs(5),
        || Ok(link(&h.b, "vrrp.51").contains(&format!("inet6 {VIP6}/64"))),
    )
    .unwrap();
    netlab::wait_until(
        "the third host to reach the VIP",
        Duration::from_secs(5),
        || Ok(h.c.run(&["ping", "-6", "-c", "1", "-W", "1", VIP6]).is_ok()),
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", low.log()));
    let mac = learned_mac(&h.c);
    assert!(mac.contains("00:00:5e:00:02:33"), "{mac}");
    let log = low.log();
    assert!(!log.contains("cannot") && !log.contains("failed"), "{log}");

    // A clean stop removes the VMAC.
    low.signal(Signal::SIGTERM).unwrap();
    low.terminate(Duration::from_secs(5)).unwrap();
    assert!(h.b.run(&["ip", "link", "show", "vrrp.51"]).is_err());
}

/// A tcpdump `-e` line's source MAC.
trait MacSource {
    fn starts_with_mac_source(&self, mac: &str) -> bool;
}

impl MacSource for str {
    fn starts_with_mac_source(&self, mac: &str) -> bool {
        self.split_whitespace()
            .find(|w| w.len() == 17 && w.matches(':').count() == 5)
            == Some(mac)
    }
}

fn garp_config(extra_global: &str, extra: &[&str]) -> String {
    let mut instance = VrrpInstance::new("VI_1", "eth0", 51, 150)
        .version(3)
        .advert_int(0.1)
        .vip(&format!("{VIP4}/24"));
    instance.extra = extra.iter().map(|s| (*s).to_owned()).collect();
    keepalived::config("lab", &[instance]).replacen(
        "global_defs {\n",
        &format!("global_defs {{\n{extra_global}"),
        1,
    )
}

/// The capture times of gratuitous ARPs for the VIP in a `tcpdump -tt`
/// log.
fn arp_times(log: &str) -> Vec<f64> {
    log.lines()
        .filter(|l| l.contains(&format!("who-has {VIP4} tell {VIP4}")))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

#[test]
fn vrrp_garp_interval_spaces_gratuitous_arps() {
    let Some(h) = hosts("vrrpd-garp-pacing") else {
        return;
    };
    let mut capture =
        h.c.spawn(
            "tcpdump",
            &["tcpdump", "-l", "-n", "-tt", "-i", "eth0", "arp"],
        )
        .unwrap();
    capture
        .wait_for_log("listening on", Duration::from_secs(5))
        .unwrap();
    let config = garp_config(
        "    vrrp_garp_interval 0.2\n",
        &["garp_master_repeat 5", "garp_master_delay 0"],
    );
    let mut router = vrrpd(&h.a, "vrrpd-1", &config, &[]);
    wait_state(&mut router, 0, "MASTER");
    netlab::wait_until("five gratuitous ARPs", Duration::from_secs(5), || {
        Ok(arp_times(&capture.log()).len() >= 5)
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", capture.log()));
    // Nothing more comes: the burst is five.
    std::thread::sleep(Duration::from_millis(500));
    let times = arp_times(&capture.log());
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    eprintln!("gratuitous ARP gaps (s): {gaps:?}");
    assert_eq!(times.len(), 5, "{}", capture.log());
    // At least the interval apart (less 1 ms of capture jitter between
    // the sender's timer and the receiver's timestamp), and not much more.
    for gap in &gaps {
        assert!((0.199..0.35).contains(gap), "{gaps:?}");
    }

    // Without an interval the burst goes back to back.
    router.signal(Signal::SIGTERM).unwrap();
    router.terminate(Duration::from_secs(5)).unwrap();
    let mark = arp_times(&capture.log()).len();
    let config = garp_config("", &["garp_master_repeat 5", "garp_master_delay 0"]);
    let mut router = vrrpd(&h.a, "vrrpd-2", &config, &[]);
    wait_state(&mut router, 0, "MASTER");
    netlab::wait_until("five more gratuitous ARPs", Duration::from_secs(5), || {
        Ok(arp_times(&capture.log()).len() >= mark + 5)
    })
    .unwrap();
    let times = arp_times(&capture.log());
    let burst = times[mark + 4] - times[mark];
    eprintln!("unpaced burst of 5 took {burst:.6} s");
    assert!(burst < 0.05, "{times:?}");
    router.signal(Signal::SIGTERM).unwrap();
    router.terminate(Duration::from_secs(5)).unwrap();
    let _ = capture.terminate(Duration::from_secs(2));
}

#[test]
fn dont_release_vrrp_leaves_the_vip_and_release_vips_clears_a_backup() {
    let Some(h) = hosts("vrrpd-release-flags") else {
        return;
    };
    let vip: std::net::IpAddr = VIP4.parse().unwrap();
    let config = garp_config("", &[]);

    // -V: after SIGTERM the master's VIP is still on the host, and no
    // priority-0 advert went out (the log says it stopped nothing).
    let mut router = vrrpd(&h.a, "vrrpd-1", &config, &["--dont-release-vrrp"]);
    wait_state(&mut router, 0, "MASTER");
    netlab::wait_until("the VIP", Duration::from_secs(3), || h.a.has_address(vip)).unwrap();
    router.signal(Signal::SIGTERM).unwrap();
    let status = router.terminate(Duration::from_secs(5)).unwrap();
    assert!(status.success(), "{status:?}\n{}", router.log());
    assert!(h.a.has_address(vip).unwrap(), "{}", router.log());
    assert!(
        router.log().contains("--dont-release-vrrp"),
        "{}",
        router.log()
    );
    assert!(!router.log().contains("(VI_1) Stopped"), "{}", router.log());

    // A backup starts by clearing what an earlier run left (keepalived's
    // "removing VIPs" at start).
    let mut backup_config = garp_config("", &[]);
    backup_config = backup_config.replace("priority 150", "priority 100");
    let mut master = vrrpd(&h.b, "vrrpd-2", &garp_config("", &[]), &[]);
    wait_state(&mut master, 0, "MASTER");
    let mut backup = vrrpd(&h.a, "vrrpd-3", &backup_config, &[]);
    wait_state(&mut backup, 0, "BACKUP");
    assert!(!h.a.has_address(vip).unwrap(), "{}", backup.log());
    // Without flags a stopping backup leaves a VIP someone else added
    // while it ran (keepalived too).
    let add_vip = || {
        h.a.run(&["ip", "addr", "add", &format!("{VIP4}/24"), "dev", "eth0"])
            .unwrap();
    };
    add_vip();
    backup.signal(Signal::SIGTERM).unwrap();
    backup.terminate(Duration::from_secs(5)).unwrap();
    assert!(h.a.has_address(vip).unwrap(), "{}", backup.log());

    // -X: a stopped backup removes it.
    let mut backup = vrrpd(&h.a, "vrrpd-4", &backup_config, &["--release-vips"]);
    wait_state(&mut backup, 0, "BACKUP");
    add_vip();
    backup.signal(Signal::SIGTERM).unwrap();
    backup.terminate(Duration::from_secs(5)).unwrap();
    assert!(!h.a.has_address(vip).unwrap(), "{}", backup.log());
    master.signal(Signal::SIGTERM).unwrap();
    master.terminate(Duration::from_secs(5)).unwrap();
}

#[test]
fn use_vmac_addr_gives_other_interfaces_and_families_their_own_vmac() {
    let Some(h) = hosts("vrrpd-vmac-addr") else {
        return;
    };
    let lan2 = h._lab.segment("lan2").unwrap();
    lan2.attach(&h.a, "eth1", &["10.9.0.1/24"]).unwrap();
    let mut instance = VrrpInstance::new("VI_1", "eth0", 51, 150)
        .version(3)
        .advert_int(0.1)
        .vip(&format!("{VIP4}/24"))
        .vip("10.9.0.100/24 dev eth1");
    instance.extra = vec![
        "use_vmac".into(),
        "use_vmac_addr".into(),
        "virtual_ipaddress_excluded {\n        fd00::300/64\n    }".into(),
    ];
    let config = keepalived::config("lab", &[instance]);
    let mut router = vrrpd(&h.a, "vrrpd-1", &config, &[]);
    wait_state(&mut router, 0, "MASTER");
    netlab::wait_until("the VIPs on their VMACs", Duration::from_secs(5), || {
        Ok(link(&h.a, "vrrp1.51").contains("inet 10.9.0.100/24")
            && link(&h.a, "vrrp6.51").contains("inet6 fd00::300/64"))
    })
    .unwrap_or_else(|e| {
        panic!(
            "{e}\n{}\n{}",
            h.a.run_stdout(&["ip", "-d", "addr"]).unwrap(),
            router.log()
        )
    });
    let on_eth1 = link(&h.a, "vrrp1.51");
    assert!(on_eth1.contains("vrrp1.51@eth1"), "{on_eth1}");
    assert!(
        on_eth1.contains("link/ether 00:00:5e:00:01:33"),
        "{on_eth1}"
    );
    let ipv6 = link(&h.a, "vrrp6.51");
    assert!(ipv6.contains("vrrp6.51@eth0"), "{ipv6}");
    assert!(ipv6.contains("link/ether 00:00:5e:00:02:33"), "{ipv6}");
    assert!(ipv6.contains("nodad"), "{ipv6}");
    assert_eq!(link_local(&h.a, "vrrp6.51"), link_local(&h.a, "eth0"));
    assert!(link(&h.a, "vrrp.51").contains(&format!("inet {VIP4}/24")));
    assert!(!router.log().contains("not supported"), "{}", router.log());
    // The IPv6 eVIP answers with the IPv6 virtual MAC.
    let _ = h.c.run(&["ping", "-6", "-c", "1", "-W", "1", "fd00::300"]);
    let neigh =
        h.c.run_stdout(&["ip", "-6", "neigh", "show", "fd00::300"])
            .unwrap();
    assert!(neigh.contains("00:00:5e:00:02:33"), "{neigh}");

    router.signal(Signal::SIGTERM).unwrap();
    router.terminate(Duration::from_secs(5)).unwrap();
    for name in ["vrrp.51", "vrrp1.51", "vrrp6.51"] {
        assert!(h.a.run(&["ip", "link", "show", name]).is_err(), "{name}");
    }
    drop(lan2);
}
