//! `vrrp_sync_group` and `garp_group`.

use std::time::Duration;

use super::tracking::{self, TrackInterface, TrackRef};
use crate::diagnostic::{Code, Severity};
use crate::model::reader::{Cx, Keywords, located};
use crate::model::types::{Located, Script};
use crate::model::writer::Writer;
use crate::syntax::Node;

model! {
    /// Instances that change state together: if one goes to FAULT or
    /// BACKUP, all do.
    pub struct SyncGroup {
        /// The group's name.
        pub name: Located<String> = Located::bare(String::new()),
        /// `group { VI_1 VI_2 }`: the member instances.
        pub group: Vec<Located<String>> = Vec::new(),
        /// `track_interface`: applies to every member.
        pub track_interface: Vec<TrackInterface> = Vec::new(),
        /// `track_script`.
        pub track_script: Vec<TrackRef> = Vec::new(),
        /// `track_file`.
        pub track_file: Vec<TrackRef> = Vec::new(),
        /// `track_process`.
        pub track_process: Vec<TrackRef> = Vec::new(),
        /// `track_bfd`.
        pub track_bfd: Vec<TrackRef> = Vec::new(),
        /// `notify_master`.
        pub notify_master: Option<Script> = None,
        /// `notify_backup`.
        pub notify_backup: Option<Script> = None,
        /// `notify_fault`.
        pub notify_fault: Option<Script> = None,
        /// `notify_stop`.
        pub notify_stop: Option<Script> = None,
        /// `notify_deleted [SCRIPT]`: report DELETED instead of FAULT for an
        /// instance removed by a reload.
        pub notify_deleted: bool = false,
        /// The script given with `notify_deleted`.
        pub notify_deleted_script: Option<Script> = None,
        /// `notify`: called on every transition with 4 extra arguments.
        pub notify: Option<Script> = None,
        /// `notify_priority_changes`.
        pub notify_priority_changes: Option<bool> = None,
        /// `smtp_alert` (default: the global smtp_alert/smtp_alert_vrrp).
        pub smtp_alert: Option<bool> = None,
        /// `global_tracking` (deprecated).
        pub global_tracking: bool = false,
        /// `sync_group_tracking_weight`: keep members' tracking weights.
        pub sync_group_tracking_weight: bool = false,
    }
}

const SYNC_GROUP: &Keywords<SyncGroup> = &[
    ("group", |cx, node, g| g.group.extend(cx.word_list(node))),
    ("track_interface", |cx, node, g| {
        tracking::read_interfaces(cx, node, &mut g.track_interface)
    }),
    ("track_script", |cx, node, g| {
        tracking::read_refs(cx, node, tracking::SCRIPT_WEIGHT, &mut g.track_script)
    }),
    ("track_file", |cx, node, g| {
        tracking::read_refs(cx, node, tracking::FILE_WEIGHT, &mut g.track_file)
    }),
    ("track_process", |cx, node, g| {
        tracking::read_refs(cx, node, tracking::PROCESS_WEIGHT, &mut g.track_process)
    }),
    ("track_bfd", |cx, node, g| {
        tracking::read_refs(cx, node, tracking::BFD_WEIGHT, &mut g.track_bfd)
    }),
    ("notify_master", |cx, node, g| {
        g.notify_master = cx.script(node)
    }),
    ("notify_backup", |cx, node, g| {
        g.notify_backup = cx.script(node)
    }),
    ("notify_fault", |cx, node, g| {
        g.notify_fault = cx.script(node)
    }),
    ("notify_stop", |cx, node, g| g.notify_stop = cx.script(node)),
    ("notify_deleted", |cx, node, g| {
        g.notify_deleted = true;
        if !node.args.is_empty() {
            g.notify_deleted_script = cx.script(node);
        }
    }),
    ("notify", |cx, node, g| g.notify = cx.script(node)),
    ("notify_priority_changes", |cx, node, g| {
        g.notify_priority_changes = cx.flag(node)
    }),
    ("smtp_alert", |cx, node, g| g.smtp_alert = cx.flag(node)),
    ("global_tracking", |cx, node, g| {
        g.global_tracking = cx.flag(node).unwrap_or(true)
    }),
    ("sync_group_tracking_weight", |cx, node, g| {
        g.sync_group_tracking_weight = cx.flag(node).unwrap_or(true);
    }),
];

/// Reads a `vrrp_sync_group NAME { ... }` block.
pub(crate) fn read_sync_group(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<SyncGroup>) {
    cx.at_most(node, 1);
    let Some(name) = cx.arg(node) else { return };
    let mut group = SyncGroup {
        name: located(name),
        ..SyncGroup::default()
    };
    cx.read_block(node, "vrrp_sync_group", SYNC_GROUP, &mut group);
    if group.group.is_empty() {
        cx.report(
            Severity::Warning,
            Code::MissingValue,
            &node.keyword.location,
            format!(
                "vrrp_sync_group {} has no member instances (`group {{ }}`); it is ignored",
                name.text
            ),
        );
        return;
    }
    out.push(group);
}

/// Writes a `vrrp_sync_group` block.
pub(crate) fn write_sync_group(group: &SyncGroup, w: &mut Writer) {
    w.open(&["vrrp_sync_group", &group.name.value]);
    w.list("group", &group.group);
    tracking::write_interfaces(&group.track_interface, w);
    tracking::write_refs("track_script", &group.track_script, w);
    tracking::write_refs("track_file", &group.track_file, w);
    tracking::write_refs("track_process", &group.track_process, w);
    tracking::write_refs("track_bfd", &group.track_bfd, w);
    w.script("notify_master", &group.notify_master);
    w.script("notify_backup", &group.notify_backup);
    w.script("notify_fault", &group.notify_fault);
    w.script("notify_stop", &group.notify_stop);
    if group.notify_deleted {
        match &group.notify_deleted_script {
            Some(_) => w.script("notify_deleted", &group.notify_deleted_script),
            None => w.line(&["notify_deleted"]),
        }
    }
    w.script("notify", &group.notify);
    write_opt_bool(w, "notify_priority_changes", group.notify_priority_changes);
    write_opt_bool(w, "smtp_alert", group.smtp_alert);
    w.flag("global_tracking", group.global_tracking);
    w.flag(
        "sync_group_tracking_weight",
        group.sync_group_tracking_weight,
    );
    w.close();
}

pub(super) fn write_opt_bool(w: &mut Writer, keyword: &str, value: Option<bool>) {
    if let Some(value) = value {
        w.line(&[keyword, if value { "on" } else { "off" }]);
    }
}

model! {
    /// Delays between gratuitous ARPs / unsolicited NAs on an interface or a
    /// set of interfaces behind one switch.
    pub struct GarpGroup {
        /// `garp_interval`: between gratuitous ARPs.
        pub garp_interval: Option<Duration> = None,
        /// `gna_interval`: between unsolicited neighbour advertisements.
        pub gna_interval: Option<Duration> = None,
        /// `interface`: the one interface the delays apply to.
        pub interface: Option<String> = None,
        /// `interfaces { ... }`: interfaces sharing the delays.
        pub interfaces: Vec<Located<String>> = Vec::new(),
    }
}

const MAX_GARP_INTERVAL: Duration = Duration::from_secs(u32::MAX as u64 / 1_000_000);

const GARP_GROUP: &Keywords<GarpGroup> = &[
    ("garp_interval", |cx, node, g| {
        g.garp_interval = cx.timer(node, Duration::ZERO..=MAX_GARP_INTERVAL)
    }),
    ("gna_interval", |cx, node, g| {
        g.gna_interval = cx.timer(node, Duration::ZERO..=MAX_GARP_INTERVAL)
    }),
    ("interface", |cx, node, g| g.interface = cx.string(node)),
    ("interfaces", |cx, node, g| {
        g.interfaces.extend(cx.word_list(node))
    }),
];

/// Reads a `garp_group { ... }` block.
pub(crate) fn read_garp_group(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<GarpGroup>) {
    cx.at_most(node, 0);
    let mut group = GarpGroup::default();
    cx.read_block(node, "garp_group", GARP_GROUP, &mut group);
    if group.interface.is_some() && !group.interfaces.is_empty() {
        cx.report(
            Severity::Warning,
            Code::Inconsistent,
            &node.keyword.location,
            "garp_group has both `interface` and `interfaces`; use one".into(),
        );
    }
    if group.interface.is_none() && group.interfaces.is_empty() {
        cx.report(
            Severity::Warning,
            Code::MissingValue,
            &node.keyword.location,
            "garp_group names no interface; it is ignored".into(),
        );
        return;
    }
    out.push(group);
}

/// Writes a `garp_group` block.
pub(crate) fn write_garp_group(group: &GarpGroup, w: &mut Writer) {
    w.open(&["garp_group"]);
    w.opt_timer("garp_interval", group.garp_interval);
    w.opt_timer("gna_interval", group.gna_interval);
    w.opt("interface", &group.interface);
    w.list("interfaces", &group.interfaces);
    w.close();
}
