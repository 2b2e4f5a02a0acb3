//! `track_file`, `vrrp_track_process`, `track_group` and `linkbeat_interfaces`.

use super::reader::{Cx, Keywords};
use super::writer::Writer;
use crate::syntax::Node;

model! {
    /// An interface polled for link state: `linkbeat_interfaces { eth0 [MII|ETHTOOL|IOCTL] }`.
    pub struct LinkbeatInterface {
        /// Interface name.
        pub name: String = String::new(),
    }
}

model! {
    /// `track_group NAME { group { VI_1 ... } }`.
    pub struct TrackGroup {
        /// Group name.
        pub name: String = String::new(),
    }
}

model! {
    /// `track_file NAME { file PATH weight N [reverse] init_file [VALUE] [overwrite] }`.
    pub struct TrackFile {
        /// Name referenced by `track_file` in instances.
        pub name: String = String::new(),
    }
}

model! {
    /// `vrrp_track_process NAME { process CMD ... }`.
    pub struct TrackProcess {
        /// Name referenced by `track_process` in instances.
        pub name: String = String::new(),
    }
}

model! {
    /// One line of `interface_up_down_delays`: `IFNAME DOWN_DELAY [UP_DELAY]`.
    pub struct InterfaceDelay {
        /// Interface name.
        pub interface: String = String::new(),
    }
}

const NONE: &Keywords<()> = &[];

/// Reads `interface_up_down_delays`.
pub(crate) fn read_interface_up_down_delays(
    cx: &mut Cx<'_>,
    node: &Node,
    _out: &mut Vec<InterfaceDelay>,
) {
    cx.read_block(node, "interface_up_down_delays", NONE, &mut ());
}

/// Writes `interface_up_down_delays`.
pub(crate) fn write_interface_up_down_delays(_items: &[InterfaceDelay], _w: &mut Writer) {}

/// Reads `linkbeat_interfaces`.
pub(crate) fn read_linkbeat_interfaces(
    cx: &mut Cx<'_>,
    node: &Node,
    _out: &mut Vec<LinkbeatInterface>,
) {
    cx.read_block(node, "linkbeat_interfaces", NONE, &mut ());
}

/// Reads a `track_group`.
pub(crate) fn read_track_group(cx: &mut Cx<'_>, node: &Node, _out: &mut Vec<TrackGroup>) {
    cx.read_block(node, "track_group", NONE, &mut ());
}

/// Reads a `track_file`.
pub(crate) fn read_track_file(cx: &mut Cx<'_>, node: &Node, _out: &mut Vec<TrackFile>) {
    cx.read_block(node, "track_file", NONE, &mut ());
}

/// Reads a `vrrp_track_process`.
pub(crate) fn read_track_process(cx: &mut Cx<'_>, node: &Node, _out: &mut Vec<TrackProcess>) {
    cx.read_block(node, "vrrp_track_process", NONE, &mut ());
}

/// Writes `linkbeat_interfaces`.
pub(crate) fn write_linkbeat_interfaces(_items: &[LinkbeatInterface], _w: &mut Writer) {}

/// Writes a `track_group`.
pub(crate) fn write_track_group(_group: &TrackGroup, _w: &mut Writer) {}

/// Writes a `track_file`.
pub(crate) fn write_track_file(_file: &TrackFile, _w: &mut Writer) {}

/// Writes a `vrrp_track_process`.
pub(crate) fn write_track_process(_process: &TrackProcess, _w: &mut Writer) {}

/// Checks of this section that need the whole configuration (references
/// between blocks, combinations keepalived refuses).
pub(crate) fn validate(_config: &super::Config, _cx: &mut Cx<'_>) {}
