//! Messages: one JSON object per frame, its kind in `"type"`.
//!
//! JSON because the control plane carries little (a status is the biggest
//! message), operators can read it with `socat`, and serde lets a newer peer
//! add fields an older one ignores. A type an older peer does not know
//! decodes as [`Incoming::Unknown`] and is skipped, not an error.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::frame::{FrameError, encode_frame};
use crate::status::{StatsReport, Status, VrrpState};

/// Which program is at the other end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// `keepalived-rs`, the supervisor: the hub every connection goes to.
    Supervisor,
    /// `vrrpd`.
    Vrrp,
    /// `checkerd`.
    Checker,
    /// `bfdd`.
    Bfd,
    /// `kactl` or another control client.
    Client,
}

impl Role {
    /// The program's name.
    pub fn program(self) -> &'static str {
        match self {
            Role::Supervisor => "keepalived-rs",
            Role::Vrrp => "vrrpd",
            Role::Checker => "checkerd",
            Role::Bfd => "bfdd",
            Role::Client => "kactl",
        }
    }
}

/// The first message each side sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`crate::PROTOCOL_VERSION`] of the sender.
    pub version: u32,
    /// What the sender is.
    pub role: Role,
    /// The sender's process id.
    pub pid: u32,
    /// Program and version, for logs (`keepalived-rs 0.1.0`).
    pub software: String,
}

impl Hello {
    /// This process's hello as `role`.
    pub fn new(role: Role) -> Self {
        Self {
            version: crate::PROTOCOL_VERSION,
            role,
            pid: std::process::id(),
            software: format!("{} {}", role.program(), env!("CARGO_PKG_VERSION")),
        }
    }
}

/// A VRRP instance's state, pushed by vrrpd on every change and in full
/// after each (re)connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VrrpStateEvent {
    /// The instance.
    pub instance: String,
    /// Its state now.
    pub state: VrrpState,
    /// Its effective priority now.
    pub priority: u8,
    /// Its sync group, if any.
    #[serde(default)]
    pub sync_group: Option<String>,
}

/// A BFD session's state, pushed by bfdd (relayed by the supervisor to
/// vrrpd for `track_bfd` and to checkerd for `BFD_CHECK`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BfdStateEvent {
    /// The `bfd_instance` name.
    pub session: String,
    /// `up`, `down`, `init` or `admin_down`.
    pub state: String,
}

/// A real server's health, pushed by checkerd.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RealServerEvent {
    /// The virtual server (`10.0.0.1:80`, `fwmark 5`, or a group name).
    pub virtual_server: String,
    /// The real server (`10.0.0.2:80`).
    pub real_server: String,
    /// Whether its checks pass.
    pub healthy: bool,
    /// IPVS weight in force.
    pub weight: u32,
}

/// What a request's reply reports besides its data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Whether everything asked was done.
    pub ok: bool,
    /// What went wrong, one line each (config diagnostics on a refused
    /// reload).
    #[serde(default)]
    pub errors: Vec<String>,
}

impl Outcome {
    /// Success.
    pub fn ok() -> Self {
        Self {
            ok: true,
            errors: Vec::new(),
        }
    }

    /// Failure with these reasons.
    pub fn failed(errors: Vec<String>) -> Self {
        Self { ok: false, errors }
    }
}

/// Every message of protocol version 1.
///
/// Requests carry an `id` chosen by the sender; the reply carries the same
/// `id`. Events carry none and get no reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// First message in each direction.
    Hello(Hello),
    /// Sent before closing a connection that is not accepted (protocol
    /// version, peer not root, a second daemon of the same role).
    Refused {
        /// Why.
        reason: String,
    },
    /// Event: a VRRP instance's state.
    VrrpState(VrrpStateEvent),
    /// Event: a BFD session's state.
    BfdState(BfdStateEvent),
    /// Event: a real server's health.
    RealServer(RealServerEvent),
    /// Request: the status of every daemon (client → supervisor) or of one
    /// (supervisor → daemon).
    StatusRequest {
        /// Request id.
        id: u64,
    },
    /// Reply to [`Message::StatusRequest`].
    StatusReply {
        /// The request's id.
        id: u64,
        /// The status.
        status: Status,
    },
    /// Request: counters, optionally cleared once read.
    StatsRequest {
        /// Request id.
        id: u64,
        /// Reset the counters after reading them.
        clear: bool,
    },
    /// Reply to [`Message::StatsRequest`].
    StatsReply {
        /// The request's id.
        id: u64,
        /// The counters.
        stats: StatsReport,
    },
    /// Request: read the configuration again and apply the difference
    /// (client → supervisor, which validates first; supervisor → daemon).
    Reload {
        /// Request id.
        id: u64,
    },
    /// Request: send gratuitous ARPs / neighbour advertisements for an
    /// instance's addresses now (it must be master).
    Garp {
        /// Request id.
        id: u64,
        /// The `vrrp_instance`.
        instance: String,
    },
    /// Reply to [`Message::Reload`] and [`Message::Garp`].
    Done {
        /// The request's id.
        id: u64,
        /// What happened.
        outcome: Outcome,
    },
}

impl Message {
    /// The `"type"` of each message this version knows.
    pub const TYPES: [&'static str; 12] = [
        "hello",
        "refused",
        "vrrp_state",
        "bfd_state",
        "real_server",
        "status_request",
        "status_reply",
        "stats_request",
        "stats_reply",
        "reload",
        "garp",
        "done",
    ];

    /// Serialises and frames the message.
    ///
    /// # Errors
    /// When it is larger than [`crate::MAX_FRAME`].
    pub fn to_frame(&self) -> Result<Vec<u8>, FrameError> {
        // Serialising these types cannot fail: every map key is a string.
        let payload = serde_json::to_vec(self).unwrap_or_default();
        encode_frame(&payload)
    }
}

/// A decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A message this version knows.
    Message(Message),
    /// A message type from a newer peer: skip it.
    Unknown {
        /// Its `"type"`.
        kind: String,
    },
}

/// A frame that is not a message: the peer is broken or hostile; log it and
/// drop the connection.
#[derive(Debug, Error)]
pub enum DecodeError {
    /// Not a JSON object with a string `"type"`.
    #[error("not a message: {0}")]
    NotAMessage(String),
    /// A known type with fields that do not fit.
    #[error("malformed {kind} message: {source}")]
    Malformed {
        /// Its `"type"`.
        kind: String,
        /// What serde said.
        source: serde_json::Error,
    },
}

/// Decodes one frame's payload.
///
/// # Errors
/// When it is not a message (see [`DecodeError`]).
pub fn decode(payload: &[u8]) -> Result<Incoming, DecodeError> {
    let value: serde_json::Value = serde_json::from_slice(payload)
        .map_err(|e| DecodeError::NotAMessage(format!("invalid JSON: {e}")))?;
    let kind = match value.get("type") {
        Some(serde_json::Value::String(kind)) => kind.clone(),
        _ => {
            return Err(DecodeError::NotAMessage(
                "no string \"type\" field".to_owned(),
            ));
        }
    };
    if !Message::TYPES.contains(&kind.as_str()) {
        return Ok(Incoming::Unknown { kind });
    }
    serde_json::from_value(value)
        .map(Incoming::Message)
        .map_err(|source| DecodeError::Malformed { kind, source })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::frame::{FrameReader, HEADER_LEN};

    fn roundtrip(message: Message) {
        let frame = message.to_frame().unwrap();
        let mut reader = FrameReader::new();
        reader.push(&frame);
        let payload = reader.next_frame().unwrap().unwrap();
        assert_eq!(decode(&payload).unwrap(), Incoming::Message(message));
    }

    #[test]
    fn every_message_survives_the_wire() {
        roundtrip(Message::Hello(Hello::new(Role::Vrrp)));
        roundtrip(Message::Refused {
            reason: "peer uid 1000 is not root".into(),
        });
        roundtrip(Message::VrrpState(VrrpStateEvent {
            instance: "VI_1".into(),
            state: VrrpState::Master,
            priority: 150,
            sync_group: Some("G1".into()),
        }));
        roundtrip(Message::BfdState(BfdStateEvent {
            session: "b1".into(),
            state: "up".into(),
        }));
        roundtrip(Message::RealServer(RealServerEvent {
            virtual_server: "10.0.0.1:80".into(),
            real_server: "10.0.0.2:80".into(),
            healthy: true,
            weight: 1,
        }));
        roundtrip(Message::StatusRequest { id: 7 });
        roundtrip(Message::StatusReply {
            id: 7,
            status: Status::default(),
        });
        roundtrip(Message::StatsRequest { id: 8, clear: true });
        roundtrip(Message::StatsReply {
            id: 8,
            stats: StatsReport::default(),
        });
        roundtrip(Message::Reload { id: 9 });
        roundtrip(Message::Garp {
            id: 10,
            instance: "VI_1".into(),
        });
        roundtrip(Message::Done {
            id: 9,
            outcome: Outcome::failed(vec!["k.conf:3:1: unknown keyword".into()]),
        });
    }

    #[test]
    fn the_wire_format_is_as_documented() {
        let json = serde_json::to_string(&Message::Garp {
            id: 3,
            instance: "VI_1".into(),
        })
        .unwrap();
        assert_eq!(json, r#"{"type":"garp","id":3,"instance":"VI_1"}"#);
        let frame = Message::Reload { id: 1 }.to_frame().unwrap();
        assert_eq!(&frame[..HEADER_LEN], &[0, 0, 0, 24]);
        assert_eq!(&frame[HEADER_LEN..], br#"{"type":"reload","id":1}"#);
    }

    #[test]
    fn a_newer_peer_is_understood_as_far_as_it_can_be() {
        // An unknown type is skipped, not an error.
        assert_eq!(
            decode(br#"{"type":"frobnicate","id":1}"#).unwrap(),
            Incoming::Unknown {
                kind: "frobnicate".into()
            }
        );
        // Unknown fields of a known type are ignored.
        assert_eq!(
            decode(br#"{"type":"reload","id":1,"dry_run":true}"#).unwrap(),
            Incoming::Message(Message::Reload { id: 1 })
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bad in [
            &b"\xff\xfe"[..],
            b"[]",
            b"{}",
            br#"{"type":5}"#,
            br#"{"type":"reload"}"#,
            br#"{"type":"reload","id":-1}"#,
            br#"{"type":"status_reply","id":1,"status":{"vrrp_instances":[{"iname":1}]}}"#,
        ] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn random_payloads_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn random_json_never_panics(kind in "[a-z_]{1,14}", id in any::<i64>(), text in ".{0,20}") {
            let payload = format!(r#"{{"type":"{kind}","id":{id},"instance":{text:?},"clear":{text:?}}}"#);
            let _ = decode(payload.as_bytes());
        }
    }
}
