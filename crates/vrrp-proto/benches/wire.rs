//! The receive path of one advertisement: `Packet::new_checked` and
//! `AdvertRepr::parse`, checksum included, for keepalived's own VRRPv2 and
//! VRRPv3 adverts (the golden vectors), plus emit and the HMAC trailer.

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use vrrp_proto::wire::{
    AdvertRepr, Auth, ChecksumMode, HmacKey, Packet, ReplayWindow, Version, sign, verify,
};

fn ip(text: &str) -> IpAddr {
    text.parse().expect("a literal address")
}

/// keepalived 2.2.7's VRRPv2 advert with PASS authentication
/// (tests/data/keepalived-2.2.7-v2-ipv4-pass-multicast.hex).
const V2_PASS: [u8; 20] = [
    0x21, 0x33, 0x96, 0x01, 0x01, 0x01, 0x01, 0x1a, 0x0a, 0x00, 0x00, 0x64, 0x73, 0x65, 0x63, 0x72,
    0x65, 0x74, 0x00, 0x00,
];

/// keepalived 2.2.7's VRRPv3 IPv4 advert with two addresses
/// (tests/data/keepalived-2.2.7-v3-ipv4-multicast.hex).
const V3_V4: [u8; 16] = [
    0x31, 0x34, 0x78, 0x02, 0x00, 0x32, 0x57, 0x38, 0x0a, 0x00, 0x00, 0x65, 0x0a, 0x00, 0x00, 0x66,
];

fn parse(c: &mut Criterion) {
    let (src, dst) = (ip("10.0.0.1"), ip("224.0.0.18"));
    let mut group = c.benchmark_group("vrrp_wire");
    for (name, bytes) in [
        ("parse_v2_pass", &V2_PASS[..]),
        ("parse_v3_ipv4", &V3_V4[..]),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let packet = Packet::new_checked(black_box(bytes)).expect("a golden vector");
                AdvertRepr::parse(
                    &packet,
                    black_box(src),
                    black_box(dst),
                    ChecksumMode::Standard,
                )
                .expect("a golden vector")
            })
        });
    }

    // The largest advert: 255 IPv6 addresses (4,088 bytes of checksum).
    let (src6, dst6) = (ip("fe80::1"), ip("ff02::12"));
    let big = AdvertRepr {
        version: Version::V3,
        vrid: 1,
        priority: 100,
        advert_int_cs: 100,
        auth: Auth::None,
        addresses: (0..255u16)
            .map(|i| IpAddr::from([0xfd00, 0, 0, 0, 0, 0, 0, i]))
            .collect(),
        hmac: None,
    };
    let mut big_bytes = vec![0; big.buffer_len()];
    big.emit(
        &mut Packet::new_unchecked(&mut big_bytes[..]),
        src6,
        dst6,
        ChecksumMode::Standard,
    );
    group.bench_function("parse_v3_ipv6_255_addresses", |b| {
        b.iter(|| {
            let packet = Packet::new_checked(black_box(&big_bytes[..])).expect("valid");
            AdvertRepr::parse(&packet, src6, dst6, ChecksumMode::Standard).expect("valid")
        })
    });

    let packet = Packet::new_checked(&V3_V4[..]).expect("a golden vector");
    let repr = AdvertRepr::parse(&packet, src, dst, ChecksumMode::Standard).expect("valid");
    let mut out = vec![0; repr.buffer_len()];
    group.bench_function("emit_v3_ipv4", |b| {
        b.iter(|| {
            black_box(&repr).emit(
                &mut Packet::new_unchecked(&mut out[..]),
                src,
                dst,
                ChecksumMode::Standard,
            )
        })
    });

    // The HMAC trailer: signing (emit + MAC) and verifying (MAC) one advert.
    let key = HmacKey::new(1, b"a shared secret");
    let mut signed = repr.clone();
    sign(&mut signed, &key, 1, src, dst);
    let mut signed_bytes = vec![0; signed.buffer_len()];
    signed.emit(
        &mut Packet::new_unchecked(&mut signed_bytes[..]),
        src,
        dst,
        ChecksumMode::Standard,
    );
    group.bench_function("sign_v3_ipv4", |b| {
        b.iter(|| {
            let mut repr = repr.clone();
            sign(&mut repr, &key, black_box(2), src, dst);
            repr
        })
    });
    group.bench_function("parse_and_verify_v3_ipv4_hmac", |b| {
        let mut window = ReplayWindow::new(64);
        let mut sequence = 0u64;
        b.iter(|| {
            let packet = Packet::new_checked(black_box(&signed_bytes[..])).expect("valid");
            let repr = AdvertRepr::parse(&packet, src, dst, ChecksumMode::Standard).expect("valid");
            let trailer = verify(&packet, src, dst, &key).expect("signed");
            // A fresh number each time, so the window does the accept path.
            sequence += 1;
            window.accept(trailer.sequence + sequence).expect("fresh");
            repr
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
