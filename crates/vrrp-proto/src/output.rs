//! What the state machine asks the daemon to do.

use std::net::IpAddr;

use crate::wire::AdvertRepr;

/// The state of a virtual router (RFC 5798 §6.4, plus keepalived's Fault
/// and Stop).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Not started yet.
    Init,
    /// Watching the master.
    Backup,
    /// Holding the virtual addresses and sending adverts.
    Master,
    /// An interface or a tracked object with weight 0 is down.
    Fault,
    /// Shut down.
    Stop,
}

impl State {
    /// keepalived's word for the state, as notify scripts and FIFOs get it.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Init => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
            State::Stop => "STOP",
        }
    }
}

/// Why the last transition happened, for status output and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Start-up.
    Startup,
    /// The address owner starts as master at once (RFC 5798 §6.4.1).
    AddressOwner,
    /// No advert from a master for Master_Down_Interval (§6.4.2).
    MasterDown,
    /// An advert from a higher priority (or equal priority, higher address)
    /// master (§6.4.3).
    HigherPriority {
        /// The other master's address.
        from: IpAddr,
        /// Its priority.
        priority: u8,
    },
    /// The instance's interface went down.
    InterfaceDown,
    /// A tracked object with weight 0 went down.
    TrackerDown(usize),
    /// Everything that faulted the instance is back.
    Recovered,
    /// Its sync group moved.
    SyncGroup,
    /// Shut down.
    Shutdown,
}

/// Where an advert goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destinations {
    /// The VRRP multicast group of the interface.
    Multicast,
    /// Each of these unicast peers.
    Unicast(Vec<IpAddr>),
}

/// An advert to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The advert.
    pub advert: AdvertRepr,
    /// Where to.
    pub destinations: Destinations,
}

/// Work for the daemon, in the order it must be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The state changed: log it, run notify hooks, tell the supervisor.
    StateChanged {
        /// The previous state.
        from: State,
        /// The new state.
        to: State,
        /// Why.
        reason: Reason,
    },
    /// Add the virtual addresses, routes and rules.
    InstallVirtual,
    /// Remove the virtual addresses, routes and rules.
    RemoveVirtual,
    /// Send this many gratuitous ARPs / unsolicited neighbour advertisements
    /// for each virtual address (spaced by the global garp/gna interval).
    Gratuitous {
        /// Messages per address.
        count: u32,
    },
}
