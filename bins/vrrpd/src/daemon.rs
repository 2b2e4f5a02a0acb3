//! The event loop: sockets, timers and signals in; vrrp-proto's outputs out
//! to the network (adverts, gratuitous ARPs) and the kernel (addresses).

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use tokio::signal::unix::{Signal, SignalKind, signal};
use vrrp_proto::wire::{self, AdvertRepr, Packet};
use vrrp_proto::{Action, Destinations, Instance, State, SyncGroup, Transmit};

use ipc_proto::{DaemonInfo, Message, Outcome, Role, StatsReport, Status, SyncGroupStatus};

use crate::control::{Asked, Control, Publisher};
use crate::deadlines::Deadlines;
use crate::drops::{self, Drops};
use crate::fifo::{self, Fifos};
use crate::netlink::{Event, Events};
use crate::setup::{Planned, PlannedGroup};
use crate::socket::{Received, VrrpSocket};
use crate::sockets::SocketTable;
use crate::timer::WakeTimer;

/// What the state machine's actions do outside the process.
pub(crate) trait Effects {
    /// Adds the instance's virtual addresses.
    async fn install(&mut self, planned: &Planned);
    /// Removes them.
    async fn remove(&mut self, planned: &Planned);
    /// Announces them `count` times.
    async fn gratuitous(&mut self, planned: &Planned, count: u32);
    /// Whether the link is up now (after lost events); `None` if unknown.
    async fn link_up(&mut self, index: u32) -> Option<bool>;
    /// Makes what instances added by a reload need before they start
    /// (their VMACs); returns those that can start.
    async fn prepare(&mut self, planned: Vec<Planned>) -> Vec<Planned>;
    /// Replaces the `static_*` blocks if a reload changed them.
    async fn update_statics(&mut self, statics: crate::routing::Static);
}

/// A running instance and where it sends.
struct Running {
    instance: Instance,
    planned: Planned,
    /// Its socket; `None` while it waits for its interface or address.
    socket: Option<usize>,
    /// The index of the instance's interface (`None`: not there yet).
    ifindex: Option<u32>,
    /// The index of each tracked interface (`None`: it does not exist).
    tracked: Vec<Option<u32>>,
    /// The last HMAC sequence sent.
    sequence: Option<u64>,
    /// The last advert sent, its source and destination, and its bytes.
    last_sent: Option<(AdvertRepr, IpAddr, IpAddr, Vec<u8>)>,
    /// When its state last changed (Unix time, seconds; 0: never).
    since: f64,
}

impl Running {
    fn new(planned: Planned, placement: Placement) -> Self {
        Running {
            instance: Instance::new(planned.protocol.clone()),
            planned,
            socket: placement.socket.map(|(socket, _)| socket),
            ifindex: placement.socket.map(|(_, ifindex)| ifindex),
            tracked: placement.tracked,
            sequence: None,
            last_sent: None,
            since: 0.0,
        }
    }
}

/// A running sync group.
struct Group {
    planned: PlannedGroup,
    sync: SyncGroup,
    /// The state its members share (Init until they first do).
    state: State,
}

/// What state changes are told to, besides the log: sync groups, notify
/// FIFOs, SMTP alerts (notify scripts are per instance and group).
pub(crate) struct Hooks {
    groups: Vec<Group>,
    fifos: Fifos,
    /// State changes for the supervisor.
    publisher: Option<Publisher>,
    /// Mails on state changes (`smtp_alert`).
    alerts: crate::alert::Alerts,
}

impl Hooks {
    pub(crate) fn new(
        groups: Vec<PlannedGroup>,
        fifos: Fifos,
        publisher: Option<Publisher>,
        alerts: crate::alert::Alerts,
    ) -> Self {
        let groups = groups
            .into_iter()
            .map(|planned| Group {
                sync: SyncGroup::new(planned.members.clone()),
                planned,
                state: State::Init,
            })
            .collect();
        Hooks {
            groups,
            fifos,
            publisher,
            alerts,
        }
    }

    /// The sync group instance `index` belongs to.
    fn group_of(&self, index: usize) -> Option<&str> {
        self.groups
            .iter()
            .find(|g| g.planned.members.contains(&index))
            .map(|g| g.planned.name.as_str())
    }
}

/// SIGTERM and SIGINT, caught from the first moment of the process: one
/// that arrives while the daemon is still starting must still stop it
/// cleanly (releasing what it installed), not kill it outright.
pub(crate) struct StopSignals {
    terminate: Signal,
    interrupt: Signal,
    /// Not a stop: a reload (SIGHUP's default action would kill us).
    hangup: Signal,
    /// Not a stop either: SIGUSR1, SIGUSR2 and SIGJSON ask for dumps.
    dumps: crate::dump::Signals,
}

impl StopSignals {
    /// Installs the handlers (inside a tokio runtime).
    pub(crate) fn install() -> io::Result<Self> {
        Ok(StopSignals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
            hangup: signal(SignalKind::hangup())?,
            dumps: crate::dump::Signals::install()?,
        })
    }
}

/// Where an instance stands at start: its socket and interface index
/// (`None`: it waits for them), and the index of each tracked interface.
pub(crate) struct Placement {
    pub(crate) socket: Option<(usize, u32)>,
    pub(crate) tracked: Vec<Option<u32>>,
}

/// Where events come from besides the VRRP sockets.
pub(crate) struct Inputs {
    /// Link and address changes.
    pub(crate) events: Events,
    /// Tracked scripts, files and processes.
    pub(crate) trackers: crate::track::Trackers,
    /// The signals that stop the daemon.
    pub(crate) stop: StopSignals,
    /// Requests from the supervisor.
    pub(crate) control: Control,
    /// The configuration file, for reloads.
    pub(crate) reload: crate::reload::Source,
    /// Where and how the signal dumps are written.
    pub(crate) dumps: crate::dump::Settings,
}

/// Runs the instances until SIGTERM or SIGINT; then they stop as `release`
/// says (by default cleanly: a master sends priority 0 and removes its
/// addresses).
#[allow(clippy::too_many_arguments, reason = "the daemon's parts, wired once")]
pub(crate) async fn run(
    planned: Vec<Planned>,
    mut sockets: SocketTable,
    placed: Vec<Placement>,
    inputs: Inputs,
    effects: &mut impl Effects,
    mut hooks: Hooks,
    mut drops: Drops,
    release: crate::release::Release,
) -> io::Result<()> {
    let Inputs {
        mut events,
        mut trackers,
        stop,
        mut control,
        reload: mut source,
        dumps: mut dump_settings,
    } = inputs;
    let mut life = Life::new();
    // The last status of each tracked object, for instances a reload adds.
    let mut tracked_status: HashMap<crate::track::TrackerId, vrrp_proto::TrackerStatus> = trackers
        .initial()
        .iter()
        .map(|e| (e.id, e.status))
        .collect();
    let mut running: Vec<Running> = planned
        .into_iter()
        .zip(placed)
        .map(|(planned, placement)| Running::new(planned, placement))
        .collect();
    let StopSignals {
        mut terminate,
        mut interrupt,
        mut hangup,
        mut dumps,
    } = stop;

    for &event in trackers.initial() {
        crate::track::apply(
            running.iter_mut().map(|r| (&mut r.instance, &r.planned)),
            event,
        );
    }
    // A previous run that crashed may have left its addresses behind; an
    // instance starts without them (as keepalived does), or a restarted
    // backup would hold a VIP beside the real master.
    for r in &running {
        effects.remove(&r.planned).await;
    }
    let now = Instant::now();
    for r in &mut running {
        // Tracked interfaces that are down (or missing) count from the start.
        read_tracked_links(r, now, effects).await;
        if r.socket.is_none() {
            // Waiting for its interface: FAULT until it comes.
            r.instance.handle_interface(now, false);
        }
        r.instance.handle_startup(now);
    }
    drain_all(&mut running, &sockets, effects, &mut hooks).await;
    let timer = WakeTimer::new();
    let mut deadlines = Deadlines::new(running.len());
    retime(&mut deadlines, &running, 0..running.len());
    let mut by_vrid = index_by_vrid(&running);

    loop {
        let deadline = deadlines
            .next()
            .into_iter()
            .chain(drops.poll_timeout())
            .min();
        let sleep = timer.sleep_until(deadline);
        tokio::select! {
            (result, index) = sockets.receive() => match result {
                Ok(received) => {
                    // Only the instances the advert was for can have moved
                    // (a backup of 1,000 instances gets 10,000 adverts a
                    // second): drain and re-time just those.
                    let took = deliver(&mut running, &by_vrid, index, received, &mut drops);
                    let touched = drain(&mut running, &took, &sockets, effects, &mut hooks).await;
                    retime(&mut deadlines, &running, touched);
                    continue;
                }
                Err(err) => eprintln!("vrrpd: receive error: {err}"),
            },
            () = sleep => {
                // Each due instance reads the clock on its turn and sends at
                // once, so its next advert is due one interval after its
                // own send: with one clock read for all, the tail of a long
                // burst (1,000 instances due together) went out late and
                // its next advert early, and the instances never spread.
                for index in deadlines.take_due(Instant::now()) {
                    let Some(r) = running.get_mut(index) else { continue };
                    r.instance.handle_timeout(Instant::now());
                    // Its sync group may move others: their deadlines too.
                    let touched = drain(&mut running, &[index], &sockets, effects, &mut hooks).await;
                    retime(&mut deadlines, &running, touched);
                }
                drops.handle_timeout(Instant::now());
                // Only the due instances changed: skip the drain of all.
                continue;
            }
            event = events.next() => match event {
                Some(event) => {
                    on_event(&mut running, &mut sockets, event, effects).await;
                    // An instance may have got (or lost) its socket.
                    by_vrid = index_by_vrid(&running);
                }
                None => eprintln!("vrrpd: the netlink event socket closed; link changes are no longer seen"),
            },
            Some(event) = trackers.next() => {
                tracked_status.insert(event.id, event.status);
                crate::track::apply(running.iter_mut().map(|r| (&mut r.instance, &r.planned)), event);
            }
            Some(asked) = control.next() => {
                let request = match asked {
                    Asked::Request(request) => request,
                    Asked::States(reply) => {
                        let states = running
                            .iter()
                            .enumerate()
                            .map(|(i, r)| crate::status::event(&r.instance, hooks.group_of(i)))
                            .collect();
                        let _ = reply.send(states);
                        continue;
                    }
                };
                let reply = match request.message {
                    Message::Reload { id } => {
                        let mut state = ReloadState {
                            source: &mut source,
                            trackers: &mut trackers,
                            tracked_status: &mut tracked_status,
                            life: &mut life,
                            dumps: &mut dump_settings,
                        };
                        let outcome = reload(&mut state, &mut running, &mut sockets, &mut hooks, effects).await;
                        // Instances came and went: every index is new.
                        deadlines = Deadlines::new(running.len());
                        by_vrid = index_by_vrid(&running);
                        Message::Done { id, outcome }
                    }
                    message => {
                        let strict = dump_settings.strict;
                        let reply = answer(message, &mut running, &hooks, &mut drops, effects, (&life, strict)).await;
                        // A status or stats request moved nothing (a GARP
                        // request sends frames, no adverts): skip the
                        // drain of every instance.
                        let _ = request.reply.send(reply);
                        continue;
                    }
                };
                // The requester may have given up waiting: nothing to do.
                let _ = request.reply.send(reply);
            }
            _ = hangup.recv() => {
                let mut state = ReloadState {
                    source: &mut source,
                    trackers: &mut trackers,
                    tracked_status: &mut tracked_status,
                    life: &mut life,
                    dumps: &mut dump_settings,
                };
                reload(&mut state, &mut running, &mut sockets, &mut hooks, effects).await;
                deadlines = Deadlines::new(running.len());
                by_vrid = index_by_vrid(&running);
            }
            kind = dumps.next() => {
                dump(kind, &dump_settings, &running, &hooks);
                // Nothing moved: no drain, no re-timing.
                continue;
            }
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        }
        drain_all(&mut running, &sockets, effects, &mut hooks).await;
        retime(&mut deadlines, &running, 0..running.len());
    }

    let every_instance = match release.on_stop() {
        crate::release::OnStop::Keep => {
            eprintln!("vrrpd: --dont-release-vrrp: virtual addresses and routes are left in place");
            log_counters(&running, sockets.len(), &mut drops, Instant::now());
            return Ok(());
        }
        crate::release::OnStop::Shutdown { every_instance } => every_instance,
    };
    let now = Instant::now();
    let was_master: Vec<bool> = running
        .iter()
        .map(|r| r.instance.state() == State::Master)
        .collect();
    for r in &mut running {
        r.instance.handle_shutdown(now);
    }
    drain_all(&mut running, &sockets, effects, &mut hooks).await;
    if every_instance {
        // A master's addresses went with its shutdown.
        for (r, _) in running.iter().zip(was_master).filter(|(_, m)| !m) {
            effects.remove(&r.planned).await;
        }
    }
    log_counters(&running, sockets.len(), &mut drops, now);
    Ok(())
}

/// A link or address change: the instance's interface going down faults
/// it, coming up recovers it; a virtual address removed by someone else
/// while master is put back (keepalived does both).
async fn on_event(
    running: &mut [Running],
    sockets: &mut SocketTable,
    event: Event,
    effects: &mut impl Effects,
) {
    let now = Instant::now();
    match event {
        Event::Link(link) => {
            let up = link.up && !link.deleted;
            if link.deleted && !link.name.is_empty() {
                sockets.forget(&link.name);
            }
            for r in running.iter_mut() {
                if r.ifindex == Some(link.index) {
                    r.instance.handle_interface(now, up);
                    if link.deleted {
                        // Its socket died with it: wait for the interface
                        // to come back, as at start.
                        eprintln!(
                            "({}) interface {} was deleted; waiting in FAULT until it comes back",
                            r.instance.config().name,
                            link.name
                        );
                        r.socket = None;
                        r.ifindex = None;
                        r.last_sent = None;
                        if r.planned.source_from_interface {
                            let mut config = r.instance.config().clone();
                            config.primary_address = match config.primary_address {
                                IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
                                IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
                            };
                            r.planned.protocol.primary_address = config.primary_address;
                            r.instance.handle_reload(now, config);
                        }
                    }
                } else if r.socket.is_none()
                    && up
                    && (link.name == r.planned.interface
                        || link.name == r.planned.advert_interface())
                {
                    activate(r, sockets, now, effects).await;
                }
                // Tracked interfaces are known by name: one that appears
                // (or comes back with a new index) is picked up.
                let names = r.planned.tracked_interfaces.clone();
                for (tracker, name) in names.iter().enumerate() {
                    let matches = r.tracked.get(tracker).copied().flatten() == Some(link.index)
                        || *name == link.name;
                    if matches {
                        if let Some(slot) = r.tracked.get_mut(tracker) {
                            *slot = (!link.deleted).then_some(link.index);
                        }
                        r.instance.handle_tracker(now, tracker, up);
                    }
                }
            }
        }
        Event::Address(address) if address.added => {
            // The address a waiting instance needed may just have come.
            for r in running.iter_mut().filter(|r| r.socket.is_none()) {
                activate(r, sockets, now, effects).await;
            }
        }
        Event::Address(address) => {
            for r in running.iter_mut() {
                let ours = r
                    .planned
                    .addresses
                    .iter()
                    .any(|a| a.address == address.address);
                if ours && r.instance.state() == State::Master {
                    eprintln!(
                        "({}) virtual address {} was removed; restoring it",
                        r.instance.config().name,
                        address.address
                    );
                    effects.install(&r.planned).await;
                }
            }
        }
        Event::Overrun => {
            // Events were lost: read the links' state again.
            for r in running.iter_mut() {
                if r.socket.is_none() {
                    activate(r, sockets, now, effects).await;
                } else if let Some(ifindex) = r.ifindex {
                    if let Some(up) = effects.link_up(ifindex).await {
                        r.instance.handle_interface(now, up);
                    }
                }
                for (tracker, index) in r.tracked.clone().into_iter().enumerate() {
                    let Some(index) = index else { continue };
                    if let Some(up) = effects.link_up(index).await {
                        r.instance.handle_tracker(now, tracker, up);
                    }
                }
            }
        }
    }
}

/// Tries to start an instance that waits for its interface or address:
/// once both are there, its source address is set, its socket opened and
/// it leaves FAULT as any instance whose link comes up.
async fn activate(
    r: &mut Running,
    sockets: &mut SocketTable,
    now: Instant,
    effects: &mut impl Effects,
) {
    let name = r.instance.config().name.clone();
    let advert_interface = r.planned.advert_interface().to_owned();
    let Ok(advert_index) = nix::net::if_::if_nametoindex(advert_interface.as_str()) else {
        return;
    };
    let mut config = r.instance.config().clone();
    if config.primary_address.is_unspecified() {
        let ipv6 = config.primary_address.is_ipv6();
        let Some(address) = crate::setup::interface_address(&r.planned.interface, ipv6) else {
            return;
        };
        config.primary_address = address;
        r.planned.protocol.primary_address = address;
        r.instance.handle_reload(now, config.clone());
        r.last_sent = None;
    }
    match sockets.open(
        &advert_interface,
        advert_index,
        config.primary_address,
        r.planned.group,
    ) {
        Ok(socket) => {
            let ifindex =
                nix::net::if_::if_nametoindex(r.planned.interface.as_str()).unwrap_or(advert_index);
            r.socket = Some(socket);
            r.ifindex = Some(ifindex);
            eprintln!(
                "({name}) interface {advert_interface} is here; sending from {}",
                config.primary_address
            );
            let up = effects.link_up(ifindex).await.unwrap_or(false);
            r.instance.handle_interface(now, up);
        }
        Err(err) => eprintln!("({name}) cannot open the VRRP socket on {advert_interface}: {err}"),
    }
}

/// Hands a packet to the instance of its VRID on that socket; what no
/// instance takes is counted for the socket.
/// Returns the instances it went to.
fn deliver(
    running: &mut [Running],
    by_vrid: &HashMap<(usize, u8), Vec<usize>>,
    socket: usize,
    received: Received,
    drops: &mut Drops,
) -> Vec<usize> {
    let now = Instant::now();
    let Some(&vrid) = received.payload.get(1) else {
        drops.runt(now, socket, socket_label(running, socket), &received);
        return Vec::new();
    };
    let took = by_vrid.get(&(socket, vrid)).cloned().unwrap_or_default();
    for &index in &took {
        let Some(r) = running.get_mut(index) else {
            continue;
        };
        let result = r.instance.handle_packet(
            now,
            received.source,
            received.destination,
            received.ttl,
            &received.payload,
        );
        if let Err(err) = result {
            let name = &r.instance.config().name;
            drops.instance_dropped(now, index, name, &received, &err);
        }
    }
    if took.is_empty() {
        let label = socket_label(running, socket);
        drops.unknown_vrid(now, socket, label, vrid, received.source);
    }
    took
}

/// The instances on each (socket, VRID), for delivering adverts.
fn index_by_vrid(running: &[Running]) -> HashMap<(usize, u8), Vec<usize>> {
    let mut index: HashMap<(usize, u8), Vec<usize>> = HashMap::new();
    for (i, r) in running.iter().enumerate() {
        if let Some(socket) = r.socket {
            index
                .entry((socket, r.instance.config().vrid))
                .or_default()
                .push(i);
        }
    }
    index
}

/// A socket's name in the log: the interface its instances advertise on.
fn socket_label(running: &[Running], socket: usize) -> &str {
    running
        .iter()
        .find(|r| r.socket == Some(socket))
        .map_or("?", |r| r.planned.advert_interface())
}

/// At exit: the suppressed drops' summaries and every counter, so that the
/// log accounts for each packet (until the control socket serves them).
fn log_counters(running: &[Running], sockets: usize, drops: &mut Drops, now: Instant) {
    drops.flush(now);
    for r in running {
        let name = &r.instance.config().name;
        eprintln!("{}", drops::instance_counters(name, r.instance.stats()));
    }
    for socket in 0..sockets {
        let label = format!("{} socket {socket}", socket_label(running, socket));
        let counters = drops.socket_counters(socket).counters();
        eprintln!("{}", drops::counters_line(&label, &counters));
    }
}

/// Sends what the instances have to send and applies their actions; a
/// member's transition is passed to its sync group, whose events can make
/// other members move in turn, until nothing moves.
async fn drain_all(
    running: &mut [Running],
    sockets: &SocketTable,
    effects: &mut impl Effects,
    hooks: &mut Hooks,
) {
    let all: Vec<usize> = (0..running.len()).collect();
    drain(running, &all, sockets, effects, hooks).await;
}

/// Sends what instances `first` have to send and applies their actions; a
/// member's transition is passed to its sync group, whose events can make
/// other members move in turn, until nothing moves. Returns every instance
/// it drained (their deadlines may have changed).
async fn drain(
    running: &mut [Running],
    first: &[usize],
    sockets: &SocketTable,
    effects: &mut impl Effects,
    hooks: &mut Hooks,
) -> Vec<usize> {
    let mut pending = first.to_vec();
    let mut touched = Vec::new();
    // Bounded: every group event moves a member to a state the group already
    // has, so this settles within a few rounds; the bound only guards
    // against a bug turning into a busy loop.
    for _ in 0..16 {
        let mut moved = Vec::new();
        let mut lines = Vec::new();
        for &index in &pending {
            let Some(r) = running.get_mut(index) else {
                continue;
            };
            while let Some(transmit) = r.instance.poll_transmit() {
                let Some(socket) = r.socket.and_then(|i| sockets.get(i)) else {
                    continue;
                };
                send(r, socket, transmit);
            }
            while let Some(action) = r.instance.poll_action() {
                match action {
                    Action::StateChanged { from, to, reason } => {
                        r.since = unix_now();
                        lines.push((Some(index), announce(r, to)));
                        hooks.alerts.instance(&r.instance.config().name, to);
                        moved.push((index, from, to, reason));
                        if let Some(publisher) = &hooks.publisher {
                            publisher
                                .publish(crate::status::event(&r.instance, hooks.group_of(index)));
                        }
                    }
                    Action::InstallVirtual => effects.install(&r.planned).await,
                    Action::RemoveVirtual => effects.remove(&r.planned).await,
                    Action::Gratuitous { count } => effects.gratuitous(&r.planned, count).await,
                }
            }
        }
        touched.extend_from_slice(&pending);
        // The group's line goes with its members' lines of this round, which
        // reflect every state change made so far.
        update_groups(running, &mut hooks.groups, &mut hooks.alerts, &mut lines);
        for (_, line) in &lines {
            hooks.fifos.write_line(line);
        }
        let mut events = Vec::new();
        for group in &mut hooks.groups {
            for (index, from, to, reason) in &moved {
                events.extend(group.sync.on_transition(*index, *from, *to, reason));
            }
            events.extend(group.sync.release(|m| running.get(m).map(|r| &r.instance)));
        }
        if events.is_empty() {
            break;
        }
        let now = Instant::now();
        pending.clear();
        for (member, event) in events {
            if let Some(r) = running.get_mut(member) {
                r.instance.handle_group(now, event);
                pending.push(member);
            }
        }
        pending.sort_unstable();
        pending.dedup();
    }
    touched.sort_unstable();
    touched.dedup();
    touched
}

/// The daemon's own facts for status replies.
struct Life {
    started: f64,
    config_loaded: f64,
    reloads: u64,
}

impl Life {
    fn new() -> Self {
        let now = unix_now();
        Life {
            started: now,
            config_loaded: now,
            reloads: 0,
        }
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The reply to a request from the supervisor.
async fn answer(
    message: Message,
    running: &mut [Running],
    hooks: &Hooks,
    drops: &mut Drops,
    effects: &mut impl Effects,
    (life, strict): (&Life, bool),
) -> Message {
    match message {
        Message::StatusRequest { id } => {
            let mut status = Status::default();
            status.daemons.push(DaemonInfo {
                role: Role::Vrrp,
                pid: std::process::id(),
                started: life.started,
                config_loaded: life.config_loaded,
                reloads: life.reloads,
                restarts: 0,
            });
            for (index, r) in running.iter().enumerate() {
                status.vrrp_instances.push(crate::status::instance(
                    &r.instance,
                    &r.planned,
                    r.since,
                    hooks.group_of(index),
                    strict,
                ));
            }
            for group in &hooks.groups {
                status.vrrp_sync_groups.push(SyncGroupStatus {
                    name: group.planned.name.clone(),
                    state: crate::status::state_of(group.state),
                    members: group
                        .planned
                        .members
                        .iter()
                        .filter_map(|&m| running.get(m))
                        .map(|r| r.instance.config().name.clone())
                        .collect(),
                });
            }
            Message::StatusReply { id, status }
        }
        Message::StatsRequest { id, clear } => {
            let mut stats = StatsReport::default();
            for r in running.iter_mut() {
                stats.vrrp_instances.insert(
                    r.instance.config().name.clone(),
                    crate::status::counters(&r.instance),
                );
                if clear {
                    r.instance.clear_stats();
                }
            }
            stats.vrrp = drops.totals();
            if clear {
                drops.clear_counters();
            }
            Message::StatsReply { id, stats }
        }
        Message::Garp { id, instance } => {
            let outcome = match running
                .iter()
                .find(|r| r.instance.config().name == instance)
            {
                None => Outcome::failed(vec![format!("no vrrp_instance {instance}")]),
                Some(r) if r.instance.state() != State::Master => Outcome::failed(vec![format!(
                    "({instance}) is {}, not MASTER: it does not own its addresses",
                    r.instance.state().as_str()
                )]),
                Some(r) => {
                    eprintln!("({instance}) sending gratuitous ARPs on request");
                    effects
                        .gratuitous(&r.planned, r.instance.config().garp.master_repeat.max(1))
                        .await;
                    Outcome::ok()
                }
            };
            Message::Done { id, outcome }
        }
        other => Message::Done {
            id: 0,
            outcome: Outcome::failed(vec![format!("not a request: {other:?}")]),
        },
    }
}

/// What a reload changes besides the instances.
struct ReloadState<'a> {
    source: &'a mut crate::reload::Source,
    trackers: &'a mut crate::track::Trackers,
    tracked_status: &'a mut HashMap<crate::track::TrackerId, vrrp_proto::TrackerStatus>,
    life: &'a mut Life,
    dumps: &'a mut crate::dump::Settings,
}

/// Reads the configuration again and applies the difference: unchanged
/// instances are not touched, changed ones are updated in place (or
/// replaced when they move to another interface, VRID, version or
/// family), removed ones stop as on shutdown (a master sends priority 0 and
/// releases its addresses), new ones start. A configuration that does not
/// parse changes nothing.
async fn reload(
    state: &mut ReloadState<'_>,
    running: &mut Vec<Running>,
    sockets: &mut SocketTable,
    hooks: &mut Hooks,
    effects: &mut impl Effects,
) -> Outcome {
    eprintln!("Reloading");
    let fresh = match state.source.read() {
        Ok(fresh) => fresh,
        Err(errors) => {
            eprintln!(
                "vrrpd: reload refused, the running configuration stays: {}",
                errors.join("; ")
            );
            return Outcome::failed(errors);
        }
    };
    for problem in &fresh.problems {
        eprintln!("vrrpd: {problem}");
    }
    let now = Instant::now();
    let mut old: Vec<Option<Running>> = std::mem::take(running).into_iter().map(Some).collect();
    let mut added = Vec::new();
    let (mut kept, mut changed) = (0, 0);
    for planned in fresh.planned {
        let name = planned.protocol.name.clone();
        let found = old
            .iter()
            .position(|r| r.as_ref().is_some_and(|r| r.planned.protocol.name == name));
        let Some(at) = found else {
            added.push(planned);
            continue;
        };
        let Some(mut r) = old.get_mut(at).and_then(Option::take) else {
            continue;
        };
        if r.planned == planned {
            kept += 1;
            running.push(r);
        } else if crate::reload::same_place(&r.planned, &planned) {
            changed += 1;
            eprintln!("({name}) configuration changed; applied in place");
            let master = r.instance.state() == State::Master;
            if master {
                if let Some(gone) = crate::reload::dropped_addresses(&r.planned, &planned) {
                    effects.remove(&gone).await;
                }
            }
            r.tracked = tracked_indices(&planned);
            r.planned = planned;
            r.last_sent = None;
            r.instance.handle_reload(now, r.planned.protocol.clone());
            read_tracked_links(&mut r, now, effects).await;
            apply_known(&mut r, state.tracked_status);
            if master && r.instance.state() == State::Master {
                // Idempotent for the addresses it had; adds the new ones.
                effects.install(&r.planned).await;
            }
            running.push(r);
        } else {
            eprintln!(
                "({name}) moved to another interface, VRID, version or family; restarting it"
            );
            // Stopped with the removed ones; started with the new ones.
            if let Some(slot) = old.get_mut(at) {
                *slot = Some(r);
            }
            added.push(planned);
        }
    }
    effects.update_statics(fresh.statics).await;
    let mut removed: Vec<Running> = old.into_iter().flatten().collect();
    for r in &mut removed {
        eprintln!(
            "({}) removed by the reload; stopping",
            r.instance.config().name
        );
        r.instance.handle_shutdown(now);
    }
    // Their groups are the old ones: drain them on their own.
    let groups = std::mem::take(&mut hooks.groups);
    drain_all(&mut removed, sockets, effects, hooks).await;
    hooks.groups = groups;
    let removed_count = removed.len();
    drop(removed);
    let added = effects.prepare(added).await;
    let added_count = added.len();
    if fresh.trackers_changed {
        eprintln!("vrrpd: tracked scripts, files or processes changed; starting them again");
        *state.trackers =
            crate::track::Trackers::start(&fresh.config, &running_plans(running, &added));
        state.tracked_status.clear();
        for event in state.trackers.initial() {
            state.tracked_status.insert(event.id, event.status);
        }
        for r in running.iter_mut() {
            apply_known(r, state.tracked_status);
        }
    }
    for planned in added {
        let tracked = tracked_indices(&planned);
        let mut r = Running::new(
            planned,
            Placement {
                socket: None,
                tracked,
            },
        );
        read_tracked_links(&mut r, now, effects).await;
        apply_known(&mut r, state.tracked_status);
        activate(&mut r, sockets, now, effects).await;
        if r.socket.is_none() {
            r.instance.handle_interface(now, false);
        }
        r.instance.handle_startup(now);
        running.push(r);
    }
    let plans: Vec<Planned> = running.iter().map(|r| r.planned.clone()).collect();
    let (groups, problems) = crate::setup::plan_groups(&fresh.config, &plans);
    for problem in problems {
        eprintln!("vrrpd: {problem}");
    }
    let mut previous = std::mem::take(&mut hooks.groups);
    hooks.groups = groups
        .into_iter()
        .map(|planned| {
            let same = previous.iter().position(|g| {
                g.planned.name == planned.name && g.planned.members.len() == planned.members.len()
            });
            match same.map(|i| previous.swap_remove(i)) {
                // Its members are the same instances at new indices.
                Some(group) => Group {
                    sync: SyncGroup::new(planned.members.clone()),
                    state: group.state,
                    planned,
                },
                None => Group {
                    sync: SyncGroup::new(planned.members.clone()),
                    state: State::Init,
                    planned,
                },
            }
        })
        .collect();
    hooks.alerts = hooks.alerts.reloaded(&fresh.config);
    if fresh.fifos_changed {
        eprintln!("vrrpd: notify FIFOs changed; opening them again");
        hooks.fifos = Fifos::open(
            &fresh.config,
            &crate::setup::default_script_user(&fresh.config),
        );
        hooks.fifos.start_readers();
    }
    if fresh
        .config
        .global
        .notification
        .fifo_write_vrrp_states_on_reload
    {
        // As keepalived 2.2.7 does (the lab compares): each sync group's
        // line; its man page promises the instances' too, but it writes
        // none, and FIFO readers are written against what it does.
        let lines: Vec<String> = hooks
            .groups
            .iter()
            .map(|group| fifo::group_line(&group.planned.name, group.state.as_str()))
            .collect();
        for line in &lines {
            hooks.fifos.write_line(line);
        }
    }
    state.source.applied(&fresh.config);
    *state.dumps = crate::dump::Settings::of(&fresh.config, state.dumps.json_version);
    state.life.reloads += 1;
    state.life.config_loaded = unix_now();
    eprintln!(
        "vrrpd: reload done: {kept} instances unchanged, {changed} changed, {added_count} added, {removed_count} removed"
    );
    let problems: Vec<String> = fresh.problems;
    Outcome {
        ok: true,
        errors: problems,
    }
}

/// Writes the dump a signal asked for, from the running instances and groups.
fn dump(
    kind: crate::dump::Kind,
    settings: &crate::dump::Settings,
    running: &[Running],
    hooks: &Hooks,
) {
    let snapshot = crate::dump::Snapshot {
        instances: running
            .iter()
            .enumerate()
            .map(|(index, r)| crate::dump::InstanceView {
                instance: &r.instance,
                planned: &r.planned,
                since: r.since,
                group: hooks.group_of(index),
            })
            .collect(),
        groups: hooks
            .groups
            .iter()
            .map(|g| crate::dump::GroupView {
                name: &g.planned.name,
                state: g.state,
                members: g
                    .planned
                    .members
                    .iter()
                    .filter_map(|&m| running.get(m))
                    .map(|r| (r.instance.config().name.as_str(), r.instance.state()))
                    .collect(),
            })
            .collect(),
    };
    crate::dump::write(kind, settings, &snapshot);
}

/// Tells the instance whether each of its tracked interfaces is up now (a
/// missing one counts as down).
async fn read_tracked_links(r: &mut Running, now: Instant, effects: &mut impl Effects) {
    for (tracker, index) in r.tracked.clone().into_iter().enumerate() {
        let up = match index {
            Some(index) => effects.link_up(index).await.unwrap_or(false),
            None => false,
        };
        r.instance.handle_tracker(now, tracker, up);
    }
}

/// The index of each tracked interface of `planned` now.
fn tracked_indices(planned: &Planned) -> Vec<Option<u32>> {
    planned
        .tracked_interfaces
        .iter()
        .map(|name| nix::net::if_::if_nametoindex(name.as_str()).ok())
        .collect()
}

/// Gives an instance the last known status of each object it tracks.
fn apply_known(
    r: &mut Running,
    known: &HashMap<crate::track::TrackerId, vrrp_proto::TrackerStatus>,
) {
    let ids = r.planned.tracked_objects.clone();
    for id in ids {
        if let Some(&status) = known.get(&id) {
            crate::track::apply(
                std::iter::once((&mut r.instance, &r.planned)),
                crate::track::Event { id, status },
            );
        }
    }
}

fn running_plans(running: &[Running], added: &[Planned]) -> Vec<Planned> {
    running
        .iter()
        .map(|r| r.planned.clone())
        .chain(added.iter().cloned())
        .collect()
}

/// Logs a transition in keepalived's words and starts the notify scripts;
/// returns the FIFO line.
fn announce(r: &Running, to: State) -> String {
    // keepalived's wording, which operators grep for.
    let name = &r.instance.config().name;
    if to == State::Stop {
        eprintln!("({name}) Stopped");
    } else {
        eprintln!("({name}) Entering {} STATE", to.as_str());
    }
    // keepalived reports the configured priority (a stopping master's
    // adverts say 0, its notifications do not).
    let priority = if to == State::Stop {
        r.instance.config().priority
    } else {
        r.instance.effective_priority()
    };
    for command in r.planned.notify.commands(name, to, priority) {
        crate::notify::spawn(name, &command);
    }
    fifo::instance_line(name, to.as_str(), priority)
}

/// A group whose members now share a state other than its own moves to it:
/// logged, its notify scripts started, and its FIFO line added to `lines`
/// (the FIFO lines of this round, by instance) where keepalived writes it:
/// after its members' lines, except the first, which comes before them.
fn update_groups(
    running: &[Running],
    groups: &mut [Group],
    alerts: &mut crate::alert::Alerts,
    lines: &mut Vec<(Option<usize>, String)>,
) {
    for group in groups {
        let mut states = group
            .planned
            .members
            .iter()
            .filter_map(|&m| running.get(m).map(|r| r.instance.state()));
        let Some(first) = states.next() else { continue };
        if first == group.state || first == State::Init || !states.all(|s| s == first) {
            continue;
        }
        let starting = group.state == State::Init;
        group.state = first;
        let name = &group.planned.name;
        eprintln!("VRRP_Group({name}) Entering {} STATE", first.as_str());
        alerts.group(name, first);
        for command in group.planned.notify.commands(name, first, 0) {
            crate::notify::spawn(name, &command);
        }
        let line = (None, fifo::group_line(name, first.as_str()));
        let first_member_line = lines
            .iter()
            .position(|(i, _)| i.is_some_and(|i| group.planned.members.contains(&i)));
        match first_member_line {
            Some(at) if starting => lines.insert(at, line),
            _ => lines.push(line),
        }
    }
}

/// Records the deadlines of the `touched` instances (after an event that
/// may have moved them).
fn retime(
    deadlines: &mut Deadlines,
    running: &[Running],
    touched: impl IntoIterator<Item = usize>,
) {
    for index in touched {
        if let Some(r) = running.get(index) {
            deadlines.set(index, r.instance.poll_timeout());
        }
    }
}

fn send(r: &mut Running, socket: &VrrpSocket, transmit: Transmit) {
    let destinations: Vec<IpAddr> = match transmit.destinations {
        Destinations::Multicast => vec![socket.group()],
        Destinations::Unicast(peers) => peers,
    };
    let source = socket.source();
    let checksum = r.instance.config().checksum;
    for destination in destinations {
        let signed = r.instance.signing_key().is_some();
        // A master sends the same bytes every interval: reuse them while the
        // advert, its source and destination are unchanged (not when
        // signed, since every signed advert has a new sequence number).
        let cached = !signed
            && r.last_sent.as_ref().is_some_and(|(advert, from, to, _)| {
                *advert == transmit.advert && *from == source && *to == destination
            });
        if !cached {
            let mut advert = transmit.advert.clone();
            if let Some(key) = r.instance.signing_key() {
                let micros = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_micros() as u64)
                    .unwrap_or(0);
                let sequence = wire::next_sequence(r.sequence, micros);
                r.sequence = Some(sequence);
                wire::sign(&mut advert, key, sequence, source, destination);
            }
            let mut buffer = vec![0u8; advert.buffer_len()];
            advert.emit(
                &mut Packet::new_unchecked(&mut buffer[..]),
                source,
                destination,
                checksum,
            );
            r.last_sent = Some((transmit.advert.clone(), source, destination, buffer));
        }
        let Some((_, _, _, bytes)) = &r.last_sent else {
            continue;
        };
        if let Err(err) = socket.send(destination, bytes) {
            eprintln!(
                "({}) cannot send advert to {destination}: {err}",
                r.instance.config().name
            );
        }
    }
}
