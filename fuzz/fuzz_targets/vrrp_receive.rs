//! The state machine's receive path under arbitrary packets, TTLs and
//! clock jumps: no panic, and the virtual addresses are installed only in
//! Master.
#![no_main]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use vrrp_proto::wire::{Auth, Version};
use vrrp_proto::{Action, Instance, InstanceConfig, State, TrackerConfig};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else { return };
    let mut config = InstanceConfig::new("VI_1", 51, "10.0.0.2".parse().unwrap());
    if flags & 1 == 1 {
        config.version = Version::V2;
        config.auth = Auth::simple(b"secret");
    }
    config.priority = 1 + flags / 2;
    config.preempt = flags & 2 == 0;
    config.virtual_addresses = vec!["10.0.0.100".parse().unwrap()];
    config.trackers = vec![TrackerConfig { weight: -20, reverse: false }];
    let mut instance = Instance::new(config);
    let start = Instant::now();
    let mut now = start;
    instance.handle_startup(now);
    let mut installed = false;
    let source: IpAddr = "10.0.0.1".parse().unwrap();
    let group: IpAddr = "224.0.0.18".parse().unwrap();
    // Each record: [kind, ttl, len] then `len` bytes of packet.
    while let [kind, ttl, len, tail @ ..] = rest {
        let take = usize::from(*len).min(tail.len());
        let (packet, next) = tail.split_at(take);
        rest = next;
        now += Duration::from_millis(u64::from(*kind) * 37);
        match kind % 4 {
            0 => instance.handle_timeout(now),
            1 => instance.handle_tracker(now, 0, kind & 8 == 0),
            2 => instance.handle_interface(now, kind & 8 == 0),
            _ => {}
        }
        let _ = instance.handle_packet(now, source, group, *ttl, packet);
        while instance.poll_transmit().is_some() {}
        while let Some(action) = instance.poll_action() {
            match action {
                Action::InstallVirtual => installed = true,
                Action::RemoveVirtual => installed = false,
                _ => {}
            }
        }
        assert!(!installed || instance.state() == State::Master, "VIPs held in {:?}", instance.state());
        if let Some(deadline) = instance.poll_timeout() {
            assert!(deadline >= start, "a timer before the start");
        }
    }
});
