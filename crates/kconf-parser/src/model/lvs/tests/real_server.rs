//! Reading and writing `real_server` blocks.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use super::*;

#[test]
fn real_servers_inherit_the_method_in_force_when_they_are_read() {
    // keepalived copies the virtual server's method into a real (or sorry)
    // server when it reads it; one read before any lvs_method gets the final one.
    let text = "virtual_server 10.0.0.1 80 {\n    protocol TCP\n    lvs_sched rr\n    real_server 10.0.0.2 80 {\n    }\n    lvs_method NAT\n    sorry_server 10.0.0.9 81\n    real_server 10.0.0.3 80 {\n    }\n    lvs_method DR\n    real_server 10.0.0.4 80 {\n        lvs_method TUN\n    }\n}\n";
    let config = round_trip(text);
    let vs = &config.virtual_servers[0];
    let methods: Vec<_> = vs.real_servers.iter().map(|rs| rs.forwarding).collect();
    assert_eq!(
        methods,
        vec![
            Some(ForwardingMethod::DirectRouting),
            Some(ForwardingMethod::Nat),
            Some(ForwardingMethod::Tunnel(Tunnel::default())),
        ]
    );
    // keepalived -t is silent about the sorry server's port: it is NAT.
    assert_eq!(
        vs.sorry_server.as_ref().unwrap().forwarding,
        Some(ForwardingMethod::Nat)
    );
}

#[test]
fn every_real_server_keyword() {
    let text = rs(r#"        weight 0
        lvs_method DR
        notify_up /bin/up
        notify_down "/bin/down now" root wheel
        uthreshold 100
        lthreshold 10
        inhibit_on_failure off
        alpha
        retry 2
        delay_before_retry 0.5
        warmup 3
        connect_timeout 7
        delay_loop 9
        smtp_alert yes
        virtualhost rs.example.com
        snmp_name rs1"#);
    let text = text.replace("    quorum", "");
    let parsed = parse(&text.replace("    lvs_method NAT\n", "    lvs_method NAT\n    quorum 1\n"));
    // weight 0 makes the total weight 0: keepalived -t warns about quorum and hysteresis.
    assert_eq!(
        problems(&parsed).iter().map(|p| p.1).collect::<Vec<_>>(),
        vec![Code::Inconsistent, Code::Inconsistent]
    );
    let rs = &parsed.config.virtual_servers[0].real_servers[0];
    assert_eq!(
        (rs.ip.value, rs.port, rs.weight),
        (ip("10.0.0.2"), Some(80), Some(0))
    );
    assert_eq!(rs.forwarding, Some(ForwardingMethod::DirectRouting));
    assert_eq!(
        rs.notify_up.as_ref().map(|s| s.command.as_str()),
        Some("/bin/up")
    );
    assert_eq!(
        rs.notify_down,
        Some(Script {
            command: "/bin/down now".into(),
            user: Some("root".into()),
            group: Some("wheel".into()),
            location: None,
        })
    );
    assert_eq!((rs.upper_threshold, rs.lower_threshold), (100, 10));
    assert_eq!(
        (rs.inhibit_on_failure, rs.alpha, rs.smtp_alert),
        (Some(false), Some(true), Some(true))
    );
    assert_eq!(rs.retry, Some(2));
    assert_eq!(rs.delay_before_retry, Some(Duration::from_millis(500)));
    assert_eq!(rs.warmup, Some(Duration::from_secs(3)));
    assert_eq!(rs.connect_timeout, Some(Duration::from_secs(7)));
    assert_eq!(rs.delay_loop, Some(Duration::from_secs(9)));
    assert_eq!(rs.virtualhost.as_deref(), Some("rs.example.com"));
    assert_eq!(rs.snmp_name.as_deref(), Some("rs1"));
}

#[test]
fn bad_real_server_values() {
    let cases: &[(&str, Code, u32)] = &[
        ("        weight 2147483648", Code::OutOfRange, 16),
        ("        weight -1", Code::OutOfRange, 16),
        ("        uthreshold -1", Code::OutOfRange, 20),
        ("        retry 0", Code::OutOfRange, 15),
        ("        connect_timeout 0", Code::OutOfRange, 25),
        ("        delay_loop 0", Code::OutOfRange, 20),
        ("        alpha maybe", Code::InvalidValue, 15),
        ("        snmp_name", Code::InvalidValue, 9),
        // keepalived -t: a real server has no lb_kind, omega or track_file.
        ("        lb_kind DR", Code::UnknownKeyword, 9),
        ("        omega", Code::UnknownKeyword, 9),
        ("        track_file x", Code::UnknownKeyword, 9),
    ];
    for (line, code, column) in cases {
        let parsed = parse(&rs(line));
        let found = problems(&parsed);
        assert_eq!(
            found.first().map(|p| (p.1, p.2, p.3)),
            Some((*code, 6, *column)),
            "{line}: {found:?}"
        );
        let rs = &parsed.config.virtual_servers[0].real_servers[0];
        assert_eq!(
            (rs.weight, rs.retry, rs.delay_loop),
            (None, None, None),
            "{line}"
        );
    }
    // keepalived -t: a second notify script is ignored with a warning.
    let parsed = parse(&rs("        notify_up /bin/a\n        notify_up /bin/b"));
    assert_eq!(
        problems(&parsed),
        vec![(Severity::Warning, Code::Duplicate, 7, 9)]
    );
    let server = &parsed.config.virtual_servers[0].real_servers[0];
    assert_eq!(
        server.notify_up.as_ref().map(|s| s.command.as_str()),
        Some("/bin/a")
    );
    // A bad address skips the block.
    for header in ["bogus 80", "10.0.0.2 65536"] {
        let parsed = parse(&rs("").replace("10.0.0.2 80", header));
        assert!(
            parsed.config.virtual_servers[0].real_servers.is_empty(),
            "{header}"
        );
    }
}

#[test]
fn round_trip_real_server() {
    round_trip(
        &rs(r#"        weight 3
        lvs_method DR
        notify_up /bin/up
        notify_down "/bin/down now" root wheel
        uthreshold 100
        lthreshold 10
        inhibit_on_failure off
        alpha
        retry 2
        delay_before_retry 0.5
        warmup 3
        connect_timeout 7
        delay_loop 9
        smtp_alert no
        virtualhost rs.example.com
        snmp_name rs1"#)
        .replace("real_server 10.0.0.2 80", "real_server 10.0.0.2"),
    );
}
