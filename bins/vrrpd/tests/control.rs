//! vrrpd's end of the control socket, against a fake supervisor: garbage,
//! truncated frames, a wrong protocol version, a refusal and unknown
//! message types never stop it (it logs, reconnects a second later and
//! keeps its VIP); once a sane supervisor answers, vrrpd resyncs the state of
//! every instance and answers a status request.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use netlab::peers::keepalived::{self, VrrpInstance};

mod common;

/// A supervisor that misbehaves once per vrrpd connection, then behaves:
/// prints what vrrpd sent on the sane connection.
const FAKE_SUPERVISOR: &str = r#"
import json, os, socket, struct, sys
path = sys.argv[1]
def frame(obj):
    b = json.dumps(obj).encode()
    return struct.pack(">I", len(b)) + b
hello = frame({"type": "hello", "version": 1, "role": "supervisor", "pid": os.getpid(), "software": "fake"})
bad = [
    b"\xff\xff\xff\xff garbage",                                  # oversized frame
    struct.pack(">I", 6) + b"{nope}",                             # not JSON
    frame({"type": "hello", "version": 7, "role": "supervisor", "pid": 1, "software": "future"}),
    frame({"type": "refused", "reason": "testing"}),
    hello + frame({"type": "status_request"}),                    # no id
    hello + struct.pack(">I", 50) + b"{\"type\":",                # truncated, then closed
]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(4)
server.settimeout(30)
def read_frame(c):
    head = c.recv(4, socket.MSG_WAITALL)
    if len(head) < 4:
        return None
    n = struct.unpack(">I", head)[0]
    return json.loads(c.recv(n, socket.MSG_WAITALL))
for case in bad:
    c, _ = server.accept()
    c.settimeout(5)
    first = read_frame(c)
    assert first["type"] == "hello" and first["role"] == "vrrp", first
    c.sendall(case)
    c.close()
    print("bad case sent", flush=True)
c, _ = server.accept()
c.settimeout(10)
first = read_frame(c)
c.sendall(hello)
resync = read_frame(c)
print("resync", json.dumps(resync), flush=True)
c.sendall(frame({"type": "frobnicate", "id": 9}) + frame({"type": "status_request", "id": 5}))
while True:
    reply = read_frame(c)
    if reply["type"] == "status_reply":
        break
print("status", json.dumps(reply), flush=True)
"#;

#[test]
fn garbage_from_the_supervisor_never_stops_vrrpd() {
    let Some(lab) = netlab::Lab::for_test("vrrpd-control-garbage", &["python3"]) else {
        return;
    };
    let lan = lab.segment("lan").unwrap();
    let host = lab.host("a").unwrap();
    lan.attach(&host, "eth0", &["10.0.0.1/24"]).unwrap();
    let run = host.path("run");
    std::fs::create_dir_all(&run).unwrap();
    let socket = run.join("keepalived-rs.sock");
    let mut fake = host
        .spawn(
            "fake-supervisor",
            &[
                "/usr/bin/python3",
                "-c",
                FAKE_SUPERVISOR,
                socket.to_str().unwrap(),
            ],
        )
        .unwrap();
    netlab::wait_until(
        "the fake supervisor's socket",
        Duration::from_secs(5),
        || Ok(socket.exists()),
    )
    .unwrap();
    let instance = VrrpInstance::new("VI_1", "eth0", 51, 150).vip("10.0.0.100/24");
    let mut vrrpd = common::vrrpd(&host, "vrrpd", &keepalived::config("lab", &[instance]));
    fake.wait_for_log("status", Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("{e}\n{}\n{}", fake.log(), vrrpd.log()));
    assert!(vrrpd.is_running(), "{}", vrrpd.log());
    let said = fake.log();
    assert_eq!(said.matches("bad case sent").count(), 6, "{said}");
    assert!(
        said.contains(r#"resync {"type": "vrrp_state", "instance": "VI_1""#),
        "{said}"
    );
    assert!(said.contains(r#""iname": "VI_1""#), "{said}");
    let log = vrrpd.log();
    for expected in [
        "control connection:",
        "protocol version 7",
        "refused: testing",
        "skipping message type \"frobnicate\"",
    ] {
        assert!(log.contains(expected), "no {expected:?} in\n{log}");
    }
    // Its VRRP side never noticed.
    netlab::wait_until("VI_1 master", Duration::from_secs(10), || {
        host.has_address("10.0.0.100".parse().unwrap())
    })
    .unwrap();
    assert!(!log.contains("Entering FAULT"), "{log}");
    vrrpd.terminate(Duration::from_secs(5)).unwrap();
}
