//! The closed choices of the LVS section: schedulers, protocols, address
//! families and persistence granularity, with the words keepalived accepts
//! for each.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

/// An IPVS scheduler (`lvs_sched`, alias `lb_algo`), named as ipvsadm names
/// it. keepalived 2.2.7 accepts exactly these names (case-sensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheduler {
    /// `rr`: round robin.
    RoundRobin,
    /// `wrr`: weighted round robin.
    WeightedRoundRobin,
    /// `lc`: least connections.
    LeastConnection,
    /// `wlc`: weighted least connections (keepalived's default, with a warning).
    WeightedLeastConnection,
    /// `lblc`: locality-based least connections.
    LocalityBasedLeastConnection,
    /// `sh`: source hashing (takes `sh-port` and `sh-fallback`).
    SourceHashing,
    /// `mh`: Maglev hashing (takes `mh-port` and `mh-fallback`).
    MaglevHashing,
    /// `dh`: destination hashing.
    DestinationHashing,
    /// `fo`: weighted failover.
    WeightedFailover,
    /// `ovf`: weighted overflow.
    WeightedOverflow,
    /// `lblcr`: locality-based least connections with replication.
    LocalityBasedLeastConnectionReplication,
    /// `sed`: shortest expected delay.
    ShortestExpectedDelay,
    /// `nq`: never queue.
    NeverQueue,
    /// `twos`: weighted random twos choice.
    TwoChoice,
}

/// The scheduler names keepalived accepts.
pub(crate) const SCHEDULERS: &[(&str, Scheduler)] = &[
    ("rr", Scheduler::RoundRobin),
    ("wrr", Scheduler::WeightedRoundRobin),
    ("lc", Scheduler::LeastConnection),
    ("wlc", Scheduler::WeightedLeastConnection),
    ("lblc", Scheduler::LocalityBasedLeastConnection),
    ("sh", Scheduler::SourceHashing),
    ("mh", Scheduler::MaglevHashing),
    ("dh", Scheduler::DestinationHashing),
    ("fo", Scheduler::WeightedFailover),
    ("ovf", Scheduler::WeightedOverflow),
    ("lblcr", Scheduler::LocalityBasedLeastConnectionReplication),
    ("sed", Scheduler::ShortestExpectedDelay),
    ("nq", Scheduler::NeverQueue),
    ("twos", Scheduler::TwoChoice),
];

impl Scheduler {
    /// The ipvsadm name (`rr`, `wlc`, ...).
    pub fn name(self) -> &'static str {
        super::values::name_of(SCHEDULERS, self)
    }
}

impl fmt::Display for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The scheduler flag bits (`-b` in ipvsadm). The hashing schedulers name
/// the first two bits themselves: `sh-fallback`/`mh-fallback` is flag 1 and
/// `sh-port`/`mh-port` is flag 2 (the kernel's `IP_VS_SVC_F_SCHED_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SchedulerFlags {
    /// `flag-1` (`sh-fallback`, `mh-fallback`); default off.
    pub flag_1: bool,
    /// `flag-2` (`sh-port`, `mh-port`); default off.
    pub flag_2: bool,
    /// `flag-3`; default off.
    pub flag_3: bool,
}

/// The layer 4 protocol of a virtual service (`protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `TCP`.
    Tcp,
    /// `UDP`.
    Udp,
    /// `SCTP`.
    Sctp,
}

/// The protocol names; keepalived compares them ignoring case.
pub(crate) const PROTOCOLS: &[(&str, Protocol)] = &[
    ("TCP", Protocol::Tcp),
    ("UDP", Protocol::Udp),
    ("SCTP", Protocol::Sctp),
];

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(super::values::name_of(PROTOCOLS, *self))
    }
}

/// An address family (`ip_family`, and the family of a group's fwmark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpFamily {
    /// `inet`: IPv4.
    Inet,
    /// `inet6`: IPv6.
    Inet6,
}

/// The family names, matched exactly.
pub(crate) const FAMILIES: &[(&str, IpFamily)] =
    &[("inet", IpFamily::Inet), ("inet6", IpFamily::Inet6)];

impl IpFamily {
    /// The family of an address.
    pub fn of(ip: &IpAddr) -> IpFamily {
        match ip {
            IpAddr::V4(_) => IpFamily::Inet,
            IpAddr::V6(_) => IpFamily::Inet6,
        }
    }
}

impl fmt::Display for IpFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(super::values::name_of(FAMILIES, *self))
    }
}

/// `persistence_granularity`: which client addresses share a persistent
/// connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersistenceGranularity {
    /// An IPv4 netmask (`255.255.255.0`); keepalived, like ipvsadm, does not
    /// require it to be contiguous.
    Netmask(Ipv4Addr),
    /// An IPv6 prefix length, 1-128.
    PrefixLength(u8),
}

impl PersistenceGranularity {
    /// The family the granularity implies.
    pub fn family(self) -> IpFamily {
        match self {
            PersistenceGranularity::Netmask(_) => IpFamily::Inet,
            PersistenceGranularity::PrefixLength(_) => IpFamily::Inet6,
        }
    }
}

impl fmt::Display for PersistenceGranularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PersistenceGranularity::Netmask(mask) => mask.fmt(f),
            PersistenceGranularity::PrefixLength(len) => len.fmt(f),
        }
    }
}
