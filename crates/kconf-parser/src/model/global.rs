//! `global_defs` and the top-level daemon settings.

use super::reader::{Cx, Keywords};
use super::writer::Writer;
use crate::syntax::Node;

model! {
    /// `global_defs`, plus the settings keepalived takes at the top level.
    pub struct GlobalDefs {
        /// `router_id`: names this host in alerts (default: the host name).
        pub router_id: Option<String> = None,
        /// `vrrp_strict`: enforce RFC compliance (no unicast, no auth, VIP owner rules).
        pub vrrp_strict: bool = false,
        /// `vrrp_version`: the default VRRP version of instances (default 2).
        pub vrrp_version: u8 = 2,
        /// `script_user USER [GROUP]`: who runs scripts (default: keepalived_script, else root).
        pub script_user: Option<(String, Option<String>)> = None,
        /// `enable_script_security`: refuse scripts a non-root user could change.
        pub enable_script_security: bool = false,
    }
}

const GLOBAL_DEFS: &Keywords<GlobalDefs> = &[];

/// Reads a `global_defs` block.
pub(crate) fn read_global_defs(cx: &mut Cx<'_>, node: &Node, global: &mut GlobalDefs) {
    cx.at_most(node, 0);
    cx.read_block(node, "global_defs", GLOBAL_DEFS, global);
}

const TOP_LEVEL: &Keywords<GlobalDefs> = &[];

/// Reads a top-level daemon setting (`net_namespace`, `instance`, ...).
pub(crate) fn read_top_level(cx: &mut Cx<'_>, node: &Node, global: &mut GlobalDefs) {
    cx.dispatch(node, "the top level", TOP_LEVEL, global);
}

/// Writes `global_defs` and the top-level settings.
pub(crate) fn write(global: &GlobalDefs, w: &mut Writer) {
    if *global == GlobalDefs::default() {
        return;
    }
    w.open(&["global_defs"]);
    w.opt("router_id", &global.router_id);
    w.close();
}

/// Checks of this section that need the whole configuration (references
/// between blocks, combinations keepalived refuses).
pub(crate) fn validate(_config: &super::Config, _cx: &mut Cx<'_>) {}
