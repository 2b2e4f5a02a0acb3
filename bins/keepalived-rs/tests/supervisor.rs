//! keepalived-rs as a user runs it, inside a lab host: it goes into the
//! background unless `-n`, writes its pid file, sends every daemon line to
//! syslog under keepalived's identities, restarts a vrrpd that dies (not
//! with `-R`), and releases the VIP when stopped.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

mod common;
use common::{VIP, config, vrrpd_pids};

use std::net::IpAddr;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// A syslog server on a Unix datagram socket, collecting what it receives.
struct Syslog {
    messages: Arc<Mutex<Vec<String>>>,
}

impl Syslog {
    fn bind(path: &Path) -> Self {
        let socket = UnixDatagram::bind(path).unwrap();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&messages);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = socket.recv(&mut buffer) {
                sink.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buffer[..n]).into_owned());
            }
        });
        Syslog { messages }
    }

    fn wait_for(&self, needle: &str) -> String {
        let mut found = String::new();
        netlab::wait_until(
            &format!("syslog to receive '{needle}'"),
            Duration::from_secs(15),
            || {
                let messages = self.messages.lock().unwrap();
                match messages.iter().find(|m| m.contains(needle)) {
                    Some(m) => {
                        found = m.clone();
                        Ok(true)
                    }
                    None => Ok(false),
                }
            },
        )
        .unwrap_or_else(|e| panic!("{e}: {:#?}", self.messages.lock().unwrap()));
        found
    }
}

fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[test]
fn runs_in_the_background_logs_to_syslog_and_restarts_vrrpd() {
    let Some(lab) = common::one_host("supervisor", &[]) else {
        return;
    };
    let host = &lab.host;
    let conf = config(host);
    let syslog_path = host.path("syslog.sock");
    let syslog = Syslog::bind(&syslog_path);
    let pid_file = host.path("keepalived.pid");
    let run_dir = host.path("run");

    // No -n: the command returns at once and the daemon lives on.
    let mut launcher = host
        .spawn(
            "keepalived-rs",
            &[
                env!("CARGO_BIN_EXE_keepalived-rs"),
                "-f",
                conf.to_str().unwrap(),
                "-p",
                pid_file.to_str().unwrap(),
                "--run-dir",
                run_dir.to_str().unwrap(),
                "-S",
                "local3",
                "--syslog-socket",
                syslog_path.to_str().unwrap(),
            ],
        )
        .unwrap();
    netlab::wait_until("the launcher to exit", Duration::from_secs(10), || {
        Ok(!launcher.is_running())
    })
    .unwrap();
    let mut daemon = 0;
    netlab::wait_until("the pid file", Duration::from_secs(10), || {
        daemon = read_pid(&pid_file).unwrap_or(0);
        Ok(daemon > 0 && Path::new(&format!("/proc/{daemon}")).exists())
    })
    .unwrap();
    assert_ne!(
        daemon,
        launcher.pid(),
        "the pid file names the daemon, not the launcher"
    );

    // Every vrrpd line reaches syslog as Keepalived_vrrp[pid] at local3.info.
    let master = syslog.wait_for("(VI_1) Entering MASTER STATE");
    let vrrpd = vrrpd_pids(host);
    assert_eq!(vrrpd.len(), 1, "{vrrpd:?}");
    assert_eq!(
        read_pid(&run_dir.join("vrrp.pid")),
        Some(vrrpd[0]),
        "the VRRP pid file names vrrpd"
    );
    assert!(
        master.starts_with("<158>") && master.contains(&format!("Keepalived_vrrp[{}]:", vrrpd[0])),
        "{master}"
    );
    netlab::wait_until("the VIP", Duration::from_secs(3), || {
        host.has_address(VIP.parse::<IpAddr>().unwrap())
    })
    .unwrap();

    // vrrpd dies: the supervisor says so and starts another one.
    kill(Pid::from_raw(vrrpd[0]), Signal::SIGKILL).unwrap();
    syslog.wait_for("Keepalived[");
    netlab::wait_until("a new vrrpd", Duration::from_secs(10), || {
        let now = vrrpd_pids(host);
        Ok(now.len() == 1 && now[0] != vrrpd[0])
    })
    .unwrap();

    // SIGTERM to the pid in the pid file stops everything and releases the VIP.
    kill(Pid::from_raw(daemon), Signal::SIGTERM).unwrap();
    netlab::wait_until("the daemon to stop", Duration::from_secs(10), || {
        Ok(!Path::new(&format!("/proc/{daemon}")).exists() && vrrpd_pids(host).is_empty())
    })
    .unwrap();
    assert!(!host.has_address(VIP.parse::<IpAddr>().unwrap()).unwrap());
    assert!(!pid_file.exists(), "the pid file is removed at stop");
}

#[test]
fn dont_respawn_means_it() {
    let Some(lab) = common::one_host("supervisor-r", &[]) else {
        return;
    };
    let host = &lab.host;
    let conf = config(host);
    let run_dir = host.path("run");
    let mut supervisor = host
        .spawn(
            "keepalived-rs",
            &[
                env!("CARGO_BIN_EXE_keepalived-rs"),
                "-n",
                "-l",
                "-G",
                "-R",
                "-f",
                conf.to_str().unwrap(),
                "--run-dir",
                run_dir.to_str().unwrap(),
            ],
        )
        .unwrap();
    // -l: the daemon's lines come out on the supervisor's standard error.
    supervisor
        .wait_for_log("(VI_1) Entering MASTER STATE", Duration::from_secs(10))
        .unwrap();
    let vrrpd = vrrpd_pids(host);
    assert_eq!(vrrpd.len(), 1);
    kill(Pid::from_raw(vrrpd[0]), Signal::SIGKILL).unwrap();
    netlab::wait_until("the supervisor to give up", Duration::from_secs(10), || {
        Ok(!supervisor.is_running())
    })
    .unwrap();
    assert!(vrrpd_pids(host).is_empty());
}
