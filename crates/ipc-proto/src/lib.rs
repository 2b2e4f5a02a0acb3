//! The protocol keepalived-rs's processes speak over Unix sockets in
//! `--run-dir`: the daemons (vrrpd, checkerd, bfdd) and control clients
//! (kactl) each connect to the supervisor, which relays events and merges
//! replies. See `docs/IPC.md` for the operator's view.
//!
//! - [`frame`]: a 4-byte big-endian length, then a payload; partial reads
//!   wait, oversized frames are refused before they are buffered.
//! - [`message`]: one JSON object per frame, its kind in `"type"`; unknown
//!   types from a newer peer are skipped, garbage is an error.
//! - [`status`]: the stable status schema behind `kactl status --json`.
//! - `stream` (feature `tokio`): a cancel-safe reader, a writer and the
//!   SO_PEERCRED check.
//!
//! The crate holds no runtime of its own: [`frame`] and [`message`] are
//! plain functions over bytes.

pub mod frame;
pub mod message;
pub mod status;
#[cfg(feature = "tokio")]
pub mod stream;

pub use frame::{FrameError, FrameReader, MAX_FRAME};
pub use message::{
    BfdStateEvent, DecodeError, Hello, Incoming, Message, Outcome, RealServerEvent, Role,
    VrrpStateEvent, decode,
};
pub use status::{
    BfdSessionStatus, CHECK_DURATION_BOUNDS, Counters, DaemonInfo, Histogram, KeepalivedFields,
    RealServerStatus, StatsReport, Status, SyncGroupStatus, TrackerStatus, VirtualServerStatus,
    VrrpInstanceStatus, VrrpState,
};

/// The protocol version in every [`Hello`]. Peers of another version are
/// refused; within a version, messages and fields are only added.
pub const PROTOCOL_VERSION: u32 = 1;

/// The supervisor's socket, in `--run-dir`.
pub const SOCKET_NAME: &str = "keepalived-rs.sock";
