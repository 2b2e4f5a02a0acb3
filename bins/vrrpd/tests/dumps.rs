//! The signal dumps side by side with keepalived 2.2.7's: the same
//! configuration runs under keepalived on host `k` and under vrrpd on host
//! `r` (each alone on its own segment, so both become master), each with
//! its own TMPDIR in the lab directory; SIGUSR1, SIGUSR2 and SIGJSON go to
//! each, and the lines and keys operators read are compared.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use netlab::{Host, Lab, Process};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const CONFIG: &str = "\
global_defs {
    router_id lab
}
vrrp_sync_group G1 {
    group {
        VI_1
    }
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass secret1
    }
    virtual_ipaddress {
        10.0.0.100/24
    }
    virtual_ipaddress_excluded {
        10.0.0.101/24
    }
    unicast_peer {
        10.0.0.9
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    version 3
    priority 100
    nopreempt
    virtual_ipaddress {
        10.0.0.102/24
    }
}
";

/// Starts `argv` on `host` with TMPDIR set to a fresh directory there.
fn spawn_with_tmpdir(host: &Host, label: &str, argv: &[&str]) -> (Process, PathBuf) {
    let tmp = host.path(&format!("{label}-tmp"));
    std::fs::create_dir_all(&tmp).unwrap();
    let setting = format!("TMPDIR={}", tmp.display());
    let mut full = vec!["/usr/bin/env", setting.as_str()];
    full.extend_from_slice(argv);
    (host.spawn(label, &full).unwrap(), tmp)
}

fn wait_master(process: &mut Process) {
    for name in ["VI_1", "VI_2"] {
        process
            .wait_for_log(
                &format!("({name}) Entering MASTER STATE"),
                Duration::from_secs(15),
            )
            .unwrap();
    }
}

/// Sends `signal` (a number) and waits for `file` to appear in `dir`;
/// returns its text. A previous copy is removed first.
fn dump(pid: i32, signal: i32, dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    let _ = std::fs::remove_file(&path);
    let signal = if signal == 36 {
        // nix cannot name real-time signals; /bin/kill can.
        let status = std::process::Command::new("kill")
            .args(["-s", "36", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        None
    } else {
        Some(Signal::try_from(signal).unwrap())
    };
    if let Some(signal) = signal {
        kill(Pid::from_raw(pid), signal).unwrap();
    }
    netlab::wait_until(
        &format!("{} to be written", path.display()),
        Duration::from_secs(10),
        || {
            // Written whole (renamed into place), so present means complete.
            Ok(path.exists())
        },
    )
    .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", path.display());
    std::fs::read_to_string(&path).unwrap()
}

/// The lines operators grep for, per instance, from a keepalived.data.
fn key_lines(data: &str) -> BTreeMap<String, Vec<String>> {
    const KEYS: &[&str] = &[
        "   VRRP Version = ",
        "   Sync group = ",
        "   State = ",
        "   Interface = ",
        "   Using src_ip = ",
        "   Multicast address ",
        "   Gratuitous ARP delay = ",
        "   Gratuitous ARP repeat = ",
        "   Down timer adverts = ",
        "   Virtual Router ID = ",
        "   Priority = ",
        "   Effective priority = ",
        "   Total priority = ",
        "   Advert interval = ",
        "   Accept = ",
        "   Preempt = ",
        "   Authentication type = ",
        "   Password = ",
        "   Virtual IP (",
        "     10.0.0.",
        "   Virtual IP Excluded :",
        "   Unicast Peer :",
    ];
    let mut sections = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in data.lines() {
        if let Some(name) = line.strip_prefix(" VRRP Instance = ") {
            current = Some(name.to_owned());
            sections.insert(name.to_owned(), Vec::new());
        } else if line.starts_with("------<") {
            current = None;
        } else if let Some(name) = &current {
            if KEYS.iter().any(|k| line.starts_with(k)) {
                sections.get_mut(name).unwrap().push(line.to_owned());
            }
        }
    }
    let globals: Vec<String> = data
        .lines()
        .filter(|l| {
            l.starts_with(" Router ID = ")
                || l.starts_with(" VRRP IPv4 mcast group = ")
                || l.starts_with(" VRRP Sync Group = ")
                || l.starts_with(" VRRP default protocol version = ")
        })
        .map(str::to_owned)
        .collect();
    sections.insert("(global)".to_owned(), globals);
    sections
}

/// Digits replaced: the layout of keepalived.stats, whatever the counts.
fn layout(stats: &str) -> String {
    stats
        .chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect::<String>()
        .replace("##", "#")
        .replace("##", "#")
}

#[test]
fn dumps_match_keepalived() {
    let Some(lab) = Lab::for_test("vrrpd-dumps", &["keepalived"]) else {
        return;
    };
    let k = lab.host("k").unwrap();
    let r = lab.host("r").unwrap();
    let lan_k = lab.segment("lank").unwrap();
    let lan_r = lab.segment("lanr").unwrap();
    lan_k.attach(&k, "eth0", &["10.0.0.1/24"]).unwrap();
    lan_r.attach(&r, "eth0", &["10.0.0.1/24"]).unwrap();

    let k_conf = k.write_file("keepalived.conf", CONFIG).unwrap();
    let pid = |host: &Host, name: &str| host.path(name).display().to_string();
    let (mut keepalived, k_tmp) = spawn_with_tmpdir(
        &k,
        "keepalived",
        &[
            "keepalived",
            "--dont-fork",
            "--log-console",
            "--log-detail",
            "--no-syslog",
            "--vrrp",
            "--use-file",
            k_conf.to_str().unwrap(),
            "--pid",
            &pid(&k, "keepalived.pid"),
            "--vrrp_pid",
            &pid(&k, "keepalived-vrrp.pid"),
        ],
    );
    let r_conf = r.write_file("vrrpd.conf", CONFIG).unwrap();
    let run_dir = r.path("run");
    let (mut vrrpd, r_tmp) = spawn_with_tmpdir(
        &r,
        "vrrpd",
        &[
            env!("CARGO_BIN_EXE_vrrpd"),
            "-l",
            "-f",
            r_conf.to_str().unwrap(),
            "--run-dir",
            run_dir.to_str().unwrap(),
        ],
    );
    wait_master(&mut keepalived);
    wait_master(&mut vrrpd);

    // SIGUSR1: keepalived.data, compared line by line on what operators grep.
    let theirs = dump(keepalived.pid(), libc::SIGUSR1, &k_tmp, "keepalived.data");
    let ours = dump(vrrpd.pid(), libc::SIGUSR1, &r_tmp, "keepalived.data");
    let (theirs_lines, ours_lines) = (key_lines(&theirs), key_lines(&ours));
    // Something to compare: every instance section was found.
    assert!(ours_lines["VI_1"].len() >= 18, "{ours_lines:?}");
    assert!(ours_lines["VI_2"].len() >= 14, "{ours_lines:?}");
    assert_eq!(
        theirs_lines, ours_lines,
        "keepalived's:\n{theirs}\n\nours:\n{ours}"
    );
    for needle in [
        "   State = MASTER",
        "   Priority = 150",
        "   Virtual Router ID = 51",
    ] {
        assert!(ours.contains(needle), "{needle} in\n{ours}");
    }

    // SIGUSR2: keepalived.stats, the same layout and the same transitions.
    let theirs = dump(keepalived.pid(), libc::SIGUSR2, &k_tmp, "keepalived.stats");
    let ours = dump(vrrpd.pid(), libc::SIGUSR2, &r_tmp, "keepalived.stats");
    assert_eq!(
        layout(&theirs),
        layout(&ours),
        "keepalived's:\n{theirs}\nours:\n{ours}"
    );
    let became = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains("Became master") || l.starts_with("VRRP Instance"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(became(&theirs), became(&ours));

    // SIGJSON: keepalived.json, the same fields for the same state.
    let theirs = dump(keepalived.pid(), 36, &k_tmp, "keepalived.json");
    let ours = dump(vrrpd.pid(), 36, &r_tmp, "keepalived.json");
    let theirs: serde_json::Value = serde_json::from_str(&theirs).unwrap();
    let ours: serde_json::Value = serde_json::from_str(&ours).unwrap();
    let (theirs, ours) = (theirs.as_array().unwrap(), ours.as_array().unwrap());
    assert_eq!(theirs.len(), 2);
    assert_eq!(ours.len(), 2);
    for (t, o) in theirs.iter().zip(ours) {
        for key in [
            "iname",
            "vrid",
            "state",
            "wantstate",
            "version",
            "base_priority",
            "effective_priority",
            "vipset",
            "nopreempt",
            "accept",
            "adver_int",
            "master_adver_int",
            "preempt_delay",
            "ifp_ifname",
            "vmac_ifname",
            "vips",
            "evips",
            "auth_type",
            "auth_data",
            "garp_delay",
            "garp_rep",
            "garp_refresh",
            "garp_refresh_rep",
            "skip_check_adv_addr",
            "strict_mode",
            "dont_track_primary",
            "higher_prio_send_advert",
            "promote_secondaries",
        ] {
            assert_eq!(t["data"][key], o["data"][key], "{key}: {t}\nvs\n{o}");
        }
        let keys = |v: &serde_json::Value| -> Vec<String> {
            v["stats"].as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(keys(t), keys(o));
        assert_eq!(t["stats"]["become_master"], o["stats"]["become_master"]);
    }

    // The daemons are still there: a dump is not a stop.
    assert!(vrrpd.is_running());
    vrrpd.terminate(Duration::from_secs(5)).unwrap();
    keepalived.terminate(Duration::from_secs(5)).unwrap();
}
