//! The status schema: what `kactl status --json` prints and what each daemon
//! reports of itself. Field names follow keepalived's JSON dump where it has
//! one (`iname`, `vrid`, `base_priority`, `effective_priority`, `vips`,
//! `advert_rcvd`, ...); times are seconds as floating point, like
//! keepalived's. Fields are only ever added, never renamed or removed,
//! within one [`crate::PROTOCOL_VERSION`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::message::Role;

/// Counters by their keepalived name (`advert_rcvd`, `auth_failure`, ...).
/// A map rather than fields so that a newer daemon can add counters that
/// an older kactl still prints.
pub type Counters = BTreeMap<String, u64>;

/// Everything one daemon (or, merged by the supervisor, all of them) has to
/// say about its state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Status {
    /// The processes that answered.
    pub daemons: Vec<DaemonInfo>,
    /// VRRP instances (vrrpd).
    pub vrrp_instances: Vec<VrrpInstanceStatus>,
    /// VRRP sync groups (vrrpd).
    pub vrrp_sync_groups: Vec<SyncGroupStatus>,
    /// Virtual servers and their real servers (checkerd).
    pub virtual_servers: Vec<VirtualServerStatus>,
    /// BFD sessions (bfdd).
    pub bfd_sessions: Vec<BfdSessionStatus>,
}

impl Status {
    /// Appends another daemon's status to this one.
    pub fn merge(&mut self, other: Status) {
        self.daemons.extend(other.daemons);
        self.vrrp_instances.extend(other.vrrp_instances);
        self.vrrp_sync_groups.extend(other.vrrp_sync_groups);
        self.virtual_servers.extend(other.virtual_servers);
        self.bfd_sessions.extend(other.bfd_sessions);
    }
}

/// One process of keepalived-rs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaemonInfo {
    /// Which daemon.
    pub role: Role,
    /// Its process id.
    pub pid: u32,
    /// When it started (Unix time, seconds).
    pub started: f64,
    /// When it last applied a configuration (start or reload).
    pub config_loaded: f64,
    /// Reloads applied since it started.
    #[serde(default)]
    pub reloads: u64,
    /// Times the supervisor restarted it (supervisor's view; 0 from the
    /// daemon itself).
    #[serde(default)]
    pub restarts: u64,
}

/// A VRRP instance's state, as in the `vrrp_instance` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum VrrpState {
    /// Not started (waiting for its interface or a tracker).
    Init,
    /// Watching the master.
    Backup,
    /// Holding the virtual addresses.
    Master,
    /// An interface or a weight-0 tracker is down.
    Fault,
    /// Stopped (removed by a reload, or shutting down).
    Stop,
}

impl VrrpState {
    /// The word keepalived logs (`MASTER`).
    pub fn as_str(self) -> &'static str {
        match self {
            VrrpState::Init => "INIT",
            VrrpState::Backup => "BACKUP",
            VrrpState::Master => "MASTER",
            VrrpState::Fault => "FAULT",
            VrrpState::Stop => "STOP",
        }
    }
}

/// One `vrrp_instance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VrrpInstanceStatus {
    /// The instance's name.
    pub iname: String,
    /// Virtual router id.
    pub vrid: u8,
    /// VRRP version, 2 or 3.
    pub version: u8,
    /// `inet` or `inet6`.
    pub family: String,
    /// The interface adverts are sent on.
    pub ifp_ifname: String,
    /// The VMAC interface, with `use_vmac`.
    #[serde(default)]
    pub vmac_ifname: Option<String>,
    /// Current state.
    pub state: VrrpState,
    /// Configured priority.
    pub base_priority: u8,
    /// Priority after trackers.
    pub effective_priority: u8,
    /// Priority of the master last heard (absent when none was heard).
    #[serde(default)]
    pub master_priority: Option<u8>,
    /// Address of the master last heard.
    #[serde(default)]
    pub master_address: Option<String>,
    /// When the state last changed (Unix time, seconds; 0 before any).
    pub last_transition: f64,
    /// Advert interval, seconds.
    pub adver_int: f64,
    /// The master's advert interval as learned (VRRPv3), seconds.
    pub master_adver_int: f64,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `preempt_delay`, seconds.
    pub preempt_delay: f64,
    /// Accept mode.
    pub accept: bool,
    /// `virtual_ipaddress`, as configured (`10.0.0.1/32 dev eth0`).
    pub vips: Vec<String>,
    /// `virtual_ipaddress_excluded`.
    pub evips: Vec<String>,
    /// `unicast_peer`s (empty: multicast).
    pub unicast_peers: Vec<String>,
    /// The sync group it belongs to.
    #[serde(default)]
    pub sync_group: Option<String>,
    /// Tracked interfaces, scripts, files, processes, BFD sessions.
    pub trackers: Vec<TrackerStatus>,
    /// keepalived's per-instance counters (`advert_rcvd`, `advert_sent`,
    /// `become_master`, `release_master`, `packet_len_err`, ...).
    pub stats: Counters,
    /// The rest of keepalived's JSON dump of an instance, under its names
    /// (booleans where keepalived writes 0/1, seconds as floats).
    #[serde(default)]
    pub keepalived: KeepalivedFields,
}

/// The fields of keepalived's JSON dump (`data`) that the schema above does
/// not already carry. keepalived's `auth_data` (the VRRPv2 password) is left
/// out on purpose: a status is for reading, not for leaking secrets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeepalivedFields {
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `skip_check_adv_addr`.
    pub skip_check_adv_addr: bool,
    /// `vrrp_strict` in force.
    pub strict_mode: bool,
    /// `garp_master_delay`, seconds.
    pub garp_delay: f64,
    /// `garp_master_refresh`, seconds.
    pub garp_refresh: f64,
    /// `garp_master_repeat`.
    pub garp_rep: u32,
    /// `garp_master_refresh_repeat`.
    pub garp_refresh_rep: u32,
    /// `garp_lower_prio_delay`, seconds.
    pub garp_lower_prio_delay: f64,
    /// `garp_lower_prio_repeat`.
    pub garp_lower_prio_rep: u32,
    /// `lower_prio_no_advert`.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: bool,
    /// Whether the virtual addresses are installed now.
    pub vipset: bool,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
    /// `none`, `PASS` or `AH` (VRRPv2 authentication).
    pub auth_type: String,
}

/// One tracked object of an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackerStatus {
    /// `interface`, `script`, `file`, `process` or `bfd`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// `up`, `down`, `pending` (no result yet) or, for files, the value.
    pub status: String,
    /// Its weight (0: a failure faults the instance).
    pub weight: i32,
}

/// One `vrrp_sync_group`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncGroupStatus {
    /// The group's name.
    pub name: String,
    /// The state its members share.
    pub state: VrrpState,
    /// Member instances.
    pub members: Vec<String>,
}

/// One `virtual_server` (checkerd).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VirtualServerStatus {
    /// `10.0.0.1:80`, `fwmark 5` or the group name.
    pub name: String,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
    /// IPVS scheduler (`rr`, `wlc`, ...).
    pub scheduler: String,
    /// Whether enough real servers are up (`quorum`).
    pub quorum_up: bool,
    /// Its real servers.
    pub real_servers: Vec<RealServerStatus>,
}

/// One `real_server`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RealServerStatus {
    /// `10.0.0.2:80`.
    pub address: String,
    /// Whether its checks pass.
    pub healthy: bool,
    /// The IPVS weight in force (0 while unhealthy with `inhibit_on_failure`).
    pub weight: u32,
    /// The checks (`HTTP_GET`, `TCP_CHECK`, ...).
    pub checkers: Vec<String>,
    /// Duration of the last check, seconds.
    #[serde(default)]
    pub last_check_duration: Option<f64>,
    /// Durations of the checks since checkerd started (absent from a
    /// checkerd that does not keep one).
    #[serde(default)]
    pub check_duration: Option<Histogram>,
}

/// Bucket bounds for check durations, seconds: from a local TCP connect
/// (well under 5 ms) to a slow HTTP check near keepalived's default
/// `connect_timeout` of 5 s.
pub const CHECK_DURATION_BOUNDS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// A histogram of observations (durations in seconds), as Prometheus
/// exposes one but with per-bucket rather than cumulative counts, so that
/// [`Histogram::observe`] touches one bucket and two histograms with the
/// same bounds add bucket by bucket.
///
/// `counts` has one entry more than `bounds`: `counts[i]` holds the
/// observations above `bounds[i - 1]` and up to `bounds[i]`, the last one
/// those above every bound. A histogram from a peer may break that shape;
/// [`Histogram::is_valid`] says whether it holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Histogram {
    /// Upper bounds of the buckets, ascending, finite.
    pub bounds: Vec<f64>,
    /// Observations per bucket (not cumulative), `bounds.len() + 1` of them.
    pub counts: Vec<u64>,
    /// Sum of all observations.
    pub sum: f64,
}

impl Histogram {
    /// An empty histogram with these upper bounds (ascending).
    pub fn new(bounds: &[f64]) -> Self {
        Self {
            bounds: bounds.to_vec(),
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
        }
    }

    /// Counts one observation. A value that is not finite is ignored: it
    /// would make the sum meaningless for every later scrape.
    pub fn observe(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        let bucket = self.bounds.partition_point(|bound| *bound < value);
        if let Some(count) = self.counts.get_mut(bucket) {
            *count += 1;
        }
        self.sum += value;
    }

    /// The number of observations.
    pub fn count(&self) -> u64 {
        self.counts
            .iter()
            .fold(0u64, |sum, c| sum.saturating_add(*c))
    }

    /// Whether the bounds are finite and strictly ascending and there is
    /// one count per bucket plus the overflow bucket.
    pub fn is_valid(&self) -> bool {
        self.counts.len() == self.bounds.len() + 1
            && self.bounds.iter().all(|b| b.is_finite())
            && self.bounds.windows(2).all(|pair| pair[0] < pair[1])
            && self.sum.is_finite()
    }
}

/// One BFD session (bfdd).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BfdSessionStatus {
    /// The `bfd_instance` name.
    pub name: String,
    /// The neighbour's address.
    pub neighbor: String,
    /// `up`, `down`, `init` or `admin_down`.
    pub state: String,
    /// Negotiated detection time, seconds.
    pub detection_time: f64,
    /// Times the session went down after being up.
    pub detections: u64,
}

/// Counters of every daemon, for `kactl stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatsReport {
    /// Per VRRP instance, keepalived's counters.
    pub vrrp_instances: BTreeMap<String, Counters>,
    /// vrrpd counters not tied to an instance (packets for unknown VRIDs,
    /// malformed packets before an instance could be found).
    pub vrrp: Counters,
    /// Per real server (`VS -> RS`), check counters.
    pub real_servers: BTreeMap<String, Counters>,
    /// Per BFD session.
    pub bfd_sessions: BTreeMap<String, Counters>,
    /// The supervisor's own (`reloads`, `reload_failures`, `restarts`).
    pub supervisor: Counters,
}

impl StatsReport {
    /// Appends another daemon's counters.
    pub fn merge(&mut self, other: StatsReport) {
        self.vrrp_instances.extend(other.vrrp_instances);
        add(&mut self.vrrp, other.vrrp);
        self.real_servers.extend(other.real_servers);
        self.bfd_sessions.extend(other.bfd_sessions);
        add(&mut self.supervisor, other.supervisor);
    }
}

fn add(into: &mut Counters, from: Counters) {
    for (name, value) in from {
        *into.entry(name).or_default() += value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_the_bucket_whose_bound_is_the_first_not_below() {
        let mut histogram = Histogram::new(&[0.01, 0.1, 1.0]);
        for value in [0.005, 0.01, 0.05, 0.5, 2.0, 7.0] {
            histogram.observe(value);
        }
        // Prometheus buckets are `le`: a value equal to a bound is in it.
        assert_eq!(histogram.counts, [2, 1, 1, 2]);
        assert_eq!(histogram.count(), 6);
        assert!((histogram.sum - 9.565).abs() < 1e-9);
        assert!(histogram.is_valid());
    }

    #[test]
    fn a_malformed_histogram_is_reported_not_trusted() {
        let mut histogram = Histogram::new(&CHECK_DURATION_BOUNDS);
        assert!(histogram.is_valid());
        histogram.counts.pop();
        assert!(!histogram.is_valid());
        assert!(!Histogram::new(&[1.0, 0.5]).is_valid());
        assert!(!Histogram::new(&[f64::INFINITY]).is_valid());
        // Observing into a malformed one must not panic either.
        let mut empty = Histogram {
            bounds: vec![1.0],
            counts: vec![],
            sum: 0.0,
        };
        empty.observe(3.0);
        let mut histogram = Histogram::new(&[1.0]);
        histogram.observe(f64::NAN);
        assert_eq!((histogram.count(), histogram.sum), (0, 0.0));
    }

    #[test]
    fn an_old_real_server_status_without_a_histogram_still_decodes() {
        let json = r#"{"address":"10.0.0.2:80","healthy":true,"weight":1,"checkers":[]}"#;
        let status: RealServerStatus = serde_json::from_str(json).unwrap();
        assert_eq!(status.check_duration, None);
    }
}
