//! The cross-block verdicts, each checked with `keepalived -t`.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn cross_block_verdicts_match_keepalived() {
    let no_rs =
        "virtual_server 10.0.0.1 80 {\n    protocol TCP\n    lvs_sched rr\n    lvs_method NAT\n}\n";
    let bare = "virtual_server 10.0.0.1 80 {\n    real_server 10.0.0.2 80 {\n    }\n}\n";
    let cases: Vec<(String, Vec<(Code, u32)>)> = vec![
        // keepalived -t: "has no real servers - ignoring".
        (no_rs.into(), vec![(Code::MissingValue, 1)]),
        // keepalived -t: no protocol (UDP), no scheduler (wlc), no method (NAT).
        (bare.into(), vec![(Code::MissingValue, 1); 3]),
        // keepalived -t: a method on every real server is enough.
        (
            bare.replace("80 {\n    }", "80 {\n        lvs_method DR\n    }")
                .replace(
                    "{\n    real",
                    "{\n    protocol TCP\n    lvs_sched rr\n    real",
                ),
            vec![],
        ),
        // keepalived -t: ops needs UDP.
        (vs("    ops"), vec![(Code::Inconsistent, 1)]),
        (
            vs("    ops").replace("protocol TCP", "protocol UDP"),
            vec![],
        ),
        // keepalived -t: no port without persistence, then the real server port differs (DR).
        (
            vs("")
                .replace("10.0.0.1 80", "10.0.0.1")
                .replace("NAT", "DR"),
            vec![(Code::Inconsistent, 1), (Code::Inconsistent, 6)],
        ),
        // keepalived -t: quorum above the weights; hysteresis not below the quorum.
        (vs("    quorum 2"), vec![(Code::Inconsistent, 1)]),
        (vs("    quorum 2\n    weight 2"), vec![]),
        (vs("    hysteresis 1"), vec![(Code::Inconsistent, 1)]),
        // keepalived -t: a repeated real server.
        (
            vs("    real_server 10.0.0.2 80 {\n    }"),
            vec![(Code::Duplicate, 7)],
        ),
        // keepalived -t: a real server of another family is skipped, leaving none.
        (
            vs("").replace("10.0.0.2 80", "2001:db8::2 80"),
            vec![(Code::MissingValue, 1), (Code::Inconsistent, 6)],
        ),
        // keepalived -t: unless tunnelled.
        (
            vs("").replace("10.0.0.2 80 {", "2001:db8::2 80 {\n        lvs_method TUN"),
            vec![],
        ),
        (
            vs("    sorry_server 2001:db8::9 80"),
            vec![(Code::Inconsistent, 5)],
        ),
        (vs("    ip_family inet6"), vec![(Code::Inconsistent, 1)]),
        // keepalived -t: the sorry server is a real server with another inhibit setting.
        (
            vs("    sorry_server 10.0.0.2 80\n    sorry_server_inhibit"),
            vec![(Code::Inconsistent, 5)],
        ),
        // keepalived -t: sorry_server_inhibit before sorry_server.
        (
            vs("    sorry_server_inhibit\n    sorry_server 10.0.0.9 80"),
            vec![(Code::Inconsistent, 5)],
        ),
        // keepalived -t: protocol and ha_suspend with a fwmark; the real server's port with DR.
        (
            vs("    ha_suspend")
                .replace("10.0.0.1 80", "fwmark 3")
                .replace("NAT", "DR"),
            vec![
                (Code::Inconsistent, 1),
                (Code::Inconsistent, 1),
                (Code::Inconsistent, 6),
            ],
        ),
        // keepalived -t: DR real server ports must match.
        (
            vs("")
                .replace("10.0.0.2 80", "10.0.0.2 81")
                .replace("NAT", "DR"),
            vec![(Code::Inconsistent, 6)],
        ),
        (vs("").replace("10.0.0.2 80", "10.0.0.2 81"), vec![]),
        // keepalived -t: silent about two identical virtual servers or groups (notes only).
        (format!("{}{}", vs(""), vs("")), vec![]),
    ];
    for (text, expected) in cases {
        assert_eq!(verdict(&text), expected, "{text}");
    }
}

#[test]
fn the_first_of_two_groups_is_used() {
    // keepalived -t warns about the protocol of a fwmark service: it uses the first group.
    let text = "virtual_server_group G {\n    fwmark 5 inet\n}\nvirtual_server_group G {\n    10.0.0.1 80\n}\nvirtual_server group G {\n    protocol TCP\n    lvs_sched rr\n    lvs_method NAT\n    real_server 10.0.0.2 80 {\n    }\n}\n";
    assert_eq!(verdict(text), vec![(Code::Inconsistent, 7)]);
    let parsed = parse(text);
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.code == Code::Duplicate && d.severity == Severity::Note)
    );
}
