//! Addresses, routes and rules: `virtual_ipaddress`, `virtual_routes`,
//! `virtual_rules` and their `static_*` twins, in `ip addr`/`ip route`/`ip
//! rule` syntax.

use super::reader::{Cx, Keywords};
use super::writer::Writer;
use crate::syntax::Node;

model! {
    /// One address line: `IP[/LEN] [brd IP] [dev IF] [scope S] [label L] ...`.
    pub struct IpAddress {
        /// The address and prefix length as written.
        pub address: String = String::new(),
    }
}

model! {
    /// One route line, in `ip route` syntax.
    pub struct Route {
        /// The destination.
        pub to: String = String::new(),
    }
}

model! {
    /// One rule line, in `ip rule` syntax.
    pub struct Rule {
        /// The words of the rule.
        pub words: Vec<String> = Vec::new(),
    }
}

const NONE: &Keywords<()> = &[];

/// Reads a block of address lines.
pub(crate) fn read_addresses(cx: &mut Cx<'_>, node: &Node, _out: &mut Vec<IpAddress>) {
    cx.read_block(node, node.name(), NONE, &mut ());
}

/// Reads a block of route lines.
pub(crate) fn read_routes(cx: &mut Cx<'_>, node: &Node, _out: &mut Vec<Route>) {
    cx.read_block(node, node.name(), NONE, &mut ());
}

/// Reads a block of rule lines.
pub(crate) fn read_rules(cx: &mut Cx<'_>, node: &Node, _out: &mut Vec<Rule>) {
    cx.read_block(node, node.name(), NONE, &mut ());
}

/// Writes the `static_*` blocks.
pub(crate) fn write_static(_config: &super::Config, _w: &mut Writer) {}

/// Writes a block of address lines.
pub(crate) fn write_addresses(_keyword: &str, _items: &[IpAddress], _w: &mut Writer) {}

/// Writes a block of route lines.
pub(crate) fn write_routes(_keyword: &str, _items: &[Route], _w: &mut Writer) {}

/// Writes a block of rule lines.
pub(crate) fn write_rules(_keyword: &str, _items: &[Rule], _w: &mut Writer) {}

/// Checks of this section that need the whole configuration (references
/// between blocks, combinations keepalived refuses).
pub(crate) fn validate(_config: &super::Config, _cx: &mut Cx<'_>) {}
