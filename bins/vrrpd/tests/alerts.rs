//! vrrpd's SMTP alerts against the real keepalived 2.2.7: both go through
//! the same transitions (start → BACKUP → MASTER, link down → FAULT, link
//! up → BACKUP → MASTER, stop) with alerts to an SMTP sink (aiosmtpd, in
//! the lab namespace), and the mails must match: HELO, envelope, headers
//! and body, all but the Date line. And a mail server that is down or
//! silent costs one log line per mail while the instances run on.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use netlab::peers::keepalived::Keepalived;
use netlab::{Host, Lab, Process};

mod common;

const SINK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
const PORT: u16 = 2525;

/// Two instances in a sync group (VI_2 says `smtp_alert off`) and one on
/// its own; alerts on by the global `smtp_alert`.
fn config(smtp_port: u16) -> String {
    let mut text = format!(
        "global_defs {{\n    router_id lab\n    notification_email {{\n        ops@example.com\n        \
         oncall@example.com\n    }}\n    notification_email_from vrrp@example.com\n    \
         smtp_server 127.0.0.1 {smtp_port}\n    smtp_connect_timeout 1\n    smtp_alert\n}}\n\
         vrrp_sync_group G1 {{\n    group {{\n        VI_1\n        VI_2\n    }}\n}}\n"
    );
    for (name, vrid, extra) in [
        ("VI_1", 51, ""),
        ("VI_2", 52, "    smtp_alert off\n"),
        ("VI_3", 53, ""),
    ] {
        text.push_str(&format!(
            "vrrp_instance {name} {{\n    interface eth0\n    virtual_router_id {vrid}\n    \
             priority 150\n    advert_int 1\n{extra}    virtual_ipaddress {{\n        \
             10.0.0.{vrid}/24\n    }}\n}}\n"
        ));
    }
    text
}

/// One received mail, less its Date line (checked for shape, then dropped).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Mail {
    helo: String,
    mail_from: String,
    rcpt_tos: Vec<String>,
    data: String,
}

impl Mail {
    fn subject(&self) -> &str {
        self.data
            .split("\r\n")
            .find_map(|line| line.strip_prefix("Subject: "))
            .unwrap_or("")
    }
}

fn read_mails(dir: &Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let record: serde_json::Value = serde_json::from_str(&text).unwrap();
            let field = |name: &str| record[name].as_str().unwrap_or_default().to_owned();
            let data = field("data");
            let (date, rest) = data.split_once("\r\n").unwrap();
            assert!(valid_date(date), "no keepalived-style Date line: {date:?}");
            Mail {
                helo: field("helo"),
                mail_from: field("mail_from"),
                rcpt_tos: record["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect(),
                data: rest.to_owned(),
            }
        })
        .collect()
}

/// `Date: Tue, 01 Dec 2026 19:45:04 +0000`.
fn valid_date(line: &str) -> bool {
    let Some(date) = line.strip_prefix("Date: ") else {
        return false;
    };
    let words: Vec<&str> = date.split(' ').collect();
    words.len() == 6
        && words[0].len() == 4
        && words[0].ends_with(',')
        && words[1].len() == 2
        && words[3].len() == 4
        && words[4].len() == 8
        && words[5].len() == 5
        && (words[5].starts_with('+') || words[5].starts_with('-'))
}

/// The sink, writing each mail to `dir` as JSON.
fn sink(host: &Host, label: &str, dir: &Path) -> Process {
    let _ = std::fs::remove_dir_all(dir);
    let port = PORT.to_string();
    let mut sink = host
        .spawn(
            label,
            &[
                "/usr/bin/python3",
                SINK,
                "127.0.0.1",
                &port,
                dir.to_str().unwrap(),
            ],
        )
        .unwrap();
    sink.wait_for_log("smtp sink listening", Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{e}\n{}", sink.log()));
    sink
}

fn wait_mail(dir: &Path, subject: &str, count: usize, daemon: &Process) {
    netlab::wait_until(
        &format!("{count} × mail '{subject}'"),
        Duration::from_secs(20),
        || {
            Ok(read_mails(dir)
                .iter()
                .filter(|m| m.subject() == subject)
                .count()
                >= count)
        },
    )
    .unwrap_or_else(|e| panic!("{e}: {:#?}\n{}", read_mails(dir), daemon.log()));
}

/// Start → MASTER, link down → FAULT, up → MASTER again, stop; returns the
/// mails, sorted (they travel on parallel connections, so their order of
/// arrival is not the order of the transitions). `id` is the router_id the
/// subjects carry.
fn transitions(host: &Host, daemon: &mut Process, dir: &Path, id: &str) -> Vec<Mail> {
    let group_master = format!("[{id}] VRRP Group G1 - Entering MASTER state");
    let vi3_master = format!("[{id}] VRRP Instance VI_3 - Entering MASTER state");
    wait_mail(dir, &group_master, 1, daemon);
    wait_mail(dir, &vi3_master, 1, daemon);
    let mark = daemon.log_mark();
    host.set_link("eth0", false).unwrap();
    // FAULT may be muted (no_email_faults): the log says when it happened.
    for instance in ["VI_1", "VI_2", "VI_3"] {
        let line = format!("({instance}) Entering FAULT STATE");
        daemon
            .wait_for_log_after(mark, &line, Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("{e}\n{}", daemon.log()));
    }
    settle(dir);
    host.set_link("eth0", true).unwrap();
    wait_mail(dir, &group_master, 2, daemon);
    wait_mail(dir, &vi3_master, 2, daemon);
    // Mails of the last transitions may still be on their way.
    settle(dir);
    daemon.terminate(Duration::from_secs(5)).unwrap();
    settle(dir);
    let mut mails = read_mails(dir);
    mails.sort();
    mails
}

/// keepalived and vrrpd each go through [`transitions`] with `text`;
/// returns their mails' subjects after checking the mails are the same.
fn compare(test: &str, text: &str, id: &str) -> Option<Vec<String>> {
    let lab = Lab::for_test(test, &["keepalived", "aiosmtpd"])?;
    let lan = lab.segment("lan").unwrap();
    let host = lab.host("a").unwrap();
    lan.attach(&host, "eth0", &["10.0.0.1/24"]).unwrap();

    let theirs_dir = host.path("mails-keepalived");
    let mut their_sink = sink(&host, "sink-keepalived", &theirs_dir);
    let mut keepalived = Keepalived::start(&host, text).unwrap();
    let theirs = transitions(&host, keepalived.process(), &theirs_dir, id);
    their_sink.terminate(Duration::from_secs(2)).unwrap();

    let mine_dir = host.path("mails-vrrpd");
    let mut my_sink = sink(&host, "sink-vrrpd", &mine_dir);
    let mut ours = common::vrrpd(&host, "vrrpd", text);
    let mine = transitions(&host, &mut ours, &mine_dir, id);
    my_sink.terminate(Duration::from_secs(2)).unwrap();

    let subjects =
        |mails: &[Mail]| -> Vec<String> { mails.iter().map(|m| m.subject().to_owned()).collect() };
    eprintln!(
        "keepalived mails: {:#?}\nvrrpd mails: {:#?}\nfirst of keepalived's: {:#?}",
        subjects(&theirs),
        subjects(&mine),
        theirs.first()
    );
    assert_eq!(mine, theirs, "vrrpd's mails differ from keepalived's");
    Some(subjects(&theirs))
}

/// Waits until no new mail has come for a second.
fn settle(dir: &Path) {
    let mut seen = read_mails(dir).len();
    for _ in 0..10 {
        std::thread::sleep(Duration::from_secs(1));
        let now = read_mails(dir).len();
        if now == seen {
            return;
        }
        seen = now;
    }
}

#[test]
fn alerts_match_keepalived() {
    let Some(subjects) = compare("vrrpd-alerts", &config(PORT), "lab") else {
        return;
    };
    // What the comparison stands on: keepalived mailed the group and VI_1
    // and VI_3 through every state, and nothing for VI_2 (smtp_alert off).
    for subject in [
        "[lab] VRRP Group G1 - Entering BACKUP state",
        "[lab] VRRP Group G1 - Entering FAULT state",
        "[lab] VRRP Instance VI_1 - Entering MASTER state",
        "[lab] VRRP Instance VI_3 - Entering FAULT state",
    ] {
        assert!(subjects.iter().any(|s| s == subject), "{subject}");
    }
    assert!(!subjects.iter().any(|s| s.contains("VI_2")));
}

#[test]
fn muted_faults_and_default_names_match_keepalived() {
    // No router_id and no notification_email_from: the host name and
    // user@host; a HELO name of its own; no FAULT mails.
    let text = config(PORT)
        .replace("    router_id lab\n", "")
        .replace("    notification_email_from vrrp@example.com\n", "")
        .replace(
            "    smtp_alert\n",
            "    smtp_alert\n    no_email_faults\n    smtp_helo_name relay.lab\n",
        );
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let Some(subjects) = compare("vrrpd-alerts-muted", &text, host_name.trim()) else {
        return;
    };
    assert!(
        !subjects.iter().any(|s| s.contains("FAULT")),
        "{subjects:#?}"
    );
    // G1, VI_1 and VI_3: BACKUP at start, and again after the muted FAULT
    // (the last state mailed was MASTER).
    assert_eq!(subjects.iter().filter(|s| s.contains("BACKUP")).count(), 6);
}

/// Runs vrrpd with alerts to a server that `serve` stands up (or not, or a
/// silent one): the instances must reach MASTER as without alerts, and each
/// mail due by then must have cost exactly one log line.
fn run_against(test: &str, serve: impl FnOnce(&Host) -> Option<std::net::TcpListener>) {
    let Some(lab) = Lab::for_test(test, &[]) else {
        return;
    };
    let lan = lab.segment("lan").unwrap();
    let host = lab.host("a").unwrap();
    lan.attach(&host, "eth0", &["10.0.0.1/24"]).unwrap();
    let listener = serve(&host);
    let mut ours = common::vrrpd(&host, "vrrpd", &config(PORT));
    let vip: IpAddr = "10.0.0.53".parse().unwrap();
    netlab::wait_until("VI_3 to hold its VIP", Duration::from_secs(10), || {
        host.has_address(vip)
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", ours.log()));
    // Every mail so far has failed (connect or 1 s timeout); one line each.
    let mails_due = [
        "[lab] VRRP Group G1 - Entering BACKUP state",
        "[lab] VRRP Instance VI_1 - Entering BACKUP state",
        "[lab] VRRP Instance VI_3 - Entering BACKUP state",
        "[lab] VRRP Group G1 - Entering MASTER state",
        "[lab] VRRP Instance VI_1 - Entering MASTER state",
        "[lab] VRRP Instance VI_3 - Entering MASTER state",
    ];
    netlab::wait_until("a log line for every mail", Duration::from_secs(10), || {
        let log = ours.log();
        Ok(mails_due
            .iter()
            .all(|s| log.contains(&format!("SMTP alert \"{s}\" not sent"))))
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", ours.log()));
    let log = ours.log();
    let smtp_lines: Vec<&str> = log.lines().filter(|l| l.contains("SMTP")).collect();
    assert_eq!(smtp_lines.len(), mails_due.len(), "{log}");
    assert!(ours.is_running(), "{log}");
    assert!(log.contains("(VI_1) Entering MASTER STATE"), "{log}");
    eprintln!("{}", smtp_lines.join("\n"));
    ours.terminate(Duration::from_secs(5)).unwrap();
    drop(listener);
    for line in smtp_lines {
        assert!(line.contains("to [127.0.0.1]:2525: "), "{line}");
    }
}

#[test]
fn a_server_that_is_down_is_logged_and_the_instances_run_on() {
    run_against("vrrpd-alerts-down", |_| None);
}

#[test]
fn a_silent_server_times_out_and_the_instances_run_on() {
    // Accepts connections (the kernel completes them) and never answers.
    run_against("vrrpd-alerts-silent", |host| {
        Some(
            host.in_netns(|| std::net::TcpListener::bind(("127.0.0.1", PORT)).unwrap())
                .unwrap(),
        )
    });
}
