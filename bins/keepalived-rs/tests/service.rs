//! keepalived-rs as systemd runs it, inside a lab host: the sd_notify
//! messages a `Type=notify` unit waits for (READY=1, RELOADING=1 … READY=1,
//! STOPPING=1), sent by the process systemd started; the `-g` file reopened
//! on SIGHUP after logrotate moved it, and kept in use after a
//! `copytruncate`; and the unit and logrotate files of dist/ checked by
//! `systemd-analyze verify` and `logrotate`.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

mod common;
use common::{config, vrrpd_pids};

use std::io::IoSliceMut;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::Signal;
use nix::sys::socket::{
    ControlMessageOwned, MsgFlags, UnixAddr, UnixCredentials, recvmsg, setsockopt, sockopt,
};

fn dist(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../dist")
        .join(file)
}

/// A notification socket like systemd's: a Unix datagram socket that asks
/// for the sender's credentials, collecting (sender pid, message).
struct NotifySocket {
    received: Arc<Mutex<Vec<(i32, String)>>>,
}

impl NotifySocket {
    fn bind(path: &Path) -> Self {
        let socket = UnixDatagram::bind(path).unwrap();
        setsockopt(&socket, sockopt::PassCred, &true).unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&received);
        std::thread::spawn(move || {
            loop {
                let mut buffer = [0u8; 4096];
                let mut space = nix::cmsg_space!(UnixCredentials);
                let mut iov = [IoSliceMut::new(&mut buffer)];
                let Ok(message) = recvmsg::<UnixAddr>(
                    socket.as_raw_fd(),
                    &mut iov,
                    Some(&mut space),
                    MsgFlags::empty(),
                ) else {
                    return;
                };
                let mut pid = 0;
                if let Ok(cmsgs) = message.cmsgs() {
                    for cmsg in cmsgs {
                        if let ControlMessageOwned::ScmCredentials(creds) = cmsg {
                            pid = creds.pid();
                        }
                    }
                }
                let n = message.bytes;
                let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
                sink.lock().unwrap().push((pid, text));
            }
        });
        NotifySocket { received }
    }

    /// Waits for a message at index `from` or later containing `needle`;
    /// returns its index, sender and text.
    fn wait_for(&self, from: usize, needle: &str) -> (usize, i32, String) {
        let mut found = None;
        netlab::wait_until(
            &format!("a notification with '{needle}'"),
            Duration::from_secs(15),
            || {
                let received = self.received.lock().unwrap();
                found = received
                    .iter()
                    .enumerate()
                    .skip(from)
                    .find(|(_, (_, m))| m.lines().any(|l| l == needle))
                    .map(|(i, (pid, m))| (i, *pid, m.clone()));
                Ok(found.is_some())
            },
        )
        .unwrap_or_else(|e| panic!("{e}: {:#?}", self.received.lock().unwrap()));
        found.unwrap()
    }
}

#[test]
fn tells_systemd_when_ready_reloading_and_stopping() {
    let Some(lab) = common::one_host("service-notify", &["env"]) else {
        return;
    };
    let host = &lab.host;
    let conf = config(host);
    let socket_path = host.path("notify.sock");
    let notify = NotifySocket::bind(&socket_path);
    let pid_file = host.path("keepalived.pid");
    let run_dir = host.path("run");
    // No -n: under NOTIFY_SOCKET the supervisor must stay the process
    // systemd started anyway (`env` execs it, keeping the pid).
    let mut supervisor = host
        .spawn(
            "keepalived-rs",
            &[
                "env",
                &format!("NOTIFY_SOCKET={}", socket_path.display()),
                env!("CARGO_BIN_EXE_keepalived-rs"),
                "-l",
                "-G",
                "-f",
                conf.to_str().unwrap(),
                "-p",
                pid_file.to_str().unwrap(),
                "--run-dir",
                run_dir.to_str().unwrap(),
            ],
        )
        .unwrap();
    let main_pid = supervisor.pid();

    let (ready_at, sender, ready) = notify.wait_for(0, "READY=1");
    assert_eq!(sender, main_pid, "READY=1 comes from the main process");
    assert!(supervisor.is_running(), "it did not go into the background");
    let vrrpd = vrrpd_pids(host);
    assert_eq!(vrrpd.len(), 1, "{vrrpd:?}");
    assert!(
        ready.contains(&format!("STATUS=vrrpd running (pid {})", vrrpd[0])),
        "{ready}"
    );
    // The control socket listens by then, and only the supervisor notifies.
    assert!(run_dir.join(ipc_proto::SOCKET_NAME).exists());
    let environ = std::fs::read(format!("/proc/{}/environ", vrrpd[0])).unwrap();
    assert!(
        !String::from_utf8_lossy(&environ).contains("NOTIFY_SOCKET="),
        "vrrpd must not inherit NOTIFY_SOCKET"
    );

    supervisor.signal(Signal::SIGHUP).unwrap();
    let (reloading_at, sender, reloading) = notify.wait_for(ready_at + 1, "RELOADING=1");
    assert_eq!(sender, main_pid);
    let usec = reloading
        .lines()
        .find_map(|l| l.strip_prefix("MONOTONIC_USEC="))
        .unwrap_or_else(|| panic!("no MONOTONIC_USEC in {reloading}"));
    assert!(usec.parse::<u64>().unwrap() > 0, "{reloading}");
    let (_, sender, reloaded) = notify.wait_for(reloading_at + 1, "READY=1");
    assert_eq!(sender, main_pid);
    assert!(reloaded.contains("STATUS=vrrpd running"), "{reloaded}");
    assert!(!reloaded.contains("refused"), "{reloaded}");

    // A broken configuration is refused, and the status line says so.
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(&conf, format!("{text}\nvrrp_instance {{\n")).unwrap();
    let mark = notify.received.lock().unwrap().len();
    supervisor.signal(Signal::SIGHUP).unwrap();
    let (refused_at, _, _) = notify.wait_for(mark, "RELOADING=1");
    let (_, _, refused) = notify.wait_for(refused_at + 1, "READY=1");
    assert!(refused.contains("last reload refused: "), "{refused}");
    std::fs::write(&conf, text).unwrap();

    let mark = notify.received.lock().unwrap().len();
    supervisor.signal(Signal::SIGTERM).unwrap();
    let (_, sender, stopping) = notify.wait_for(mark, "STOPPING=1");
    assert_eq!(sender, main_pid);
    assert!(stopping.contains("STATUS=Stopping"), "{stopping}");
    let status = supervisor.terminate(Duration::from_secs(15)).unwrap();
    assert!(status.success(), "{status:?}\n{}", supervisor.log());
    assert!(vrrpd_pids(host).is_empty());
}

/// Waits until `path` holds `needle`.
fn wait_in_file(path: &Path, needle: &str) -> String {
    let mut text = String::new();
    netlab::wait_until(
        &format!("'{needle}' in {}", path.display()),
        Duration::from_secs(15),
        || {
            text = std::fs::read_to_string(path).unwrap_or_default();
            Ok(text.contains(needle))
        },
    )
    .unwrap_or_else(|e| panic!("{e}: {text}"));
    text
}

#[test]
fn the_log_file_is_reopened_on_sighup_and_survives_copytruncate() {
    let Some(lab) = common::one_host("service-logfile", &["logrotate"]) else {
        return;
    };
    let host = &lab.host;
    let conf = config(host);
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("keepalived-rs.log");
    let rotated = logs.path().join("keepalived-rs.log.1");
    let run_dir = host.path("run");
    let mut supervisor = host
        .spawn(
            "keepalived-rs",
            &[
                env!("CARGO_BIN_EXE_keepalived-rs"),
                "-n",
                "-G",
                "-g",
                log.to_str().unwrap(),
                "-f",
                conf.to_str().unwrap(),
                "--run-dir",
                run_dir.to_str().unwrap(),
            ],
        )
        .unwrap();
    wait_in_file(&log, "Keepalived_vrrp: (VI_1) Entering MASTER STATE");

    // logrotate's default (create): the file is moved away, then SIGHUP.
    std::fs::rename(&log, &rotated).unwrap();
    supervisor.signal(Signal::SIGHUP).unwrap();
    // The supervisor's own line and vrrpd's both land in the new file.
    wait_in_file(&log, "Keepalived: keepalived-rs: Reloading");
    wait_in_file(&log, "Keepalived_vrrp: Reloading");
    let old = std::fs::read_to_string(&rotated).unwrap();
    assert!(old.contains("Entering MASTER STATE"), "{old}");
    assert!(
        !old.contains("Reloading"),
        "the moved file got new lines: {old}"
    );

    // dist/'s logrotate file (copytruncate), pointed at our file: no signal,
    // and the next lines start the truncated file (append mode: no hole).
    let rules = std::fs::read_to_string(dist("keepalived-rs.logrotate")).unwrap();
    assert!(rules.contains("/var/log/keepalived-rs.log {"), "{rules}");
    let rules = rules.replace("/var/log/keepalived-rs.log", log.to_str().unwrap());
    let rules_path = logs.path().join("logrotate.conf");
    std::fs::write(&rules_path, rules).unwrap();
    let out = std::process::Command::new("logrotate")
        .arg("-f")
        .arg("-s")
        .arg(logs.path().join("state"))
        .arg(&rules_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "logrotate: {out:?}");
    let copied = std::fs::read_to_string(logs.path().join("keepalived-rs.log.1")).unwrap();
    assert!(copied.contains("Keepalived_vrrp: Reloading"), "{copied}");
    // A daemon line not caused by a signal: vrrpd restarted after a crash.
    let vrrpd = vrrpd_pids(host);
    assert_eq!(vrrpd.len(), 1);
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(vrrpd[0]), Signal::SIGKILL).unwrap();
    let after = wait_in_file(&log, "Keepalived: keepalived-rs: vrrpd exited");
    assert!(
        after.starts_with("20") && !after.contains('\0'),
        "the truncated file is written from its start: {after:?}"
    );
    assert!(!after.contains("Reloading"), "not truncated: {after}");
    supervisor.terminate(Duration::from_secs(15)).unwrap();
}

#[test]
fn the_unit_file_passes_systemd_analyze_verify() {
    let Some(analyze) = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
    else {
        assert!(
            std::env::var_os("NETLAB_REQUIRE").is_none() && std::env::var_os("CI").is_none(),
            "systemd-analyze is missing, and skipping is forbidden (CI or NETLAB_REQUIRE)"
        );
        eprintln!("SKIPPED the_unit_file_passes_systemd_analyze_verify: no systemd-analyze");
        return;
    };
    let unit = std::fs::read_to_string(dist("keepalived-rs.service")).unwrap();
    for wanted in [
        "Type=notify",
        "ExecStart=/usr/sbin/keepalived-rs -n $DAEMON_ARGS",
        "ExecReload=/usr/bin/kactl reload",
        "KillMode=mixed",
        "Restart=on-failure",
        "After=network-online.target",
        "RuntimeDirectory=keepalived-rs",
        "RuntimeDirectoryMode=0700",
    ] {
        assert!(
            unit.lines().any(|l| l == wanted),
            "no '{wanted}' in the unit"
        );
    }
    // verify wants the programs to exist: point it at the ones just built.
    let binary = Path::new(env!("CARGO_BIN_EXE_keepalived-rs"));
    let unit = unit
        .replace("/usr/sbin/keepalived-rs", binary.to_str().unwrap())
        .replace("/usr/bin/kactl", "/bin/true");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keepalived-rs.service");
    std::fs::write(&path, unit).unwrap();
    let out = std::process::Command::new(analyze)
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stderr.contains("keepalived-rs.service"),
        "systemd-analyze verify: {stderr}"
    );
}
