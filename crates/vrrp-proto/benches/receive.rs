//! One advert through the whole receive path: parse, checksum, validation
//! and a state-machine step (a backup resetting its master-down timer).

// Benchmark set-up: a failed step should panic.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use vrrp_proto::wire::{AdvertRepr, Auth, Packet, Version};
use vrrp_proto::{Instance, InstanceConfig};

fn receive(c: &mut Criterion) {
    let (src, dst): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "224.0.0.18".parse().unwrap());
    let vip: IpAddr = "10.0.0.100".parse().unwrap();
    let mut group = c.benchmark_group("vrrp");
    for version in [Version::V2, Version::V3] {
        let auth = if version == Version::V2 {
            Auth::simple(b"secret")
        } else {
            Auth::None
        };
        let repr = AdvertRepr {
            version,
            vrid: 51,
            priority: 200,
            advert_int_cs: 100,
            auth: auth.clone(),
            addresses: vec![vip],
            hmac: None,
        };
        let mut bytes = vec![0u8; repr.buffer_len()];
        repr.emit(
            &mut Packet::new_unchecked(&mut bytes[..]),
            src,
            dst,
            Default::default(),
        );
        let mut config = InstanceConfig::new("VI_1", 51, "10.0.0.2".parse().unwrap());
        config.version = version;
        config.auth = auth;
        config.virtual_addresses = vec![vip];
        let mut instance = Instance::new(config);
        let start = Instant::now();
        instance.handle_startup(start);
        let mut now = start;
        group.bench_function(format!("receive_step_{version:?}"), |b| {
            b.iter(|| {
                now += Duration::from_micros(1);
                instance
                    .handle_packet(now, src, dst, 255, black_box(&bytes))
                    .unwrap();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, receive);
criterion_main!(benches);
