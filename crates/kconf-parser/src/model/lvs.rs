//! `virtual_server_group`, `virtual_server` and `real_server`.

use super::reader::{Cx, Keywords};
use super::writer::Writer;
use crate::syntax::Node;

model! {
    /// `virtual_server_group NAME { ... }`.
    pub struct VirtualServerGroup {
        /// Name referenced by `virtual_server group NAME`.
        pub name: String = String::new(),
    }
}

model! {
    /// `virtual_server IP PORT { ... }`.
    pub struct VirtualServer {
        /// `ha_suspend`.
        pub ha_suspend: bool = false,
    }
}

const NONE: &Keywords<()> = &[];

/// Reads a `virtual_server_group`.
pub(crate) fn read_virtual_server_group(
    cx: &mut Cx<'_>,
    node: &Node,
    _out: &mut Vec<VirtualServerGroup>,
) {
    cx.read_block(node, "virtual_server_group", NONE, &mut ());
}

/// Reads a `virtual_server`.
pub(crate) fn read_virtual_server(cx: &mut Cx<'_>, node: &Node, _out: &mut Vec<VirtualServer>) {
    cx.read_block(node, "virtual_server", NONE, &mut ());
}

/// Writes a `virtual_server_group`.
pub(crate) fn write_virtual_server_group(_group: &VirtualServerGroup, _w: &mut Writer) {}

/// Writes a `virtual_server`.
pub(crate) fn write_virtual_server(_server: &VirtualServer, _w: &mut Writer) {}

/// Checks of this section that need the whole configuration (references
/// between blocks, combinations keepalived refuses).
pub(crate) fn validate(_config: &super::Config, _cx: &mut Cx<'_>) {}
