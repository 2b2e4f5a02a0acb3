//! The receive path from bytes: keepalived's own adverts drive our state
//! machine, malformed packets are counted, and HMAC modes do what they say.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use vrrp_proto::wire::{self, AdvertRepr, Auth, HmacKey, Packet, Version};
use vrrp_proto::{HmacConfig, HmacMode, Instance, InstanceConfig, PacketError, State};

/// Reads a golden vector: (source, destination, bytes).
fn golden(name: &str) -> (IpAddr, IpAddr, Vec<u8>) {
    let path = format!("{}/tests/data/{name}.hex", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut src = None;
    let mut dst = None;
    let mut bytes = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        if let Some(a) = line.strip_prefix("src ") {
            src = Some(a.trim().parse().unwrap());
        } else if let Some(a) = line.strip_prefix("dst ") {
            dst = Some(a.trim().parse().unwrap());
        } else {
            bytes.extend(
                line.split_whitespace()
                    .map(|b| u8::from_str_radix(b, 16).unwrap()),
            );
        }
    }
    (src.unwrap(), dst.unwrap(), bytes)
}

fn backup(mut config: InstanceConfig, now: Instant) -> Instance {
    config.garp.master_delay = Duration::ZERO;
    let mut instance = Instance::new(config);
    instance.handle_startup(now);
    instance
}

#[test]
fn keepalived_adverts_keep_our_backup_in_backup() {
    // The golden capture's instance: VRID 51, priority 150, PASS "secret".
    let (src, dst, bytes) = golden("keepalived-2.2.7-v2-ipv4-pass-multicast");
    let mut config = InstanceConfig::new("VI_1", 51, "10.0.0.2".parse().unwrap());
    config.version = Version::V2;
    config.auth = Auth::simple(b"secret");
    config.virtual_addresses = vec!["10.0.0.100".parse().unwrap()];
    let start = Instant::now();
    let mut ours = backup(config.clone(), start);
    let mut now = start;
    for _ in 0..10 {
        now += Duration::from_secs(1);
        ours.handle_packet(now, src, dst, 255, &bytes).unwrap();
        ours.handle_timeout(now);
    }
    assert_eq!(
        ours.state(),
        State::Backup,
        "keepalived's priority 150 beats our 100"
    );
    assert_eq!(ours.stats().advert_rcvd, 10);
    assert_eq!(ours.master(), Some((src, 150)));

    // With another password, every advert is refused and we take over.
    config.auth = Auth::simple(b"other");
    let mut ours = backup(config, start);
    let mut now = start;
    for _ in 0..10 {
        now += Duration::from_secs(1);
        let dropped = ours.handle_packet(now, src, dst, 255, &bytes);
        assert_eq!(
            dropped,
            Err(PacketError::Dropped(vrrp_proto::Drop::AuthFailure))
        );
        ours.handle_timeout(now);
    }
    assert_eq!(ours.stats().auth_failure, 10);
    assert_eq!(ours.state(), State::Master);
}

#[test]
fn keepalived_v3_ipv6_adverts_are_understood() {
    let (src, dst, bytes) = golden("keepalived-2.2.7-v3-ipv6-multicast");
    let packet = Packet::new_checked(&bytes[..]).unwrap();
    let repr = AdvertRepr::parse(&packet, src, dst, Default::default()).unwrap();
    let mut config = InstanceConfig::new("VI_6", repr.vrid, "fe80::2".parse().unwrap());
    config.advert_int = Duration::from_millis(u64::from(repr.advert_int_cs) * 10);
    config.virtual_addresses = repr.addresses.clone();
    let now = Instant::now();
    let mut ours = backup(config, now);
    ours.handle_packet(now, src, dst, 255, &bytes).unwrap();
    assert_eq!(ours.stats().advert_rcvd, 1);
    assert_eq!(ours.stats().addr_list_err, 0);
}

#[test]
fn malformed_packets_are_counted_and_dropped() {
    let (src, dst, bytes) = golden("keepalived-2.2.7-v3-ipv4-multicast");
    let now = Instant::now();
    let mut ours = backup(
        InstanceConfig::new("VI_1", 52, "10.0.0.2".parse().unwrap()),
        now,
    );
    let mut corrupt = bytes.clone();
    corrupt[6] ^= 0xff; // checksum
    assert!(matches!(
        ours.handle_packet(now, src, dst, 255, &corrupt),
        Err(PacketError::Malformed(_))
    ));
    assert!(matches!(
        ours.handle_packet(now, src, dst, 255, &bytes[..5]),
        Err(PacketError::Malformed(_))
    ));
    assert!(matches!(
        ours.handle_packet(now, src, dst, 255, &[]),
        Err(PacketError::Malformed(_))
    ));
    assert_eq!(ours.stats().packet_err, 3);
    // Only the first was a checksum error; the others were truncated.
    assert_eq!(ours.stats().chk_err, 1);
    assert_eq!(ours.stats().advert_rcvd, 0);
}

/// A signed (or plain) advert from 10.0.0.1, priority 200, as bytes.
fn advert(key: Option<&HmacKey>, sequence: u64) -> Vec<u8> {
    let (src, dst): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "224.0.0.18".parse().unwrap());
    let mut repr = AdvertRepr {
        version: Version::V3,
        vrid: 7,
        priority: 200,
        advert_int_cs: 100,
        auth: Auth::None,
        addresses: vec!["10.0.0.100".parse().unwrap()],
        hmac: None,
    };
    if let Some(key) = key {
        wire::sign(&mut repr, key, sequence, src, dst);
    }
    let mut buffer = vec![0u8; repr.buffer_len()];
    repr.emit(
        &mut Packet::new_unchecked(&mut buffer[..]),
        src,
        dst,
        Default::default(),
    );
    buffer
}

fn hmac_instance(mode: HmacMode, now: Instant) -> Instance {
    let mut config = InstanceConfig::new("VI_7", 7, "10.0.0.2".parse().unwrap());
    config.virtual_addresses = vec!["10.0.0.100".parse().unwrap()];
    config.hmac = Some(HmacConfig {
        key: HmacKey::new(1, b"shared secret"),
        mode,
        replay_window: 32,
    });
    backup(config, now)
}

#[test]
fn hmac_enforce_drops_unsigned_wrong_and_replayed_adverts() {
    let (src, dst): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "224.0.0.18".parse().unwrap());
    let now = Instant::now();
    let key = HmacKey::new(1, b"shared secret");
    let mut ours = hmac_instance(HmacMode::Enforce, now);
    assert!(ours.signing_key().is_some());

    assert!(matches!(
        ours.handle_packet(now, src, dst, 255, &advert(None, 0)),
        Err(PacketError::Hmac(_))
    ));
    let wrong = HmacKey::new(1, b"guessed");
    assert!(matches!(
        ours.handle_packet(now, src, dst, 255, &advert(Some(&wrong), 5)),
        Err(PacketError::Hmac(_))
    ));
    assert_eq!(ours.stats().hmac_failure, 2);

    let signed = advert(Some(&key), 1000);
    ours.handle_packet(now, src, dst, 255, &signed).unwrap();
    assert_eq!(ours.stats().advert_rcvd, 1);
    // The same bytes again are a replay.
    assert!(matches!(
        ours.handle_packet(now, src, dst, 255, &signed),
        Err(PacketError::Replay(_))
    ));
    assert_eq!(ours.stats().hmac_replay, 1);
    ours.handle_packet(now, src, dst, 255, &advert(Some(&key), 1001))
        .unwrap();
    assert_eq!(ours.stats().advert_rcvd, 2);
}

#[test]
fn hmac_permissive_and_receive_only_accept_but_count() {
    let (src, dst): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "224.0.0.18".parse().unwrap());
    let now = Instant::now();
    for mode in [HmacMode::Permissive, HmacMode::ReceiveOnly] {
        let mut ours = hmac_instance(mode, now);
        ours.handle_packet(now, src, dst, 255, &advert(None, 0))
            .unwrap();
        assert_eq!(
            (ours.stats().advert_rcvd, ours.stats().hmac_failure),
            (1, 1),
            "{mode:?}"
        );
    }
    assert!(
        hmac_instance(HmacMode::ReceiveOnly, now)
            .signing_key()
            .is_none()
    );
}
