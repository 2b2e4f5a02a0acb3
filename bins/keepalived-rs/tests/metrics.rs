//! The metrics endpoint over real TCP: a scrape of the rich fixture is read
//! back by the Prometheus project's own parser (Debian's
//! `python3-prometheus-client`), and the endpoint's refusals (404, 405, 503
//! for a failed or stuck source, garbage) leave it serving.
//!
//! The server is the binary's own module, compiled into this test by path:
//! keepalived-rs has no library target.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

#[allow(dead_code, unreachable_pub, unused_imports)]
#[path = "../src/metrics/mod.rs"]
mod metrics;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ipc_proto::{StatsReport, Status};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use metrics::render::{FAMILIES, Kind};
use metrics::server::{CONTENT_TYPE_0_0_4, MetricsSource, ServeOptions, serve};

/// The parser's verdict as JSON: every family with its type and samples.
const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
families = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families.append({
        "name": family.name,
        "type": family.type,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
    })
print(json.dumps(families))
"#;

/// A python3 that has `prometheus_client`: Debian's first, since a python
/// of pyenv or a venv earlier on PATH would not see the Debian package.
fn python_with_client() -> Option<String> {
    ["/usr/bin/python3", "python3"]
        .into_iter()
        .find_map(|python| {
            let ok = Command::new(python)
                .args(["-c", "import prometheus_client.parser"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
            ok.then(|| python.to_owned())
        })
}

/// The same rule as netlab's labs: skip loudly, or fail where skipping is
/// forbidden (CI, NETLAB_REQUIRE).
fn skip(test: &str, reason: &str) {
    let forbidden = ["CI", "NETLAB_REQUIRE"]
        .iter()
        .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty() && v != "0"));
    if forbidden {
        panic!("{test}: missing {reason}; skipping is not allowed here (CI or NETLAB_REQUIRE)");
    }
    eprintln!("\n*** SKIPPED {test}: missing {reason} ***\n");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn start(source: impl MetricsSource, options: ServeOptions) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, source, options));
    addr
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` as is and reads the answer until the server closes.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut raw))
        .await
        .expect("the server neither answered nor closed")
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

async fn get(addr: SocketAddr, path: &str) -> Answer {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    exchange(addr, request.as_bytes()).await
}

fn rich_source() -> impl MetricsSource {
    || async { Ok::<_, String>(metrics::fixture::rich()) }
}

#[test]
fn a_scrape_is_read_back_by_the_prometheus_parser() {
    let test = "a_scrape_is_read_back_by_the_prometheus_parser";
    let Some(python) = python_with_client() else {
        skip(
            test,
            "python3-prometheus-client (scripts/install-deps.sh installs it)",
        );
        return;
    };
    let answer = runtime().block_on(async {
        let addr = start(rich_source(), ServeOptions::default()).await;
        get(addr, "/metrics").await
    });
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some(CONTENT_TYPE_0_0_4));
    let (status, stats) = metrics::fixture::rich();
    assert_eq!(answer.body, metrics::render::render(&status, &stats));

    let mut child = Command::new(&python)
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all_blocking(answer.body.as_bytes());
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the parser refused the scrape: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        answer.body
    );
    let families: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();

    // The parser makes a sample outside its family an "untyped" family of
    // its own, so equal family lists mean every sample sat in its family.
    // It also drops `_total` from counter family names (OpenMetrics style).
    let parsed: Vec<(String, String)> = families
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = FAMILIES
        .iter()
        .map(|(name, kind, _)| match kind {
            Kind::Counter => (
                name.strip_suffix("_total").unwrap().to_owned(),
                "counter".to_owned(),
            ),
            Kind::Gauge => ((*name).to_owned(), "gauge".to_owned()),
            Kind::Histogram => ((*name).to_owned(), "histogram".to_owned()),
        })
        .collect();
    assert_eq!(parsed, expected);

    // Every sample line was read.
    let lines = answer.body.lines().filter(|l| !l.starts_with('#')).count();
    let read: usize = families
        .iter()
        .map(|f| f["samples"].as_array().unwrap().len())
        .sum();
    assert_eq!(read, lines);

    let sample = |name: &str, labels: &[(&str, &str)]| -> f64 {
        let found: Vec<f64> = families
            .iter()
            .flat_map(|f| f["samples"].as_array().unwrap())
            .filter(|s| s["name"] == name)
            .filter(|s| {
                let have = s["labels"].as_object().unwrap();
                have.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| have.get(*k).and_then(Value::as_str) == Some(*v))
            })
            .map(|s| s["value"].as_f64().unwrap())
            .collect();
        assert_eq!(found.len(), 1, "{name} {labels:?}: {found:?}");
        found[0]
    };
    // The awkward name comes back exactly, escapes undone.
    let awkward = metrics::fixture::AWKWARD;
    assert_eq!(
        sample(
            "keepalived_vrrp_state",
            &[
                ("instance", awkward),
                ("interface", "eth0"),
                ("vrid", "52"),
                ("state", "backup")
            ]
        ),
        1.0
    );
    assert_eq!(
        sample(
            "keepalived_vrrp_adverts_received_total",
            &[("instance", awkward)]
        ),
        8.0
    );
    assert_eq!(
        sample(
            "keepalived_vrrp_errors_total",
            &[("instance", "VI_1"), ("reason", "ip_ttl_err")]
        ),
        5.0
    );
    let rs = [
        ("virtual_server", "10.0.0.100:80"),
        ("real_server", "10.0.1.1:80"),
    ];
    assert_eq!(
        sample(
            "keepalived_check_duration_seconds_bucket",
            &[rs[0], rs[1], ("le", "0.005")]
        ),
        2.0
    );
    assert_eq!(sample("keepalived_check_duration_seconds_count", &rs), 3.0);
    assert_eq!(sample("keepalived_real_server_weight", &rs), 3.0);
    assert_eq!(
        sample(
            "keepalived_bfd_detections_total",
            &[("session", "to_router")]
        ),
        4.0
    );
    assert_eq!(
        sample(
            "keepalived_daemon_start_time_seconds",
            &[("daemon", "vrrpd")]
        ),
        1_700_000_000.5
    );
    assert_eq!(sample("keepalived_reloads_total", &[]), 3.0);
    assert_eq!(sample("keepalived_config_errors", &[]), 2.0);
}

/// `write_all` on a std pipe, named so it does not clash with tokio's.
trait WriteAllBlocking {
    fn write_all_blocking(self, bytes: &[u8]);
}

impl WriteAllBlocking for std::process::ChildStdin {
    fn write_all_blocking(mut self, bytes: &[u8]) {
        std::io::Write::write_all(&mut self, bytes).unwrap();
    }
}

#[test]
fn other_paths_and_methods_are_refused() {
    runtime().block_on(async {
        let addr = start(rich_source(), ServeOptions::default()).await;
        assert_eq!(get(addr, "/").await.status, 404);
        assert_eq!(get(addr, "/metricsx").await.status, 404);
        // A query string is not part of the path.
        assert_eq!(get(addr, "/metrics?x=1").await.status, 200);
        let post = exchange(
            addr,
            b"POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(post.status, 405);
        assert_eq!(post.header("allow"), Some("GET"));
        // Garbage gets hyper's 400 (or a closed connection), never a
        // crash: the next scrape is served.
        let garbage = exchange(addr, b"\x00\x01 not http at all\r\n\r\n").await;
        assert!(garbage.status == 400 || garbage.body.is_empty());
        assert_eq!(get(addr, "/metrics").await.status, 200);
    });
}

#[test]
fn a_failed_or_stuck_source_gets_a_503_and_the_server_goes_on() {
    runtime().block_on(async {
        let failing =
            || async { Err::<(Status, StatsReport), _>("vrrpd did not answer".to_owned()) };
        let addr = start(failing, ServeOptions::default()).await;
        let answer = get(addr, "/metrics").await;
        assert_eq!(answer.status, 503);
        assert!(
            answer.body.contains("vrrpd did not answer"),
            "{}",
            answer.body
        );

        let stuck = || async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok::<_, String>((Status::default(), StatsReport::default()))
        };
        let options = ServeOptions {
            source_timeout: Duration::from_millis(200),
            ..ServeOptions::default()
        };
        let addr = start(stuck, options).await;
        let began = Instant::now();
        let (first, second) = tokio::join!(get(addr, "/metrics"), get(addr, "/metrics"));
        assert_eq!((first.status, second.status), (503, 503));
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "{:?}",
            began.elapsed()
        );
        // The stuck scrapes did not hold the other paths up.
        assert_eq!(get(addr, "/").await.status, 404);
    });
}

#[test]
fn a_client_that_never_sends_its_headers_is_cut_off() {
    runtime().block_on(async {
        let options = ServeOptions {
            header_timeout: Duration::from_millis(300),
            max_connections: 1,
            ..ServeOptions::default()
        };
        let addr = start(rich_source(), options).await;
        // Takes the only slot and says nothing.
        let mut silent = TcpStream::connect(addr).await.unwrap();
        silent.write_all(b"GET /metr").await.unwrap();
        let began = Instant::now();
        // Served once the silent one is dropped by the header timeout.
        assert_eq!(get(addr, "/metrics").await.status, 200);
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "{:?}",
            began.elapsed()
        );
    });
}
