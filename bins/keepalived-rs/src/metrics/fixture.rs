//! A status with something in every family, for the renderer's tests and
//! the scrape test: two VRRP instances (one named with the three characters
//! a label value must escape), every kind of tracker, a sync group, virtual
//! servers with histograms, BFD sessions in known and unknown states, every
//! daemon, and counters a newer daemon might add.

use std::collections::BTreeMap;

use ipc_proto::{
    BfdSessionStatus, CHECK_DURATION_BOUNDS, Counters, DaemonInfo, Histogram, RealServerStatus,
    Role, StatsReport, Status, SyncGroupStatus, TrackerStatus, VirtualServerStatus,
    VrrpInstanceStatus, VrrpState,
};

/// The instance name that needs escaping: `VI "2" \ x` and a line feed.
pub(crate) const AWKWARD: &str = "VI \"2\" \\ x\nnext";

fn counters(pairs: &[(&str, u64)]) -> Counters {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

fn instance(name: &str, vrid: u8, state: VrrpState) -> VrrpInstanceStatus {
    VrrpInstanceStatus {
        iname: name.to_owned(),
        vrid,
        version: 3,
        family: "inet".to_owned(),
        ifp_ifname: "eth0".to_owned(),
        vmac_ifname: None,
        state,
        base_priority: 100,
        effective_priority: 90,
        master_priority: None,
        master_address: None,
        last_transition: 0.0,
        adver_int: 1.0,
        master_adver_int: 1.0,
        nopreempt: false,
        preempt_delay: 0.0,
        accept: true,
        vips: vec!["10.0.0.100/32 dev eth0".to_owned()],
        evips: vec![],
        unicast_peers: vec![],
        sync_group: None,
        trackers: vec![],
        stats: Counters::new(),
        keepalived: ipc_proto::KeepalivedFields::default(),
    }
}

fn tracker(kind: &str, name: &str, status: &str, weight: i32) -> TrackerStatus {
    TrackerStatus {
        kind: kind.to_owned(),
        name: name.to_owned(),
        status: status.to_owned(),
        weight,
    }
}

fn real_server(address: &str, healthy: bool, weight: u32, checks: &[f64]) -> RealServerStatus {
    let mut histogram = Histogram::new(&CHECK_DURATION_BOUNDS);
    for seconds in checks {
        histogram.observe(*seconds);
    }
    RealServerStatus {
        address: address.to_owned(),
        healthy,
        weight,
        checkers: vec!["HTTP_GET".to_owned()],
        last_check_duration: checks.last().copied(),
        check_duration: Some(histogram),
    }
}

fn daemon(role: Role, pid: u32, restarts: u64) -> DaemonInfo {
    DaemonInfo {
        role,
        pid,
        started: 1_700_000_000.5,
        config_loaded: 1_700_000_100.25,
        reloads: 2,
        restarts,
    }
}

/// The rich snapshot.
pub(crate) fn rich() -> (Status, StatsReport) {
    let mut vi1 = instance("VI_1", 51, VrrpState::Master);
    vi1.master_priority = Some(100);
    vi1.last_transition = 1_700_000_050.75;
    vi1.sync_group = Some("G1".to_owned());
    vi1.vmac_ifname = Some("vrrp.51".to_owned());
    vi1.trackers = vec![
        tracker("interface", "eth1", "up", 0),
        tracker("script", "chk_nginx", "down", -20),
        tracker("file", "/run/prio", "5", 10),
        tracker("process", "haproxy", "pending", 0),
    ];
    vi1.stats = counters(&[("advert_sent", 1), ("become_master", 1)]);
    let mut vi2 = instance(AWKWARD, 52, VrrpState::Backup);
    vi2.stats = counters(&[("advert_rcvd", 7), ("auth_failure", 3)]);

    let status = Status {
        daemons: vec![
            daemon(Role::Supervisor, 100, 0),
            daemon(Role::Vrrp, 101, 1),
            daemon(Role::Checker, 102, 0),
            daemon(Role::Bfd, 103, 0),
        ],
        vrrp_instances: vec![vi1, vi2],
        vrrp_sync_groups: vec![SyncGroupStatus {
            name: "G1".to_owned(),
            state: VrrpState::Master,
            members: vec!["VI_1".to_owned()],
        }],
        virtual_servers: vec![
            VirtualServerStatus {
                name: "10.0.0.100:80".to_owned(),
                protocol: "TCP".to_owned(),
                scheduler: "wlc".to_owned(),
                quorum_up: true,
                real_servers: vec![
                    real_server("10.0.1.1:80", true, 3, &[0.002, 0.004, 0.03]),
                    real_server("10.0.1.2:80", false, 0, &[7.5]),
                ],
            },
            VirtualServerStatus {
                name: "fwmark 5".to_owned(),
                protocol: "TCP".to_owned(),
                scheduler: "rr".to_owned(),
                quorum_up: false,
                real_servers: vec![],
            },
        ],
        bfd_sessions: vec![
            BfdSessionStatus {
                name: "to_router".to_owned(),
                neighbor: "10.0.0.254".to_owned(),
                state: "up".to_owned(),
                detection_time: 0.3,
                detections: 4,
            },
            BfdSessionStatus {
                name: "to_peer".to_owned(),
                neighbor: "fe80::1".to_owned(),
                state: "Flapping".to_owned(),
                detection_time: 0.9,
                detections: 0,
            },
        ],
    };
    let stats = StatsReport {
        vrrp_instances: BTreeMap::from([
            (
                "VI_1".to_owned(),
                counters(&[
                    ("advert_sent", 1234),
                    ("advert_rcvd", 17),
                    ("become_master", 2),
                    ("release_master", 1),
                    ("pri_zero_sent", 1),
                    ("pri_zero_rcvd", 0),
                    ("packet_len_err", 0),
                    ("ip_ttl_err", 5),
                    ("auth_failure", 0),
                    ("chk_err", 2),
                    ("some_future_err", 9),
                ]),
            ),
            (AWKWARD.to_owned(), counters(&[("advert_rcvd", 8)])),
        ]),
        vrrp: counters(&[("vrid_err", 11), ("packet_err", 1)]),
        real_servers: BTreeMap::from([(
            "10.0.0.100:80 -> 10.0.1.1:80".to_owned(),
            counters(&[("checks", 40), ("failures", 2)]),
        )]),
        bfd_sessions: BTreeMap::from([(
            "to_router".to_owned(),
            counters(&[("packets_sent", 500), ("packets_rcvd", 498)]),
        )]),
        supervisor: counters(&[
            ("reloads", 3),
            ("reload_failures", 1),
            ("config_errors", 2),
            ("restarts", 1),
        ]),
    };
    (status, stats)
}
