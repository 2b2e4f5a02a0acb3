//! The Prometheus text exposition format (version 0.0.4) of a merged
//! [`Status`] and [`StatsReport`].
//!
//! Every family is declared once in [`FAMILIES`] (name, type, help), so its
//! `# HELP` and `# TYPE` lines come out once and in a fixed order, even when
//! it has no samples yet; docs/METRICS.md describes the same list and a test
//! keeps the two in step. Enumerations (VRRP, sync group and BFD states) are
//! one-hot gauges with a `state` label, as Prometheus recommends for enums:
//! `keepalived_vrrp_state{state="master"} == 1` selects the masters, and a
//! change of state is a change of value, not of series.
//!
//! Counters whose names this module does not know (a newer daemon's) are
//! not dropped: they land in the family of their kind with the counter's
//! name as a label (`reason`, `event`). A series that would repeat one
//! already written (two instances with one name) or a malformed histogram
//! is left out and counted in `keepalived_metrics_dropped_series`, because
//! a scrape with a duplicate series is rejected whole by Prometheus.
//!
//! It does not fetch anything, hold state between scrapes or serve HTTP
//! (see [`super::server`]).

use std::collections::{BTreeMap, HashSet};
use std::fmt::{self, Write as _};

use ipc_proto::{Histogram, StatsReport, Status, VrrpState};

/// A Prometheus metric type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// Every family this exporter writes: name, type, help text.
pub(crate) const FAMILIES: &[(&str, Kind, &str)] = &[
    // VRRP (vrrpd).
    (
        VRRP_INFO,
        Kind::Gauge,
        "Static facts of a VRRP instance; always 1.",
    ),
    (
        VRRP_STATE,
        Kind::Gauge,
        "VRRP instance state, one-hot: 1 for the current state, 0 for the others.",
    ),
    (
        VRRP_PRIORITY,
        Kind::Gauge,
        "VRRP priority: kind=base as configured, kind=effective after trackers.",
    ),
    (
        VRRP_MASTER_PRIORITY,
        Kind::Gauge,
        "Priority of the master last heard.",
    ),
    (
        VRRP_ADVERT_INTERVAL,
        Kind::Gauge,
        "Configured advertisement interval.",
    ),
    (
        VRRP_LAST_TRANSITION,
        Kind::Gauge,
        "Unix time of the instance's last state change.",
    ),
    (
        VRRP_TRANSITIONS,
        Kind::Counter,
        "Transitions to master (transition=become_master) and away from master (transition=release_master).",
    ),
    (
        VRRP_ADVERTS_SENT,
        Kind::Counter,
        "VRRP advertisements sent.",
    ),
    (
        VRRP_ADVERTS_RECEIVED,
        Kind::Counter,
        "VRRP advertisements received.",
    ),
    (
        VRRP_PRIORITY_ZERO_SENT,
        Kind::Counter,
        "Priority-0 advertisements sent (releasing mastership).",
    ),
    (
        VRRP_PRIORITY_ZERO_RECEIVED,
        Kind::Counter,
        "Priority-0 advertisements received.",
    ),
    (
        VRRP_ERRORS,
        Kind::Counter,
        "Received packets an instance dropped, by keepalived's counter name.",
    ),
    (
        VRRP_SOCKET_ERRORS,
        Kind::Counter,
        "Received packets no instance took (unknown VRID, too short), by counter name.",
    ),
    (
        VRRP_TRACKER_UP,
        Kind::Gauge,
        "Whether a tracked object is up (1) or down or not yet known (0).",
    ),
    (
        VRRP_TRACKER_VALUE,
        Kind::Gauge,
        "The value read from a track_file.",
    ),
    (
        VRRP_TRACKER_WEIGHT,
        Kind::Gauge,
        "A tracked object's weight (0: its failure faults the instance).",
    ),
    (
        VRRP_SYNC_GROUP_STATE,
        Kind::Gauge,
        "VRRP sync group state, one-hot like keepalived_vrrp_state.",
    ),
    // Health checks (checkerd).
    (
        VS_INFO,
        Kind::Gauge,
        "Static facts of a virtual server; always 1.",
    ),
    (
        VS_QUORUM_UP,
        Kind::Gauge,
        "Whether enough real servers of the virtual server are up.",
    ),
    (
        RS_HEALTHY,
        Kind::Gauge,
        "Whether the real server's checks pass.",
    ),
    (
        RS_WEIGHT,
        Kind::Gauge,
        "The IPVS weight in force for the real server.",
    ),
    (
        CHECK_LAST_DURATION,
        Kind::Gauge,
        "Duration of the real server's last check.",
    ),
    (
        CHECK_DURATION,
        Kind::Histogram,
        "Durations of the real server's checks.",
    ),
    (
        CHECK_EVENTS,
        Kind::Counter,
        "checkerd's counters per real server, by counter name.",
    ),
    // BFD (bfdd).
    (BFD_UP, Kind::Gauge, "Whether the BFD session is up."),
    (BFD_STATE, Kind::Gauge, "BFD session state, one-hot."),
    (
        BFD_DETECTION_TIME,
        Kind::Gauge,
        "Negotiated BFD detection time.",
    ),
    (
        BFD_DETECTIONS,
        Kind::Counter,
        "Times the BFD session went down after being up.",
    ),
    (
        BFD_EVENTS,
        Kind::Counter,
        "bfdd's counters per session, by counter name.",
    ),
    // Processes and the supervisor.
    (DAEMON_START, Kind::Gauge, "Unix time the daemon started."),
    (
        DAEMON_CONFIG_LOADED,
        Kind::Gauge,
        "Unix time the daemon last applied a configuration.",
    ),
    (
        DAEMON_RELOADS,
        Kind::Counter,
        "Reloads the daemon applied since it started.",
    ),
    (
        DAEMON_RESTARTS,
        Kind::Counter,
        "Times the supervisor restarted the daemon.",
    ),
    (
        RELOADS,
        Kind::Counter,
        "Configuration reloads the supervisor applied.",
    ),
    (
        RELOAD_FAILURES,
        Kind::Counter,
        "Configuration reloads refused (the old configuration stayed).",
    ),
    (
        CONFIG_ERRORS,
        Kind::Gauge,
        "Errors found in the configuration last read.",
    ),
    (
        SUPERVISOR_EVENTS,
        Kind::Counter,
        "Other supervisor counters, by counter name.",
    ),
    (
        DROPPED_SERIES,
        Kind::Gauge,
        "Series left out of this scrape: reason=duplicate_series or invalid_histogram.",
    ),
];

const VRRP_INFO: &str = "keepalived_vrrp_instance_info";
const VRRP_STATE: &str = "keepalived_vrrp_state";
const VRRP_PRIORITY: &str = "keepalived_vrrp_priority";
const VRRP_MASTER_PRIORITY: &str = "keepalived_vrrp_master_priority";
const VRRP_ADVERT_INTERVAL: &str = "keepalived_vrrp_advert_interval_seconds";
const VRRP_LAST_TRANSITION: &str = "keepalived_vrrp_last_transition_timestamp_seconds";
const VRRP_TRANSITIONS: &str = "keepalived_vrrp_transitions_total";
const VRRP_ADVERTS_SENT: &str = "keepalived_vrrp_adverts_sent_total";
const VRRP_ADVERTS_RECEIVED: &str = "keepalived_vrrp_adverts_received_total";
const VRRP_PRIORITY_ZERO_SENT: &str = "keepalived_vrrp_priority_zero_sent_total";
const VRRP_PRIORITY_ZERO_RECEIVED: &str = "keepalived_vrrp_priority_zero_received_total";
const VRRP_ERRORS: &str = "keepalived_vrrp_errors_total";
const VRRP_SOCKET_ERRORS: &str = "keepalived_vrrp_socket_errors_total";
const VRRP_TRACKER_UP: &str = "keepalived_vrrp_tracker_up";
const VRRP_TRACKER_VALUE: &str = "keepalived_vrrp_tracker_value";
const VRRP_TRACKER_WEIGHT: &str = "keepalived_vrrp_tracker_weight";
const VRRP_SYNC_GROUP_STATE: &str = "keepalived_vrrp_sync_group_state";
const VS_INFO: &str = "keepalived_virtual_server_info";
const VS_QUORUM_UP: &str = "keepalived_virtual_server_quorum_up";
const RS_HEALTHY: &str = "keepalived_real_server_healthy";
const RS_WEIGHT: &str = "keepalived_real_server_weight";
const CHECK_LAST_DURATION: &str = "keepalived_check_last_duration_seconds";
const CHECK_DURATION: &str = "keepalived_check_duration_seconds";
const CHECK_EVENTS: &str = "keepalived_check_events_total";
const BFD_UP: &str = "keepalived_bfd_session_up";
const BFD_STATE: &str = "keepalived_bfd_session_state";
const BFD_DETECTION_TIME: &str = "keepalived_bfd_detection_time_seconds";
const BFD_DETECTIONS: &str = "keepalived_bfd_detections_total";
const BFD_EVENTS: &str = "keepalived_bfd_session_events_total";
const DAEMON_START: &str = "keepalived_daemon_start_time_seconds";
const DAEMON_CONFIG_LOADED: &str = "keepalived_daemon_config_loaded_timestamp_seconds";
const DAEMON_RELOADS: &str = "keepalived_daemon_reloads_total";
const DAEMON_RESTARTS: &str = "keepalived_daemon_restarts_total";
const RELOADS: &str = "keepalived_reloads_total";
const RELOAD_FAILURES: &str = "keepalived_reload_failures_total";
const CONFIG_ERRORS: &str = "keepalived_config_errors";
const SUPERVISOR_EVENTS: &str = "keepalived_supervisor_events_total";
const DROPPED_SERIES: &str = "keepalived_metrics_dropped_series";

/// The VRRP states in the order their one-hot series are written.
const VRRP_STATES: [VrrpState; 5] = [
    VrrpState::Init,
    VrrpState::Backup,
    VrrpState::Master,
    VrrpState::Fault,
    VrrpState::Stop,
];

/// The BFD states of RFC 5880 §4.1, in bfdd's words.
const BFD_STATES: [&str; 4] = ["admin_down", "down", "init", "up"];

/// Renders everything as one scrape.
pub(crate) fn render(status: &Status, stats: &StatsReport) -> String {
    let mut exposition = Exposition::new();
    vrrp(&mut exposition, status, stats);
    checker(&mut exposition, status, stats);
    bfd(&mut exposition, status, stats);
    processes(&mut exposition, status, stats);
    exposition.finish()
}

fn vrrp(e: &mut Exposition, status: &Status, stats: &StatsReport) {
    for instance in &status.vrrp_instances {
        let name = instance.iname.as_str();
        let vrid = instance.vrid.to_string();
        e.push(
            VRRP_INFO,
            &[
                ("instance", name),
                ("interface", &instance.ifp_ifname),
                ("vrid", &vrid),
                ("version", &instance.version.to_string()),
                ("family", &instance.family),
                (
                    "vmac_interface",
                    instance.vmac_ifname.as_deref().unwrap_or(""),
                ),
                ("sync_group", instance.sync_group.as_deref().unwrap_or("")),
            ],
            Value::Unsigned(1),
        );
        for state in VRRP_STATES {
            e.push(
                VRRP_STATE,
                &[
                    ("instance", name),
                    ("interface", &instance.ifp_ifname),
                    ("vrid", &vrid),
                    ("state", state_word(state)),
                ],
                Value::Unsigned(u64::from(instance.state == state)),
            );
        }
        for (kind, priority) in [
            ("base", instance.base_priority),
            ("effective", instance.effective_priority),
        ] {
            e.push(
                VRRP_PRIORITY,
                &[("instance", name), ("kind", kind)],
                Value::Unsigned(u64::from(priority)),
            );
        }
        if let Some(priority) = instance.master_priority {
            e.push(
                VRRP_MASTER_PRIORITY,
                &[("instance", name)],
                Value::Unsigned(u64::from(priority)),
            );
        }
        e.push(
            VRRP_ADVERT_INTERVAL,
            &[("instance", name)],
            Value::Float(instance.adver_int),
        );
        if instance.last_transition > 0.0 {
            e.push(
                VRRP_LAST_TRANSITION,
                &[("instance", name)],
                Value::Float(instance.last_transition),
            );
        }
        for tracker in &instance.trackers {
            let labels = [
                ("instance", name),
                ("kind", tracker.kind.as_str()),
                ("name", tracker.name.as_str()),
            ];
            // A track_file reports its value instead of up/down.
            match tracker.status.trim().parse::<i64>() {
                Ok(value) => e.push(VRRP_TRACKER_VALUE, &labels, Value::Signed(value)),
                Err(_) => e.push(
                    VRRP_TRACKER_UP,
                    &labels,
                    Value::Unsigned(u64::from(tracker.status.eq_ignore_ascii_case("up"))),
                ),
            }
            e.push(
                VRRP_TRACKER_WEIGHT,
                &labels,
                Value::Signed(i64::from(tracker.weight)),
            );
        }
    }
    for (instance, counters) in instance_counters(status, stats) {
        for (counter, value) in counters {
            let value = Value::Unsigned(*value);
            let only_instance = [("instance", instance)];
            match counter.as_str() {
                "advert_sent" => e.push(VRRP_ADVERTS_SENT, &only_instance, value),
                "advert_rcvd" => e.push(VRRP_ADVERTS_RECEIVED, &only_instance, value),
                "pri_zero_sent" => e.push(VRRP_PRIORITY_ZERO_SENT, &only_instance, value),
                "pri_zero_rcvd" => e.push(VRRP_PRIORITY_ZERO_RECEIVED, &only_instance, value),
                "become_master" | "release_master" => e.push(
                    VRRP_TRANSITIONS,
                    &[("instance", instance), ("transition", counter)],
                    value,
                ),
                // Every other counter of vrrp-proto's Stats counts a kind of
                // dropped packet (keepalived's `*_err`, `auth_failure`, ...).
                reason => e.push(
                    VRRP_ERRORS,
                    &[("instance", instance), ("reason", reason)],
                    value,
                ),
            }
        }
    }
    for (reason, value) in &stats.vrrp {
        e.push(
            VRRP_SOCKET_ERRORS,
            &[("reason", reason)],
            Value::Unsigned(*value),
        );
    }
    for group in &status.vrrp_sync_groups {
        for state in VRRP_STATES {
            e.push(
                VRRP_SYNC_GROUP_STATE,
                &[("sync_group", &group.name), ("state", state_word(state))],
                Value::Unsigned(u64::from(group.state == state)),
            );
        }
    }
}

/// Each instance's counters: those in its status, overridden by those of
/// the stats report (the dedicated, fresher answer), plus instances only
/// the report knows.
fn instance_counters<'a>(
    status: &'a Status,
    stats: &'a StatsReport,
) -> BTreeMap<&'a str, BTreeMap<&'a String, &'a u64>> {
    let mut merged: BTreeMap<&str, BTreeMap<&String, &u64>> = BTreeMap::new();
    let sources = status
        .vrrp_instances
        .iter()
        .map(|instance| (instance.iname.as_str(), &instance.stats))
        .chain(
            stats
                .vrrp_instances
                .iter()
                .map(|(name, counters)| (name.as_str(), counters)),
        );
    for (name, counters) in sources {
        merged.entry(name).or_default().extend(counters.iter());
    }
    merged
}

fn state_word(state: VrrpState) -> &'static str {
    match state {
        VrrpState::Init => "init",
        VrrpState::Backup => "backup",
        VrrpState::Master => "master",
        VrrpState::Fault => "fault",
        VrrpState::Stop => "stop",
    }
}

fn checker(e: &mut Exposition, status: &Status, stats: &StatsReport) {
    for vs in &status.virtual_servers {
        e.push(
            VS_INFO,
            &[
                ("virtual_server", &vs.name),
                ("protocol", &vs.protocol),
                ("scheduler", &vs.scheduler),
            ],
            Value::Unsigned(1),
        );
        e.push(
            VS_QUORUM_UP,
            &[("virtual_server", &vs.name)],
            Value::Unsigned(u64::from(vs.quorum_up)),
        );
        for rs in &vs.real_servers {
            let labels = [
                ("virtual_server", vs.name.as_str()),
                ("real_server", &rs.address),
            ];
            e.push(RS_HEALTHY, &labels, Value::Unsigned(u64::from(rs.healthy)));
            e.push(RS_WEIGHT, &labels, Value::Unsigned(u64::from(rs.weight)));
            if let Some(seconds) = rs.last_check_duration {
                e.push(CHECK_LAST_DURATION, &labels, Value::Float(seconds));
            }
            if let Some(histogram) = &rs.check_duration {
                e.histogram(CHECK_DURATION, &labels, histogram);
            }
        }
    }
    for (key, counters) in &stats.real_servers {
        // StatsReport keys real servers as `VS -> RS`.
        let (vs, rs) = key.split_once(" -> ").unwrap_or((key.as_str(), ""));
        for (event, value) in counters {
            e.push(
                CHECK_EVENTS,
                &[
                    ("virtual_server", vs),
                    ("real_server", rs),
                    ("event", event),
                ],
                Value::Unsigned(*value),
            );
        }
    }
}

fn bfd(e: &mut Exposition, status: &Status, stats: &StatsReport) {
    for session in &status.bfd_sessions {
        let name = session.name.as_str();
        let state = session.state.to_ascii_lowercase();
        e.push(
            BFD_UP,
            &[("session", name), ("neighbor", &session.neighbor)],
            Value::Unsigned(u64::from(state == "up")),
        );
        // A state outside RFC 5880's four still gets its series, so it is
        // seen rather than shown as "none of them".
        let extra = (!BFD_STATES.contains(&state.as_str())).then_some(state.as_str());
        for known in BFD_STATES.iter().copied().chain(extra) {
            e.push(
                BFD_STATE,
                &[("session", name), ("state", known)],
                Value::Unsigned(u64::from(known == state)),
            );
        }
        e.push(
            BFD_DETECTION_TIME,
            &[("session", name)],
            Value::Float(session.detection_time),
        );
        e.push(
            BFD_DETECTIONS,
            &[("session", name)],
            Value::Unsigned(session.detections),
        );
    }
    for (session, counters) in &stats.bfd_sessions {
        for (event, value) in counters {
            e.push(
                BFD_EVENTS,
                &[("session", session), ("event", event)],
                Value::Unsigned(*value),
            );
        }
    }
}

fn processes(e: &mut Exposition, status: &Status, stats: &StatsReport) {
    for daemon in &status.daemons {
        let labels = [("daemon", daemon.role.program())];
        e.push(DAEMON_START, &labels, Value::Float(daemon.started));
        e.push(
            DAEMON_CONFIG_LOADED,
            &labels,
            Value::Float(daemon.config_loaded),
        );
        e.push(DAEMON_RELOADS, &labels, Value::Unsigned(daemon.reloads));
        e.push(DAEMON_RESTARTS, &labels, Value::Unsigned(daemon.restarts));
    }
    for (counter, value) in &stats.supervisor {
        let value = Value::Unsigned(*value);
        match counter.as_str() {
            "reloads" => e.push(RELOADS, &[], value),
            "reload_failures" => e.push(RELOAD_FAILURES, &[], value),
            "config_errors" => e.push(CONFIG_ERRORS, &[], value),
            event => e.push(SUPERVISOR_EVENTS, &[("event", event)], value),
        }
    }
}

/// A sample value. Counts stay integers: as f64 they would lose precision
/// past 2^53.
#[derive(Debug, Clone, Copy)]
enum Value {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Unsigned(value) => write!(f, "{value}"),
            Value::Signed(value) => write!(f, "{value}"),
            Value::Float(value) => float(f, value),
        }
    }
}

/// Prometheus spells the special values `NaN`, `+Inf` and `-Inf`.
fn float(f: &mut fmt::Formatter<'_>, value: f64) -> fmt::Result {
    if value.is_nan() {
        f.write_str("NaN")
    } else if value.is_infinite() {
        f.write_str(if value > 0.0 { "+Inf" } else { "-Inf" })
    } else {
        write!(f, "{value}")
    }
}

struct Family {
    name: &'static str,
    kind: Kind,
    help: &'static str,
    samples: String,
    /// Series already written: suffix and label set.
    series: HashSet<String>,
}

struct Exposition {
    families: Vec<Family>,
    duplicates: u64,
    invalid_histograms: u64,
}

impl Exposition {
    fn new() -> Self {
        Self {
            families: FAMILIES
                .iter()
                .map(|&(name, kind, help)| Family {
                    name,
                    kind,
                    help,
                    samples: String::new(),
                    series: HashSet::new(),
                })
                .collect(),
            duplicates: 0,
            invalid_histograms: 0,
        }
    }

    fn push(&mut self, family: &str, labels: &[(&str, &str)], value: Value) {
        self.sample(family, "", labels, value);
    }

    fn sample(&mut self, family: &str, suffix: &str, labels: &[(&str, &str)], value: Value) {
        let Some(index) = self.families.iter().position(|f| f.name == family) else {
            debug_assert!(false, "family {family} is not in FAMILIES");
            return;
        };
        let mut series = String::from(suffix);
        write_labels(&mut series, labels);
        let family = &mut self.families[index];
        if family.series.contains(&series) {
            self.duplicates += 1;
            return;
        }
        let _ = writeln!(family.samples, "{}{series} {value}", family.name);
        family.series.insert(series);
    }

    /// Writes `_bucket` (cumulative, with `le`), `_sum` and `_count`.
    fn histogram(&mut self, family: &str, labels: &[(&str, &str)], histogram: &Histogram) {
        if !histogram.is_valid() {
            self.invalid_histograms += 1;
            return;
        }
        let mut cumulative = 0u64;
        let bounds = histogram.bounds.iter().map(|b| b.to_string());
        for (le, count) in bounds.chain(["+Inf".to_owned()]).zip(&histogram.counts) {
            cumulative = cumulative.saturating_add(*count);
            let mut with_le = labels.to_vec();
            with_le.push(("le", &le));
            self.sample(family, "_bucket", &with_le, Value::Unsigned(cumulative));
        }
        self.sample(family, "_sum", labels, Value::Float(histogram.sum));
        self.sample(family, "_count", labels, Value::Unsigned(cumulative));
    }

    fn finish(mut self) -> String {
        for (reason, count) in [
            ("duplicate_series", self.duplicates),
            ("invalid_histogram", self.invalid_histograms),
        ] {
            self.push(
                DROPPED_SERIES,
                &[("reason", reason)],
                Value::Unsigned(count),
            );
        }
        let mut out = String::new();
        for family in &self.families {
            let _ = writeln!(out, "# HELP {} {}", family.name, escape_help(family.help));
            let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind.as_str());
            out.push_str(&family.samples);
        }
        out
    }
}

/// `{a="x",b="y"}`, or nothing for no labels.
fn write_labels(out: &mut String, labels: &[(&str, &str)]) {
    if labels.is_empty() {
        return;
    }
    out.push('{');
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(name);
        out.push_str("=\"");
        out.push_str(&escape_label(value));
        out.push('"');
    }
    out.push('}');
}

/// Label values escape backslash, double quote and line feed (format 0.0.4).
pub(crate) fn escape_label(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// HELP text escapes backslash and line feed.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}
