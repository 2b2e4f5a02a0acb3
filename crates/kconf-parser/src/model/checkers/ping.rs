//! `PING_CHECK { ... }`: the server is up when it answers an ICMP echo
//! request (keepalived may widen `net.ipv4.ping_group_range` for it).

use std::net::IpAddr;

use super::options::{self, CheckOptions, CheckerBlock, ConnectOptions};
use crate::model::reader::Cx;
use crate::model::writer::Writer;
use crate::syntax::Node;

model! {
    /// `PING_CHECK`: only the shared options.
    pub struct PingCheck {
        /// `retry`, `delay_loop`, ...
        pub options: CheckOptions = CheckOptions::default(),
        /// `connect_ip`, `connect_port`, ...
        pub connection: ConnectOptions = ConnectOptions::default(),
    }
}

impl CheckerBlock for PingCheck {
    fn options(&mut self) -> &mut CheckOptions {
        &mut self.options
    }
    fn connection(&mut self) -> Option<&mut ConnectOptions> {
        Some(&mut self.connection)
    }
}

/// Reads a `PING_CHECK` block.
pub(super) fn read(cx: &mut Cx<'_>, node: &Node, real_server: IpAddr) -> Option<PingCheck> {
    let mut check = PingCheck::default();
    if !options::read_block(cx, node, &[], &mut check) {
        return None;
    }
    options::connection_usable(cx, node, &check.connection, real_server).then_some(check)
}

/// Writes a `PING_CHECK` block.
pub(super) fn write(check: &PingCheck, w: &mut Writer) {
    w.open(&["PING_CHECK"]);
    options::write_connection(&check.connection, w);
    options::write_options(&check.options, w);
    w.close();
}
