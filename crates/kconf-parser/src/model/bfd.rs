//! `bfd_instance` blocks.

use super::reader::{Cx, Keywords};
use super::writer::Writer;
use crate::syntax::Node;

model! {
    /// `bfd_instance NAME { neighbor_ip ... }`.
    pub struct BfdInstance {
        /// Name referenced by `track_bfd` and `BFD_CHECK`.
        pub name: String = String::new(),
    }
}

const NONE: &Keywords<()> = &[];

/// Reads a `bfd_instance`.
pub(crate) fn read_bfd_instance(cx: &mut Cx<'_>, node: &Node, _out: &mut Vec<BfdInstance>) {
    cx.read_block(node, "bfd_instance", NONE, &mut ());
}

/// Writes a `bfd_instance`.
pub(crate) fn write_bfd_instance(_instance: &BfdInstance, _w: &mut Writer) {}

/// Checks of this section that need the whole configuration (references
/// between blocks, combinations keepalived refuses).
pub(crate) fn validate(_config: &super::Config, _cx: &mut Cx<'_>) {}
