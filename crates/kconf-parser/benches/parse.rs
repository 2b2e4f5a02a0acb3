//! Parsing throughput: a realistic configuration (VRRP instances, virtual
//! servers with health checks) read from memory, and the lexical layer alone.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kconf_parser::{MemoryResolver, ParseOptions};

/// `instances` VRRP instances and `servers` virtual servers with 4 real
/// servers each, in the style of benches/gen-large-config.py.
fn config(instances: usize, servers: usize) -> String {
    let mut text = String::from(
        "global_defs {\n    router_id bench\n}\nvrrp_script chk {\n    script \"/usr/bin/true\"\n    interval 2\n}\n",
    );
    for i in 1..=instances {
        text.push_str(&format!(
            "vrrp_instance VI_{i} {{\n    state BACKUP\n    interface eth0\n    virtual_router_id {}\n    priority {}\n    advert_int 1\n    authentication {{\n        auth_type PASS\n        auth_pass pw{i:06}\n    }}\n    track_script {{\n        chk weight -20\n    }}\n    virtual_ipaddress {{\n        10.200.{}.{}/24\n    }}\n}}\n",
            i % 255 + 1,
            100 + i % 100,
            i / 250,
            i % 250 + 1
        ));
    }
    for s in 0..servers {
        text.push_str(&format!(
            "virtual_server 10.1.{}.{} 80 {{\n    delay_loop 6\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP\n",
            s / 250,
            s % 250 + 1
        ));
        for r in 1..=4 {
            text.push_str(&format!(
                "    real_server 192.0.2.{r} 80 {{\n        weight 1\n        HTTP_GET {{\n            url {{\n                path /health\n                status_code 200\n            }}\n            connect_timeout 3\n        }}\n    }}\n"
            ));
        }
        text.push_str("}\n");
    }
    text
}

fn parse(c: &mut Criterion) {
    let text = config(200, 1000);
    let files = MemoryResolver::new();
    let options = ParseOptions::default();
    let mut group = c.benchmark_group("kconf");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("parse_model_200vi_1000vs", |b| {
        b.iter(|| {
            kconf_parser::parse_str_with(
                black_box(&text),
                Path::new("/bench.conf"),
                &options,
                &files,
            )
        })
    });
    group.bench_function("parse_syntax_200vi_1000vs", |b| {
        b.iter(|| {
            kconf_parser::parse_syntax_with(
                black_box(&text),
                Path::new("/bench.conf"),
                &options,
                &files,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
