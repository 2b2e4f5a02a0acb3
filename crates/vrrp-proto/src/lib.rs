//! The VRRP virtual router of RFC 3768 (v2) and RFC 5798 / RFC 9568 (v3), with
//! keepalived's extensions, as a library with no sockets, no clock and no runtime.
//!
//! What this crate is for:
//! - wire format ([`wire`]): zero-copy packet views plus owned representations
//!   with `parse`/`emit` (the smoltcp `wire` pattern), checksums, PASS and HMAC
//!   authentication;
//! - receive validation in the order the RFCs and keepalived apply it, with
//!   keepalived's counters;
//! - the per-instance state machine (Init, Backup, Master, Fault), driven as
//!   `handle_*(now, ...)` in and `poll_*()` out, so that every timer can be tested
//!   exactly and the same inputs always give the same outputs.
//!
//! What it deliberately does not do: it never reads the system clock, never draws
//! random numbers by itself, and never touches a socket or netlink; `vrrpd` does
//! the I/O and feeds the results in.
//!
//! Two routers on a virtual clock: the one with the higher priority becomes
//! master after its Master_Down_Interval, the other stays backup.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use vrrp_proto::{Action, Instance, InstanceConfig, State};
//!
//! let vip = "192.0.2.100".parse().unwrap();
//! let mut make = |address: &str, priority| {
//!     let mut config = InstanceConfig::new("VI_1", 51, address.parse().unwrap());
//!     config.priority = priority;
//!     config.virtual_addresses = vec![vip];
//!     Instance::new(config)
//! };
//! let mut routers = [make("192.0.2.1", 200), make("192.0.2.2", 100)];
//! let start = Instant::now(); // the caller's clock; the crate never reads one
//! for router in &mut routers {
//!     router.handle_startup(start);
//! }
//! let mut now = start;
//! while now < start + Duration::from_secs(10) {
//!     // Jump to the earliest timer, fire it, and deliver what was sent.
//!     now = routers.iter().filter_map(|r| r.poll_timeout()).min().unwrap();
//!     for i in 0..2 {
//!         routers[i].handle_timeout(now);
//!         while let Some(transmit) = routers[i].poll_transmit() {
//!             let source = routers[i].config().primary_address;
//!             let _ = routers[1 - i].handle_advert(now, source, 255, &transmit.advert);
//!         }
//!     }
//! }
//! assert_eq!(routers[0].state(), State::Master);
//! assert_eq!(routers[1].state(), State::Backup);
//! // The master was told to add the virtual addresses.
//! let actions: Vec<Action> = std::iter::from_fn(|| routers[0].poll_action()).collect();
//! assert!(actions.contains(&Action::InstallVirtual));
//! ```
#![forbid(unsafe_code)]

pub mod wire;

mod config;
mod instance;
mod output;
mod packet_in;
mod receive;
mod stats;
mod sync;
mod tracker;

pub use config::{
    GarpConfig, HmacConfig, HmacMode, InstanceConfig, Peer, TrackerConfig, master_down_interval,
    skew_time,
};
pub use instance::{GroupEvent, Instance};
pub use output::{Action, Destinations, Reason, State, Transmit};
pub use packet_in::PacketError;
pub use receive::Drop;
pub use stats::{RouterStats, Stats};
pub use sync::SyncGroup;
pub use tracker::TrackerStatus;
