//! vrrpd's side of the IPC protocol (docs/IPC.md): a connection to the
//! supervisor's socket in `--run-dir`, kept up by reconnecting; requests
//! from it go to the event loop, state changes from the loop go to it.
//!
//! After every (re)connection it sends the state of every instance, so a
//! restarted supervisor (or vrrpd) needs no history. The loop never waits
//! for the socket: events go through a bounded queue, and an overflow only
//! forces another full resync. Without a supervisor (vrrpd run by hand)
//! the task keeps trying quietly once a second.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ipc_proto::stream::{MessageReader, ReceiveError, send};
use ipc_proto::{Hello, Incoming, Message, Role, VrrpStateEvent};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};

/// How long the loop may take to answer a request before the supervisor
/// is told it failed.
const ANSWER_WAIT: Duration = Duration::from_secs(10);
/// State changes queued for the supervisor before a resync is needed.
const EVENT_QUEUE: usize = 4096;

/// A request for the event loop and where its answer goes.
pub(crate) struct Request {
    /// One of the request messages (status, stats, reload, garp).
    pub(crate) message: Message,
    /// The reply.
    pub(crate) reply: oneshot::Sender<Message>,
}

/// What the event loop is asked.
pub(crate) enum Asked {
    /// A request from the supervisor.
    Request(Request),
    /// The state of every instance, for a (re)connection. A status would
    /// do, but building one for thousands of instances leaves its size on
    /// the heap for good (glibc keeps the high-water mark).
    States(oneshot::Sender<Vec<VrrpStateEvent>>),
}

/// The event loop's end of the requests.
pub(crate) struct Control {
    requests: mpsc::Receiver<Request>,
    resyncs: mpsc::Receiver<oneshot::Sender<Vec<VrrpStateEvent>>>,
}

/// The event loop's end of the state changes.
#[derive(Clone)]
pub(crate) struct Publisher {
    events: mpsc::Sender<VrrpStateEvent>,
    overflow: Arc<AtomicBool>,
}

impl Control {
    /// Starts the connection task (inside the runtime).
    pub(crate) fn start(run_dir: PathBuf) -> (Control, Publisher) {
        let (request_sender, requests) = mpsc::channel(16);
        let (resync_sender, resyncs) = mpsc::channel(1);
        let (events, event_receiver) = mpsc::channel(EVENT_QUEUE);
        let overflow = Arc::new(AtomicBool::new(false));
        let path = run_dir.join(ipc_proto::SOCKET_NAME);
        let event_loop = EventLoop {
            requests: request_sender,
            resyncs: resync_sender,
        };
        tokio::spawn(connect_forever(
            path,
            event_loop,
            event_receiver,
            overflow.clone(),
        ));
        (
            Control { requests, resyncs },
            Publisher { events, overflow },
        )
    }

    /// The next request from the supervisor, or for a resync.
    pub(crate) async fn next(&mut self) -> Option<Asked> {
        tokio::select! {
            Some(request) = self.requests.recv() => Some(Asked::Request(request)),
            Some(reply) = self.resyncs.recv() => Some(Asked::States(reply)),
            else => None,
        }
    }
}

impl Publisher {
    /// Queues a state change; never waits.
    pub(crate) fn publish(&self, event: VrrpStateEvent) {
        if self.events.try_send(event).is_err() {
            self.overflow.store(true, Ordering::Relaxed);
        }
    }
}

/// The connection task's way into the event loop.
struct EventLoop {
    requests: mpsc::Sender<Request>,
    resyncs: mpsc::Sender<oneshot::Sender<Vec<VrrpStateEvent>>>,
}

async fn connect_forever(
    path: PathBuf,
    event_loop: EventLoop,
    mut events: mpsc::Receiver<VrrpStateEvent>,
    overflow: Arc<AtomicBool>,
) {
    let mut was_connected = false;
    loop {
        if let Ok(stream) = UnixStream::connect(&path).await {
            was_connected = true;
            match session(stream, &event_loop, &mut events, &overflow).await {
                Ok(()) => eprintln!("vrrpd: the supervisor closed the control connection"),
                Err(err) => eprintln!("vrrpd: control connection: {err}"),
            }
        } else if was_connected {
            was_connected = false;
        }
        // While unconnected, state changes have nowhere to go: the next
        // session starts with a full resync.
        let pause = tokio::time::sleep(Duration::from_secs(1));
        tokio::pin!(pause);
        loop {
            tokio::select! {
                () = &mut pause => break,
                event = events.recv() => if event.is_none() { return },
            }
        }
        if event_loop.requests.is_closed() {
            return;
        }
    }
}

/// One connection: hello, full state, then requests and events until it
/// breaks.
async fn session(
    stream: UnixStream,
    event_loop: &EventLoop,
    events: &mut mpsc::Receiver<VrrpStateEvent>,
    overflow: &AtomicBool,
) -> Result<(), String> {
    let (read, mut write) = stream.into_split();
    let mut reader = MessageReader::new(read);
    send(&mut write, &Message::Hello(Hello::new(Role::Vrrp)))
        .await
        .map_err(|e| e.to_string())?;
    match reader.receive().await.map_err(|e| e.to_string())? {
        Some(Incoming::Message(Message::Hello(hello)))
            if hello.version == ipc_proto::PROTOCOL_VERSION => {}
        Some(Incoming::Message(Message::Hello(hello))) => {
            return Err(format!(
                "the supervisor speaks protocol version {}, not {}",
                hello.version,
                ipc_proto::PROTOCOL_VERSION
            ));
        }
        Some(Incoming::Message(Message::Refused { reason })) => {
            return Err(format!("refused: {reason}"));
        }
        Some(other) => return Err(format!("expected hello, got {other:?}")),
        None => return Ok(()),
    }
    // Drop what queued while unconnected: the resync says it all.
    while events.try_recv().is_ok() {}
    resync(event_loop, &mut write, overflow).await?;
    loop {
        tokio::select! {
            incoming = reader.receive() => match incoming {
                Ok(Some(Incoming::Message(message))) => {
                    if let Some(reply) = answer(event_loop, message).await {
                        send(&mut write, &reply).await.map_err(|e| e.to_string())?;
                    }
                }
                Ok(Some(Incoming::Unknown { kind })) => {
                    eprintln!("vrrpd: control: skipping message type {kind:?} (newer supervisor?)");
                }
                Ok(None) => return Ok(()),
                Err(err @ (ReceiveError::Decode(_) | ReceiveError::Frame(_))) => {
                    return Err(format!("garbage from the supervisor ({err}); reconnecting"));
                }
                Err(err) => return Err(err.to_string()),
            },
            event = events.recv() => {
                let Some(event) = event else { return Ok(()) };
                send(&mut write, &Message::VrrpState(event)).await.map_err(|e| e.to_string())?;
                if overflow.swap(false, Ordering::Relaxed) {
                    resync(event_loop, &mut write, overflow).await?;
                }
            }
        }
    }
}

/// Sends the state of every instance.
async fn resync(
    event_loop: &EventLoop,
    write: &mut tokio::net::unix::OwnedWriteHalf,
    overflow: &AtomicBool,
) -> Result<(), String> {
    overflow.store(false, Ordering::Relaxed);
    let (reply, answer) = oneshot::channel();
    let states = match event_loop.resyncs.send(reply).await {
        Ok(()) => tokio::time::timeout(ANSWER_WAIT, answer)
            .await
            .ok()
            .and_then(Result::ok),
        Err(_) => None,
    };
    let Some(states) = states else {
        return Err("the event loop did not answer".to_owned());
    };
    for event in states {
        send(write, &Message::VrrpState(event))
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The reply to a message from the supervisor, if it asks for one.
async fn answer(event_loop: &EventLoop, message: Message) -> Option<Message> {
    let id = match &message {
        Message::StatusRequest { id }
        | Message::StatsRequest { id, .. }
        | Message::Reload { id }
        | Message::Garp { id, .. } => *id,
        // Events and replies are not for vrrpd (BFD states will be).
        _ => return None,
    };
    Some(
        ask(event_loop, message)
            .await
            .unwrap_or_else(|| Message::Done {
                id,
                outcome: ipc_proto::Outcome::failed(vec![
                    "vrrpd did not answer in time".to_owned(),
                ]),
            }),
    )
}

async fn ask(event_loop: &EventLoop, message: Message) -> Option<Message> {
    let (reply, answer) = oneshot::channel();
    event_loop
        .requests
        .send(Request { message, reply })
        .await
        .ok()?;
    tokio::time::timeout(ANSWER_WAIT, answer).await.ok()?.ok()
}
