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

/// The event loop's end of the requests.
pub(crate) struct Control {
    requests: mpsc::Receiver<Request>,
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
        let (events, event_receiver) = mpsc::channel(EVENT_QUEUE);
        let overflow = Arc::new(AtomicBool::new(false));
        let path = run_dir.join(ipc_proto::SOCKET_NAME);
        tokio::spawn(connect_forever(
            path,
            request_sender,
            event_receiver,
            overflow.clone(),
        ));
        (Control { requests }, Publisher { events, overflow })
    }

    /// The next request from the supervisor.
    pub(crate) async fn next(&mut self) -> Option<Request> {
        self.requests.recv().await
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

async fn connect_forever(
    path: PathBuf,
    requests: mpsc::Sender<Request>,
    mut events: mpsc::Receiver<VrrpStateEvent>,
    overflow: Arc<AtomicBool>,
) {
    let mut was_connected = false;
    loop {
        if let Ok(stream) = UnixStream::connect(&path).await {
            was_connected = true;
            match session(stream, &requests, &mut events, &overflow).await {
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
        if requests.is_closed() {
            return;
        }
    }
}

/// One connection: hello, full state, then requests and events until it
/// breaks.
async fn session(
    stream: UnixStream,
    requests: &mpsc::Sender<Request>,
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
    resync(requests, &mut write, overflow).await?;
    loop {
        tokio::select! {
            incoming = reader.receive() => match incoming {
                Ok(Some(Incoming::Message(message))) => {
                    if let Some(reply) = answer(requests, message).await {
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
                    resync(requests, &mut write, overflow).await?;
                }
            }
        }
    }
}

/// Sends the state of every instance (from a status request to the loop).
async fn resync(
    requests: &mpsc::Sender<Request>,
    write: &mut tokio::net::unix::OwnedWriteHalf,
    overflow: &AtomicBool,
) -> Result<(), String> {
    overflow.store(false, Ordering::Relaxed);
    let Some(Message::StatusReply { status, .. }) =
        ask(requests, Message::StatusRequest { id: 0 }).await
    else {
        return Err("the event loop did not answer".to_owned());
    };
    for instance in status.vrrp_instances {
        let event = VrrpStateEvent {
            instance: instance.iname,
            state: instance.state,
            priority: instance.effective_priority,
            sync_group: instance.sync_group,
        };
        send(write, &Message::VrrpState(event))
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The reply to a message from the supervisor, if it asks for one.
async fn answer(requests: &mpsc::Sender<Request>, message: Message) -> Option<Message> {
    let id = match &message {
        Message::StatusRequest { id }
        | Message::StatsRequest { id, .. }
        | Message::Reload { id }
        | Message::Garp { id, .. } => *id,
        // Events and replies are not for vrrpd (BFD states will be).
        _ => return None,
    };
    Some(
        ask(requests, message)
            .await
            .unwrap_or_else(|| Message::Done {
                id,
                outcome: ipc_proto::Outcome::failed(vec![
                    "vrrpd did not answer in time".to_owned(),
                ]),
            }),
    )
}

async fn ask(requests: &mpsc::Sender<Request>, message: Message) -> Option<Message> {
    let (reply, answer) = oneshot::channel();
    requests.send(Request { message, reply }).await.ok()?;
    tokio::time::timeout(ANSWER_WAIT, answer).await.ok()?.ok()
}
