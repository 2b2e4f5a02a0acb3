//! The VRRP part of the model: values, keepalived's defaults, diagnostics
//! (each verdict compared with keepalived 2.2.7's `-t`), and write-back.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use kconf_parser::model::vrrp::{AuthType, OldChecksum, State, VrrpInstance};
use kconf_parser::model::{Config, write_config};
use kconf_parser::{Code, MemoryResolver, ParseOptions, Parsed, Severity, parse_str_with};

fn parse(text: &str) -> Parsed {
    parse_str_with(
        text,
        Path::new("/k.conf"),
        &ParseOptions::default(),
        &MemoryResolver::new(),
    )
}

/// (code, line, column) of every diagnostic of at least warning severity.
fn problems(parsed: &Parsed) -> Vec<(Code, u32, u32)> {
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
        .map(|d| {
            let (line, column) = d.location.as_ref().map_or((0, 0), |l| (l.line, l.column));
            (d.code, line, column)
        })
        .collect()
}

fn instance(body: &str) -> (VrrpInstance, Parsed) {
    let text = format!("vrrp_instance VI_1 {{\n{body}\n}}\n");
    let parsed = parse(&text);
    let vi = parsed.config.vrrp_instances.first().cloned().unwrap();
    (vi, parsed)
}

/// Only the diagnostics that are not about the instance's missing VIPs (the
/// address lines belong to another part of the model).
fn without_vip_warning(parsed: &Parsed) -> Vec<(Code, u32, u32)> {
    problems(parsed)
        .into_iter()
        .filter(|(code, line, _)| !(*code == Code::MissingValue && *line == 1))
        .collect()
}

#[test]
fn defaults_are_keepalived_defaults() {
    let (vi, _) = instance("    interface eth0\n    virtual_router_id 51");
    assert_eq!(vi.name.value, "VI_1");
    assert_eq!(vi.state, State::Backup);
    assert_eq!(vi.priority, 100);
    assert_eq!(vi.advert_int, Duration::from_secs(1));
    assert_eq!(vi.down_timer_adverts, 3);
    assert_eq!(vi.preempt_delay, Duration::ZERO);
    assert!(!vi.nopreempt);
    assert_eq!(vi.version, None);
    assert_eq!(vi.accept, None);
    assert_eq!(vi.virtual_router_id, Some(51));
    assert_eq!(vi.interface.as_ref().unwrap().value, "eth0");
}

#[test]
fn a_full_instance() {
    let (vi, parsed) = instance(
        r#"    state BACKUP
    interface eth0
    use_vmac vrrp.51 00:00:5e:00:02
    vmac_xmit_base
    dont_track_primary
    track_interface {
        eth1
        eth2 weight -20 reverse
    }
    track_script {
        chk_a
        chk_b weight 10 noreverse
    }
    track_file {
        f1 weight 254
    }
    track_process {
        p1
    }
    track_bfd {
        b1 weight -253
    }
    unicast_src_ip 10.0.0.1
    unicast_peer {
        10.0.0.2
        10.0.0.3 min_ttl 250 max_ttl 255
    }
    unicast_ttl 64
    old_unicast_checksum never
    garp_master_delay 2.5
    garp_master_repeat 3
    garp_master_refresh 60
    garp_extra_if all 10
    down_timer_adverts 5
    lower_prio_no_advert
    higher_prio_send_advert off
    virtual_router_id 51
    priority 150
    advert_int 2
    version 2
    authentication {
        auth_type PASS
        auth_pass secret
    }
    accept
    nopreempt
    preempt_delay 4.12
    strict_mode off
    notify_master "/etc/keepalived/master.sh VI_1" root root
    notify /etc/keepalived/notify.sh
    notify_deleted
    smtp_alert yes
    kernel_rx_buf_size 1048576"#,
    );
    // No VIPs, and the tracked objects are not defined in this snippet.
    let expected_problems: Vec<(Code, u32, u32)> = vec![
        (Code::MissingValue, 1, 15),
        (Code::UnknownReference, 12, 9),
        (Code::UnknownReference, 13, 9),
        (Code::UnknownReference, 16, 9),
        (Code::UnknownReference, 19, 9),
        (Code::UnknownReference, 22, 9),
    ];
    assert_eq!(
        problems(&parsed),
        expected_problems,
        "{:#?}",
        parsed.diagnostics
    );
    assert_eq!(vi.state, State::Backup);
    let vmac = vi.use_vmac.as_ref().unwrap();
    assert_eq!(
        (vmac.name.as_deref(), vmac.mac.as_deref()),
        (Some("vrrp.51"), Some("00:00:5e:00:02"))
    );
    assert!(vi.vmac_xmit_base && vi.dont_track_primary);
    assert_eq!(vi.track_interface.len(), 2);
    assert_eq!(
        (vi.track_interface[1].weight, vi.track_interface[1].reverse),
        (Some(-20), true)
    );
    assert_eq!(
        (vi.track_script[1].weight, vi.track_script[1].no_reverse),
        (Some(10), true)
    );
    assert_eq!(vi.track_file[0].weight, Some(254));
    assert_eq!(vi.track_bfd[0].weight, Some(-253));
    assert_eq!(vi.unicast_src_ip, Some("10.0.0.1".parse().unwrap()));
    assert_eq!(vi.unicast_peer[1].min_ttl, Some(250));
    assert_eq!(vi.unicast_peer[1].max_ttl, Some(255));
    assert_eq!(vi.unicast_ttl, Some(64));
    assert_eq!(vi.old_unicast_checksum, Some(OldChecksum::Never));
    assert_eq!(vi.garp_master_delay, Some(Duration::from_millis(2500)));
    assert_eq!(vi.garp_extra_if, Some((true, Duration::from_secs(10))));
    assert_eq!(vi.down_timer_adverts, 5);
    assert_eq!(vi.lower_prio_no_advert, Some(true));
    assert_eq!(vi.higher_prio_send_advert, Some(false));
    assert_eq!(vi.priority, 150);
    assert_eq!(vi.advert_int, Duration::from_secs(2));
    let auth = vi.authentication.as_ref().unwrap();
    assert_eq!(
        (auth.auth_type, auth.auth_pass.as_str()),
        (AuthType::Pass, "secret")
    );
    assert_eq!(vi.accept, Some(true));
    assert!(vi.nopreempt);
    assert_eq!(vi.preempt_delay, Duration::from_millis(4120));
    assert_eq!(vi.strict_mode, Some(false));
    let notify = vi.notify_master.as_ref().unwrap();
    assert_eq!(notify.command, "/etc/keepalived/master.sh VI_1");
    assert_eq!(
        (notify.user.as_deref(), notify.group.as_deref()),
        (Some("root"), Some("root"))
    );
    assert!(vi.notify_deleted && vi.notify_deleted_script.is_none());
    assert_eq!(vi.smtp_alert, Some(true));
    assert_eq!(vi.kernel_rx_buf_size, Some(1_048_576));

    // Written back and read again, it is the same instance.
    let again = parse(&write_config(&parsed.config));
    assert_eq!(
        again.config,
        parsed.config,
        "{}",
        write_config(&parsed.config)
    );
}

#[test]
fn out_of_range_values_point_at_the_value() {
    // keepalived: "number '300' outside range [1, 255]" and friends.
    for (line, column, body) in [
        (3, 23, "    interface eth0\n    virtual_router_id 300"),
        (2, 14, "    priority 0"),
        (2, 14, "    priority 256"),
        (2, 16, "    advert_int 0"),
        (2, 16, "    advert_int 256"),
        (2, 13, "    version 4"),
        (2, 24, "    down_timer_adverts 101"),
        (2, 19, "    preempt_delay 1001"),
        (2, 11, "    debug 5"),
        (2, 17, "    unicast_ttl 256"),
        (
            3,
            26,
            "    unicast_peer {\n        10.0.0.2 min_ttl 300\n    }",
        ),
        (
            3,
            21,
            "    track_interface {\n        eth1 weight 254\n    }",
        ),
    ] {
        let (_, parsed) = instance(body);
        let found = without_vip_warning(&parsed);
        assert!(
            found.contains(&(Code::OutOfRange, line, column)),
            "{body:?}: expected out-of-range at {line}:{column}, got {found:?}"
        );
    }
}

#[test]
fn bad_values_are_errors_with_suggestions() {
    let (vi, parsed) = instance("    state master");
    assert_eq!(vi.state, State::Backup);
    let d = &parsed
        .diagnostics
        .iter()
        .find(|d| d.code == Code::InvalidValue)
        .unwrap();
    assert_eq!(d.help.as_deref(), Some("did you mean 'MASTER'?"));

    let (_, parsed) = instance("    virtual_router 51");
    let d = parsed
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnknownKeyword)
        .unwrap();
    assert_eq!(d.help.as_deref(), Some("did you mean 'virtual_router_id'?"));
    assert_eq!(d.severity, Severity::Warning);

    let (_, parsed) = instance("    mcast_src_ip 10.0.0");
    assert!(problems(&parsed).contains(&(Code::InvalidValue, 2, 18)));

    let (_, parsed) = instance("    authentication {\n        auth_type FOO\n    }");
    assert!(problems(&parsed).contains(&(Code::InvalidValue, 3, 19)));
}

#[test]
fn lost_line_breaks_are_caught() {
    // keepalived 2.2.7 silently ignores "priority 100" here.
    let (vi, parsed) = instance("    virtual_router_id 5 priority 100");
    assert_eq!(vi.priority, 100);
    let d = parsed
        .diagnostics
        .iter()
        .find(|d| d.code == Code::ExtraArguments)
        .unwrap();
    assert_eq!(d.location.as_ref().unwrap().column, 25);
    assert_eq!(d.help.as_deref(), Some("is a line break missing?"));
}

#[test]
fn keepalived_warnings_are_reproduced() {
    // Each case: keepalived 2.2.7 -t prints a warning and exits 5.
    let cases: &[(&str, Code)] = &[
        (
            "    interface eth0\n    virtual_router_id 5",
            Code::MissingValue,
        ), // No VIP specified
        ("    interface eth0", Code::MissingValue), // no VRID
        (
            "    interface eth0\n    virtual_router_id 5\n    advert_int 1.5",
            Code::InvalidValue,
        ),
        (
            "    interface eth0\n    virtual_router_id 5\n    version 3\n    advert_int 1.234",
            Code::InvalidValue,
        ),
        (
            "    interface eth0\n    virtual_router_id 5\n    version 3\n    advert_int 41",
            Code::OutOfRange,
        ),
        (
            "    interface eth0\n    virtual_router_id 5\n    nopreempt\n    state MASTER",
            Code::Inconsistent,
        ),
        (
            "    interface eth0\n    virtual_router_id 5\n    version 3\n    authentication {\n        auth_type PASS\n        auth_pass x\n    }",
            Code::Inconsistent,
        ),
        (
            "    interface eth0\n    virtual_router_id 5\n    authentication {\n        auth_type PASS\n        auth_pass 123456789\n    }",
            Code::InvalidValue,
        ),
        (
            "    interface eth0\n    virtual_router_id 5\n    strict_mode\n    state MASTER",
            Code::Inconsistent,
        ),
        (
            "    interface eth0\n    virtual_router_id 5\n    strict_mode\n    accept",
            Code::Inconsistent,
        ),
        (
            "    interface eth0\n    virtual_router_id 5\n    track_script {\n        nope\n    }",
            Code::UnknownReference,
        ),
        (
            "    interface eth0\n    virtual_router_id 5\n    unicast_peer {\n        10.0.0.2 max_ttl 10 min_ttl 20\n    }",
            Code::Inconsistent,
        ),
    ];
    for (body, code) in cases {
        let (_, parsed) = instance(body);
        assert!(
            parsed.diagnostics.iter().any(|d| d.code == *code),
            "{body:?}: no {code:?} in {:#?}",
            parsed.diagnostics
        );
        assert_eq!(parsed.verdict().exit_code(), 5, "{body:?}");
    }

    // And configurations keepalived accepts without a word stay clean here
    // (apart from the VIP lines, which another part of the model reads).
    for body in [
        "    interface eth0\n    virtual_router_id 5\n    priority 255",
        "    interface eth0\n    virtual_router_id 5\n    version 3\n    advert_int 0.5",
        "    interface eth0\n    virtual_router_id 5\n    preempt_delay 2.5",
        "    interface eth0\n    virtual_router_id 5\n    strict_mode\n    state MASTER\n    priority 255",
        "    interface eth0\n    virtual_router_id 5\n    garp_master_delay 0\n    dont_track_primary yes",
        "    virtual_router_id 5\n    unicast_peer {\n        10.0.0.2\n    }\n    unicast_src_ip 10.0.0.1",
    ] {
        let (_, parsed) = instance(body);
        assert_eq!(without_vip_warning(&parsed), vec![], "{body:?}");
    }
}

#[test]
fn instances_and_vrids_are_unique() {
    let block = |name: &str, vrid: u8| {
        format!("vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n}}\n")
    };
    let parsed = parse(&(block("A", 5) + &block("A", 6)));
    assert!(
        problems(&parsed).contains(&(Code::Duplicate, 5, 15)),
        "{:?}",
        problems(&parsed)
    );
    let parsed = parse(&(block("A", 5) + &block("B", 5)));
    let d = parsed
        .diagnostics
        .iter()
        .find(|d| d.code == Code::Duplicate)
        .unwrap();
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("VRID 5"), "{}", d.message);
    let parsed = parse(&(block("A", 5) + &block("B", 6)));
    assert!(!parsed.diagnostics.iter().any(|d| d.code == Code::Duplicate));
}

#[test]
fn scripts() {
    let parsed = parse(
        "vrrp_script chk {\n    script \"/usr/bin/pgrep -x nginx\"\n    interval 2\n    timeout 3\n    weight -30 reverse\n    rise 2\n    fall 3\n    user nobody nogroup\n    init_fail\n}\n",
    );
    assert_eq!(problems(&parsed), vec![]);
    let s = &parsed.config.vrrp_scripts[0];
    assert_eq!(s.script, "/usr/bin/pgrep -x nginx");
    assert_eq!(
        (s.interval, s.timeout),
        (Duration::from_secs(2), Some(Duration::from_secs(3)))
    );
    assert_eq!((s.weight.value, s.weight.reverse), (-30, true));
    assert_eq!((s.rise, s.fall), (2, 3));
    assert_eq!(s.user, Some(("nobody".into(), Some("nogroup".into()))));
    assert!(s.init_fail);
    assert_eq!(parse(&write_config(&parsed.config)).config, parsed.config);

    // keepalived: "No script set for vrrp_script s - removing".
    let parsed = parse("vrrp_script s {\n    weight 10\n}\n");
    assert!(parsed.config.vrrp_scripts.is_empty());
    assert_eq!(problems(&parsed), vec![(Code::MissingValue, 1, 1)]);
    // keepalived: "vrrp script interval '0.5' must be between 1 and 4294".
    let parsed = parse("vrrp_script s {\n    script /bin/true\n    interval 0.5\n}\n");
    assert_eq!(problems(&parsed), vec![(Code::InvalidValue, 3, 14)]);
    let parsed = parse("vrrp_script s {\n    script /bin/true\n    weight 254\n}\n");
    assert_eq!(problems(&parsed), vec![(Code::OutOfRange, 3, 12)]);
}

#[test]
fn sync_groups() {
    let instances = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n}\nvrrp_instance B {\n interface eth0\n virtual_router_id 2\n}\n";
    let parsed = parse(&format!(
        "{instances}vrrp_sync_group G {{\n    group {{\n        A\n        B\n    }}\n    track_interface {{\n        eth1 weight 10\n    }}\n    notify_master /bin/true\n    smtp_alert\n    sync_group_tracking_weight\n}}\n"
    ));
    let group = &parsed.config.sync_groups[0];
    let members: Vec<&str> = group.group.iter().map(|m| m.value.as_str()).collect();
    assert_eq!(members, ["A", "B"]);
    assert_eq!(group.track_interface[0].weight, Some(10));
    assert_eq!(group.smtp_alert, Some(true));
    assert!(group.sync_group_tracking_weight);
    assert!(
        !parsed
            .diagnostics
            .iter()
            .any(|d| d.message.contains("sync group")),
        "{:#?}",
        parsed.diagnostics
    );
    let again = parse(&write_config(&parsed.config));
    assert_eq!(again.config, parsed.config);

    // keepalived: "Virtual router X specified in sync group G doesn't exist".
    let parsed = parse(&format!(
        "{instances}vrrp_sync_group G {{\n group {{\n  A\n  X\n }}\n}}\n"
    ));
    let d = parsed
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnknownReference)
        .unwrap();
    assert_eq!(
        d.location.as_ref().map(|l| (l.line, l.column)),
        Some((12, 3))
    );
    // keepalived: "Virtual router A cannot exist in more than one sync group".
    let parsed = parse(&format!(
        "{instances}vrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n}}\nvrrp_sync_group H {{\n group {{\n  A\n  B\n }}\n}}\n"
    ));
    assert!(
        parsed
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::Duplicate)
            .count()
            >= 2
    );
}

#[test]
fn weighted_scripts_in_sync_groups_are_flagged() {
    // keepalived: "(V) ignoring tracked script s with weights due to SYNC group".
    let text = "vrrp_script s {\n script /bin/true\n weight 10\n}\n\
                vrrp_instance A {\n interface eth0\n virtual_router_id 1\n track_script {\n  s\n }\n}\n\
                vrrp_instance B {\n interface eth0\n virtual_router_id 2\n}\n\
                vrrp_sync_group G {\n group {\n  A\n  B\n }\n}\n";
    let parsed = parse(text);
    let d = parsed
        .diagnostics
        .iter()
        .find(|d| d.code == Code::Inconsistent)
        .unwrap();
    assert_eq!(d.location.as_ref().map(|l| l.line), Some(9));
    assert!(d.message.contains("sync_group_tracking_weight"));
}

#[test]
fn garp_groups() {
    let parsed = parse(
        "garp_group {\n    garp_interval 0.001\n    gna_interval 0.5\n    interfaces {\n        eth0\n        eth1\n    }\n}\n",
    );
    assert_eq!(problems(&parsed), vec![]);
    let group = &parsed.config.garp_groups[0];
    assert_eq!(group.garp_interval, Some(Duration::from_millis(1)));
    assert_eq!(group.interfaces.len(), 2);
    assert_eq!(parse(&write_config(&parsed.config)).config, parsed.config);
}

#[test]
fn an_empty_config_is_the_default() {
    assert_eq!(parse("").config, Config::default());
    assert_eq!(write_config(&Config::default()), "");
}

#[test]
fn auth_hmac_is_read_checked_and_written_back() {
    use kconf_parser::model::vrrp::HmacMode;
    let (vi, parsed) = instance(
        "    interface eth0\n    virtual_router_id 5\n    auth_hmac {\n        key_id 3\n        secret \"s3cr3t with space\"\n        mode receive-only\n    }",
    );
    let hmac = vi.auth_hmac.as_ref().unwrap();
    assert_eq!(
        (
            hmac.key_id,
            hmac.secret.as_str(),
            hmac.mode,
            hmac.replay_window
        ),
        (3, "s3cr3t with space", HmacMode::ReceiveOnly, 32)
    );
    assert_eq!(parse(&write_config(&parsed.config)).config, parsed.config);

    let (vi, parsed) = instance(
        "    interface eth0\n    virtual_router_id 5\n    auth_hmac {\n        mode strict\n    }",
    );
    assert!(vi.auth_hmac.is_none());
    let found = problems(&parsed);
    assert!(found.contains(&(Code::InvalidValue, 5, 14)), "{found:?}");
    assert!(found.contains(&(Code::MissingValue, 4, 5)), "{found:?}");
}
