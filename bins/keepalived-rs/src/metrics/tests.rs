//! The renderer on the rich fixture: every family, exact values, escaping,
//! no duplicate series, and the documentation in step with the code.

use std::collections::HashSet;

use ipc_proto::{StatsReport, Status};

use super::fixture::{AWKWARD, rich};
use super::render::{FAMILIES, Kind, escape_label, render};

fn rendered() -> String {
    let (status, stats) = rich();
    render(&status, &stats)
}

/// The sample lines: `(series, value)`, where the series is the name and
/// labels (everything before the last space; values never hold one).
fn samples(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.rsplit_once(' ').unwrap())
        .collect()
}

fn value_of<'a>(text: &'a str, series: &str) -> &'a str {
    let found: Vec<_> = samples(text)
        .into_iter()
        .filter(|(s, _)| *s == series)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{series} appears {} times in\n{text}",
        found.len()
    );
    found[0].1
}

#[test]
fn every_family_has_one_help_one_type_and_samples() {
    let text = rendered();
    for (name, kind, _) in FAMILIES {
        let kind = match kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        };
        let help = format!("# HELP {name} ");
        let type_line = format!("# TYPE {name} {kind}");
        assert_eq!(
            text.lines().filter(|l| l.starts_with(&help)).count(),
            1,
            "{name}"
        );
        assert_eq!(
            text.lines().filter(|l| *l == type_line).count(),
            1,
            "{name}"
        );
        let has_sample = samples(&text).iter().any(|(series, _)| {
            let sample = series.split('{').next().unwrap();
            sample == *name
                || ["_bucket", "_sum", "_count"]
                    .iter()
                    .any(|suffix| sample.strip_suffix(suffix) == Some(name))
        });
        assert!(has_sample, "the rich fixture has no sample of {name}");
        if kind == "counter" {
            assert!(name.ends_with("_total"), "{name}");
        } else {
            assert!(!name.ends_with("_total"), "{name}");
        }
    }
}

#[test]
fn samples_follow_their_family_and_no_series_repeats() {
    let text = rendered();
    let mut seen = HashSet::new();
    let mut family = "";
    let mut kind = "";
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            (family, kind) = rest.split_once(' ').unwrap();
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let name = series.split('{').next().unwrap();
        let base = if kind == "histogram" {
            ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .unwrap_or(name)
        } else {
            name
        };
        assert_eq!(base, family, "{line} is outside its family");
        assert!(seen.insert(series.to_owned()), "duplicate series {series}");
        assert!(
            value.parse::<f64>().is_ok() || ["NaN", "+Inf", "-Inf"].contains(&value),
            "{line}"
        );
    }
}

#[test]
fn vrrp_state_is_one_hot_with_escaped_labels() {
    let text = rendered();
    let vi1 = r#"instance="VI_1",interface="eth0",vrid="51""#;
    for (state, want) in [
        ("init", "0"),
        ("backup", "0"),
        ("master", "1"),
        ("fault", "0"),
        ("stop", "0"),
    ] {
        assert_eq!(
            value_of(
                &text,
                &format!("keepalived_vrrp_state{{{vi1},state=\"{state}\"}}")
            ),
            want
        );
    }
    // `"`, `\` and a line feed, escaped as format 0.0.4 says.
    let awkward = r#"instance="VI \"2\" \\ x\nnext",interface="eth0",vrid="52",state="backup""#;
    assert_eq!(
        value_of(&text, &format!("keepalived_vrrp_state{{{awkward}}}")),
        "1"
    );
    assert_eq!(escape_label(AWKWARD), r#"VI \"2\" \\ x\nnext"#);
    assert!(
        !text.contains(AWKWARD),
        "an unescaped line feed would split a sample"
    );
}

#[test]
fn vrrp_priorities_counters_and_errors() {
    let text = rendered();
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_priority{instance="VI_1",kind="base"}"#
        ),
        "100"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_priority{instance="VI_1",kind="effective"}"#
        ),
        "90"
    );
    assert_eq!(
        value_of(&text, r#"keepalived_vrrp_master_priority{instance="VI_1"}"#),
        "100"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_last_transition_timestamp_seconds{instance="VI_1"}"#
        ),
        "1700000050.75"
    );
    // The stats report wins over the status's copy of the counters.
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_transitions_total{instance="VI_1",transition="become_master"}"#
        ),
        "2"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_transitions_total{instance="VI_1",transition="release_master"}"#
        ),
        "1"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_adverts_sent_total{instance="VI_1"}"#
        ),
        "1234"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_adverts_received_total{instance="VI_1"}"#
        ),
        "17"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_priority_zero_sent_total{instance="VI_1"}"#
        ),
        "1"
    );
    for (reason, want) in [
        ("packet_len_err", "0"),
        ("ip_ttl_err", "5"),
        ("chk_err", "2"),
        ("some_future_err", "9"),
    ] {
        assert_eq!(
            value_of(
                &text,
                &format!("keepalived_vrrp_errors_total{{instance=\"VI_1\",reason=\"{reason}\"}}")
            ),
            want
        );
    }
    // Counters only in the status, and the report's override, both count.
    let awkward = r#"instance="VI \"2\" \\ x\nnext""#;
    assert_eq!(
        value_of(
            &text,
            &format!("keepalived_vrrp_adverts_received_total{{{awkward}}}")
        ),
        "8"
    );
    assert_eq!(
        value_of(
            &text,
            &format!("keepalived_vrrp_errors_total{{{awkward},reason=\"auth_failure\"}}")
        ),
        "3"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_socket_errors_total{reason="vrid_err"}"#
        ),
        "11"
    );
    // Non-error counters never land among the errors.
    assert!(!text.contains(r#"reason="advert_sent""#));
    assert!(!text.contains(r#"reason="become_master""#));
}

#[test]
fn trackers_and_sync_groups() {
    let text = rendered();
    let t = |kind: &str, name: &str| format!(r#"instance="VI_1",kind="{kind}",name="{name}""#);
    assert_eq!(
        value_of(
            &text,
            &format!("keepalived_vrrp_tracker_up{{{}}}", t("interface", "eth1"))
        ),
        "1"
    );
    assert_eq!(
        value_of(
            &text,
            &format!("keepalived_vrrp_tracker_up{{{}}}", t("script", "chk_nginx"))
        ),
        "0"
    );
    assert_eq!(
        value_of(
            &text,
            &format!("keepalived_vrrp_tracker_up{{{}}}", t("process", "haproxy"))
        ),
        "0"
    );
    assert_eq!(
        value_of(
            &text,
            &format!(
                "keepalived_vrrp_tracker_value{{{}}}",
                t("file", "/run/prio")
            )
        ),
        "5"
    );
    assert_eq!(
        value_of(
            &text,
            &format!(
                "keepalived_vrrp_tracker_weight{{{}}}",
                t("script", "chk_nginx")
            )
        ),
        "-20"
    );
    assert!(!text.contains(r#"keepalived_vrrp_tracker_up{instance="VI_1",kind="file""#));
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_sync_group_state{sync_group="G1",state="master"}"#
        ),
        "1"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_sync_group_state{sync_group="G1",state="fault"}"#
        ),
        "0"
    );
}

#[test]
fn real_servers_and_the_cumulative_check_histogram() {
    let text = rendered();
    let rs1 = r#"virtual_server="10.0.0.100:80",real_server="10.0.1.1:80""#;
    let rs2 = r#"virtual_server="10.0.0.100:80",real_server="10.0.1.2:80""#;
    assert_eq!(
        value_of(&text, &format!("keepalived_real_server_healthy{{{rs1}}}")),
        "1"
    );
    assert_eq!(
        value_of(&text, &format!("keepalived_real_server_healthy{{{rs2}}}")),
        "0"
    );
    assert_eq!(
        value_of(&text, &format!("keepalived_real_server_weight{{{rs1}}}")),
        "3"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_virtual_server_quorum_up{virtual_server="fwmark 5"}"#
        ),
        "0"
    );
    // Checks of 2 ms, 4 ms and 30 ms.
    for (le, want) in [
        ("0.001", "0"),
        ("0.0025", "1"),
        ("0.005", "2"),
        ("0.025", "2"),
        ("0.05", "3"),
        ("5", "3"),
        ("+Inf", "3"),
    ] {
        assert_eq!(
            value_of(
                &text,
                &format!("keepalived_check_duration_seconds_bucket{{{rs1},le=\"{le}\"}}")
            ),
            want,
            "le={le}"
        );
    }
    assert_eq!(
        value_of(
            &text,
            &format!("keepalived_check_duration_seconds_count{{{rs1}}}")
        ),
        "3"
    );
    let sum: f64 = value_of(
        &text,
        &format!("keepalived_check_duration_seconds_sum{{{rs1}}}"),
    )
    .parse()
    .unwrap();
    assert!((sum - 0.036).abs() < 1e-9);
    // 7.5 s is above every bound: only +Inf holds it.
    assert_eq!(
        value_of(
            &text,
            &format!("keepalived_check_duration_seconds_bucket{{{rs2},le=\"5\"}}")
        ),
        "0"
    );
    assert_eq!(
        value_of(
            &text,
            &format!("keepalived_check_duration_seconds_bucket{{{rs2},le=\"+Inf\"}}")
        ),
        "1"
    );
    assert_eq!(
        value_of(
            &text,
            &format!("keepalived_check_last_duration_seconds{{{rs2}}}")
        ),
        "7.5"
    );
    assert_eq!(
        value_of(
            &text,
            &format!("keepalived_check_events_total{{{rs1},event=\"checks\"}}")
        ),
        "40"
    );
}

#[test]
fn bfd_sessions_daemons_and_the_supervisor() {
    let text = rendered();
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_bfd_session_up{session="to_router",neighbor="10.0.0.254"}"#
        ),
        "1"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_bfd_session_up{session="to_peer",neighbor="fe80::1"}"#
        ),
        "0"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_bfd_session_state{session="to_router",state="up"}"#
        ),
        "1"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_bfd_session_state{session="to_router",state="down"}"#
        ),
        "0"
    );
    // An unknown state is shown, not lost.
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_bfd_session_state{session="to_peer",state="flapping"}"#
        ),
        "1"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_bfd_session_state{session="to_peer",state="up"}"#
        ),
        "0"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_bfd_detections_total{session="to_router"}"#
        ),
        "4"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_bfd_detection_time_seconds{session="to_router"}"#
        ),
        "0.3"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_bfd_session_events_total{session="to_router",event="packets_sent"}"#
        ),
        "500"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_daemon_start_time_seconds{daemon="vrrpd"}"#
        ),
        "1700000000.5"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_daemon_start_time_seconds{daemon="keepalived-rs"}"#
        ),
        "1700000000.5"
    );
    assert_eq!(
        value_of(&text, r#"keepalived_daemon_restarts_total{daemon="vrrpd"}"#),
        "1"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_daemon_reloads_total{daemon="checkerd"}"#
        ),
        "2"
    );
    assert_eq!(value_of(&text, "keepalived_reloads_total"), "3");
    assert_eq!(value_of(&text, "keepalived_reload_failures_total"), "1");
    assert_eq!(value_of(&text, "keepalived_config_errors"), "2");
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_supervisor_events_total{event="restarts"}"#
        ),
        "1"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_metrics_dropped_series{reason="duplicate_series"}"#
        ),
        "0"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_metrics_dropped_series{reason="invalid_histogram"}"#
        ),
        "0"
    );
}

#[test]
fn a_repeated_instance_and_a_broken_histogram_are_left_out_and_counted() {
    let (mut status, stats) = rich();
    let again = status.vrrp_instances[0].clone();
    status.vrrp_instances.push(again);
    let histogram = status.virtual_servers[0].real_servers[1]
        .check_duration
        .as_mut()
        .unwrap();
    histogram.counts.pop();
    let text = render(&status, &stats);
    // Each of VI_1's series is written once; the copy's are counted.
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_vrrp_state{instance="VI_1",interface="eth0",vrid="51",state="master"}"#
        ),
        "1"
    );
    let dropped: u64 = value_of(
        &text,
        r#"keepalived_metrics_dropped_series{reason="duplicate_series"}"#,
    )
    .parse()
    .unwrap();
    // info, 5 states, 2 priorities, master priority, interval, last
    // transition, 4 trackers with a weight each.
    assert_eq!(dropped, 1 + 5 + 2 + 1 + 1 + 1 + 4 * 2);
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_metrics_dropped_series{reason="invalid_histogram"}"#
        ),
        "1"
    );
    assert!(!text.contains(r#"keepalived_check_duration_seconds_count{virtual_server="10.0.0.100:80",real_server="10.0.1.2:80"}"#));
}

#[test]
fn special_floats_use_prometheus_spelling() {
    let (mut status, stats) = rich();
    status.bfd_sessions[0].detection_time = f64::NAN;
    status.bfd_sessions[1].detection_time = f64::INFINITY;
    let text = render(&status, &stats);
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_bfd_detection_time_seconds{session="to_router"}"#
        ),
        "NaN"
    );
    assert_eq!(
        value_of(
            &text,
            r#"keepalived_bfd_detection_time_seconds{session="to_peer"}"#
        ),
        "+Inf"
    );
}

#[test]
fn an_empty_status_still_declares_every_family() {
    let text = render(&Status::default(), &StatsReport::default());
    assert_eq!(
        text.lines().filter(|l| l.starts_with("# TYPE ")).count(),
        FAMILIES.len()
    );
    assert_eq!(
        samples(&text).len(),
        2,
        "only the dropped-series gauges:\n{text}"
    );
}

#[test]
fn docs_list_every_family() {
    let docs = include_str!("../../../../docs/METRICS.md");
    for (name, _, _) in FAMILIES {
        assert!(
            docs.contains(&format!("`{name}`")),
            "docs/METRICS.md does not list {name}"
        );
    }
}
