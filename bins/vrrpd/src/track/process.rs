//! `vrrp_track_process`: counts the running processes that match (by name,
//! as /proc/PID/comm shows it, or by command line with `full_command` or
//! parameters, with `param_match`), and turns the count into up/down with
//! `quorum`, `quorum_max`, `fork_delay` and `terminate_delay`.
//!
//! One task scans /proc every [`POLL`] for all tracked processes (zombies
//! do not count, as in keepalived). keepalived follows the kernel's process
//! connector instead; polling costs a /proc walk per period but needs no
//! netlink multicast privileges and cannot lose events.

use std::time::Duration;

use kconf_parser::model::track::{ParamMatch, TrackProcess};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;
use vrrp_proto::TrackerStatus;

use super::{Event, TrackerId};

/// How often /proc is scanned.
const POLL: Duration = Duration::from_millis(200);

/// The kernel keeps this many bytes of a process name (TASK_COMM_LEN - 1).
const COMM_LEN: usize = 15;

/// One running process, as much as matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Proc {
    comm: String,
    pub(crate) cmdline: Vec<String>,
}

/// Every live (non-zombie) process.
pub(crate) fn snapshot() -> Vec<Proc> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut table = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        // A process may exit between the listing and the reads: skip it.
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let Some(comm) = stat.get(open + 1..close) else {
            continue;
        };
        let state = stat
            .get(close + 1..)
            .and_then(|s| s.split_whitespace().next());
        if matches!(state, Some("Z" | "X" | "x")) {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|raw| {
                raw.split(|&b| b == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        table.push(Proc {
            comm: comm.to_owned(),
            cmdline,
        });
    }
    table
}

/// One `vrrp_track_process` and its quorum state.
#[derive(Debug, Clone)]
pub(crate) struct Tracked {
    name: String,
    process: String,
    parameters: Vec<String>,
    param_match: Option<ParamMatch>,
    full_command: bool,
    quorum: usize,
    quorum_max: usize,
    fork_delay: Duration,
    terminate_delay: Duration,
    up: bool,
    /// A change of quorum waiting for its delay: the new state and when.
    pending: Option<(bool, Instant)>,
}

impl Tracked {
    pub(crate) fn new(p: &TrackProcess) -> Self {
        Tracked {
            name: p.name.clone(),
            process: p.process.clone(),
            parameters: p.parameters.clone(),
            param_match: p.param_match,
            full_command: p.full_command,
            quorum: usize::from(p.quorum),
            quorum_max: p.quorum_max.map_or(usize::MAX, usize::from),
            fork_delay: p.fork_delay.unwrap_or_default(),
            terminate_delay: p.terminate_delay.unwrap_or_default(),
            up: false,
            pending: None,
        }
    }

    /// Sets the state from a first count, without delay.
    pub(crate) fn start(&mut self, table: &[Proc]) -> bool {
        self.up = self.has_quorum(self.count(table));
        self.up
    }

    fn has_quorum(&self, count: usize) -> bool {
        count >= self.quorum && count <= self.quorum_max
    }

    fn count(&self, table: &[Proc]) -> usize {
        table.iter().filter(|p| self.matches(p)).count()
    }

    fn matches(&self, p: &Proc) -> bool {
        if !self.full_command {
            // A path cannot be a comm; compare it with argv[0] instead.
            if self.process.contains('/') {
                return p.cmdline.first() == Some(&self.process);
            }
            let wanted = self.process.get(..COMM_LEN).unwrap_or(&self.process);
            return p.comm == wanted;
        }
        let Some((program, args)) = p.cmdline.split_first() else {
            return false;
        };
        if program != &self.process {
            return false;
        }
        let params = &self.parameters;
        match self.param_match {
            None => true,
            Some(ParamMatch::Exact) => args == params.as_slice(),
            Some(ParamMatch::Partial) => args.starts_with(params),
            Some(ParamMatch::Initial) => match params.split_last() {
                None => true,
                Some((last, first)) => {
                    args.starts_with(first)
                        && args.get(first.len()).is_some_and(|a| a.starts_with(last))
                }
            },
        }
    }

    /// Takes a new count at `now`; returns the new state when it changes
    /// (after `fork_delay` for gaining the quorum, `terminate_delay` for
    /// losing it).
    fn observe(&mut self, count: usize, now: Instant) -> Option<bool> {
        let have = self.has_quorum(count);
        if have == self.up {
            self.pending = None;
            return None;
        }
        let due = match self.pending {
            Some((target, due)) if target == have => due,
            _ => {
                let delay = if have {
                    self.fork_delay
                } else {
                    self.terminate_delay
                };
                let due = now + delay;
                self.pending = Some((have, due));
                due
            }
        };
        if now < due {
            return None;
        }
        self.pending = None;
        self.up = have;
        Some(have)
    }
}

/// Scans /proc until the event loop goes away, reporting changes.
pub(crate) async fn watch(mut tracked: Vec<(TrackerId, Tracked)>, events: UnboundedSender<Event>) {
    loop {
        tokio::time::sleep(POLL).await;
        let table = match tokio::task::spawn_blocking(snapshot).await {
            Ok(table) => table,
            Err(_) => continue,
        };
        let now = Instant::now();
        for (id, t) in &mut tracked {
            let count = t.count(&table);
            let Some(up) = t.observe(count, now) else {
                continue;
            };
            eprintln!(
                "Quorum {} for tracked process {} ({count} running)",
                if up { "gained" } else { "lost" },
                t.name
            );
            let status = if up {
                TrackerStatus::Up
            } else {
                TrackerStatus::Down
            };
            if events.send(Event { id: *id, status }).is_err() {
                return;
            }
        }
        if events.is_closed() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc(comm: &str, cmdline: &[&str]) -> Proc {
        Proc {
            comm: comm.into(),
            cmdline: cmdline.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn tracked(text: &str) -> Tracked {
        let parsed = kconf_parser::parse_str(text, &kconf_parser::ParseOptions::default());
        Tracked::new(&parsed.config.track_processes[0])
    }

    #[test]
    fn matching_follows_param_match() {
        let table = [
            proc("nginx", &["nginx", "-g", "daemon off;"]),
            proc("sleep", &["sleep", "100"]),
            proc("sleep", &["sleep", "1000", "x"]),
            proc("averyveryverylo", &["averyveryverylongname"]),
        ];
        let count = |text: &str| tracked(text).count(&table);
        assert_eq!(count("vrrp_track_process p {\n process sleep\n}\n"), 2);
        assert_eq!(count("vrrp_track_process p {\n process sleep 100\n}\n"), 1);
        assert_eq!(
            count("vrrp_track_process p {\n process sleep 10\n param_match initial\n}\n"),
            2
        );
        assert_eq!(
            count("vrrp_track_process p {\n process sleep 1000\n param_match partial\n}\n"),
            1
        );
        assert_eq!(
            count("vrrp_track_process p {\n process nginx\n param_match\n}\n"),
            0
        );
        assert_eq!(count("vrrp_track_process p {\n process ngin\n}\n"), 0);
        assert_eq!(
            count("vrrp_track_process p {\n process averyveryverylongname\n}\n"),
            1
        );
    }

    #[test]
    fn quorum_and_delays() {
        let mut t = tracked(
            "vrrp_track_process p {\n process sleep\n quorum 2\n quorum_max 3\n fork_delay 1\n terminate_delay 2\n}\n",
        );
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        assert!(!t.start(&[]));
        assert_eq!(t.observe(2, t0), None, "waits fork_delay");
        assert_eq!(t.observe(1, t0 + s / 2), None, "lost again: cancelled");
        assert_eq!(t.observe(2, t0 + s), None);
        assert_eq!(t.observe(3, t0 + 2 * s), Some(true));
        assert_eq!(t.observe(4, t0 + 2 * s), None, "above quorum_max waits");
        assert_eq!(t.observe(4, t0 + 4 * s), Some(false));
        let mut t = tracked("vrrp_track_process p {\n process sleep\n}\n");
        assert_eq!(t.observe(1, t0), Some(true), "no delay: at once");
        assert_eq!(t.observe(0, t0), Some(false));
    }

    #[test]
    fn this_test_process_is_seen() {
        let table = snapshot();
        let me = std::fs::read_to_string("/proc/self/comm").unwrap();
        assert!(table.iter().any(|p| p.comm == me.trim_end()), "{me}");
    }
}
