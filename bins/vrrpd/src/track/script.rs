//! `vrrp_script`: runs the script every `interval` as its user, in a
//! process group of its own so that a run past `timeout` is killed whole
//! (and counts as a failure), and turns exit codes into up/down with `rise`,
//! `fall` and `init_fail`. Scripts that keepalived would refuse (insecure
//! as root under `enable_script_security`, no user, missing program) are
//! found here before anything runs.
//!
//! It does not interpret output (only the exit status counts) and never
//! blocks the event loop: each script is a tokio task.

use std::process::Stdio;
use std::time::Duration;

use kconf_parser::model::Config;
use kconf_parser::model::vrrp::VrrpScript;
use kconf_parser::script_security::{self, ThisHost, Verdict};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::sync::mpsc::UnboundedSender;
use vrrp_proto::TrackerStatus;

use super::{Event, TrackerId};
use crate::notify::RunAs;

/// The scripts keepalived would not run, by index into
/// `config.vrrp_scripts`, each with the log line saying why.
pub(crate) fn refused(config: &Config) -> Vec<(usize, String)> {
    let mut refused = Vec::new();
    for (i, script) in config.vrrp_scripts.iter().enumerate() {
        let name = &script.name.value;
        let user = script.user.as_ref().map(|(u, _)| u.as_str());
        let why = refusal(
            config,
            &format!("VRRP_Script({name})"),
            &script.script,
            user,
        )
        .or_else(|| resolve_user(&run_as(script, config)).err());
        if let Some(why) = why {
            refused.push((i, format!("Disabling track script {name}: {why}")));
        }
    }
    refused
}

/// Why keepalived would not run `command` (as `user`, else the default
/// script user), if it would not; `what` names the script in the
/// SECURITY VIOLATION warning logged for a root script without
/// enable_script_security (which runs all the same, as in keepalived).
pub(crate) fn refusal(
    config: &Config,
    what: &str,
    command: &str,
    user: Option<&str>,
) -> Option<String> {
    let global = &config.global;
    let script_user = global.script_user.as_ref().map(|(u, _)| u.as_str());
    let user = user.or_else(|| script_security::default_user(script_user, &ThisHost));
    match script_security::judge(command, user, global.enable_script_security, &ThisHost) {
        Verdict::NoUser => Some(
            "enable_script_security is set but there is no user to run it as (set script_user)"
                .to_owned(),
        ),
        Verdict::NotExecutable { program } => {
            Some(format!("'{program}' is not found or not executable"))
        }
        Verdict::Root {
            program,
            writable_by_others: true,
            secure: true,
        } => Some(format!(
            "{} runs as root and a non-root user can change it (or a directory above it)",
            program.display()
        )),
        Verdict::Root { secure: false, .. } => {
            eprintln!(
                "vrrpd: SECURITY VIOLATION - {what} runs as root but enable_script_security is not set"
            );
            None
        }
        Verdict::Root { .. } | Verdict::Unprivileged => None,
    }
}

/// Who runs the script: its own user, else `script_user`, else
/// keepalived_script if that user exists, else root.
fn run_as(script: &VrrpScript, config: &Config) -> RunAs {
    script
        .user
        .clone()
        .or_else(|| crate::setup::default_script_user(config))
}

/// The uid and gid for `run_as` (`None`: run as we are, root).
fn resolve_user(run_as: &RunAs) -> Result<Option<(u32, u32)>, String> {
    let Some((name, group)) = run_as else {
        return Ok(None);
    };
    let user = match nix::unistd::User::from_name(name) {
        Ok(Some(user)) => user,
        _ => return Err(format!("no user {name}")),
    };
    let gid = match group {
        None => user.gid,
        Some(group) => match nix::unistd::Group::from_name(group.trim_start_matches(':')) {
            Ok(Some(group)) => group.gid,
            _ => return Err(format!("no group {group}")),
        },
    };
    Ok(Some((user.uid.as_raw(), gid.as_raw())))
}

/// One script, ready to run.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    name: String,
    argv: Vec<String>,
    ids: Option<(u32, u32)>,
    interval: Duration,
    timeout: Duration,
    rise: u32,
    fall: u32,
    init_fail: bool,
}

impl Spec {
    pub(crate) fn of(config: &Config, script: &VrrpScript) -> Self {
        Spec {
            name: script.name.value.clone(),
            argv: crate::notify::split(&script.script),
            // Checked by `refused` before the script is tracked.
            ids: resolve_user(&run_as(script, config)).unwrap_or(None),
            interval: script.interval,
            timeout: script.timeout.unwrap_or(script.interval),
            rise: script.rise.max(1),
            fall: script.fall.max(1),
            init_fail: script.init_fail,
        }
    }

    /// Before its first result: failed with `init_fail`, else unknown.
    pub(crate) fn initial_status(&self) -> TrackerStatus {
        if self.init_fail {
            TrackerStatus::Down
        } else {
            TrackerStatus::Pending
        }
    }
}

/// How one run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Success,
    Failed(String),
    TimedOut,
}

/// Runs the script every interval until the event loop goes away.
pub(crate) async fn watch(id: TrackerId, spec: Spec, events: UnboundedSender<Event>) {
    let mut ticker = tokio::time::interval(spec.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut state = RiseFall::new(spec.rise, spec.fall, spec.init_fail);
    loop {
        ticker.tick().await;
        let outcome = run_once(&spec).await;
        let ok = outcome == Outcome::Success;
        if let Some(up) = state.record(ok) {
            // keepalived's wording.
            match (&outcome, up) {
                (_, true) => eprintln!("VRRP_Script({}) succeeded", spec.name),
                (Outcome::TimedOut, false) => eprintln!("VRRP_Script({}) timed_out", spec.name),
                (Outcome::Failed(why), false) => {
                    eprintln!("VRRP_Script({}) failed ({why})", spec.name)
                }
                (Outcome::Success, false) => {}
            }
            let status = if up {
                TrackerStatus::Up
            } else {
                TrackerStatus::Down
            };
            if events.send(Event { id, status }).is_err() {
                return;
            }
        } else if events.is_closed() {
            return;
        }
    }
}

async fn run_once(spec: &Spec) -> Outcome {
    let Some((program, args)) = spec.argv.split_first() else {
        return Outcome::Failed("empty command".into());
    };
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own group, so that a timeout kills what it started too.
        .process_group(0)
        .kill_on_drop(true);
    if let Some((uid, gid)) = spec.ids {
        command.uid(uid).gid(gid);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => return Outcome::Failed(format!("cannot run {program}: {err}")),
    };
    let pid = child.id();
    match tokio::time::timeout(spec.timeout, child.wait()).await {
        Ok(Ok(status)) if status.success() => Outcome::Success,
        Ok(Ok(status)) => Outcome::Failed(match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => format!("{status}"),
        }),
        Ok(Err(err)) => Outcome::Failed(format!("wait failed: {err}")),
        Err(_) => {
            // As keepalived: SIGTERM to the whole group first, so a script
            // can clean up; SIGKILL for whatever is still there after the
            // grace period.
            if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
                let group = Pid::from_raw(pid);
                let _ = killpg(group, Signal::SIGTERM);
                if tokio::time::timeout(TERM_GRACE, child.wait())
                    .await
                    .is_err()
                {
                    let _ = killpg(group, Signal::SIGKILL);
                }
                // The leader may be gone while others in its group linger.
                let _ = killpg(group, Signal::SIGKILL);
            }
            let _ = child.wait().await;
            Outcome::TimedOut
        }
    }
}

/// How long a script that overran its timeout has to exit after SIGTERM.
const TERM_GRACE: Duration = Duration::from_secs(1);

/// keepalived's rise/fall memory: the first result decides (unless
/// `init_fail`, which starts failed); then `rise` successes in a row bring
/// a failed script up and `fall` failures in a row bring it down.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RiseFall {
    rise: u32,
    fall: u32,
    up: Option<bool>,
    run: u32,
}

impl RiseFall {
    fn new(rise: u32, fall: u32, init_fail: bool) -> Self {
        RiseFall {
            rise,
            fall,
            up: init_fail.then_some(false),
            run: 0,
        }
    }

    /// Records one result; returns the new state when it changes.
    fn record(&mut self, ok: bool) -> Option<bool> {
        match self.up {
            None => {
                self.up = Some(ok);
                Some(ok)
            }
            Some(up) if up == ok => {
                self.run = 0;
                None
            }
            Some(_) => {
                self.run += 1;
                let needed = if ok { self.rise } else { self.fall };
                if self.run >= needed {
                    self.up = Some(ok);
                    self.run = 0;
                    Some(ok)
                } else {
                    None
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rise_and_fall() {
        let mut rf = RiseFall::new(2, 3, false);
        assert_eq!(rf.record(true), Some(true), "the first result decides");
        assert_eq!(rf.record(false), None);
        assert_eq!(rf.record(false), None);
        assert_eq!(rf.record(true), None, "a success resets the count");
        assert_eq!(rf.record(false), None);
        assert_eq!(rf.record(false), None);
        assert_eq!(rf.record(false), Some(false));
        assert_eq!(rf.record(true), None);
        assert_eq!(rf.record(true), Some(true));

        let mut rf = RiseFall::new(2, 1, true);
        assert_eq!(rf.record(false), None, "init_fail starts failed");
        assert_eq!(rf.record(true), None);
        assert_eq!(rf.record(true), Some(true));
    }

    fn spec(command: &str, timeout: Duration) -> Spec {
        Spec {
            name: "t".into(),
            argv: crate::notify::split(command),
            ids: None,
            interval: Duration::from_secs(1),
            timeout,
            rise: 1,
            fall: 1,
            init_fail: false,
        }
    }

    #[tokio::test]
    async fn exit_codes_and_timeouts() {
        let long = Duration::from_secs(10);
        assert_eq!(run_once(&spec("/bin/true", long)).await, Outcome::Success);
        assert_eq!(
            run_once(&spec("/bin/sh -c 'exit 3'", long)).await,
            Outcome::Failed("exited with status 3".into())
        );
        assert!(matches!(
            run_once(&spec("/nonexistent/x", long)).await,
            Outcome::Failed(_)
        ));
        // The shell and its child sleep are both killed.
        let marker = format!("{}.{}", 3000 + std::process::id() % 1000, 77);
        let command = format!("/bin/sh -c 'sleep {marker}; true'");
        let started = std::time::Instant::now();
        assert_eq!(
            run_once(&spec(&command, Duration::from_millis(300))).await,
            Outcome::TimedOut
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !super::super::process::snapshot()
                .iter()
                .any(|p| p.cmdline.iter().any(|a| a == &marker)),
            "the script's sleep is still running"
        );
    }

    #[tokio::test]
    async fn an_overrunning_script_gets_sigterm_first() {
        let dir = tempfile::tempdir().unwrap();
        let flag = dir.path().join("terminated");
        let command = format!(
            "/bin/sh -c 'trap \"touch {}; exit 1\" TERM; sleep 30 & wait'",
            flag.display()
        );
        assert_eq!(
            run_once(&spec(&command, Duration::from_millis(300))).await,
            Outcome::TimedOut
        );
        assert!(flag.exists(), "the script's TERM trap did not run");
    }
}
