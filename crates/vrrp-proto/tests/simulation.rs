//! The state machine in a simulated LAN: elections, failover timing,
//! preemption, tracking, sync groups and partitions, on a virtual clock.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

mod sim;

use std::time::Duration;

use sim::{Lan, config};
use vrrp_proto::wire::Version;
use vrrp_proto::{Reason, State, SyncGroup, TrackerConfig, master_down_interval, skew_time};

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn the_highest_priority_is_elected() {
    let mut lan = Lan::new(1);
    lan.add("10.0.0.1", vec![config("VI_1", "10.0.0.1", 100)]);
    lan.add("10.0.0.2", vec![config("VI_1", "10.0.0.2", 150)]);
    lan.add("10.0.0.3", vec![config("VI_1", "10.0.0.3", 120)]);
    lan.start_all();
    lan.run_for(10 * SECOND);
    assert_eq!(lan.masters(0), [1]);
    // The highest priority has the shortest Master_Down_Interval.
    let expected = master_down_interval(Version::V3, 150, SECOND, 3);
    assert_eq!(
        lan.entered(1, 0, State::Master, Duration::ZERO),
        Some(expected)
    );
    for r in [0, 2] {
        assert_eq!(lan.routers[r].instances[0].state(), State::Backup);
        assert!(!lan.routers[r].holding[0], "a backup must not hold the VIP");
    }
    assert!(lan.routers[1].holding[0]);
}

#[test]
fn a_tie_goes_to_the_higher_address() {
    let mut lan = Lan::new(2);
    lan.add("10.0.0.9", vec![config("VI_1", "10.0.0.9", 100)]);
    lan.add("10.0.0.10", vec![config("VI_1", "10.0.0.10", 100)]);
    lan.start_all();
    lan.run_for(10 * SECOND);
    assert_eq!(lan.masters(0), [1], "10.0.0.10 > 10.0.0.9");
}

#[test]
fn a_dead_master_is_replaced_after_exactly_master_down() {
    let mut lan = Lan::new(3);
    lan.add("10.0.0.1", vec![config("VI_1", "10.0.0.1", 200)]);
    lan.add("10.0.0.2", vec![config("VI_1", "10.0.0.2", 100)]);
    lan.start_all();
    lan.run_for(10 * SECOND);
    assert_eq!(lan.masters(0), [0]);
    let became = lan.entered(0, 0, State::Master, Duration::ZERO).unwrap();

    lan.run_for(Duration::from_millis(2_300));
    let crash = lan.elapsed();
    lan.crash(0);
    lan.run_for(10 * SECOND);
    assert_eq!(lan.masters(0), [1]);

    // The last advert left the master at a whole number of intervals after
    // it became master, and reached the backup `delay` later.
    let intervals = ((crash - became).as_micros() / SECOND.as_micros()) as u32;
    let last_heard = became + SECOND * intervals + lan.delay;
    let takeover = lan.entered(1, 0, State::Master, crash).unwrap();
    assert_eq!(
        takeover - last_heard,
        master_down_interval(Version::V3, 100, SECOND, 3)
    );
    assert!(matches!(
        lan.routers[1].instances[0].reason(),
        Reason::MasterDown
    ));
}

#[test]
fn a_clean_shutdown_hands_over_after_skew_only() {
    let mut lan = Lan::new(4);
    lan.add("10.0.0.1", vec![config("VI_1", "10.0.0.1", 200)]);
    lan.add("10.0.0.2", vec![config("VI_1", "10.0.0.2", 100)]);
    lan.start_all();
    lan.run_for(Duration::from_millis(7_500));
    let stop = lan.elapsed();
    lan.shutdown(0);
    lan.run_for(5 * SECOND);
    let takeover = lan.entered(1, 0, State::Master, stop).unwrap();
    assert_eq!(
        takeover - stop,
        lan.delay + skew_time(Version::V3, 100, SECOND)
    );
    assert_eq!(lan.routers[0].instances[0].stats().pri_zero_sent, 1);
    assert_eq!(lan.routers[1].instances[0].stats().pri_zero_rcvd, 1);
    assert!(!lan.routers[0].holding[0]);
}

#[test]
fn a_higher_priority_router_preempts_unless_nopreempt() {
    // Preempt (the default): the newcomer takes over after its own
    // Master_Down_Interval, since it ignores the lower priority adverts.
    let mut lan = Lan::new(5);
    lan.add("10.0.0.1", vec![config("VI_1", "10.0.0.1", 100)]);
    let late = lan.add("10.0.0.2", vec![config("VI_1", "10.0.0.2", 200)]);
    lan.start(0);
    lan.run_for(6 * SECOND);
    let joined = lan.elapsed();
    lan.start(late);
    lan.run_for(10 * SECOND);
    assert_eq!(lan.masters(0), [late]);
    let took = lan.entered(late, 0, State::Master, joined).unwrap() - joined;
    assert_eq!(took, master_down_interval(Version::V3, 200, SECOND, 3));
    assert_eq!(
        lan.entered(0, 0, State::Backup, joined)
            .map(|t| t - joined - took),
        Some(lan.delay)
    );

    // nopreempt: the newcomer stays backup while the master lives.
    let mut lan = Lan::new(6);
    lan.add("10.0.0.1", vec![config("VI_1", "10.0.0.1", 100)]);
    let mut polite = config("VI_1", "10.0.0.2", 200);
    polite.preempt = false;
    let late = lan.add("10.0.0.2", vec![polite]);
    lan.start(0);
    lan.run_for(6 * SECOND);
    lan.start(late);
    lan.run_for(20 * SECOND);
    assert_eq!(lan.masters(0), [0]);
    // ...and takes over when it dies.
    lan.crash(0);
    lan.run_for(10 * SECOND);
    assert_eq!(lan.masters(0), [late]);
}

#[test]
fn preempt_delay_postpones_the_takeover() {
    let mut lan = Lan::new(7);
    lan.add("10.0.0.1", vec![config("VI_1", "10.0.0.1", 100)]);
    let mut patient = config("VI_1", "10.0.0.2", 200);
    patient.preempt_delay = 2 * SECOND;
    let late = lan.add("10.0.0.2", vec![patient]);
    lan.start(0);
    lan.run_for(6 * SECOND);
    let joined = lan.elapsed();
    lan.start(late);
    lan.run_for(15 * SECOND);
    assert_eq!(lan.masters(0), [late]);
    let took = lan.entered(late, 0, State::Master, joined).unwrap() - joined;
    assert_eq!(
        took,
        master_down_interval(Version::V3, 200, SECOND, 3) + 2 * SECOND
    );
}

#[test]
fn a_tracker_weight_moves_the_master() {
    let mut lan = Lan::new(8);
    let mut master = config("VI_1", "10.0.0.1", 150);
    master.trackers = vec![TrackerConfig {
        weight: -50,
        reverse: false,
    }];
    lan.add("10.0.0.1", vec![master]);
    lan.add("10.0.0.2", vec![config("VI_1", "10.0.0.2", 120)]);
    lan.start_all();
    lan.run_for(8 * SECOND);
    assert_eq!(lan.masters(0), [0]);

    let failed = lan.elapsed();
    lan.tracker(0, 0, 0, false);
    assert_eq!(lan.routers[0].instances[0].effective_priority(), 100);
    lan.run_for(10 * SECOND);
    assert_eq!(lan.masters(0), [1]);
    let took = lan.entered(1, 0, State::Master, failed).unwrap() - failed;
    assert!(
        took <= master_down_interval(Version::V3, 120, SECOND, 3) + lan.delay,
        "{took:?}"
    );

    // Back up: the original master preempts again.
    lan.tracker(0, 0, 0, true);
    lan.run_for(10 * SECOND);
    assert_eq!(lan.masters(0), [0]);
}

#[test]
fn a_weight_zero_tracker_faults_the_instance() {
    let mut lan = Lan::new(9);
    let mut master = config("VI_1", "10.0.0.1", 150);
    master.trackers = vec![TrackerConfig {
        weight: 0,
        reverse: false,
    }];
    lan.add("10.0.0.1", vec![master]);
    lan.add("10.0.0.2", vec![config("VI_1", "10.0.0.2", 100)]);
    lan.start_all();
    lan.run_for(8 * SECOND);
    let failed = lan.elapsed();
    lan.tracker(0, 0, 0, false);
    assert_eq!(lan.routers[0].instances[0].state(), State::Fault);
    assert!(!lan.routers[0].holding[0]);
    lan.run_for(5 * SECOND);
    // Leaving Master for Fault announces priority 0: takeover after Skew.
    let took = lan.entered(1, 0, State::Master, failed).unwrap() - failed;
    assert_eq!(took, lan.delay + skew_time(Version::V3, 100, SECOND));
}

#[test]
fn an_interface_going_down_faults_and_recovers() {
    let mut lan = Lan::new(10);
    lan.add("10.0.0.1", vec![config("VI_1", "10.0.0.1", 150)]);
    lan.add("10.0.0.2", vec![config("VI_1", "10.0.0.2", 100)]);
    lan.start_all();
    lan.run_for(8 * SECOND);
    lan.interface(0, 0, false);
    assert!(matches!(
        lan.routers[0].instances[0].reason(),
        Reason::InterfaceDown
    ));
    lan.run_for(5 * SECOND);
    assert_eq!(lan.masters(0), [1]);
    lan.interface(0, 0, true);
    assert_eq!(lan.routers[0].instances[0].state(), State::Backup);
    lan.run_for(10 * SECOND);
    assert_eq!(
        lan.masters(0),
        [0],
        "the higher priority preempts once recovered"
    );
}

#[test]
fn a_sync_group_fails_over_together() {
    let mut lan = Lan::new(11);
    let pair = |address: &str, priority| {
        let mut a = config("VI_1", address, priority);
        let mut b = config("VI_2", address, priority);
        a.vrid = 51;
        b.vrid = 52;
        b.virtual_addresses = vec!["10.0.0.200".parse().unwrap()];
        vec![a, b]
    };
    let primary = lan.add("10.0.0.1", pair("10.0.0.1", 150));
    let standby = lan.add("10.0.0.2", pair("10.0.0.2", 100));
    for router in [primary, standby] {
        lan.routers[router].groups.push(SyncGroup::new(vec![0, 1]));
    }
    lan.start_all();
    lan.run_for(8 * SECOND);
    assert_eq!(
        (lan.masters(0), lan.masters(1)),
        (vec![primary], vec![primary])
    );

    // Only VI_1's interface fails; VI_2 goes with it.
    lan.interface(primary, 0, false);
    assert_eq!(lan.routers[primary].instances[1].state(), State::Fault);
    lan.run_for(5 * SECOND);
    assert_eq!(
        (lan.masters(0), lan.masters(1)),
        (vec![standby], vec![standby])
    );

    lan.interface(primary, 0, true);
    lan.run_for(10 * SECOND);
    assert_eq!(
        (lan.masters(0), lan.masters(1)),
        (vec![primary], vec![primary])
    );
}

#[test]
fn a_healed_partition_settles_within_one_advert_interval() {
    let mut lan = Lan::new(12);
    lan.add("10.0.0.1", vec![config("VI_1", "10.0.0.1", 150)]);
    lan.add("10.0.0.2", vec![config("VI_1", "10.0.0.2", 100)]);
    lan.start_all();
    lan.run_for(8 * SECOND);
    lan.partition(&[0], &[1]);
    lan.run_for(10 * SECOND);
    assert_eq!(lan.masters(0), [0, 1], "split brain while partitioned");
    lan.heal();
    lan.run_for(SECOND + lan.delay);
    assert_eq!(
        lan.masters(0),
        [0],
        "one master within one advert interval of the heal"
    );
    lan.run_for(30 * SECOND);
    assert_eq!(lan.masters(0), [0]);
}

#[test]
fn an_address_owner_takes_over_at_once() {
    let mut lan = Lan::new(13);
    lan.add("10.0.0.1", vec![config("VI_1", "10.0.0.1", 100)]);
    lan.start(0);
    lan.run_for(6 * SECOND);
    let mut owner = config("VI_1", "10.0.0.2", 255);
    owner.start_as_master = true;
    let owner = lan.add("10.0.0.2", vec![owner]);
    let joined = lan.elapsed();
    lan.start(owner);
    assert_eq!(lan.entered(owner, 0, State::Master, joined), Some(joined));
    lan.run_for(SECOND);
    assert_eq!(lan.masters(0), [owner]);
}

#[test]
fn version_2_uses_whole_second_skew() {
    let mut lan = Lan::new(14);
    let v2 = |address: &str, priority| {
        let mut c = config("VI_1", address, priority);
        c.version = Version::V2;
        c
    };
    lan.add("10.0.0.1", vec![v2("10.0.0.1", 200)]);
    lan.add("10.0.0.2", vec![v2("10.0.0.2", 100)]);
    lan.start_all();
    assert_eq!(lan.masters(0), Vec::<usize>::new());
    lan.run_for(10 * SECOND);
    assert_eq!(lan.masters(0), [0]);
    assert_eq!(
        lan.entered(0, 0, State::Master, Duration::ZERO),
        Some(Duration::from_micros(3_218_750))
    );
}

#[test]
fn an_unchanged_reload_changes_nothing() {
    let mut lan = Lan::new(15);
    lan.add("10.0.0.1", vec![config("VI_1", "10.0.0.1", 150)]);
    lan.add("10.0.0.2", vec![config("VI_1", "10.0.0.2", 100)]);
    lan.start_all();
    lan.run_for(8 * SECOND);
    let changes = lan.changes.len();
    let now = lan.now;
    for r in 0..2 {
        let timer = lan.routers[r].instances[0].poll_timeout();
        let same = lan.routers[r].instances[0].config().clone();
        lan.routers[r].instances[0].handle_reload(now, same);
        assert!(lan.routers[r].instances[0].poll_action().is_none());
        assert!(lan.routers[r].instances[0].poll_transmit().is_none());
        assert_eq!(
            lan.routers[r].instances[0].poll_timeout(),
            timer,
            "timers carry over"
        );
    }
    lan.run_for(SECOND / 2);
    assert_eq!(lan.changes.len(), changes, "no transition");

    // A reload that lowers the master's priority below the backup's hands over.
    let mut lower = lan.routers[0].instances[0].config().clone();
    lower.priority = 50;
    let now = lan.now;
    lan.routers[0].instances[0].handle_reload(now, lower);
    lan.run_for(10 * SECOND);
    assert_eq!(lan.masters(0), [1]);
}
