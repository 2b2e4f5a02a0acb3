//! keepalived's parent passes SIGUSR1, SIGUSR2 and SIGJSON on to its
//! children; keepalived-rs passes them on to vrrpd, which writes the dumps
//! in its TMPDIR (inherited from the supervisor).

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

mod common;
use common::config;

use std::path::Path;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

fn wait_file(path: &Path) -> String {
    netlab::wait_until(
        &format!("{} to be written", path.display()),
        Duration::from_secs(10),
        || Ok(path.exists()),
    )
    .unwrap();
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn dump_signals_reach_vrrpd() {
    let Some(lab) = common::one_host("supervisor-dumps", &[]) else {
        return;
    };
    let host = &lab.host;
    let conf = config(host);
    let run_dir = host.path("run");
    let tmp = host.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let tmpdir = format!("TMPDIR={}", tmp.display());
    let mut supervisor = host
        .spawn(
            "keepalived-rs",
            &[
                "/usr/bin/env",
                &tmpdir,
                env!("CARGO_BIN_EXE_keepalived-rs"),
                "-n",
                "-l",
                "-G",
                "-f",
                conf.to_str().unwrap(),
                "--run-dir",
                run_dir.to_str().unwrap(),
            ],
        )
        .unwrap();
    supervisor
        .wait_for_log("(VI_1) Entering MASTER STATE", Duration::from_secs(10))
        .unwrap();
    let pid = Pid::from_raw(supervisor.pid());

    kill(pid, Signal::SIGUSR1).unwrap();
    let data = wait_file(&tmp.join("keepalived.data"));
    assert!(data.contains(" VRRP Instance = VI_1\n"), "{data}");
    assert!(data.contains("   State = MASTER\n"), "{data}");

    kill(pid, Signal::SIGUSR2).unwrap();
    let stats = wait_file(&tmp.join("keepalived.stats"));
    assert!(stats.starts_with("VRRP Instance: VI_1\n"), "{stats}");

    // SIGJSON is SIGRTMIN+2, which nix cannot name: /bin/kill sends it.
    let status = std::process::Command::new("kill")
        .args(["-s", "36", &supervisor.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let json = wait_file(&tmp.join("keepalived.json"));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value[0]["data"]["iname"], "VI_1");
    assert_eq!(value[0]["data"]["state"], 2);

    // Neither the supervisor nor vrrpd died of the signals.
    assert!(supervisor.is_running());
    supervisor
        .wait_for_log("Printing VRRP as json", Duration::from_secs(5))
        .unwrap();
    supervisor.terminate(Duration::from_secs(10)).unwrap();
}
