//! Reading and writing `virtual_server` blocks.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::net::Ipv4Addr;
use std::time::Duration;

use super::*;

#[test]
fn every_virtual_server_keyword() {
    let text = r#"
virtual_server 192.168.1.10 443 {
    ip_family inet
    lb_algo sh
    sh-port
    sh-fallback
    flag-3
    lb_kind TUN type gue port 6080 csum
    persistence_engine sip
    persistence_timeout 600
    persistence_granularity 255.255.255.0
    protocol sctp
    ha_suspend
    smtp_alert off
    virtualhost www.example.com
    snmp_name web
    alpha
    omega
    quorum 2
    hysteresis 1
    quorum_up "/usr/bin/up arg" nobody
    quorum_down /usr/bin/down
    weight 2
    delay_loop 6.5
    retry 4
    delay_before_retry 2
    warmup 0
    connect_timeout 0.25
    inhibit_on_failure
    sorry_server 192.168.1.99 443
    sorry_server_inhibit
    sorry_server_lvs_method DR
    real_server 192.168.1.11 443 {
    }
}
"#;
    let config = clean(text);
    let vs = &config.virtual_servers[0];
    assert_eq!(
        vs.target,
        VirtualServerTarget::Address {
            ip: Located::bare(ip("192.168.1.10")),
            port: Some(443)
        }
    );
    assert_eq!(vs.ip_family, Some(IpFamily::Inet));
    assert_eq!(vs.scheduler, Some(Scheduler::SourceHashing));
    assert_eq!(
        vs.scheduler_flags,
        SchedulerFlags {
            flag_1: true,
            flag_2: true,
            flag_3: true
        }
    );
    let gue = Tunnel {
        kind: TunnelKind::Gue { port: 6080 },
        checksum: TunnelChecksum::Checksum,
    };
    assert_eq!(vs.forwarding, Some(ForwardingMethod::Tunnel(gue)));
    assert_eq!(vs.persistence_engine.as_deref(), Some("sip"));
    assert_eq!(vs.persistence_timeout, Some(600));
    assert_eq!(
        vs.persistence_granularity,
        Some(PersistenceGranularity::Netmask(Ipv4Addr::new(
            255, 255, 255, 0
        )))
    );
    assert_eq!(vs.protocol, Some(Protocol::Sctp));
    assert!(vs.ha_suspend && vs.alpha && vs.omega && vs.inhibit_on_failure);
    assert_eq!(vs.smtp_alert, Some(false));
    assert_eq!(vs.virtualhost.as_deref(), Some("www.example.com"));
    assert_eq!(vs.snmp_name.as_deref(), Some("web"));
    assert_eq!((vs.quorum, vs.hysteresis, vs.weight), (2, 1, 2));
    assert_eq!(
        vs.quorum_up,
        Some(Script {
            command: "/usr/bin/up arg".into(),
            user: Some("nobody".into()),
            group: None,
            location: None,
        })
    );
    assert_eq!(
        vs.quorum_down.as_ref().map(|s| s.command.as_str()),
        Some("/usr/bin/down")
    );
    assert_eq!(vs.delay_loop, Duration::from_millis(6500));
    assert_eq!(vs.retry, Some(4));
    assert_eq!(vs.delay_before_retry, Some(Duration::from_secs(2)));
    assert_eq!(vs.warmup, Some(Duration::ZERO));
    assert_eq!(vs.connect_timeout, Duration::from_millis(250));
    let sorry = vs.sorry_server.as_ref().unwrap();
    assert_eq!(
        (sorry.ip.value, sorry.port, sorry.inhibit),
        (ip("192.168.1.99"), Some(443), true)
    );
    assert_eq!(sorry.forwarding, Some(ForwardingMethod::DirectRouting));
    assert_eq!(vs.real_servers.len(), 1);
    // The real server takes the virtual server's method.
    assert_eq!(vs.real_servers[0].forwarding, vs.forwarding);
}

#[test]
fn virtual_server_defaults() {
    let config = clean(&vs(""));
    let vs = &config.virtual_servers[0];
    let defaults = VirtualServer::default();
    assert_eq!(vs.delay_loop, Duration::from_secs(60));
    assert_eq!(vs.connect_timeout, Duration::from_secs(5));
    assert_eq!((vs.quorum, vs.hysteresis, vs.weight), (1, 0, 1));
    assert_eq!(
        (vs.retry, vs.warmup, vs.delay_before_retry),
        (None, None, None)
    );
    assert_eq!(
        (vs.persistence_timeout, vs.persistence_granularity),
        (None, None)
    );
    assert!(!vs.alpha && !vs.omega && !vs.ha_suspend && !vs.inhibit_on_failure);
    assert_eq!(vs.smtp_alert, defaults.smtp_alert);
    assert_eq!(vs.sorry_server, None);
    let rs = &vs.real_servers[0];
    assert_eq!(rs.weight, None);
    assert_eq!((rs.upper_threshold, rs.lower_threshold), (0, 0));
    assert_eq!(
        (rs.alpha, rs.inhibit_on_failure, rs.smtp_alert),
        (None, None, None)
    );
    assert!(rs.checkers.is_empty());
}

#[test]
fn targets_and_persistence() {
    let fwmark = "virtual_server fwmark 7 {\n    lvs_sched rr\n    lvs_method DR\n    real_server 10.0.0.2 {\n    }\n}\n";
    let config = clean(fwmark);
    let target = &config.virtual_servers[0].target;
    assert!(matches!(target, VirtualServerTarget::Fwmark(mark) if mark.value == 7));
    assert_eq!(target.location().map(|l| (l.line, l.column)), Some((1, 23)));

    // keepalived -t: no port is fine for a persistent service; 0 reads as no port.
    let config = clean(&vs("").replace("10.0.0.1 80 {", "10.0.0.1 0 {").replace(
        "    lvs_method NAT\n",
        "    lvs_method NAT\n    persistence_timeout\n",
    ));
    let vs0 = &config.virtual_servers[0];
    assert!(matches!(
        &vs0.target,
        VirtualServerTarget::Address { port: None, .. }
    ));
    assert_eq!(vs0.persistence_timeout, Some(DEFAULT_PERSISTENCE_TIMEOUT));

    // A granularity makes the service persistent, as in keepalived.
    let config = clean(&vs("    persistence_granularity 255.255.0.0"));
    assert_eq!(config.virtual_servers[0].persistence_timeout, Some(360));
    let v6 = vs("    persistence_granularity 64")
        .replace("10.0.0.1 80", "2001:db8::1 80")
        .replace("10.0.0.2 80", "2001:db8::2 80");
    let config = clean(&v6);
    assert_eq!(
        config.virtual_servers[0].persistence_granularity,
        Some(PersistenceGranularity::PrefixLength(64))
    );
}

#[test]
fn bad_values_are_reported_where_they_are() {
    // (line in the virtual server, code, column); each line is skipped.
    let cases: &[(&str, Code, u32)] = &[
        ("    retry 0", Code::OutOfRange, 11),
        ("    quorum 0", Code::OutOfRange, 12),
        ("    weight 0", Code::OutOfRange, 12),
        ("    hysteresis 4294967296", Code::OutOfRange, 16),
        ("    persistence_timeout 2678401", Code::OutOfRange, 25),
        ("    persistence_timeout 1.5", Code::InvalidValue, 25),
        ("    connect_timeout 0", Code::OutOfRange, 21),
        ("    connect_timeout 4294.967296", Code::OutOfRange, 21),
        ("    delay_loop 0", Code::OutOfRange, 16),
        ("    warmup 1e3", Code::InvalidValue, 12),
        ("    lvs_sched bogus", Code::InvalidValue, 15),
        ("    protocol ICMP", Code::InvalidValue, 14),
        ("    ip_family inet4", Code::InvalidValue, 15),
        ("    smtp_alert maybe", Code::InvalidValue, 16),
        ("    virtualhost", Code::MissingValue, 5),
        ("    snmp_name a b", Code::InvalidValue, 17),
        (
            "    persistence_granularity 255.255.255.x",
            Code::InvalidValue,
            29,
        ),
        ("    lvs_method nat", Code::InvalidValue, 16),
        ("    lvs_method", Code::MissingValue, 5),
        ("    sorry_server bogus 80", Code::InvalidValue, 18),
        ("    sorry_server 10.0.0.9 65536", Code::OutOfRange, 27),
        ("    nat_mask 255.255.255.0", Code::UnknownKeyword, 5),
    ];
    for (line, code, column) in cases {
        let parsed = parse(&vs(line));
        let found = problems(&parsed);
        assert_eq!(
            found.first().map(|p| (p.1, p.2, p.3)),
            Some((*code, 5, *column)),
            "{line}: {found:?}"
        );
        let vs = &parsed.config.virtual_servers[0];
        assert_eq!(vs.retry, None, "{line}");
        assert_eq!((vs.quorum, vs.weight), (1, 1), "{line}");
        assert_eq!(vs.connect_timeout, Duration::from_secs(5), "{line}");
    }
    // A bad address skips the block, as keepalived does.
    for header in [
        "bogus 80",
        "10.0.0.1 65536",
        "10.0.0.1:80",
        "fwmark 0",
        "fwmark",
        "group",
    ] {
        let parsed = parse(&vs("").replace("10.0.0.1 80", header));
        assert!(parsed.config.virtual_servers.is_empty(), "{header}");
        assert_eq!(
            problems(&parsed).len(),
            1,
            "{header}: {:?}",
            parsed.diagnostics
        );
    }
}

#[test]
fn value_keywords_that_keepalived_reads_as_flags() {
    // keepalived turns alpha on whatever follows; we note the value.
    let parsed = parse(&vs("    alpha no\n    ops off"));
    assert!(
        problems(&parsed)
            .iter()
            .all(|p| p.1 != Code::ExtraArguments)
    );
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Note)
    );
    assert!(parsed.config.virtual_servers[0].alpha);
    // More than six decimals: keepalived warns and keeps microseconds.
    let parsed = parse(&vs("    delay_loop 1.0000001"));
    assert_eq!(
        problems(&parsed),
        vec![(Severity::Warning, Code::InvalidValue, 5, 16)]
    );
    assert_eq!(
        parsed.config.virtual_servers[0].delay_loop,
        Duration::from_secs(1)
    );
}

#[test]
fn scheduler_flags_follow_the_scheduler_set_before_them() {
    let flags = |text: &str| {
        let parsed = parse(&vs(text));
        (
            parsed.config.virtual_servers[0].scheduler_flags,
            problems(&parsed),
        )
    };
    let (set, found) = flags("    lvs_sched mh\n    mh-port\n    mh-fallback");
    assert_eq!((set.flag_1, set.flag_2, set.flag_3), (true, true, false));
    assert!(found.is_empty());
    // keepalived -t: sh-port before (or without) lvs_sched sh is ignored with a warning.
    let (set, found) = flags("    sh-port");
    assert_eq!(set, SchedulerFlags::default());
    assert_eq!(found, vec![(Severity::Warning, Code::Inconsistent, 5, 5)]);
    // keepalived -t: mh-port under sh is silently ignored; hashed under sh too.
    let (set, found) = flags("    lvs_sched sh\n    mh-port\n    hashed");
    assert_eq!(set, SchedulerFlags::default());
    assert!(found.is_empty());
    // keepalived -t: hashed otherwise warns.
    let (_, found) = flags("    hashed");
    assert_eq!(found, vec![(Severity::Warning, Code::InvalidValue, 5, 5)]);
    // The flag names written back follow the scheduler.
    round_trip(&vs("    lvs_sched sh\n    sh-port\n    flag-3"));
    round_trip(&vs("    flag-1\n    flag-2"));
}

#[test]
fn forwarding_methods_and_tunnel_options() {
    let method = |line: &str| {
        let parsed = parse(&vs(&format!("    lvs_method {line}")));
        let found = problems(&parsed);
        (parsed.config.virtual_servers[0].forwarding, found)
    };
    let tunnel = |kind, checksum| Some(ForwardingMethod::Tunnel(Tunnel { kind, checksum }));
    assert_eq!(method("DR").0, Some(ForwardingMethod::DirectRouting));
    assert_eq!(
        method("TUN").0,
        tunnel(TunnelKind::Ipip, TunnelChecksum::None)
    );
    assert_eq!(
        method("TUN type ipip nocsum").0,
        tunnel(TunnelKind::Ipip, TunnelChecksum::None)
    );
    assert_eq!(
        method("TUN type gre csum").0,
        tunnel(TunnelKind::Gre, TunnelChecksum::Checksum)
    );
    assert_eq!(
        method("TUN type gue port 5555 remcsum").0,
        tunnel(TunnelKind::Gue { port: 5555 }, TunnelChecksum::Remote)
    );
    // keepalived -t rejects each of these; the line is skipped (NAT was set before).
    for (line, code, column) in [
        ("TUN type gue", Code::Inconsistent, 5),
        ("TUN port 5", Code::Inconsistent, 20),
        ("TUN type ipip csum", Code::Inconsistent, 5),
        ("TUN type gre remcsum", Code::Inconsistent, 5),
        ("TUN type", Code::MissingValue, 20),
        ("TUN type gue port", Code::MissingValue, 29),
        ("TUN type gue port 0", Code::OutOfRange, 34),
        ("TUN type vxlan", Code::InvalidValue, 25),
        ("DR extra", Code::InvalidValue, 19),
        ("NAT type gue", Code::Inconsistent, 5),
    ] {
        let (forwarding, found) = method(line);
        assert_eq!(forwarding, Some(ForwardingMethod::Nat), "{line}");
        assert_eq!(
            found.first().map(|p| (p.1, p.3)),
            Some((code, column)),
            "{line}: {found:?}"
        );
    }
    // Tunnel options with NAT are checked and noted, not warned about (keepalived is silent).
    let (forwarding, found) = method("DR type gre");
    assert_eq!(
        (forwarding, found),
        (Some(ForwardingMethod::DirectRouting), vec![])
    );
}

#[test]
fn round_trip_virtual_server() {
    round_trip(
        r#"
virtual_server 192.168.1.10 443 {
    lb_algo mh
    mh-port
    flag-3
    lb_kind TUN type gue port 6080 csum
    persistence_engine sip
    persistence_timeout 600
    persistence_granularity 255.255.255.0
    protocol UDP
    ops
    ha_suspend
    smtp_alert
    virtualhost "www example"
    snmp_name web
    alpha
    omega
    quorum 2
    hysteresis 1
    quorum_up "/usr/bin/up arg" nobody
    quorum_down /usr/bin/down
    weight 2
    delay_loop 6.5
    retry 4
    delay_before_retry 2
    warmup 0
    connect_timeout 0.000001
    inhibit_on_failure
    sorry_server 192.168.1.99 443
    sorry_server_inhibit
    sorry_server_lvs_method DR
    real_server 192.168.1.11 443 {
        lvs_method TUN type gre
    }
}
virtual_server fwmark 4294967295 {
    ip_family inet6
    lvs_sched twos
    lvs_method TUN
    persistence_granularity 48
    real_server 2001:db8::5 {
    }
}
virtual_server group G {
    protocol TCP
    lvs_sched sed
    lvs_method NAT
    real_server 10.0.0.3 {
    }
}
virtual_server_group G {
    10.0.0.1 80
}
"#,
    );
}
