//! The LVS section: `virtual_server_group`, `virtual_server`, its
//! `sorry_server` and `real_server` blocks (their checkers are in
//! [`checkers`](super::checkers)).
//!
//! Keywords, ranges and verdicts follow keepalived 2.2.7, checked against
//! `keepalived -t` where the man page is silent or wrong: for example a
//! virtual server without `protocol`, `lvs_sched` or `lvs_method` is a
//! warning (keepalived picks UDP, `wlc` and NAT), and FILE_CHECK has no
//! `dynamic` keyword. Every bad value is a diagnostic and its line is
//! skipped; nothing here panics.
//!
//! A few keepalived quirks are kept on purpose and noted (never warned
//! about, since keepalived is silent): `alpha`, `omega`, `ha_suspend`,
//! `inhibit_on_failure` and `ops` in a virtual server ignore any value (so
//! `alpha no` turns alpha on), and `sh-port`/`mh-port` are read against the
//! scheduler set before them.

mod forwarding;
mod group;
mod kinds;
mod real_server;
mod validate;
pub(crate) mod values;
mod virtual_server;

pub use forwarding::{ForwardingMethod, Tunnel, TunnelChecksum, TunnelKind};
pub use group::{AddressRange, GroupEntry, VirtualServerGroup};
pub use kinds::{IpFamily, PersistenceGranularity, Protocol, Scheduler, SchedulerFlags};
pub use real_server::{MAX_WEIGHT, RealServer};
pub use virtual_server::{
    DEFAULT_PERSISTENCE_TIMEOUT, MAX_PERSISTENCE_TIMEOUT, SorryServer, VirtualServer,
    VirtualServerTarget,
};

use super::reader::Cx;
use super::writer::Writer;
use crate::syntax::Node;

/// Reads a `virtual_server_group`.
pub(crate) fn read_virtual_server_group(
    cx: &mut Cx<'_>,
    node: &Node,
    out: &mut Vec<VirtualServerGroup>,
) {
    group::read(cx, node, out);
}

/// Reads a `virtual_server`.
pub(crate) fn read_virtual_server(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<VirtualServer>) {
    virtual_server::read(cx, node, out);
}

/// Writes a `virtual_server_group`.
pub(crate) fn write_virtual_server_group(group: &VirtualServerGroup, w: &mut Writer) {
    group::write(group, w);
}

/// Writes a `virtual_server`.
pub(crate) fn write_virtual_server(server: &VirtualServer, w: &mut Writer) {
    virtual_server::write(server, w);
}

/// Checks of this section that need the whole configuration (references
/// between blocks, combinations keepalived refuses).
pub(crate) fn validate(config: &super::Config, cx: &mut Cx<'_>) {
    validate::validate(config, cx);
}

#[cfg(test)]
pub(crate) mod tests;
