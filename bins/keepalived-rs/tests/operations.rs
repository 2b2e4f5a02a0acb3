//! Operations through the control socket, in the lab: `kactl status`
//! (table and JSON, the JSON checked against docs/status.schema.json),
//! `kactl stats`, `kactl garp`, and reloads: an unchanged configuration
//! changes nothing (no transition, no advert out of turn, no gratuitous
//! ARP), an edited one changes only what was edited, a broken one is
//! refused while the old one keeps running; and a vrrpd killed with
//! SIGKILL is restarted, resyncs, and the pair converges on one master.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use netlab::{Host, Lab, Process};
use nix::sys::signal::Signal;
use serde_json::Value;

const VIP1: &str = "10.0.0.100";
const VIP2: &str = "10.0.0.101";
const VIP3: &str = "10.0.0.102";

/// kactl, built beside keepalived-rs (scripts/test.sh builds every binary
/// first: `cargo test` builds only keepalived-rs's own).
fn kactl() -> PathBuf {
    let kactl = Path::new(env!("CARGO_BIN_EXE_keepalived-rs")).with_file_name("kactl");
    assert!(
        kactl.is_file(),
        "{} is missing: run `cargo build -p kactl` (scripts/test.sh builds every binary first)",
        kactl.display()
    );
    kactl
}

fn instance(name: &str, vrid: u8, priority: u8, vip: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n    state BACKUP\n    interface eth0\n    virtual_router_id {vrid}\n    \
         priority {priority}\n    advert_int 1\n    garp_master_delay 0\n    virtual_ipaddress {{\n        {vip}/24\n    }}\n}}\n"
    )
}

fn config(instances: &[String]) -> String {
    let mut text = "global_defs {\n    router_id lab\n}\n".to_owned();
    for i in instances {
        text.push_str(i);
    }
    text
}

/// keepalived-rs on `host`, in the foreground, with its own run dir.
fn start(host: &Host, text: &str) -> Process {
    let path = host.write_file("keepalived.conf", text).unwrap();
    let run = host.path("run");
    host.spawn(
        "keepalived-rs",
        &[
            env!("CARGO_BIN_EXE_keepalived-rs"),
            "-n",
            "-l",
            "-G",
            "-f",
            path.to_str().unwrap(),
            "--run-dir",
            run.to_str().unwrap(),
        ],
    )
    .unwrap()
}

/// kactl on `host`; its exit status is the caller's to judge.
fn kactl_on(host: &Host, args: &[&str]) -> Output {
    let run = host.path("run");
    host.command(kactl().to_str().unwrap())
        .arg("--run-dir")
        .arg(run)
        .args(args)
        .output()
        .unwrap()
}

fn status(host: &Host) -> Value {
    let out = kactl_on(host, &["status", "--json"]);
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn instance_status<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["vrrp_instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["iname"] == name)
        .unwrap_or_else(|| panic!("no {name} in {status}"))
}

/// Checks a status against the documented schema with python3-jsonschema.
fn check_schema(status: &Value) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/status.schema.json");
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  jsonschema.Draft202012Validator.check_schema(schema)\n\
                  jsonschema.validate(json.load(sys.stdin), schema, cls=jsonschema.Draft202012Validator)\n\
                  print('valid')\n";
    let mut child = std::process::Command::new("/usr/bin/python3")
        .args(["-c", script, schema.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    serde_json::to_writer(child.stdin.take().unwrap(), status).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("valid"),
        "status does not match docs/status.schema.json: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        status
    );
}

fn wait_vip(host: &Host, vip: &str, present: bool, within: Duration) {
    let address = vip.parse().unwrap();
    netlab::wait_until(
        &format!(
            "{vip} {} on {}",
            if present { "present" } else { "absent" },
            host.name()
        ),
        within,
        || Ok(host.has_address(address)? == present),
    )
    .unwrap();
}

/// Gratuitous ARPs for `vip` (requests for itself, as vrrpd sends them)
/// in a `tcpdump -l -n -i eth0 arp` log.
fn garps(log: &str, vip: &str) -> usize {
    log.lines()
        .filter(|l| l.contains(&format!("who-has {vip} tell {vip}")))
        .count()
}

fn transitions(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("Entering") || l.contains(") Stopped"))
        .count()
}

struct Lab2 {
    a: Host,
    b: Host,
    _lan: netlab::Segment,
    _lab: Lab,
}

fn lab(test: &str) -> Option<Lab2> {
    let lab = Lab::for_test(test, &["tcpdump", "python3"])?;
    let lan = lab.segment("lan").unwrap();
    let a = lab.host("a").unwrap();
    let b = lab.host("b").unwrap();
    lan.attach(&a, "eth0", &["10.0.0.1/24"]).unwrap();
    lan.attach(&b, "eth0", &["10.0.0.2/24"]).unwrap();
    Some(Lab2 {
        a,
        b,
        _lan: lan,
        _lab: lab,
    })
}

#[test]
fn status_stats_garp_and_reloads_that_change_only_what_changed() {
    let Some(l) = lab("ka-rs-reload") else {
        return;
    };
    let vi1 = instance("VI_1", 51, 150, VIP1);
    let vi2 = instance("VI_2", 52, 150, VIP2);
    let mut a = start(&l.a, &config(&[vi1.clone(), vi2.clone()]));
    let mut b = start(
        &l.b,
        &config(&[
            instance("VI_1", 51, 100, VIP1),
            instance("VI_2", 52, 100, VIP2),
            instance("VI_3", 53, 100, VIP3),
        ]),
    );
    wait_vip(&l.a, VIP1, true, Duration::from_secs(10));
    wait_vip(&l.a, VIP2, true, Duration::from_secs(10));
    // b holds VI_3 alone.
    wait_vip(&l.b, VIP3, true, Duration::from_secs(10));
    a.wait_for_log("(VI_2) Entering MASTER STATE", Duration::from_secs(5))
        .unwrap();

    // Status: a table, and JSON that matches its schema.
    let table = kactl_on(&l.a, &["status"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(table.status.success(), "{table:?}");
    assert!(
        text.contains("VI_1") && text.contains("MASTER") && text.contains("150/150"),
        "{text}"
    );
    let before = status(&l.a);
    check_schema(&before);
    check_schema(&status(&l.b));
    let vi1_before = instance_status(&before, "VI_1").clone();
    assert_eq!(vi1_before["state"], "MASTER");
    assert_eq!(vi1_before["vips"][0], format!("{VIP1}/24"));
    assert_eq!(
        status(&l.b)["vrrp_instances"][0]["master_address"],
        "10.0.0.1",
        "b heard a as the master"
    );

    // Stats, then cleared.
    let stats = kactl_on(&l.a, &["stats", "--json"]);
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert!(
        stats["vrrp_instances"]["VI_1"]["advert_sent"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert!(kactl_on(&l.a, &["stats", "--clear"]).status.success());
    let stats: Value =
        serde_json::from_slice(&kactl_on(&l.a, &["stats", "--json"]).stdout).unwrap();
    assert!(
        stats["vrrp_instances"]["VI_1"]["advert_sent"]
            .as_u64()
            .unwrap()
            <= 1,
        "{stats}"
    );

    let mut capture =
        l.b.spawn("tcpdump", &["tcpdump", "-l", "-n", "-i", "eth0", "arp"])
            .unwrap();
    capture
        .wait_for_log("listening on", Duration::from_secs(5))
        .unwrap();

    // kactl garp: on request only, and only for a master.
    let out = kactl_on(&l.a, &["garp", "VI_1"]);
    assert!(out.status.success(), "{out:?}");
    netlab::wait_until("the requested GARP", Duration::from_secs(5), || {
        Ok(garps(&capture.log(), VIP1) >= 1)
    })
    .unwrap();
    let out = kactl_on(&l.b, &["garp", "VI_1"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not MASTER"),
        "{out:?}"
    );
    assert!(!kactl_on(&l.a, &["garp", "VI_9"]).status.success());

    // An unchanged configuration: nothing moves, nothing is announced.
    std::thread::sleep(Duration::from_secs(1));
    let (a_mark, b_mark) = (a.log().len(), b.log().len());
    let arps_before = garps(&capture.log(), VIP1) + garps(&capture.log(), VIP2);
    // Traffic to the VIPs goes on across the reload.
    let mut ping =
        l.b.spawn("ping", &["ping", "-n", "-c", "60", "-i", "0.05", VIP1])
            .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let out = kactl_on(&l.a, &["reload"]);
    assert!(out.status.success(), "{out:?}\n{}", a.log());
    a.wait_for_log_after(
        a_mark,
        "reload done: 2 instances unchanged, 0 changed, 0 added, 0 removed",
        Duration::from_secs(5),
    )
    .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let a_after = &a.log()[a_mark..];
    assert_eq!(transitions(a_after), 0, "{a_after}");
    assert_eq!(transitions(&b.log()[b_mark..]), 0);
    assert_eq!(
        garps(&capture.log(), VIP1) + garps(&capture.log(), VIP2),
        arps_before,
        "no gratuitous ARP on an unchanged reload:\n{}",
        capture.log()
    );
    ping.wait_for_log("packet loss", Duration::from_secs(10))
        .unwrap();
    assert!(
        ping.log().contains(" 0% packet loss"),
        "traffic to the VIP lost packets across the reload:\n{}",
        ping.log()
    );
    let after = status(&l.a);
    let vi1_after = instance_status(&after, "VI_1");
    assert_eq!(vi1_after["last_transition"], vi1_before["last_transition"]);
    assert_eq!(vi1_after["state"], "MASTER");
    assert_eq!(after["daemons"][0]["reloads"], 1, "{after}");

    // VI_2 removed, VI_3 added: only they change.
    let a_mark = a.log().len();
    let arps_vi1 = garps(&capture.log(), VIP1);
    let vi3 = instance("VI_3", 53, 150, VIP3);
    // And a static address, which a reload installs too.
    let statics = "static_ipaddress {\n    10.0.0.200/32 dev eth0\n}\n".to_owned();
    l.a.write_file("keepalived.conf", &config(&[vi1.clone(), vi3, statics]))
        .unwrap();
    let out = kactl_on(&l.a, &["reload"]);
    assert!(out.status.success(), "{out:?}");
    // VI_2 hands over with priority 0: b takes VIP2 within Skew_Time.
    wait_vip(&l.a, VIP2, false, Duration::from_secs(3));
    wait_vip(&l.b, VIP2, true, Duration::from_secs(3));
    // VI_3 starts as backup, preempts b's 100 with 150 after Master_Down.
    wait_vip(&l.a, VIP3, true, Duration::from_secs(8));
    wait_vip(&l.b, VIP3, false, Duration::from_secs(3));
    let a_after = a.log()[a_mark..].to_owned();
    assert!(a_after.contains("(VI_2) Stopped"), "{a_after}");
    assert!(
        a_after.contains("(VI_3) Entering MASTER STATE"),
        "{a_after}"
    );
    assert!(!a_after.contains("(VI_1) Entering"), "{a_after}");
    assert_eq!(
        garps(&capture.log(), VIP1),
        arps_vi1,
        "VI_1 was not touched"
    );
    assert!(l.a.has_address(VIP1.parse().unwrap()).unwrap());
    assert!(
        l.a.has_address("10.0.0.200".parse().unwrap()).unwrap(),
        "{a_after}"
    );

    // A broken configuration is refused; the old one keeps running.
    let a_mark = a.log().len();
    l.a.write_file(
        "keepalived.conf",
        "vrrp_instance VI_1 {\n    virtual_router_id 300\n",
    )
    .unwrap();
    let out = kactl_on(&l.a, &["reload"]);
    assert!(!out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("keepalived.conf"),
        "{out:?}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(transitions(&a.log()[a_mark..]), 0, "{}", a.log());
    let now = status(&l.a);
    assert_eq!(instance_status(&now, "VI_1")["state"], "MASTER");
    assert_eq!(now["daemons"][0]["reloads"], 2);
    let stats: Value =
        serde_json::from_slice(&kactl_on(&l.a, &["stats", "--json"]).stdout).unwrap();
    assert_eq!(stats["supervisor"]["reload_failures"], 1, "{stats}");
    assert!(l.a.has_address(VIP1.parse().unwrap()).unwrap());

    // SIGHUP is a reload too (the configuration is still broken: refused).
    let a_mark = a.log().len();
    a.signal(Signal::SIGHUP).unwrap();
    a.wait_for_log_after(a_mark, "reload refused", Duration::from_secs(5))
        .unwrap();
    assert!(a.is_running());

    a.terminate(Duration::from_secs(5)).unwrap();
    b.terminate(Duration::from_secs(5)).unwrap();
}

#[test]
fn a_killed_vrrpd_is_restarted_and_resyncs_without_a_split_brain() {
    let Some(l) = lab("ka-rs-restart") else {
        return;
    };
    let mut a = start(&l.a, &config(&[instance("VI_1", 51, 150, VIP1)]));
    let mut b = start(&l.b, &config(&[instance("VI_1", 51, 100, VIP1)]));
    wait_vip(&l.a, VIP1, true, Duration::from_secs(10));
    let before = status(&l.a);
    let vrrpd = before["daemons"][1]["pid"].as_i64().unwrap();
    assert_eq!(before["daemons"][1]["role"], "vrrp");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(vrrpd as i32), Signal::SIGKILL).unwrap();
    // Restarted, reconnected, and a master again (b stood in meanwhile).
    netlab::wait_until(
        "a new vrrpd reporting VI_1 MASTER",
        Duration::from_secs(15),
        || {
            let out = kactl_on(&l.a, &["status", "--json"]);
            let Ok(now) = serde_json::from_slice::<Value>(&out.stdout) else {
                return Ok(false);
            };
            Ok(now["daemons"][1]["pid"]
                .as_i64()
                .is_some_and(|p| p != vrrpd)
                && now["daemons"][1]["restarts"] == 1
                && now["vrrp_instances"][0]["state"] == "MASTER")
        },
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", a.log()));
    // Converged: one holder.
    wait_vip(&l.b, VIP1, false, Duration::from_secs(3));
    assert!(l.a.has_address(VIP1.parse().unwrap()).unwrap());
    let b_status = status(&l.b);
    assert_eq!(b_status["vrrp_instances"][0]["state"], "BACKUP");
    let stats: Value =
        serde_json::from_slice(&kactl_on(&l.a, &["stats", "--json"]).stdout).unwrap();
    assert_eq!(stats["supervisor"]["restarts"], 1, "{stats}");
    a.terminate(Duration::from_secs(5)).unwrap();
    b.terminate(Duration::from_secs(5)).unwrap();
}

#[test]
fn garbage_on_the_control_socket_is_survived() {
    let Some(l) = lab("ka-rs-ipc-garbage") else {
        return;
    };
    let mut a = start(&l.a, &config(&[instance("VI_1", 51, 150, VIP1)]));
    wait_vip(&l.a, VIP1, true, Duration::from_secs(10));
    let socket = l.a.path("run").join("keepalived-rs.sock");
    let script = r#"
import socket, sys, os, random, struct, json
path = sys.argv[1]
random.seed(7)
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(2)
    return s
def frame(obj):
    b = json.dumps(obj).encode()
    return struct.pack(">I", len(b)) + b
hello = frame({"type": "hello", "version": 1, "role": "client", "pid": os.getpid(), "software": "fuzz"})
cases = [
    b"\xff\xff\xff\xff" + b"x" * 64,             # oversized length
    b"\x00\x00\x00\x00",                          # empty frame
    struct.pack(">I", 5) + b"nope!",              # not JSON
    frame({"type": 7}),                           # type not a string
    frame({"type": "hello", "version": 99, "role": "client", "pid": 1, "software": "x"}),
    hello + frame({"type": "frobnicate", "id": 1}) + frame({"type": "status_request", "id": 2}),
    hello + frame({"type": "reload"}),            # missing id
    hello + struct.pack(">I", 100) + b"{",        # truncated, then closed
    hello + frame({"type": "vrrp_state", "instance": "x", "state": "MASTER", "priority": 1}),
]
for _ in range(40):
    cases.append(bytes(random.getrandbits(8) for _ in range(random.randint(1, 300))))
    cases.append(hello + bytes(random.getrandbits(8) for _ in range(random.randint(1, 300))))
replies = 0
for case in cases:
    s = conn()
    try:
        s.sendall(case)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            replies += 1
    except OSError:
        pass
    s.close()
print("sent", len(cases), "replies", replies)
"#;
    let out =
        l.a.run(&["/usr/bin/python3", "-c", script, socket.to_str().unwrap()])
            .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(a.is_running(), "{}", a.log());
    // Still serving, and the unknown type in case 6 did not end that
    // connection before its status request was answered.
    let now = status(&l.a);
    assert_eq!(instance_status(&now, "VI_1")["state"], "MASTER");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("replies"),
        "{out:?}"
    );
    // The socket is root's alone; loosened by hand, a non-root peer is
    // still refused (SO_PEERCRED).
    let mode = std::fs::metadata(&socket).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );
    std::fs::set_permissions(&socket, std::os::unix::fs::PermissionsExt::from_mode(0o666)).unwrap();
    let nobody = r#"
import json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
b = json.dumps({"type": "hello", "version": 1, "role": "client", "pid": os.getpid(), "software": "x"}).encode()
try:
    s.sendall(struct.pack(">I", len(b)) + b)
except BrokenPipeError:
    pass  # refused before it read anything: the refusal is still there to read
n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
print(json.loads(s.recv(n, socket.MSG_WAITALL)))
"#;
    let out =
        l.a.command("setpriv")
            .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .args(["/usr/bin/python3", "-c", nobody, socket.to_str().unwrap()])
            .output()
            .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("'type': 'refused'") && said.contains("not root"),
        "{out:?}"
    );
    let log = a.log();
    assert!(
        log.contains("skipping client message type \"frobnicate\""),
        "{log}"
    );
    assert!(
        log.contains("dropping a client connection") || log.contains("control connection dropped"),
        "{log}"
    );
    a.terminate(Duration::from_secs(5)).unwrap();
}

#[test]
fn metrics_of_a_running_pair_are_scraped() {
    let Some(l) = lab("ka-rs-metrics") else {
        return;
    };
    let path =
        l.a.write_file(
            "keepalived.conf",
            &config(&[instance("VI_1", 51, 150, VIP1)]),
        )
        .unwrap();
    let run = l.a.path("run");
    let mut a =
        l.a.spawn(
            "keepalived-rs",
            &[
                env!("CARGO_BIN_EXE_keepalived-rs"),
                "-n",
                "-l",
                "-G",
                "--metrics",
                "127.0.0.1:9650",
                "-f",
                path.to_str().unwrap(),
                "--run-dir",
                run.to_str().unwrap(),
            ],
        )
        .unwrap();
    let mut b = start(&l.b, &config(&[instance("VI_1", 51, 100, VIP1)]));
    wait_vip(&l.a, VIP1, true, Duration::from_secs(10));
    assert!(kactl_on(&l.a, &["reload"]).status.success());
    // Scraped over HTTP inside the lab host and read back with the
    // Prometheus client's own parser.
    let script = r#"
import sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families
body = urllib.request.urlopen("http://127.0.0.1:9650/metrics", timeout=10).read().decode()
for family in text_string_to_metric_families(body):
    for s in family.samples:
        labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
        print(s.name, labels, s.value)
"#;
    let mut samples = String::new();
    netlab::wait_until(
        "a scrape with VI_1's adverts",
        Duration::from_secs(10),
        || {
            let out =
                l.a.command("/usr/bin/python3")
                    .args(["-c", script])
                    .output()
                    .unwrap();
            samples = String::from_utf8_lossy(&out.stdout).into_owned();
            Ok(out.status.success()
                && samples.lines().any(|line| {
                    line.starts_with("keepalived_vrrp_adverts_sent_total instance=VI_1 ")
                        && !line.ends_with(" 0.0")
                }))
        },
    )
    .unwrap_or_else(|e| panic!("{e}\n{samples}\n{}", a.log()));
    let has = |needle: &str| samples.lines().any(|line| line.starts_with(needle));
    assert!(
        has("keepalived_vrrp_state instance=VI_1,interface=eth0,state=master,vrid=51 1.0"),
        "{samples}"
    );
    assert!(
        has("keepalived_vrrp_priority instance=VI_1,kind=effective 150.0"),
        "{samples}"
    );
    assert!(has("keepalived_reloads_total  1.0"), "{samples}");
    assert!(
        has("keepalived_daemon_start_time_seconds daemon=vrrpd "),
        "{samples}"
    );
    a.terminate(Duration::from_secs(5)).unwrap();
    b.terminate(Duration::from_secs(5)).unwrap();
}

#[test]
fn a_reload_scheduled_by_reload_time_file_with_its_reload_file_and_check_log() {
    let Some(l) = lab("ka-rs-scheduled") else {
        return;
    };
    let at = l.a.path("reload-at");
    let flag = l.a.path("reload.flag");
    let check = l.a.path("check.log");
    let global = format!(
        "global_defs {{\n    router_id lab\n    reload_time_file {}\n    reload_file {}\n    reload_check_config {}\n}}\n",
        at.display(),
        flag.display(),
        check.display()
    );
    let text = |instances: &[String]| format!("{global}{}", instances.concat());
    let mut a = start(&l.a, &text(&[instance("VI_1", 51, 150, VIP1)]));
    wait_vip(&l.a, VIP1, true, Duration::from_secs(10));
    l.a.write_file(
        "keepalived.conf",
        &text(&[
            instance("VI_1", 51, 150, VIP1),
            instance("VI_2", 52, 150, VIP2),
        ]),
    )
    .unwrap();
    let when = time::OffsetDateTime::now_utc() + time::Duration::seconds(3);
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    std::fs::write(&at, when.format(&format).unwrap()).unwrap();
    a.wait_for_log("reload scheduled for", Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}\n{}", a.log()));
    assert!(!a.log().contains("Reloading"), "not before its time");
    a.wait_for_log(
        "reload done: 1 instances unchanged, 0 changed, 1 added, 0 removed",
        Duration::from_secs(10),
    )
    .unwrap_or_else(|e| panic!("{e}\n{}", a.log()));
    wait_vip(&l.a, VIP2, true, Duration::from_secs(10));
    // Done: the time file is deleted (no reload_repeat), the reload file
    // was removed after reading, and the check wrote its report.
    netlab::wait_until("the time file deleted", Duration::from_secs(3), || {
        Ok(!at.exists())
    })
    .unwrap();
    assert!(!flag.exists());
    let report = std::fs::read_to_string(&check).unwrap();
    assert!(
        report.contains("configuration OK") || report.contains("keepalived.conf"),
        "{report}"
    );
    a.terminate(Duration::from_secs(5)).unwrap();
}

/// A daemon of `role` (checker or bfd) as later issues will build it:
/// connects, optionally sends one event, answers status, stats and reload
/// requests (with an empty part), and prints every message it receives.
const FAKE_DAEMON: &str = r#"
import json, os, socket, struct, sys
path, role, event = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX); s.connect(path); s.settimeout(20)
def send(o):
    b = json.dumps(o).encode(); s.sendall(struct.pack(">I", len(b)) + b)
def recv():
    head = s.recv(4, socket.MSG_WAITALL)
    if len(head) < 4:
        sys.exit(0)
    return json.loads(s.recv(struct.unpack(">I", head)[0], socket.MSG_WAITALL))
send({"type": "hello", "version": 1, "role": role, "pid": os.getpid(), "software": "fake " + role})
print("hello", recv()["role"], flush=True)
if event != "-":
    send(json.loads(event))
while True:
    m = recv()
    print("got", json.dumps(m, sort_keys=True), flush=True)
    if m["type"] == "status_request":
        send({"type": "status_reply", "id": m["id"], "status": {}})
    elif m["type"] == "stats_request":
        send({"type": "stats_reply", "id": m["id"], "stats": {}})
    elif m["type"] == "reload":
        send({"type": "done", "id": m["id"], "outcome": {"ok": True}})
"#;

#[test]
fn the_hub_relays_bfd_and_vrrp_states_to_the_daemons_that_need_them() {
    let Some(l) = lab("ka-rs-relay") else {
        return;
    };
    let mut a = start(&l.a, &config(&[instance("VI_1", 51, 150, VIP1)]));
    wait_vip(&l.a, VIP1, true, Duration::from_secs(10));
    let socket = l.a.path("run").join("keepalived-rs.sock");
    let socket = socket.to_str().unwrap();
    let fake = |role: &str, event: &str| {
        l.a.spawn(
            &format!("fake-{role}"),
            &["/usr/bin/python3", "-c", FAKE_DAEMON, socket, role, event],
        )
        .unwrap()
    };
    // bfdd reports a session; checkerd, connecting later, learns it and
    // VI_1's state at once (the hub keeps the last of each).
    let mut bfd = fake(
        "bfd",
        r#"{"type": "bfd_state", "session": "b1", "state": "up"}"#,
    );
    bfd.wait_for_log("hello supervisor", Duration::from_secs(5))
        .unwrap();
    a.wait_for_log("bfdd (pid", Duration::from_secs(5)).unwrap();
    let mut checker = fake("checker", "-");
    checker
        .wait_for_log(r#""session": "b1", "state": "up""#, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}\n{}", checker.log()));
    checker
        .wait_for_log(
            r#""instance": "VI_1", "priority": 150, "state": "MASTER""#,
            Duration::from_secs(5),
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", checker.log()));
    // A live change is relayed too: VI_1 stops (its config removed).
    l.a.write_file(
        "keepalived.conf",
        &config(&[instance("VI_2", 52, 150, VIP2)]),
    )
    .unwrap();
    assert!(kactl_on(&l.a, &["reload"]).status.success());
    checker
        .wait_for_log(
            r#""instance": "VI_1", "priority": 150, "state": "STOP""#,
            Duration::from_secs(5),
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", checker.log()));
    // Status asks every daemon, the fakes included.
    let now = status(&l.a);
    let roles: Vec<&str> = now["daemons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["supervisor", "vrrp"],
        "the fakes answered with empty parts: {now}"
    );
    assert!(checker.log().contains(r#""type": "status_request""#));
    assert!(bfd.log().contains(r#""type": "status_request""#));
    a.terminate(Duration::from_secs(5)).unwrap();
}

#[test]
fn a_supervisor_killed_outright_takes_vrrpd_down_cleanly() {
    let Some(l) = lab("ka-rs-orphan") else {
        return;
    };
    let mut a = start(&l.a, &config(&[instance("VI_1", 51, 150, VIP1)]));
    let mut b = start(&l.b, &config(&[instance("VI_1", 51, 100, VIP1)]));
    wait_vip(&l.a, VIP1, true, Duration::from_secs(10));
    let vrrpd = status(&l.a)["daemons"][1]["pid"].as_i64().unwrap() as i32;
    a.kill().unwrap();
    // vrrpd is told (SIGTERM on its parent's death) and hands over with
    // priority 0: b is master within Skew_Time, not Master_Down.
    wait_vip(&l.a, VIP1, false, Duration::from_secs(2));
    wait_vip(&l.b, VIP1, true, Duration::from_secs(2));
    netlab::wait_until("vrrpd gone", Duration::from_secs(5), || {
        Ok(!Path::new(&format!("/proc/{vrrpd}")).exists())
    })
    .unwrap();
    b.terminate(Duration::from_secs(5)).unwrap();
}
