//! vrrpd over IPv6 and in keepalived's other modes, on real interfaces in
//! the lab: our own VRRPv3 IPv6 pair, multicast and unicast (election,
//! failover after a crash and after a clean stop), then the real keepalived 2.2.7 in the same VRIDs
//! with unicast VRRPv2 + PASS, VRRPv3 IPv4 and VRRPv3 IPv6 multicast, and
//! a takeover from keepalived at a 50 ms advert interval.
//!
//! Each test builds one lab; the keepalived modes share one (one instance
//! per mode in both daemons) to keep CI time down.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::io::IoSliceMut;
use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, Instant};

use netlab::Host;
use netlab::peers::keepalived::{self, Keepalived, VrrpInstance};
use nix::sys::signal::Signal;
use nix::sys::socket::{ControlMessageOwned, MsgFlags, SockaddrIn6, recvmsg};
use socket2::{Domain, Protocol, Socket, Type};
use vrrp_proto::wire::{AdvertRepr, ChecksumMode, Packet, Version};

mod common;
use common::{Pair, vrrpd};

/// Words in keepalived's log that mean it disliked an advert.
const COMPLAINTS: [&str; 5] = [
    "bad checksum",
    "invalid",
    "ip address associated",
    "wrong",
    "mismatch",
];

/// A crash of every process on `host` (keepalived's parent and children):
/// all are frozen first, so that none sees another die (keepalived's
/// children stop cleanly, sending priority 0, when their parent dies), then
/// killed.
fn crash(host: &Host) {
    for pid in host.pids() {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGSTOP);
    }
    host.kill_all();
}

fn holds(host: &Host, address: &str) -> bool {
    host.has_address(address.parse().unwrap()).unwrap()
}

fn entering(instance: &str, state: &str) -> String {
    format!("({instance}) Entering {state} STATE")
}

/// Two hosts on one segment, each with an IPv4 and an IPv6 (fd00::/64)
/// address; the kernel gives each its link-local address.
fn pair(test: &str, programs: &[&str]) -> Option<Pair> {
    common::pair(
        test,
        programs,
        &["10.0.0.1/24", "fd00::1/64"],
        &["10.0.0.2/24", "fd00::2/64"],
    )
}

/// An advert seen on the wire by a raw socket on `host`'s eth0.
struct Seen {
    source: Ipv6Addr,
    destination: Ipv6Addr,
    hop_limit: i32,
    advert: AdvertRepr,
}

/// Reads IPv6 VRRP adverts arriving on `host`'s eth0 (multicast and
/// unicast to the host) until one of each of `vrids` was seen, parsing each
/// with the checksum over its real source and destination.
fn observe_ipv6_adverts(host: &Host, vrids: &[u8]) -> Vec<Seen> {
    host.in_netns(|| {
        let socket = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::from(112))).unwrap();
        socket.bind_device(Some(b"eth0")).unwrap();
        let index = nix::net::if_::if_nametoindex("eth0").unwrap();
        socket
            .join_multicast_v6(&"ff02::12".parse().unwrap(), index)
            .unwrap();
        socket.set_recv_hoplimit_v6(true).unwrap();
        nix::sys::socket::setsockopt(
            &socket,
            nix::sys::socket::sockopt::Ipv6RecvPacketInfo,
            &true,
        )
        .unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut seen: Vec<Seen> = Vec::new();
        while !vrids
            .iter()
            .all(|vrid| seen.iter().any(|s| s.advert.vrid == *vrid))
        {
            let mut buffer = [0u8; 2048];
            let mut control = nix::cmsg_space!(libc::in6_pktinfo, libc::c_int);
            let mut iov = [IoSliceMut::new(&mut buffer)];
            let message = recvmsg::<SockaddrIn6>(
                std::os::fd::AsRawFd::as_raw_fd(&socket),
                &mut iov,
                Some(&mut control),
                MsgFlags::empty(),
            )
            .unwrap();
            let source = message.address.unwrap().ip();
            let (mut hop_limit, mut destination) = (-1, Ipv6Addr::UNSPECIFIED);
            for control in message.cmsgs().unwrap() {
                match control {
                    ControlMessageOwned::Ipv6HopLimit(limit) => hop_limit = limit,
                    ControlMessageOwned::Ipv6PacketInfo(info) => {
                        destination = Ipv6Addr::from(info.ipi6_addr.s6_addr);
                    }
                    _ => {}
                }
            }
            let length = message.bytes;
            let packet = Packet::new_checked(&buffer[..length]).unwrap();
            let advert = AdvertRepr::parse(
                &packet,
                source.into(),
                destination.into(),
                ChecksumMode::Standard,
            )
            .unwrap();
            seen.push(Seen {
                source,
                destination,
                hop_limit,
                advert,
            });
        }
        seen
    })
    .unwrap()
}

#[test]
fn our_ipv6_pair_elects_fails_over_and_preempts() {
    let Some(p) = pair("vrrpd-ipv6-pair", &[]) else {
        return;
    };
    const VIP: &str = "fd00::100";
    // VI_2: unicast over IPv6 between the global addresses.
    const UNICAST_VIP: &str = "fd00::200";
    let config = |priority: u8, me: &str, peer: &str| {
        let multicast = VrrpInstance::new("VI_1", "eth0", 51, priority)
            .version(3)
            .vip(&format!("{VIP}/64"));
        let unicast = VrrpInstance::new("VI_2", "eth0", 52, priority)
            .version(3)
            .unicast(me, &[peer])
            .vip(&format!("{UNICAST_VIP}/64"));
        keepalived::config("lab", &[multicast, unicast])
    };
    let high_config = config(150, "fd00::1", "fd00::2");
    let master = entering("VI_1", "MASTER");
    let mut high = vrrpd(&p.a, "vrrpd-1", &high_config);
    let mut low = vrrpd(&p.b, "vrrpd-2", &config(100, "fd00::2", "fd00::1"));
    high.wait_for_log(&master, Duration::from_secs(10)).unwrap();
    for name in ["VI_1", "VI_2"] {
        low.wait_for_log(&entering(name, "BACKUP"), Duration::from_secs(10))
            .unwrap();
    }
    high.wait_for_log(&entering("VI_2", "MASTER"), Duration::from_secs(10))
        .unwrap();
    netlab::wait_until(
        "the master to hold the VIPs",
        Duration::from_secs(3),
        || Ok(holds(&p.a, VIP) && holds(&p.a, UNICAST_VIP)),
    )
    .unwrap();
    assert!(
        !holds(&p.b, UNICAST_VIP),
        "the backup must not hold the VIP"
    );
    assert!(!holds(&p.b, VIP), "the backup must not hold the VIP");

    // On the wire, VRRPv3 with hop limit 255 and a checksum over the real
    // pseudo-header: VI_1 from the master's link-local address to ff02::12,
    // VI_2 from its unicast_src_ip to the peer.
    for seen in observe_ipv6_adverts(&p.b, &[51, 52]) {
        assert_eq!(seen.hop_limit, 255);
        assert_eq!(seen.advert.version, Version::V3);
        assert_eq!(seen.advert.priority, 150);
        let (source_ok, destination, vip) = match seen.advert.vrid {
            51 => (seen.source.is_unicast_link_local(), "ff02::12", VIP),
            52 => (
                seen.source == "fd00::1".parse::<Ipv6Addr>().unwrap(),
                "fd00::2",
                UNICAST_VIP,
            ),
            other => panic!("an advert for VRID {other}"),
        };
        assert!(source_ok, "VRID {}: from {}", seen.advert.vrid, seen.source);
        assert_eq!(seen.destination, destination.parse::<Ipv6Addr>().unwrap());
        assert_eq!(seen.advert.addresses, [vip.parse::<IpAddr>().unwrap()]);
    }

    // A crash: the backup takes over within Master_Down_Interval
    // (3 + (256-100)/256 s at advert_int 1), plus scheduling slack.
    let mark = low.log_mark();
    let killed = Instant::now();
    high.kill().unwrap();
    for name in ["VI_1", "VI_2"] {
        low.wait_for_log_after(mark, &entering(name, "MASTER"), Duration::from_secs(10))
            .unwrap();
    }
    let took = killed.elapsed();
    eprintln!("IPv6 takeover after SIGKILL: {took:?}");
    assert!(took <= Duration::from_millis(3_609 + 500), "{took:?}");
    netlab::wait_until(
        "the backup to hold the VIPs",
        Duration::from_secs(3),
        || Ok(holds(&p.b, VIP) && holds(&p.b, UNICAST_VIP)),
    )
    .unwrap();

    // The higher priority comes back and preempts.
    let mut high = vrrpd(&p.a, "vrrpd-3", &high_config);
    high.wait_for_log(&master, Duration::from_secs(10)).unwrap();
    netlab::wait_until(
        "the old backup to release the VIP",
        Duration::from_secs(5),
        || Ok(!holds(&p.b, VIP) && !holds(&p.b, UNICAST_VIP)),
    )
    .unwrap();

    // A clean stop hands over after Skew_Time (0.61 s), not Master_Down.
    let mark = low.log_mark();
    let stopped = Instant::now();
    high.signal(Signal::SIGTERM).unwrap();
    for name in ["VI_1", "VI_2"] {
        low.wait_for_log_after(mark, &entering(name, "MASTER"), Duration::from_secs(10))
            .unwrap();
    }
    let took = stopped.elapsed();
    eprintln!("IPv6 takeover after SIGTERM: {took:?}");
    assert!(took <= Duration::from_millis(609 + 500), "{took:?}");
    high.terminate(Duration::from_secs(5)).unwrap();
    assert!(
        !holds(&p.a, VIP) && !holds(&p.a, UNICAST_VIP),
        "a stopped master releases the VIPs"
    );
    // Nothing was dropped, and every VIP install and unsolicited NA went out.
    for log in [high.log(), low.log()] {
        for trouble in ["ignoring advert", "cannot", "failed"] {
            assert!(!log.contains(trouble), "{trouble}:\n{log}");
        }
    }
}

/// One instance per keepalived mode: (name, VIP, instance for host `a`
/// (ours, 10.0.0.1) or `b` (keepalived, 10.0.0.2)).
const MODES: [(&str, &str); 3] = [
    ("VI_U", "10.0.0.101"),
    ("VI_4", "10.0.0.102"),
    ("VI_6", "fd00::100"),
];

/// The three modes' instances at `priority`, as seen from `me` towards
/// `peer` (the unicast addresses).
fn modes_config(priority: u8, state: &str, me: &str, peer: &str) -> String {
    let mut unicast = VrrpInstance::new("VI_U", "eth0", 51, priority)
        .version(2)
        .auth_pass("secret")
        .unicast(me, &[peer])
        .vip("10.0.0.101/24");
    let mut v3_ipv4 = VrrpInstance::new("VI_4", "eth0", 52, priority)
        .version(3)
        .vip("10.0.0.102/24");
    let mut v3_ipv6 = VrrpInstance::new("VI_6", "eth0", 53, priority)
        .version(3)
        .native_ipv6()
        .vip("fd00::100/64");
    for instance in [&mut unicast, &mut v3_ipv4, &mut v3_ipv6] {
        instance.state = state.to_owned();
    }
    keepalived::config("lab", &[unicast, v3_ipv4, v3_ipv6])
}

fn assert_no_complaints(keepalived_log: &str, our_log: &str) {
    let lower = keepalived_log.to_lowercase();
    for complaint in COMPLAINTS {
        assert!(
            !lower.contains(complaint),
            "keepalived complains ({complaint}) about our adverts:\n{keepalived_log}"
        );
    }
    assert!(
        !our_log.contains("ignoring advert"),
        "vrrpd ignores keepalived's adverts:\n{our_log}"
    );
}

#[test]
fn interoperates_with_keepalived_unicast_v2_and_v3_over_ipv4_and_ipv6() {
    let Some(p) = pair("vrrpd-keepalived-modes", &["keepalived"]) else {
        return;
    };
    // Ours starts as master (state MASTER), keepalived joins as backup: no
    // race between two elections, and keepalived must never be master.
    let mut ours = vrrpd(
        &p.a,
        "vrrpd-1",
        &modes_config(150, "MASTER", "10.0.0.1", "10.0.0.2"),
    );
    for (name, _) in MODES {
        ours.wait_for_log(&entering(name, "MASTER"), Duration::from_secs(10))
            .unwrap();
    }
    let mut ka =
        Keepalived::start(&p.b, &modes_config(100, "BACKUP", "10.0.0.2", "10.0.0.1")).unwrap();
    for (name, _) in MODES {
        ka.wait_for_state(0, name, "BACKUP", Duration::from_secs(10))
            .unwrap();
    }
    // Longer than keepalived's Master_Down (3.6 s at advert_int 1): had it
    // not taken our adverts, it would have become master by now.
    std::thread::sleep(Duration::from_secs(4));
    let log = ka.process().log();
    assert!(
        !log.contains("Entering MASTER STATE"),
        "keepalived must stay backup:\n{log}"
    );
    assert_no_complaints(&log, &ours.log());
    for (name, vip) in MODES {
        assert!(holds(&p.a, vip), "ours holds {name}'s VIP {vip}");
        assert!(!holds(&p.b, vip), "keepalived holds {name}'s VIP {vip}");
    }

    // Ours dies: keepalived takes over every instance.
    let mark = ka.process().log_mark();
    ours.kill().unwrap();
    for (name, _) in MODES {
        ka.wait_for_state(mark, name, "MASTER", Duration::from_secs(10))
            .unwrap();
    }
    netlab::wait_until(
        "keepalived to hold the VIPs",
        Duration::from_secs(3),
        || Ok(MODES.iter().all(|(_, vip)| holds(&p.b, vip))),
    )
    .unwrap();

    // Ours comes back below keepalived's priority and stays backup...
    let mut ours = vrrpd(
        &p.a,
        "vrrpd-2",
        &modes_config(50, "BACKUP", "10.0.0.1", "10.0.0.2"),
    );
    for (name, _) in MODES {
        ours.wait_for_log(&entering(name, "BACKUP"), Duration::from_secs(10))
            .unwrap();
    }
    std::thread::sleep(Duration::from_secs(4));
    let log = ours.log();
    assert!(!log.contains("Entering MASTER STATE"), "{log}");
    assert_no_complaints(&ka.process().log(), &log);

    // ...and takes over when keepalived crashes (see `crash`): within Master_Down,
    // 3 + (256-50)/256 s, plus slack.
    let mark = ours.log_mark();
    let crashed = Instant::now();
    crash(&p.b);
    for (name, _) in MODES {
        ours.wait_for_log_after(mark, &entering(name, "MASTER"), Duration::from_secs(10))
            .unwrap();
    }
    let took = crashed.elapsed();
    eprintln!("takeover of three instances from keepalived after a crash: {took:?}");
    assert!(
        (Duration::from_millis(2_500)..=Duration::from_millis(3_805 + 500)).contains(&took),
        "{took:?}"
    );
    netlab::wait_until("ours to hold the VIPs", Duration::from_secs(3), || {
        Ok(MODES.iter().all(|(_, vip)| holds(&p.a, vip)))
    })
    .unwrap();
    let _ = ka.process().kill();
}

#[test]
fn takes_over_from_keepalived_at_a_50ms_advert_interval() {
    let Some(p) = pair("vrrpd-keepalived-fast", &["keepalived"]) else {
        return;
    };
    const VIP: &str = "10.0.0.103";
    let config = |priority: u8, state: &str| {
        let mut instance = VrrpInstance::new("VI_F", "eth0", 54, priority)
            .version(3)
            .advert_int(0.05)
            .vip(&format!("{VIP}/24"));
        instance.state = state.to_owned();
        keepalived::config("lab", &[instance])
    };
    let mut ka = Keepalived::start(&p.b, &config(150, "MASTER")).unwrap();
    ka.wait_for_state(0, "VI_F", "MASTER", Duration::from_secs(10))
        .unwrap();
    let mut ours = vrrpd(&p.a, "vrrpd-1", &config(100, "BACKUP"));
    ours.wait_for_log(&entering("VI_F", "BACKUP"), Duration::from_secs(10))
        .unwrap();
    // A second is 20 adverts: ours must take every one without becoming
    // master in between.
    std::thread::sleep(Duration::from_secs(1));
    let log = ours.log();
    assert!(!log.contains("Entering MASTER STATE"), "{log}");
    assert_no_complaints(&ka.process().log(), &log);

    // Master_Down at 50 ms and priority 100: 3 × 50 + (256-100)/256 × 50
    // = 180 ms from the last advert.
    let mark = ours.log_mark();
    let crashed = Instant::now();
    crash(&p.b);
    ours.wait_for_log_after(mark, &entering("VI_F", "MASTER"), Duration::from_secs(5))
        .unwrap();
    let took = crashed.elapsed();
    eprintln!("takeover from keepalived at advert_int 0.05 after a crash: {took:?}");
    // Not sooner than Master_Down less one interval (the last advert came
    // at most 50 ms before the crash): a takeover on priority 0 would be.
    assert!(
        (Duration::from_millis(100)..=Duration::from_millis(200 + 300)).contains(&took),
        "{took:?}"
    );
    netlab::wait_until("ours to hold the VIP", Duration::from_secs(3), || {
        Ok(holds(&p.a, VIP))
    })
    .unwrap();
    let _ = ka.process().kill();
}
