//! Health checkers of real servers, and the `SSL` block.

use super::reader::{Cx, Keywords};
use super::writer::Writer;
use crate::syntax::Node;

model! {
    /// The `SSL { password ca certificate key }` block used by SSL_GET.
    pub struct SslConfig {
        /// `password`.
        pub password: Option<String> = None,
    }
}

const NONE: &Keywords<()> = &[];

/// Reads the `SSL` block.
pub(crate) fn read_ssl(cx: &mut Cx<'_>, node: &Node, _out: &mut Option<SslConfig>) {
    cx.read_block(node, "SSL", NONE, &mut ());
}

/// Writes the `SSL` block.
pub(crate) fn write_ssl(_ssl: &SslConfig, _w: &mut Writer) {}

/// Checks of this section that need the whole configuration (references
/// between blocks, combinations keepalived refuses).
pub(crate) fn validate(_config: &super::Config, _cx: &mut Cx<'_>) {}
