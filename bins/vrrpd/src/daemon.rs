//! The event loop: sockets, timers and signals in; vrrp-proto's outputs out
//! to the network (adverts, gratuitous ARPs) and the kernel (addresses).

use std::io;
use std::net::IpAddr;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use futures::future::select_all;
use tokio::signal::unix::{SignalKind, signal};
use vrrp_proto::wire::{self, Packet};
use vrrp_proto::{Action, Destinations, Instance, State, Transmit};

use crate::deadlines::Deadlines;
use crate::netlink::{Event, Events};
use crate::setup::Planned;
use crate::socket::{GROUP_V4, Received, VrrpSocket};

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
}

/// A running instance and where it sends.
struct Running {
    instance: Instance,
    planned: Planned,
    socket: usize,
    /// The index of the instance's interface.
    ifindex: u32,
    /// The index of each tracked interface (`None`: it does not exist).
    tracked: Vec<Option<u32>>,
    /// The last HMAC sequence sent.
    sequence: Option<u64>,
}

/// Runs the instances until SIGTERM or SIGINT; then they stop cleanly
/// (a master sends priority 0 and removes its addresses).
pub(crate) async fn run(
    planned: Vec<Planned>,
    sockets: Vec<VrrpSocket>,
    socket_of: Vec<(usize, u32, Vec<Option<u32>>)>,
    mut events: Events,
    effects: &mut impl Effects,
) -> io::Result<()> {
    let mut running: Vec<Running> = planned
        .into_iter()
        .zip(socket_of)
        .map(|(planned, (socket, ifindex, tracked))| Running {
            instance: Instance::new(planned.protocol.clone()),
            planned,
            socket,
            ifindex,
            tracked,
            sequence: None,
        })
        .collect();
    if sockets.is_empty() {
        // select_all below needs at least one socket.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no VRRP socket to listen on",
        ));
    }
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;

    let now = Instant::now();
    for r in &mut running {
        // Tracked interfaces that are down (or missing) count from the start.
        for (tracker, index) in r.tracked.clone().into_iter().enumerate() {
            let up = match index {
                Some(index) => effects.link_up(index).await.unwrap_or(false),
                None => false,
            };
            r.instance.handle_tracker(now, tracker, up);
        }
        r.instance.handle_startup(now);
    }
    drain_all(&mut running, &sockets, effects).await;
    let mut deadlines = Deadlines::new(running.len());
    record_all(&mut deadlines, &running);

    loop {
        let deadline = deadlines.next();
        let sleep = async {
            match deadline {
                Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                None => std::future::pending().await,
            }
        };
        let receive = select_all(sockets.iter().map(|s| Box::pin(s.receive())));
        tokio::select! {
            (result, index, _) = receive => match result {
                Ok(received) => deliver(&mut running, index, received),
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
                    drain(r, &sockets, effects).await;
                    deadlines.set(index, r.instance.poll_timeout());
                }
                // Only the due instances changed: skip the drain of all.
                continue;
            }
            event = events.next() => match event {
                Some(event) => on_event(&mut running, event, effects).await,
                None => eprintln!("vrrpd: the netlink event socket closed; link changes are no longer seen"),
            },
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        }
        drain_all(&mut running, &sockets, effects).await;
        record_all(&mut deadlines, &running);
    }

    let now = Instant::now();
    for r in &mut running {
        r.instance.handle_shutdown(now);
    }
    drain_all(&mut running, &sockets, effects).await;
    Ok(())
}

/// A link or address change: the instance's interface going down faults
/// it, coming up recovers it; a virtual address removed by someone else
/// while master is put back (keepalived does both).
async fn on_event(running: &mut [Running], event: Event, effects: &mut impl Effects) {
    let now = Instant::now();
    match event {
        Event::Link(link) => {
            let up = link.up && !link.deleted;
            for r in running.iter_mut() {
                if r.ifindex == link.index {
                    r.instance.handle_interface(now, up);
                }
                let trackers: Vec<usize> = r
                    .tracked
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| **i == Some(link.index))
                    .map(|(t, _)| t)
                    .collect();
                for tracker in trackers {
                    r.instance.handle_tracker(now, tracker, up);
                }
            }
        }
        Event::Address(address) if !address.added => {
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
        Event::Address(_) => {}
        Event::Overrun => {
            // Events were lost: read the links' state again.
            for r in running.iter_mut() {
                if let Some(up) = effects.link_up(r.ifindex).await {
                    r.instance.handle_interface(now, up);
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

/// Hands a packet to the instance of its VRID on that socket.
fn deliver(running: &mut [Running], socket: usize, received: Received) {
    let Some(&vrid) = received.payload.get(1) else {
        return;
    };
    let now = Instant::now();
    for r in running
        .iter_mut()
        .filter(|r| r.socket == socket && r.instance.config().vrid == vrid)
    {
        let result = r.instance.handle_packet(
            now,
            received.source,
            received.destination,
            received.ttl,
            &received.payload,
        );
        if let Err(err) = result {
            eprintln!(
                "({}) ignoring advert from {}: {err:?}",
                r.instance.config().name,
                received.source
            );
        }
    }
}

/// Records every instance's deadline, after an event that may have
/// touched any of them.
fn record_all(deadlines: &mut Deadlines, running: &[Running]) {
    for (index, r) in running.iter().enumerate() {
        deadlines.set(index, r.instance.poll_timeout());
    }
}

async fn drain_all(running: &mut [Running], sockets: &[VrrpSocket], effects: &mut impl Effects) {
    for r in running.iter_mut() {
        drain(r, sockets, effects).await;
    }
}

async fn drain(r: &mut Running, sockets: &[VrrpSocket], effects: &mut impl Effects) {
    while let Some(transmit) = r.instance.poll_transmit() {
        let Some(socket) = sockets.get(r.socket) else {
            continue;
        };
        send(r, socket, transmit);
    }
    while let Some(action) = r.instance.poll_action() {
        match action {
            Action::StateChanged { to, .. } => {
                // keepalived's wording, which operators grep for.
                let name = &r.instance.config().name;
                if to == State::Stop {
                    eprintln!("({name}) Stopped");
                } else {
                    eprintln!("({name}) Entering {} STATE", to.as_str());
                }
                let priority = r.instance.effective_priority();
                for command in r.planned.notify.commands(name, to, priority) {
                    crate::notify::spawn(name, &command);
                }
            }
            Action::InstallVirtual => effects.install(&r.planned).await,
            Action::RemoveVirtual => effects.remove(&r.planned).await,
            Action::Gratuitous { count } => effects.gratuitous(&r.planned, count).await,
        }
    }
}

fn send(r: &mut Running, socket: &VrrpSocket, transmit: Transmit) {
    let destinations: Vec<IpAddr> = match transmit.destinations {
        Destinations::Multicast => vec![GROUP_V4.into()],
        Destinations::Unicast(peers) => peers,
    };
    let source = socket.source();
    let checksum = r.instance.config().checksum;
    for destination in destinations {
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
        if let Err(err) = socket.send(destination, &buffer) {
            eprintln!(
                "({}) cannot send advert to {destination}: {err}",
                r.instance.config().name
            );
        }
    }
}
