//! Properties over random topologies and event sequences: once the network
//! has been quiet for a while there is exactly one master, and no router
//! ever holds the virtual addresses unless it is master.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

mod sim;

use std::time::Duration;

use proptest::prelude::*;
use sim::{Lan, config};
use vrrp_proto::{State, TrackerConfig};

#[derive(Debug, Clone)]
enum Event {
    Wait(u64),
    Crash(usize),
    Restart(usize),
    Shutdown(usize),
    Tracker(usize, bool),
    Interface(usize, bool),
    Partition(usize),
    Heal,
    Loss(u8),
}

fn event(routers: usize) -> impl Strategy<Value = Event> {
    prop_oneof![
        (1u64..4000).prop_map(Event::Wait),
        (0..routers).prop_map(Event::Crash),
        (0..routers).prop_map(Event::Restart),
        (0..routers).prop_map(Event::Shutdown),
        (0..routers, any::<bool>()).prop_map(|(r, up)| Event::Tracker(r, up)),
        (0..routers, any::<bool>()).prop_map(|(r, up)| Event::Interface(r, up)),
        (0..routers).prop_map(Event::Partition),
        Just(Event::Heal),
        (0u8..60).prop_map(Event::Loss),
    ]
}

fn scenario() -> impl Strategy<Value = (Vec<(u8, bool, i32)>, Vec<Event>, u64)> {
    (2usize..5).prop_flat_map(|n| {
        (
            prop::collection::vec((1u8..=254, any::<bool>(), -60i32..=60), n),
            prop::collection::vec(event(n), 0..40),
            any::<u64>(),
        )
    })
}

/// Holding the virtual addresses implies being master.
fn check_holders(lan: &Lan) -> Result<(), TestCaseError> {
    for (r, router) in lan.routers.iter().enumerate() {
        let state = router.instances[0].state();
        prop_assert!(
            !router.holding[0] || state == State::Master,
            "router {r} holds the VIP in {state:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn one_master_once_quiet_and_no_vip_outside_master((routers, events, seed) in scenario()) {
        let mut lan = Lan::new(seed);
        for (i, &(priority, preempt, weight)) in routers.iter().enumerate() {
            let address = format!("10.0.0.{}", i + 1);
            let mut instance = config("VI_1", &address, priority);
            instance.preempt = preempt;
            instance.trackers = vec![TrackerConfig { weight, reverse: false }];
            lan.add(&address, vec![instance]);
        }
        lan.start_all();
        for event in events {
            match event {
                Event::Wait(ms) => lan.run_for(Duration::from_millis(ms)),
                Event::Crash(r) => lan.crash(r),
                Event::Restart(r) => lan.restart(r),
                Event::Shutdown(r) if lan.routers[r].up => lan.shutdown(r),
                Event::Shutdown(_) => {}
                Event::Tracker(r, up) if lan.routers[r].up => lan.tracker(r, 0, 0, up),
                Event::Interface(r, up) if lan.routers[r].up => lan.interface(r, 0, up),
                Event::Tracker(..) | Event::Interface(..) => {}
                Event::Partition(r) => {
                    let others: Vec<usize> = (0..lan.routers.len()).filter(|&o| o != r).collect();
                    lan.partition(&[r], &others);
                }
                Event::Heal => lan.heal(),
                Event::Loss(percent) => lan.loss = f64::from(percent) / 100.0,
            }
            check_holders(&lan)?;
        }
        // Quiet: healed, lossless, every router up with working interfaces.
        lan.heal();
        lan.loss = 0.0;
        for r in 0..lan.routers.len() {
            if !lan.routers[r].up {
                lan.restart(r);
            }
            lan.interface(r, 0, true);
            lan.tracker(r, 0, 0, true);
        }
        lan.run_for(Duration::from_secs(10));
        check_holders(&lan)?;
        let masters = lan.masters(0);
        prop_assert_eq!(masters.len(), 1, "masters {:?} with priorities {:?}", masters, routers);
    }
}
