//! systemd integration: the supervisor's `sd_notify(3)` messages.
//!
//! Under a `Type=notify` unit systemd sets `NOTIFY_SOCKET`; the supervisor
//! then tells it:
//! - `READY=1` once vrrpd has said it catches stop signals (the control
//!   socket listens before vrrpd starts, so `kactl` works from then on);
//! - `RELOADING=1` with `MONOTONIC_USEC=` when a SIGHUP reload starts, and
//!   `READY=1` when the last reload in progress has ended;
//! - `STOPPING=1` when asked to stop;
//! - `STATUS=` with each of those, and when vrrpd exits: what runs, how
//!   often it was restarted, and why the last reload was refused, for
//!   `systemctl status`.
//!
//! The supervisor is the main process: under systemd it does not go into the
//! background (see [`under_systemd`]), so no `MAINPID=` is sent, and its
//! children do not inherit `NOTIFY_SOCKET`. Without `NOTIFY_SOCKET` nothing is
//! sent. It does not do the watchdog (`WATCHDOG=1`) or socket activation, and
//! a reload asked through `kactl reload` (the unit's `ExecReload`) is not
//! announced: systemd already counts the unit as reloading while its
//! `ExecReload` runs, and `kactl` waits for the outcome.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use ipc_proto::Outcome;
use sd_notify::NotifyState;
use tokio::sync::watch;

/// The variable systemd sets for a `Type=notify` service.
pub(crate) const NOTIFY_SOCKET: &str = "NOTIFY_SOCKET";

/// The longest `STATUS=` text sent: systemd shows one line, and a reload
/// refusal can carry many diagnostics.
const MAX_STATUS: usize = 200;

/// Whether a service manager waits for our notifications. If so the
/// supervisor must stay the process systemd started: a forked child's
/// messages would come from a process that is not the unit's main one
/// (which systemd drops with the default `NotifyAccess=main`), and the exit
/// of the parent would end a `Type=notify` service.
pub(crate) fn under_systemd() -> bool {
    std::env::var_os(NOTIFY_SOCKET).is_some_and(|socket| !socket.is_empty())
}

/// Where notifications go.
#[derive(Debug, Clone)]
enum Sink {
    /// No service manager: nothing is sent.
    Off,
    /// The socket in `NOTIFY_SOCKET`.
    Systemd,
    /// Messages kept for the tests, each as it would be sent.
    #[cfg(test)]
    Record(Arc<Mutex<Vec<String>>>),
}

#[derive(Debug, Default)]
struct State {
    /// How many times the daemon was started.
    spawns: u64,
    pid: Option<u32>,
    /// Whether the current daemon said READY=1.
    running: bool,
    reloads_in_progress: u32,
    /// Why the last reload was refused (None: it was applied, or none ran).
    refused: Option<String>,
}

/// The supervisor's link to systemd; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    daemon: &'static str,
    sink: Sink,
    state: Arc<Mutex<State>>,
}

impl Service {
    /// Notifies systemd if `NOTIFY_SOCKET` is set, else nothing.
    pub(crate) fn from_env(daemon: &'static str) -> Self {
        let sink = if under_systemd() {
            Sink::Systemd
        } else {
            Sink::Off
        };
        Service::with_sink(daemon, sink)
    }

    fn with_sink(daemon: &'static str, sink: Sink) -> Self {
        Service {
            daemon,
            sink,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Plain counters: a panic elsewhere cannot leave them inconsistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn send(&self, states: &[NotifyState<'_>]) {
        match &self.sink {
            Sink::Off => {}
            Sink::Systemd => {
                // A service manager that went away cannot be told; the
                // daemons run on regardless.
                let _ = sd_notify::notify(states);
            }
            #[cfg(test)]
            Sink::Record(sent) => sent
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(render(states)),
        }
    }

    /// The daemon was (re)started as `pid`.
    pub(crate) fn spawned(&self, pid: Option<u32>) {
        let status = {
            let mut state = self.lock();
            state.spawns += 1;
            state.pid = pid;
            state.running = false;
            status_text(self.daemon, &state)
        };
        self.send(&[NotifyState::Status(&status)]);
    }

    /// Waits until the daemon says it is ready, then tells systemd (unless
    /// a reload is in progress: its end says READY=1). Ends quietly if the
    /// daemon dies first.
    pub(crate) async fn announce_when_ready(self, mut ready: watch::Receiver<bool>) {
        if ready.wait_for(|r| *r).await.is_err() {
            return;
        }
        let (status, reloading) = {
            let mut state = self.lock();
            state.running = true;
            (
                status_text(self.daemon, &state),
                state.reloads_in_progress > 0,
            )
        };
        if reloading {
            self.send(&[NotifyState::Status(&status)]);
        } else {
            self.send(&[NotifyState::Ready, NotifyState::Status(&status)]);
        }
    }

    /// The daemon exited (`how`, as the supervisor logs it).
    pub(crate) fn exited(&self, how: &str, respawn: bool) {
        let status = {
            let mut state = self.lock();
            state.running = false;
            state.pid = None;
            let next = if respawn {
                "restarting it in 1 s"
            } else {
                "not restarting it (-R)"
            };
            one_line(&format!("{} exited ({how}); {next}", self.daemon))
        };
        self.send(&[NotifyState::Status(&status)]);
    }

    /// Runs a reload (`reload` is the hub's), framed by RELOADING=1 and
    /// READY=1.
    pub(crate) async fn reload(self, reload: impl Future<Output = Outcome>) -> Outcome {
        self.lock().reloads_in_progress += 1;
        let mut start = vec![
            NotifyState::Reloading,
            NotifyState::Status("Reloading the configuration"),
        ];
        // systemd ≥ 253 wants the time the reload began; older ones
        // ignore it, and without a clock the rest still goes.
        if let Ok(now) = NotifyState::monotonic_usec_now() {
            start.insert(1, now);
        }
        self.send(&start);
        let outcome = reload.await;
        let (status, done) = {
            let mut state = self.lock();
            state.reloads_in_progress = state.reloads_in_progress.saturating_sub(1);
            state.refused = (!outcome.ok).then(|| refusal(&outcome));
            (
                status_text(self.daemon, &state),
                state.reloads_in_progress == 0,
            )
        };
        if done {
            self.send(&[NotifyState::Ready, NotifyState::Status(&status)]);
        } else {
            self.send(&[NotifyState::Status(&status)]);
        }
        outcome
    }

    /// The supervisor was told to stop.
    pub(crate) fn stopping(&self) {
        let status = format!("Stopping: {} releases its addresses", self.daemon);
        self.send(&[NotifyState::Stopping, NotifyState::Status(&status)]);
    }
}

/// A notification datagram as sd-notify sends it: one assignment a line.
#[cfg(test)]
fn render(states: &[NotifyState<'_>]) -> String {
    states.iter().map(|s| format!("{s}\n")).collect()
}

/// What `systemctl status` shows on its "Status:" line.
fn status_text(daemon: &str, state: &State) -> String {
    let mut text = match (state.running, state.pid) {
        (true, Some(pid)) => format!("{daemon} running (pid {pid})"),
        (true, None) => format!("{daemon} running"),
        (false, Some(pid)) => format!("{daemon} starting (pid {pid})"),
        (false, None) => format!("{daemon} starting"),
    };
    match state.spawns.saturating_sub(1) {
        0 => {}
        1 => text.push_str(", restarted once"),
        n => text.push_str(&format!(", restarted {n} times")),
    }
    if let Some(why) = &state.refused {
        text.push_str("; last reload refused: ");
        text.push_str(why);
    }
    one_line(&text)
}

fn refusal(outcome: &Outcome) -> String {
    match outcome.errors.as_slice() {
        [] => "no reason given".to_owned(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
    }
}

/// `text` on one line (a newline would start another assignment in the
/// datagram) and cut to [`MAX_STATUS`] bytes at a character boundary.
fn one_line(text: &str) -> String {
    let mut line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.len() > MAX_STATUS {
        let mut end = MAX_STATUS - '…'.len_utf8();
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
        line.push('…');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorder() -> (Service, Arc<Mutex<Vec<String>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        (
            Service::with_sink("vrrpd", Sink::Record(Arc::clone(&sent))),
            sent,
        )
    }

    fn block_on<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    fn taken(sent: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
        std::mem::take(&mut *sent.lock().unwrap())
    }

    #[test]
    fn ready_follows_the_daemon_and_status_counts_restarts() {
        let (service, sent) = recorder();
        service.spawned(Some(41));
        let (tell, ready) = watch::channel(false);
        tell.send(true).unwrap();
        block_on(service.clone().announce_when_ready(ready));
        assert_eq!(
            taken(&sent),
            [
                "STATUS=vrrpd starting (pid 41)\n",
                "READY=1\nSTATUS=vrrpd running (pid 41)\n"
            ]
        );
        service.exited("signal: 9 (SIGKILL)", true);
        service.spawned(Some(42));
        service.exited("exit status: 1", false);
        assert_eq!(
            taken(&sent),
            [
                "STATUS=vrrpd exited (signal: 9 (SIGKILL)); restarting it in 1 s\n",
                "STATUS=vrrpd starting (pid 42), restarted once\n",
                "STATUS=vrrpd exited (exit status: 1); not restarting it (-R)\n",
            ]
        );
        service.spawned(Some(43));
        let (tell, ready) = watch::channel(false);
        tell.send(true).unwrap();
        block_on(service.clone().announce_when_ready(ready));
        assert_eq!(
            taken(&sent).last().unwrap(),
            "READY=1\nSTATUS=vrrpd running (pid 43), restarted 2 times\n"
        );
    }

    #[test]
    fn a_daemon_that_dies_before_ready_is_not_announced() {
        let (service, sent) = recorder();
        let (tell, ready) = watch::channel(false);
        drop(tell);
        block_on(service.announce_when_ready(ready));
        assert!(taken(&sent).is_empty());
    }

    #[test]
    fn a_reload_is_framed_by_reloading_and_ready() {
        let (service, sent) = recorder();
        service.spawned(Some(7));
        block_on(service.clone().reload(async { Outcome::ok() }));
        let messages = taken(&sent);
        let start = &messages[1];
        let lines: Vec<&str> = start.lines().collect();
        assert_eq!(lines[0], "RELOADING=1");
        let usec: u64 = lines[1]
            .strip_prefix("MONOTONIC_USEC=")
            .unwrap()
            .parse()
            .unwrap();
        assert!(usec > 0);
        assert_eq!(lines[2], "STATUS=Reloading the configuration");
        assert_eq!(messages[2], "READY=1\nSTATUS=vrrpd starting (pid 7)\n");
    }

    #[test]
    fn a_refused_reload_says_why_on_one_line() {
        let (service, sent) = recorder();
        let refused = Outcome::failed(vec![
            "k.conf:3:1: unknown keyword\nREADY=1".to_owned(),
            "k.conf:9:1: bad vrid".to_owned(),
        ]);
        block_on(service.clone().reload(async { refused }));
        let end = taken(&sent).pop().unwrap();
        assert_eq!(
            end,
            "READY=1\nSTATUS=vrrpd starting; last reload refused: \
             k.conf:3:1: unknown keyword READY=1 (and 1 more)\n"
        );
        // The next good reload clears the refusal.
        block_on(service.clone().reload(async { Outcome::ok() }));
        assert_eq!(
            taken(&sent).pop().unwrap(),
            "READY=1\nSTATUS=vrrpd starting\n"
        );
        let huge = Outcome::failed(vec!["é".repeat(500)]);
        block_on(service.reload(async { huge }));
        let status = taken(&sent).pop().unwrap();
        let text = status.strip_prefix("READY=1\nSTATUS=").unwrap();
        assert!(
            text.len() <= MAX_STATUS + 1 && text.ends_with("…\n"),
            "{text}"
        );
    }

    #[test]
    fn overlapping_reloads_say_ready_once_the_last_ends() {
        let (service, sent) = recorder();
        let (first_done, first_wait) = tokio::sync::oneshot::channel::<()>();
        let first = service.clone().reload(async move {
            let _ = first_wait.await;
            Outcome::ok()
        });
        let second = service.clone().reload(async { Outcome::ok() });
        block_on(async move {
            let first = tokio::spawn(first);
            tokio::task::yield_now().await;
            second.await;
            first_done.send(()).unwrap();
            first.await.unwrap();
        });
        let messages = taken(&sent);
        let ready: Vec<usize> = (0..messages.len())
            .filter(|&i| messages[i].starts_with("READY=1"))
            .collect();
        assert_eq!(ready, [messages.len() - 1], "{messages:#?}");
        assert_eq!(
            messages
                .iter()
                .filter(|m| m.starts_with("RELOADING=1"))
                .count(),
            2
        );
        // A daemon that gets ready mid-reload does not end the reload early.
        let (service, sent) = recorder();
        service.lock().reloads_in_progress = 1;
        let (tell, ready) = watch::channel(false);
        tell.send(true).unwrap();
        block_on(service.announce_when_ready(ready));
        assert_eq!(taken(&sent), ["STATUS=vrrpd running\n"]);
    }

    #[test]
    fn stopping() {
        let (service, sent) = recorder();
        service.stopping();
        assert_eq!(
            taken(&sent),
            ["STOPPING=1\nSTATUS=Stopping: vrrpd releases its addresses\n"]
        );
    }
}
