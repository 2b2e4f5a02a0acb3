//! What vrrpd tells the outside world about transitions, checked against
//! the real keepalived 2.2.7 going through the same transitions: the lines
//! on the notify FIFO (read by `notify_fifo_script`) for a sync group of
//! two instances, and the order of the notify scripts.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netlab::peers::keepalived::Keepalived;
use netlab::{Host, Lab, Process};

mod common;

/// Two instances in one sync group, with every hook keepalived has.
fn config(host: &Host) -> String {
    let fifo = host.path("notify.fifo");
    let notify = host.path("notify.sh");
    let mut text = format!(
        "global_defs {{\n    router_id lab\n    notify_fifo {}\n}}\n\
         vrrp_sync_group G1 {{\n    group {{\n        VI_1\n        VI_2\n    }}\n    notify {}\n}}\n",
        fifo.display(),
        notify.display()
    );
    for (name, vrid, vip) in [("VI_1", 51, "10.0.0.100/24"), ("VI_2", 52, "10.0.0.101/24")] {
        text.push_str(&format!(
            "vrrp_instance {name} {{\n    interface eth0\n    virtual_router_id {vrid}\n    priority 150\n    \
             advert_int 1\n    virtual_ipaddress {{\n        {vip}\n    }}\n    notify {}\n}}\n",
            notify.display()
        ));
    }
    text
}

/// The notify script appends its arguments to `notify.log`.
fn scripts(host: &Host) {
    let notify_log = host.path("notify.log");
    let _ = std::fs::remove_file(&notify_log);
    let _ = std::fs::remove_file(host.path("notify.fifo"));
    let path = host
        .write_file(
            "notify.sh",
            &format!("#!/bin/sh\necho \"$@\" >> {}\n", notify_log.display()),
        )
        .unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

/// Reads the FIFO (once the daemon has made it) until every writer has
/// closed it, that is until the daemon exits.
struct FifoReader {
    text: Arc<Mutex<String>>,
    thread: std::thread::JoinHandle<()>,
}

impl FifoReader {
    fn start(host: &Host) -> Self {
        let path = host.path("notify.fifo");
        netlab::wait_until(
            "the daemon to create its FIFO",
            Duration::from_secs(5),
            || Ok(path.exists()),
        )
        .unwrap();
        let text = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&text);
        let thread = std::thread::spawn(move || {
            let mut fifo = std::fs::File::open(&path).unwrap();
            let mut buffer = [0u8; 4096];
            loop {
                match fifo.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink
                        .lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buffer[..n])),
                }
            }
        });
        FifoReader { text, thread }
    }

    fn lines(&self) -> Vec<String> {
        self.text
            .lock()
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn wait_line(&self, line: &str, count: usize, log: &Process) {
        netlab::wait_until(
            &format!("{count} × '{line}' on the FIFO"),
            Duration::from_secs(15),
            || Ok(self.lines().iter().filter(|l| *l == line).count() >= count),
        )
        .unwrap_or_else(|e| panic!("{e}: {:?}\n{}", self.lines(), log.log()));
    }

    /// Every line, once the daemon has exited.
    fn finish(self) -> Vec<String> {
        self.thread.join().unwrap();
        let text = self.text.lock().unwrap();
        text.lines().map(str::to_owned).collect()
    }
}

fn notify_calls(host: &Host) -> Vec<String> {
    let mut calls: Vec<String> = std::fs::read_to_string(host.path("notify.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    // The scripts run concurrently: compare them as a set.
    calls.sort();
    calls
}

/// Start → both master → link down (fault) → link up (master again) →
/// stop; returns the FIFO lines and the notify script calls.
fn transitions(host: &Host, daemon: &mut Process) -> (Vec<String>, Vec<String>) {
    let fifo = FifoReader::start(host);
    fifo.wait_line("GROUP \"G1\" MASTER 0", 1, daemon);
    host.set_link("eth0", false).unwrap();
    fifo.wait_line("GROUP \"G1\" FAULT 0", 1, daemon);
    host.set_link("eth0", true).unwrap();
    fifo.wait_line("GROUP \"G1\" MASTER 0", 2, daemon);
    daemon.terminate(Duration::from_secs(5)).unwrap();
    let lines = fifo.finish();
    // The notify scripts run in the background; give the last ones time.
    std::thread::sleep(Duration::from_millis(500));
    (lines, notify_calls(host))
}

/// Lines cut into runs that end at a GROUP line, each run sorted: members
/// that move together may be reported in either order (keepalived's order
/// depends on its timer queue), but every run must hold the same lines and
/// the group's line must close it.
fn runs(lines: &[String]) -> Vec<Vec<String>> {
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for line in lines {
        run.push(line.clone());
        if line.starts_with("GROUP") {
            let group = run.pop().unwrap();
            run.sort();
            run.push(group);
            runs.push(std::mem::take(&mut run));
        }
    }
    run.sort();
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

fn vrrpd(host: &Host, config: &str) -> Process {
    common::vrrpd(host, "vrrpd", config)
}

#[test]
fn sync_group_fifo_and_notify_match_keepalived() {
    let Some(lab) = Lab::for_test("vrrpd-hooks", &["keepalived"]) else {
        return;
    };
    let lan = lab.segment("lan").unwrap();
    let host = lab.host("a").unwrap();
    lan.attach(&host, "eth0", &["10.0.0.1/24"]).unwrap();
    let text = config(&host);

    scripts(&host);
    let mut keepalived = Keepalived::start(&host, &text).unwrap();
    let (theirs, their_notify) = transitions(&host, keepalived.process());

    scripts(&host);
    let mut ours = vrrpd(&host, &text);
    let (mine, my_notify) = transitions(&host, &mut ours);

    eprintln!("keepalived FIFO: {theirs:#?}\nvrrpd FIFO: {mine:#?}");
    assert_eq!(
        runs(&mine),
        runs(&theirs),
        "FIFO lines differ from keepalived's"
    );
    assert_eq!(my_notify, their_notify, "notify calls differ");
}

/// Reads the FIFO across reopenings (a reload closes and reopens it, which
/// a plain reader sees as the end): non-blocking, from whichever FIFO is
/// at the path, until told to stop.
fn read_across_reloads(
    path: std::path::PathBuf,
    text: Arc<Mutex<String>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let mut current: Option<(u64, std::fs::File)> = None;
    let mut buffer = [0u8; 4096];
    loop {
        let inode = std::fs::metadata(&path).map(|m| m.ino()).ok();
        if inode.is_some() && current.as_ref().map(|(i, _)| Some(*i)) != Some(inode) {
            current = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&path)
                .ok()
                .zip(inode)
                .map(|(file, inode)| (inode, file));
        }
        let got = match current.as_mut() {
            Some((_, file)) => file.read(&mut buffer).unwrap_or(0),
            None => 0,
        };
        if got > 0 {
            text.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buffer[..got]));
            continue;
        }
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Start → both master → SIGHUP (a reload of the same file) → stop, with
/// `fifo_write_vrrp_states_on_reload`; returns the FIFO lines.
fn reload_lines(host: &Host, daemon: &mut Process) -> Vec<String> {
    let path = host.path("notify.fifo");
    netlab::wait_until("the FIFO", Duration::from_secs(5), || Ok(path.exists())).unwrap();
    let text = Arc::new(Mutex::new(String::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (text, stop) = (Arc::clone(&text), Arc::clone(&stop));
        std::thread::spawn(move || read_across_reloads(path, text, stop))
    };
    let lines = || -> Vec<String> { text.lock().unwrap().lines().map(str::to_owned).collect() };
    // Every instance settled (the group's and VI_3, which is in none), so
    // that no transition races the reload's lines.
    netlab::wait_until("the group and VI_3 master", Duration::from_secs(15), || {
        let lines = lines();
        Ok(lines.iter().any(|l| l == "GROUP \"G1\" MASTER 0")
            && lines.iter().any(|l| l == "INSTANCE \"VI_3\" MASTER 150"))
    })
    .unwrap_or_else(|e| panic!("{e}: {:?}\n{}", lines(), daemon.log()));
    let before = lines().len();
    daemon.signal(nix::sys::signal::Signal::SIGHUP).unwrap();
    // Whatever the reload writes, it writes within a second or two.
    let _ = netlab::wait_until("lines after the reload", Duration::from_secs(3), || {
        Ok(lines().len() > before)
    });
    std::thread::sleep(Duration::from_secs(1));
    daemon.terminate(Duration::from_secs(5)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    reader.join().unwrap();
    lines()
}

#[test]
fn fifo_states_on_reload_match_keepalived() {
    let Some(lab) = Lab::for_test("vrrpd-fifo-reload", &["keepalived"]) else {
        return;
    };
    let lan = lab.segment("lan").unwrap();
    let host = lab.host("a").unwrap();
    lan.attach(&host, "eth0", &["10.0.0.1/24"]).unwrap();
    // And an instance of no group, which keepalived reports on its own.
    let text = config(&host).replacen(
        "    router_id lab\n",
        "    router_id lab\n    fifo_write_vrrp_states_on_reload\n",
        1,
    ) + "vrrp_instance VI_3 {\n    interface eth0\n    virtual_router_id 53\n    priority 150\n    \
         advert_int 1\n    virtual_ipaddress {\n        10.0.0.103/24\n    }\n}\n";

    scripts(&host);
    let mut keepalived = Keepalived::start(&host, &text).unwrap();
    let theirs = reload_lines(&host, keepalived.process());

    scripts(&host);
    let mut ours = vrrpd(&host, &text);
    let mine = reload_lines(&host, &mut ours);

    eprintln!("keepalived FIFO: {theirs:#?}\nvrrpd FIFO: {mine:#?}");
    assert_eq!(
        runs(&mine),
        runs(&theirs),
        "FIFO lines differ from keepalived's"
    );
}
