//! vrrpd's trackers in the lab: a failing `vrrp_script` lowers the
//! master's priority by its weight and the VIP moves (and comes back); a
//! script past its timeout is killed with its children and counts as a
//! failure (weight 0: FAULT); `track_file` values and `vrrp_track_process`
//! quorums move the VIP too. VRRPv3 at 0.2 s adverts keeps each move under
//! a second.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::time::Duration;

use netlab::Host;
use netlab::peers::keepalived::{self, VrrpInstance};

mod common;
use common::{Pair, vrrpd};

const VIP: &str = "10.0.0.100";
const MOVE: Duration = Duration::from_secs(5);

/// A fast VRRPv3 instance; `extra` lines go inside it, `blocks` before it.
fn config(priority: u8, blocks: &str, extra: &[String]) -> String {
    let mut instance = VrrpInstance::new("VI_1", "eth0", 51, priority).vip(&format!("{VIP}/24"));
    instance.version = Some(3);
    instance.advert_int = 0.2;
    instance.extra = extra.to_vec();
    format!("{blocks}{}", keepalived::config("lab", &[instance]))
}

fn holds(host: &Host) -> bool {
    host.has_address(VIP.parse::<IpAddr>().unwrap()).unwrap()
}

fn vip_on(what: &str, on: &Host, off: &Host) {
    netlab::wait_until(what, MOVE, || Ok(holds(on) && !holds(off))).unwrap();
}

fn pair(test: &str) -> Option<Pair> {
    common::pair(test, &[], &["10.0.0.1/24"], &["10.0.0.2/24"])
}

/// Whether a process with `argument` on its command line runs anywhere
/// (the lab's hosts share the PID namespace).
fn running_with(argument: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        std::fs::read(entry.path().join("cmdline"))
            .map(|raw| raw.split(|&b| b == 0).any(|a| a == argument.as_bytes()))
            .unwrap_or(false)
    })
}

#[test]
fn a_failing_script_moves_the_vip_and_a_hung_one_faults() {
    let Some(p) = pair("vrrpd-track-script") else {
        return;
    };
    let flag = p.a.path("healthy");
    std::fs::write(&flag, "").unwrap();
    // The hung script's sleep carries a number no other process uses.
    let marker = format!("{}.5", 40_000 + std::process::id() % 10_000);
    let blocks = format!(
        "vrrp_script chk {{\n    script \"/bin/sh -c 'test -f {}'\"\n    interval 1\n    weight -60\n}}\n\
         vrrp_script hung {{\n    script \"/bin/sh -c 'sleep {marker}'\"\n    interval 2\n    timeout 1\n}}\n",
        flag.display()
    );
    let mut high = vrrpd(
        &p.a,
        "vrrpd-1",
        &config(150, &blocks, &["track_script {\n        chk\n    }".into()]),
    );
    let mut low = vrrpd(&p.b, "vrrpd-2", &config(100, "", &[]));
    high.wait_for_log("(VI_1) Entering MASTER STATE", Duration::from_secs(10))
        .unwrap();
    vip_on("the VIP on the healthy master", &p.a, &p.b);
    assert!(!high.log().contains("not supported"), "{}", high.log());

    // The check fails: 150 - 60 = 90 < 100, the backup takes over.
    let mark = low.log_mark();
    let failed = std::time::Instant::now();
    std::fs::remove_file(&flag).unwrap();
    high.wait_for_log("VRRP_Script(chk) failed", Duration::from_secs(3))
        .unwrap();
    high.wait_for_log("Changing effective priority from 150 to 90", MOVE)
        .unwrap();
    low.wait_for_log_after(mark, "(VI_1) Entering MASTER STATE", MOVE)
        .unwrap();
    vip_on("the VIP on the backup", &p.b, &p.a);
    eprintln!(
        "VIP moved {:?} after the check began failing",
        failed.elapsed()
    );

    // It recovers: 150 again, the old master preempts.
    let mark = high.log_mark();
    std::fs::write(&flag, "").unwrap();
    high.wait_for_log_after(mark, "VRRP_Script(chk) succeeded", Duration::from_secs(3))
        .unwrap();
    high.wait_for_log_after(mark, "(VI_1) Entering MASTER STATE", MOVE)
        .unwrap();
    vip_on("the VIP back on the recovered master", &p.a, &p.b);
    high.terminate(Duration::from_secs(5)).unwrap();

    // A weight-0 script that hangs past its timeout: killed (with its
    // child), counted as a failure, and the instance goes to FAULT.
    let mut hung = vrrpd(
        &p.a,
        "vrrpd-3",
        &config(
            150,
            &blocks,
            &["track_script {\n        hung\n    }".into()],
        ),
    );
    hung.wait_for_log("VRRP_Script(hung) timed_out", Duration::from_secs(5))
        .unwrap();
    hung.wait_for_log("(VI_1) Entering FAULT STATE", Duration::from_secs(2))
        .unwrap();
    netlab::wait_until(
        "the hung script to be killed",
        Duration::from_secs(2),
        || Ok(!running_with(&marker)),
    )
    .unwrap();
    assert!(
        !hung.log().contains("Entering MASTER STATE"),
        "{}",
        hung.log()
    );
    assert!(holds(&p.b), "the backup keeps the VIP");
    hung.terminate(Duration::from_secs(5)).unwrap();
    assert!(!running_with(&marker), "a script outlived vrrpd");
}

#[test]
fn track_file_values_and_process_quorums_move_the_vip() {
    let Some(p) = pair("vrrpd-track-file-process") else {
        return;
    };
    let value = p.a.path("weight");
    let marker = format!("{}", 50_000 + std::process::id() % 10_000);
    let blocks = format!(
        "track_file f {{\n    file \"{}\"\n    weight -1\n    init_file 0 overwrite\n}}\n\
         vrrp_track_process p {{\n    process sleep {marker}\n    weight 30\n}}\n",
        value.display()
    );
    let tracked = [
        "track_file {\n        f\n    }".to_owned(),
        "track_process {\n        p\n    }".to_owned(),
    ];
    // Without the process a has 80 (< 100); with it, 110.
    let mut a = vrrpd(&p.a, "vrrpd-1", &config(80, &blocks, &tracked));
    let mut b = vrrpd(&p.b, "vrrpd-2", &config(100, "", &[]));
    b.wait_for_log("(VI_1) Entering MASTER STATE", Duration::from_secs(10))
        .unwrap();
    a.wait_for_log("(VI_1) Entering BACKUP STATE", Duration::from_secs(10))
        .unwrap();
    assert_eq!(std::fs::read_to_string(&value).unwrap().trim(), "0");

    // The process starts: quorum, +30, a preempts.
    let mark = a.log_mark();
    let mut sleeper = p.a.spawn("sleeper", &["sleep", &marker]).unwrap();
    a.wait_for_log_after(mark, "Quorum gained for tracked process p", MOVE)
        .unwrap();
    a.wait_for_log_after(mark, "(VI_1) Entering MASTER STATE", MOVE)
        .unwrap();
    vip_on("the VIP on a with the process", &p.a, &p.b);

    // The file says 20: 110 - 20 = 90 < 100, b takes over.
    let mark = b.log_mark();
    std::fs::write(&value, "20\n").unwrap();
    a.wait_for_log("Changing effective priority from 110 to 90", MOVE)
        .unwrap();
    b.wait_for_log_after(mark, "(VI_1) Entering MASTER STATE", MOVE)
        .unwrap();
    vip_on("the VIP on b after the file changed", &p.b, &p.a);

    // Garbage reads as 0: back to 110, a preempts.
    let mark = a.log_mark();
    std::fs::write(&value, "not a number").unwrap();
    a.wait_for_log_after(mark, "(VI_1) Entering MASTER STATE", MOVE)
        .unwrap();

    // The process dies: quorum lost, 80, b takes over.
    let mark = b.log_mark();
    sleeper.kill().unwrap();
    a.wait_for_log("Quorum lost for tracked process p", MOVE)
        .unwrap();
    b.wait_for_log_after(mark, "(VI_1) Entering MASTER STATE", MOVE)
        .unwrap();
    vip_on("the VIP on b after the process died", &p.b, &p.a);

    // A value whose product reaches -254 faults the instance.
    std::fs::write(&value, "254").unwrap();
    a.wait_for_log("(VI_1) Entering FAULT STATE", MOVE).unwrap();
}
