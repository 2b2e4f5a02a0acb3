//! The supervisor's end of the IPC protocol (docs/IPC.md): the hub every
//! daemon and every kactl connects to, at `--run-dir/keepalived-rs.sock`.
//!
//! It relays events between daemons (BFD states to vrrpd and checkerd, VRRP
//! states to checkerd), keeps the last state of each so a daemon that
//! (re)connects gets the full picture, fans requests out to the daemons and
//! merges their replies. A reload is validated here first: a broken
//! configuration never reaches a daemon. It holds no protocol state of its
//! own beyond those last-known events and its counters.

use std::collections::{BTreeMap, HashMap};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ipc_proto::stream::{MessageReader, check_peer, send};
use ipc_proto::{
    BfdStateEvent, Counters, DaemonInfo, Hello, Incoming, Message, Outcome, Role, StatsReport,
    Status, VrrpStateEvent,
};
use tokio::net::{UnixListener, UnixStream};

use crate::reload_settings::ReloadSettings;
use crate::service::Service;
use tokio::sync::{mpsc, oneshot};

/// How long a daemon may take to answer a request.
const ANSWER_WAIT: Duration = Duration::from_secs(10);
/// How long a new connection may take to say hello.
const HELLO_WAIT: Duration = Duration::from_secs(5);

/// What a reload re-reads, and the reload keywords of the running
/// configuration.
#[derive(Debug, Clone)]
pub(crate) struct ConfigSource {
    pub(crate) path: PathBuf,
    pub(crate) config_id: Option<String>,
    pub(crate) run_dir: PathBuf,
    pub(crate) settings: ReloadSettings,
}

/// The hub, shared by the listener's tasks and the supervisor.
#[derive(Clone)]
pub(crate) struct Hub {
    shared: Arc<Mutex<Shared>>,
    source: Arc<Mutex<ConfigSource>>,
    log: mpsc::UnboundedSender<String>,
    /// One reload at a time (SIGHUP, kactl and the schedule may coincide).
    reloading: Arc<tokio::sync::Mutex<()>>,
    /// The local time zone, read once at start (see `reload_settings`).
    local: time::UtcOffset,
    /// systemd, told of every reload (SIGHUP, kactl, schedule).
    service: Service,
}

/// A connected daemon.
struct Link {
    /// Distinguishes this connection from a later one of the same role.
    serial: u64,
    outgoing: mpsc::UnboundedSender<Message>,
    pending: HashMap<u64, oneshot::Sender<Message>>,
}

#[derive(Default)]
struct Shared {
    links: HashMap<Role, Link>,
    next_id: u64,
    vrrp_states: BTreeMap<String, VrrpStateEvent>,
    bfd_states: BTreeMap<String, BfdStateEvent>,
    started: f64,
    config_loaded: f64,
    counters: Counters,
    restarts: HashMap<Role, u64>,
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Hub {
    /// A hub whose log lines go to `log` (the supervisor's own log).
    pub(crate) fn new(
        source: ConfigSource,
        log: mpsc::UnboundedSender<String>,
        service: Service,
    ) -> Self {
        let now = unix_now();
        let shared = Shared {
            started: now,
            config_loaded: now,
            ..Shared::default()
        };
        Hub {
            shared: Arc::new(Mutex::new(shared)),
            source: Arc::new(Mutex::new(source)),
            log,
            reloading: Arc::new(tokio::sync::Mutex::new(())),
            local: time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC),
            service,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic while holding the lock cannot leave the maps half
        // updated in a way that matters more than losing the hub.
        self.shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn log(&self, line: String) {
        let _ = self.log.send(line);
    }

    /// Counts a restart of the daemon of `role`.
    pub(crate) fn restarted(&self, role: Role) {
        let mut shared = self.lock();
        *shared.restarts.entry(role).or_default() += 1;
        *shared.counters.entry("restarts".to_owned()).or_default() += 1;
    }

    /// Binds the socket (0600, a stale one replaced) and serves it.
    ///
    /// # Errors
    /// When the socket cannot be created.
    pub(crate) fn listen(&self, run_dir: &Path) -> std::io::Result<()> {
        let path = run_dir.join(ipc_proto::SOCKET_NAME);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let listener = UnixListener::bind(&path)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        let hub = self.clone();
        tokio::spawn(async move {
            let mut serial = 0;
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        serial += 1;
                        tokio::spawn(hub.clone().connection(stream, serial));
                    }
                    Err(err) => {
                        hub.log(format!("keepalived-rs: control socket accept: {err}"));
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
        Ok(())
    }

    async fn connection(self, stream: UnixStream, serial: u64) {
        let refused = check_peer(&stream).err();
        let (read, mut write) = stream.into_split();
        if let Some(reason) = refused {
            self.log(format!(
                "keepalived-rs: control connection refused: {reason}"
            ));
            let _ = send(&mut write, &Message::Refused { reason }).await;
            return;
        }
        let mut reader = MessageReader::new(read);
        let hello = match tokio::time::timeout(HELLO_WAIT, reader.receive()).await {
            Ok(Ok(Some(Incoming::Message(Message::Hello(hello))))) => hello,
            Ok(Ok(None)) => return,
            Ok(Err(err)) => {
                self.log(format!("keepalived-rs: control connection dropped: {err}"));
                return;
            }
            Ok(Ok(Some(other))) => {
                self.log(format!(
                    "keepalived-rs: control connection dropped: expected hello, got {other:?}"
                ));
                return;
            }
            Err(_) => {
                self.log("keepalived-rs: control connection dropped: no hello in 5 s".to_owned());
                return;
            }
        };
        if hello.version != ipc_proto::PROTOCOL_VERSION {
            let reason = format!(
                "protocol version {} is not {}",
                hello.version,
                ipc_proto::PROTOCOL_VERSION
            );
            self.log(format!(
                "keepalived-rs: {} (pid {}) refused: {reason}",
                hello.software, hello.pid
            ));
            let _ = send(&mut write, &Message::Refused { reason }).await;
            return;
        }
        if send(&mut write, &Message::Hello(Hello::new(Role::Supervisor)))
            .await
            .is_err()
        {
            return;
        }
        match hello.role {
            Role::Client => self.client(reader, write).await,
            Role::Supervisor => {
                let reason = "a supervisor does not connect to a supervisor".to_owned();
                let _ = send(&mut write, &Message::Refused { reason }).await;
            }
            role => self.daemon(role, hello.pid, serial, reader, write).await,
        }
    }

    /// A daemon's connection: its events and replies in, requests and
    /// relayed events out.
    async fn daemon(
        &self,
        role: Role,
        pid: u32,
        serial: u64,
        mut reader: MessageReader<tokio::net::unix::OwnedReadHalf>,
        mut write: tokio::net::unix::OwnedWriteHalf,
    ) {
        let (outgoing, mut queue) = mpsc::unbounded_channel();
        {
            let mut shared = self.lock();
            // What it needs of the others' state, at once.
            let relayed: Vec<Message> = match role {
                Role::Vrrp => shared
                    .bfd_states
                    .values()
                    .cloned()
                    .map(Message::BfdState)
                    .collect(),
                Role::Checker => shared
                    .bfd_states
                    .values()
                    .cloned()
                    .map(Message::BfdState)
                    .chain(shared.vrrp_states.values().cloned().map(Message::VrrpState))
                    .collect(),
                _ => Vec::new(),
            };
            for message in relayed {
                let _ = outgoing.send(message);
            }
            if role == Role::Vrrp {
                // Its resync follows: forget the previous run's instances
                // (a reload may have removed some).
                shared.vrrp_states.clear();
            }
            // A daemon that reconnects replaces its previous connection.
            shared.links.insert(
                role,
                Link {
                    serial,
                    outgoing,
                    pending: HashMap::new(),
                },
            );
        }
        self.log(format!(
            "keepalived-rs: {} (pid {pid}) connected",
            role.program()
        ));
        let writer = tokio::spawn(async move {
            while let Some(message) = queue.recv().await {
                if send(&mut write, &message).await.is_err() {
                    break;
                }
            }
        });
        loop {
            match reader.receive().await {
                Ok(Some(Incoming::Message(message))) => self.on_daemon_message(role, message),
                Ok(Some(Incoming::Unknown { kind })) => self.log(format!(
                    "keepalived-rs: skipping message type {kind:?} from {}",
                    role.program()
                )),
                Ok(None) => break,
                Err(err) => {
                    self.log(format!(
                        "keepalived-rs: dropping the connection of {}: {err}",
                        role.program()
                    ));
                    break;
                }
            }
        }
        writer.abort();
        let mut shared = self.lock();
        if shared.links.get(&role).is_some_and(|l| l.serial == serial) {
            // Pending requests fail now rather than at their timeout.
            shared.links.remove(&role);
        }
    }

    fn on_daemon_message(&self, role: Role, message: Message) {
        let mut shared = self.lock();
        match message {
            Message::VrrpState(event) => {
                shared
                    .vrrp_states
                    .insert(event.instance.clone(), event.clone());
                relay(&shared, Role::Checker, Message::VrrpState(event));
            }
            Message::BfdState(event) => {
                shared
                    .bfd_states
                    .insert(event.session.clone(), event.clone());
                relay(&shared, Role::Vrrp, Message::BfdState(event.clone()));
                relay(&shared, Role::Checker, Message::BfdState(event));
            }
            Message::RealServer(_) => {
                // Served from checkerd's status replies; nothing to relay.
            }
            Message::StatusReply { id, .. }
            | Message::StatsReply { id, .. }
            | Message::Done { id, .. } => {
                if let Some(waiter) = shared
                    .links
                    .get_mut(&role)
                    .and_then(|l| l.pending.remove(&id))
                {
                    let _ = waiter.send(message);
                }
            }
            other => {
                drop(shared);
                self.log(format!(
                    "keepalived-rs: ignoring {other:?} from {}",
                    role.program()
                ));
            }
        }
    }

    /// Sends a request to the daemon of `role` and waits for its reply.
    async fn ask(&self, role: Role, request: impl FnOnce(u64) -> Message) -> Option<Message> {
        let answer = {
            let mut shared = self.lock();
            shared.next_id += 1;
            let id = shared.next_id;
            let link = shared.links.get_mut(&role)?;
            let (waiter, answer) = oneshot::channel();
            link.pending.insert(id, waiter);
            link.outgoing.send(request(id)).ok()?;
            answer
        };
        tokio::time::timeout(ANSWER_WAIT, answer).await.ok()?.ok()
    }

    fn connected(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = self.lock().links.keys().copied().collect();
        roles.sort_by_key(|r| r.program());
        roles
    }

    /// Every daemon's status, merged, with the supervisor's own.
    pub(crate) async fn status(&self) -> Status {
        let mut status = Status::default();
        // All at once: a daemon that does not answer delays the reply by
        // one timeout, not one per daemon.
        let replies = futures::future::join_all(
            self.connected()
                .into_iter()
                .map(|role| self.ask(role, |id| Message::StatusRequest { id })),
        )
        .await;
        for reply in replies {
            if let Some(Message::StatusReply { status: part, .. }) = reply {
                status.merge(part);
            }
        }
        let shared = self.lock();
        for daemon in &mut status.daemons {
            daemon.restarts = shared.restarts.get(&daemon.role).copied().unwrap_or(0);
        }
        status.daemons.insert(
            0,
            DaemonInfo {
                role: Role::Supervisor,
                pid: std::process::id(),
                started: shared.started,
                config_loaded: shared.config_loaded,
                reloads: shared.counters.get("reloads").copied().unwrap_or(0),
                restarts: 0,
            },
        );
        status
    }

    /// Every daemon's counters, merged, with the supervisor's own.
    pub(crate) async fn stats(&self, clear: bool) -> StatsReport {
        let mut stats = StatsReport::default();
        let replies = futures::future::join_all(
            self.connected()
                .into_iter()
                .map(|role| self.ask(role, move |id| Message::StatsRequest { id, clear })),
        )
        .await;
        for reply in replies {
            if let Some(Message::StatsReply { stats: part, .. }) = reply {
                stats.merge(part);
            }
        }
        let mut shared = self.lock();
        for name in ["reloads", "reload_failures", "restarts", "config_errors"] {
            shared.counters.entry(name.to_owned()).or_default();
        }
        stats.supervisor = shared.counters.clone();
        if clear {
            for value in shared.counters.values_mut() {
                *value = 0;
            }
        }
        stats
    }

    /// Status and counters together (the metrics endpoint's view).
    pub(crate) async fn snapshot(&self) -> (Status, StatsReport) {
        tokio::join!(self.status(), self.stats(false))
    }

    fn source(&self) -> ConfigSource {
        self.source
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Validates the configuration, then has every daemon apply it; systemd
    /// sees RELOADING=1 … READY=1 around it.
    pub(crate) async fn reload(&self) -> Outcome {
        let hub = self.clone();
        self.service
            .clone()
            .reload(async move { hub.reload_now().await })
            .await
    }

    async fn reload_now(&self) -> Outcome {
        let _one_at_a_time = self.reloading.lock().await;
        let source = self.source();
        self.log("keepalived-rs: Reloading".to_owned());
        // reload_file: exists (empty) while the files are read.
        if let Some(file) = &source.settings.reload_file {
            if let Err(err) = std::fs::write(file, b"") {
                self.log(format!(
                    "keepalived-rs: reload_file {}: {err}",
                    file.display()
                ));
            }
        }
        let outcome = self.reload_from(&source).await;
        if let Some(file) = &source.settings.reload_file {
            let _ = std::fs::remove_file(file);
        }
        outcome
    }

    async fn reload_from(&self, source: &ConfigSource) -> Outcome {
        let (errors, settings) = validate(source);
        if !errors.is_empty() {
            {
                let mut shared = self.lock();
                *shared
                    .counters
                    .entry("reload_failures".to_owned())
                    .or_default() += 1;
                shared
                    .counters
                    .insert("config_errors".to_owned(), errors.len() as u64);
            }
            self.log(format!(
                "keepalived-rs: reload refused, the running configuration stays: {}",
                errors.join("; ")
            ));
            return Outcome::failed(errors);
        }
        let mut outcome = Outcome::ok();
        let roles = self.connected();
        if roles.is_empty() {
            outcome = Outcome::failed(vec!["no daemon is connected".to_owned()]);
        }
        for role in roles {
            match self.ask(role, |id| Message::Reload { id }).await {
                Some(Message::Done { outcome: part, .. }) => {
                    outcome.ok &= part.ok;
                    outcome.errors.extend(
                        part.errors
                            .into_iter()
                            .map(|e| format!("{}: {e}", role.program())),
                    );
                }
                _ => {
                    outcome.ok = false;
                    outcome
                        .errors
                        .push(format!("{} did not answer", role.program()));
                }
            }
        }
        if outcome.ok {
            if let Some(settings) = settings {
                self.source
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .settings = settings;
            }
        }
        let mut shared = self.lock();
        shared.counters.insert("config_errors".to_owned(), 0);
        if outcome.ok {
            *shared.counters.entry("reloads".to_owned()).or_default() += 1;
            shared.config_loaded = unix_now();
        } else {
            *shared
                .counters
                .entry("reload_failures".to_owned())
                .or_default() += 1;
        }
        outcome
    }

    /// A control client's connection: requests and their replies.
    async fn client(
        &self,
        mut reader: MessageReader<tokio::net::unix::OwnedReadHalf>,
        mut write: tokio::net::unix::OwnedWriteHalf,
    ) {
        loop {
            let message = match reader.receive().await {
                Ok(Some(Incoming::Message(message))) => message,
                Ok(Some(Incoming::Unknown { kind })) => {
                    self.log(format!(
                        "keepalived-rs: skipping client message type {kind:?}"
                    ));
                    continue;
                }
                Ok(None) => return,
                Err(err) => {
                    self.log(format!(
                        "keepalived-rs: dropping a client connection: {err}"
                    ));
                    return;
                }
            };
            let reply = match message {
                Message::StatusRequest { id } => Message::StatusReply {
                    id,
                    status: self.status().await,
                },
                Message::StatsRequest { id, clear } => Message::StatsReply {
                    id,
                    stats: self.stats(clear).await,
                },
                Message::Reload { id } => Message::Done {
                    id,
                    outcome: self.reload().await,
                },
                Message::Garp { id, instance } => {
                    let outcome = match self
                        .ask(Role::Vrrp, |id| Message::Garp { id, instance })
                        .await
                    {
                        Some(Message::Done { outcome, .. }) => outcome,
                        _ => Outcome::failed(vec!["vrrpd is not running".to_owned()]),
                    };
                    Message::Done { id, outcome }
                }
                other => {
                    self.log(format!("keepalived-rs: a client sent {other:?}; ignored"));
                    continue;
                }
            };
            if send(&mut write, &reply).await.is_err() {
                return;
            }
        }
    }
}

fn relay(shared: &Shared, role: Role, message: Message) {
    if let Some(link) = shared.links.get(&role) {
        let _ = link.outgoing.send(message);
    }
}

/// The configuration's errors (none: it may be applied) and its reload
/// keywords; with `reload_check_config LOG_FILE` every diagnostic is
/// written to that file too.
fn validate(source: &ConfigSource) -> (Vec<String>, Option<ReloadSettings>) {
    let options = kconf_parser::ParseOptions::for_config_id(source.config_id.clone());
    let parsed = kconf_parser::parse_file(&source.path, &options);
    if let Some(Some(log)) = &source.settings.check_log {
        let mut text: String = parsed
            .diagnostics
            .iter()
            .map(|d| format!("{d}\n"))
            .collect();
        if text.is_empty() {
            text = format!("{}: configuration OK\n", source.path.display());
        }
        // The check's report is advisory: a log that cannot be written
        // does not stop the reload.
        let _ = std::fs::write(log, text);
    }
    // Errors, not warnings: keepalived would run a configuration with
    // warnings, and so does a reload.
    let errors = parsed.errors();
    let settings = errors
        .is_empty()
        .then(|| ReloadSettings::of(&parsed.config, &source.run_dir));
    (errors, settings)
}

impl Hub {
    /// Watches `reload_time_file` (polled once a second) and reloads at the
    /// time it names; the file is deleted once done unless `reload_repeat`.
    pub(crate) fn schedule_reloads(&self) {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut seen: Option<(PathBuf, String)> = None;
            let mut due: Option<time::OffsetDateTime> = None;
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let settings = hub.source().settings;
                let Some(path) = settings.time_file else {
                    seen = None;
                    due = None;
                    continue;
                };
                let now = time::OffsetDateTime::now_utc();
                let content = std::fs::read_to_string(&path)
                    .ok()
                    .map(|text| text.lines().next().unwrap_or_default().to_owned());
                let Some(content) = content else {
                    if due.take().is_some() {
                        hub.log(format!(
                            "keepalived-rs: {} removed; scheduled reload cancelled",
                            path.display()
                        ));
                    }
                    seen = None;
                    continue;
                };
                if seen.as_ref() != Some(&(path.clone(), content.clone())) {
                    seen = Some((path.clone(), content.clone()));
                    due = match crate::reload_settings::parse_time(&content, hub.local) {
                        Ok(at) => crate::reload_settings::next_reload(at, now),
                        Err(err) => {
                            hub.log(format!("keepalived-rs: {}: {err}", path.display()));
                            None
                        }
                    };
                    if let Some(at) = due {
                        hub.log(format!("keepalived-rs: reload scheduled for {at}"));
                    }
                }
                if due.is_some_and(|at| at <= now) {
                    due = None;
                    hub.log("keepalived-rs: scheduled reload".to_owned());
                    let outcome = hub.reload().await;
                    if !outcome.ok {
                        hub.log(format!(
                            "keepalived-rs: scheduled reload failed: {}",
                            outcome.errors.join("; ")
                        ));
                    }
                    if settings.repeat {
                        // The same content comes round again tomorrow (a
                        // time of day) or never (a date, now past).
                        seen = None;
                    } else {
                        let _ = std::fs::remove_file(&path);
                    }
                }
            }
        });
    }
}
