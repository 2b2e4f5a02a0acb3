//! `global_defs` and the daemon settings keepalived takes at the top level
//! (`net_namespace`, `instance`, `use_pid_dir`, ...).
//!
//! `global_defs` is long, so its keywords are split by subject, each
//! submodule with its part of the model, its keyword table and its writer:
//! [`notify`] (e-mail, SMTP and notify FIFOs), [`vrrp`] (VRRP defaults),
//! [`firewall`] (nftables and the legacy iptables), [`lvs`] (IPVS),
//! [`process`] (child processes and startup/shutdown scripts) and [`misc`]
//! (configuration files, SNMP, D-Bus, netlink buffers).
//!
//! Values follow keepalived 2.2.7: the ranges are the ones its parser
//! enforces, and a value it corrects (a repeat of 0 becomes 1, a real-time
//! priority above 99 becomes 99) is corrected here too, with a warning.

mod firewall;
mod lvs;
mod misc;
mod notify;
mod process;
pub(crate) mod values;
mod vrrp;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use firewall::{Firewall, IptablesChains};
pub use lvs::{LvsDefaults, LvsFlushOnStop, LvsSyncDaemon, LvsTimeouts};
pub use misc::{ConfigFiles, Dbus, IncludeCheck, NetlinkBuffers, ReceiveBuffer, ReloadFile, Snmp};
pub use notify::{Fifo, Notification, SmtpHost, SmtpServer};
pub use process::{ChildProcess, Processes};
pub use vrrp::{GarpExtraInterfaces, RxBufsPolicy, VrrpDefaults};

use super::reader::{Cx, Keywords};
use super::writer::Writer;
use crate::syntax::Node;
use values::{already_set, int, whole_seconds};

model! {
    /// `global_defs`, plus the settings keepalived takes at the top level.
    pub struct GlobalDefs {
        /// `router_id`: names this host in alerts (default: the host name).
        pub router_id: Option<String> = None,
        /// `vrrp_strict`: enforce RFC compliance (no unicast, no auth, VIP owner rules).
        pub vrrp_strict: bool = false,
        /// `vrrp_version`: the default VRRP version of instances (default 2;
        /// IPv6 instances use 3).
        pub vrrp_version: u8 = 2,
        /// `script_user USER [GROUP]`: who runs scripts (default: keepalived_script, else root).
        pub script_user: Option<(String, Option<String>)> = None,
        /// `enable_script_security`: refuse scripts a non-root user could change.
        pub enable_script_security: bool = false,
        /// The top-level daemon settings (`net_namespace`, `instance`, ...).
        pub daemon: Daemon = Daemon::default(),
        /// Configuration file handling, reloads, `random_seed`, `umask`.
        pub config: ConfigFiles = ConfigFiles::default(),
        /// Child process names, priorities, CPU affinity and the
        /// startup/shutdown scripts.
        pub processes: Processes = Processes::default(),
        /// E-mail alerts, SMTP and the notify FIFOs.
        pub notification: Notification = Notification::default(),
        /// Defaults and settings of the VRRP process.
        pub vrrp: VrrpDefaults = VrrpDefaults::default(),
        /// nftables (and the legacy iptables) used by VRRP and IPVS.
        pub firewall: Firewall = Firewall::default(),
        /// IPVS: the sync daemon, connection timeouts and flushing.
        pub lvs: LvsDefaults = LvsDefaults::default(),
        /// Netlink and process-monitor socket receive buffers.
        pub netlink: NetlinkBuffers = NetlinkBuffers::default(),
        /// SNMP (`snmp_socket`, `enable_snmp_*`, `enable_traps`).
        pub snmp: Snmp = Snmp::default(),
        /// D-Bus (`enable_dbus`, `dbus_service_name`).
        pub dbus: Dbus = Dbus::default(),
    }
}

/// The IPVS network namespace of `net_namespace_ipvs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpvsNamespace {
    /// `net_namespace_ipvs` alone: the default namespace.
    Default,
    /// `net_namespace_ipvs NAME`.
    Named(String),
}

model! {
    /// The daemon settings written at the top level, outside `global_defs`.
    pub struct Daemon {
        /// `net_namespace NAME`: the network namespace to run in (cannot
        /// change on reload; implies `use_pid_dir`).
        pub net_namespace: Option<String> = None,
        /// `net_namespace_ipvs [NAME]`: the namespace for IPVS (default: the
        /// one keepalived runs in).
        pub net_namespace_ipvs: Option<IpvsNamespace> = None,
        /// `namespace_with_ipsets`: allow ipsets in a namespace on kernels
        /// before 3.13.
        pub namespace_with_ipsets: bool = false,
        /// `instance NAME`: names pid files when several keepalived run in
        /// one namespace (implies `use_pid_dir`).
        pub instance: Option<String> = None,
        /// `use_pid_dir`: pid files in /run/keepalived.
        pub use_pid_dir: bool = false,
        /// `linkbeat_use_polling`: poll link state (MII, ethtool, ioctl)
        /// instead of netlink, for every interface.
        pub linkbeat_use_polling: bool = false,
        /// `child_wait_time SECS`: how long the parent waits for children to
        /// exit on termination (default 5 seconds).
        pub child_wait_time: Duration = Duration::from_secs(5),
    }
}

/// A keyword that takes no value and no block: present means on.
pub(crate) fn bare(cx: &mut Cx<'_>, node: &Node) -> bool {
    cx.no_block(node);
    cx.at_most(node, 0);
    true
}

const CORE: &Keywords<GlobalDefs> = &[
    ("router_id", |cx, node, g| {
        if let Some(id) = cx.string(node) {
            g.router_id = Some(id);
        }
    }),
    ("vrrp_strict", |cx, node, g| g.vrrp_strict = bare(cx, node)),
    ("vrrp_version", |cx, node, g| {
        if let Some(version) = int(cx, node, 2..=3) {
            g.vrrp_version = version;
        }
    }),
    ("script_user", |cx, node, g| {
        cx.no_block(node);
        cx.at_most(node, 2);
        if let Some(user) = cx.arg(node) {
            g.script_user = Some((user.text.clone(), node.args.get(1).map(|w| w.text.clone())));
        }
    }),
    ("enable_script_security", |cx, node, g| {
        g.enable_script_security = bare(cx, node)
    }),
];

/// The keyword tables of `global_defs`, one per subject.
const GLOBAL_DEFS: &[&Keywords<GlobalDefs>] = &[
    CORE,
    notify::KEYWORDS,
    vrrp::KEYWORDS,
    firewall::KEYWORDS,
    lvs::KEYWORDS,
    process::KEYWORDS,
    misc::KEYWORDS,
];

/// Reads a `global_defs` block.
pub(crate) fn read_global_defs(cx: &mut Cx<'_>, node: &Node, global: &mut GlobalDefs) {
    cx.at_most(node, 0);
    if !cx.require_block(node) {
        return;
    }
    let known = || {
        GLOBAL_DEFS
            .iter()
            .flat_map(|table| table.iter().map(|(name, _)| *name))
    };
    for child in node.children() {
        let handler = GLOBAL_DEFS
            .iter()
            .flat_map(|table| table.iter())
            .find(|(name, _)| *name == child.name())
            .map(|(_, handler)| *handler);
        match handler {
            Some(handler) => handler(cx, child, global),
            None => cx.unknown_keyword(child, "global_defs", known()),
        }
    }
}

const TOP_LEVEL: &Keywords<GlobalDefs> = &[
    ("net_namespace", |cx, node, g| {
        let Some(name) = cx.string(node) else { return };
        if g.daemon.net_namespace.is_some() {
            already_set(cx, node);
        } else {
            g.daemon.net_namespace = Some(name);
        }
    }),
    ("net_namespace_ipvs", |cx, node, g| {
        cx.no_block(node);
        cx.at_most(node, 1);
        if g.daemon.net_namespace_ipvs.is_some() {
            already_set(cx, node);
            return;
        }
        g.daemon.net_namespace_ipvs = Some(match node.args.first() {
            Some(name) => IpvsNamespace::Named(name.text.clone()),
            None => IpvsNamespace::Default,
        });
    }),
    ("namespace_with_ipsets", |cx, node, g| {
        g.daemon.namespace_with_ipsets = bare(cx, node)
    }),
    ("instance", |cx, node, g| {
        let Some(name) = cx.string(node) else { return };
        if g.daemon.instance.is_some() {
            already_set(cx, node);
        } else {
            g.daemon.instance = Some(name);
        }
    }),
    ("use_pid_dir", |cx, node, g| {
        g.daemon.use_pid_dir = bare(cx, node)
    }),
    ("linkbeat_use_polling", |cx, node, g| {
        g.daemon.linkbeat_use_polling = bare(cx, node)
    }),
    ("child_wait_time", |cx, node, g| {
        if let Some(wait) = whole_seconds(cx, node, 0..=u64::from(u32::MAX)) {
            g.daemon.child_wait_time = wait;
        }
    }),
];

/// Reads a top-level daemon setting (`net_namespace`, `instance`, ...).
pub(crate) fn read_top_level(cx: &mut Cx<'_>, node: &Node, global: &mut GlobalDefs) {
    cx.dispatch(node, "the top level", TOP_LEVEL, global);
}

/// Writes the top-level settings, then `global_defs`.
pub(crate) fn write(global: &GlobalDefs, w: &mut Writer) {
    write_daemon(&global.daemon, w);
    let block = GlobalDefs {
        daemon: Daemon::default(),
        ..global.clone()
    };
    if block == GlobalDefs::default() {
        return;
    }
    w.open(&["global_defs"]);
    misc::write_config_files(&global.config, w);
    process::write(&global.processes, w);
    notify::write(&global.notification, w);
    w.opt("router_id", &global.router_id);
    vrrp::write(&global.vrrp, w);
    w.value_if("vrrp_version", &global.vrrp_version, &2);
    w.flag("vrrp_strict", global.vrrp_strict);
    firewall::write(&global.firewall, w);
    lvs::write(&global.lvs, w);
    misc::write_others(global, w);
    if let Some((user, group)) = &global.script_user {
        let mut words = vec!["script_user", user.as_str()];
        words.extend(group.as_deref());
        w.line(&words);
    }
    w.flag("enable_script_security", global.enable_script_security);
    w.close();
}

fn write_daemon(daemon: &Daemon, w: &mut Writer) {
    w.opt("net_namespace", &daemon.net_namespace);
    match &daemon.net_namespace_ipvs {
        Some(IpvsNamespace::Default) => w.line(&["net_namespace_ipvs"]),
        Some(IpvsNamespace::Named(name)) => w.value("net_namespace_ipvs", name),
        None => {}
    }
    w.flag("namespace_with_ipsets", daemon.namespace_with_ipsets);
    w.opt("instance", &daemon.instance);
    w.flag("use_pid_dir", daemon.use_pid_dir);
    w.flag("linkbeat_use_polling", daemon.linkbeat_use_polling);
    if daemon.child_wait_time != Duration::from_secs(5) {
        w.value("child_wait_time", daemon.child_wait_time.as_secs());
    }
}

/// Checks of this section that need the whole configuration (references
/// between blocks, combinations keepalived refuses).
pub(crate) fn validate(config: &super::Config, cx: &mut Cx<'_>) {
    notify::validate(&config.global, cx);
    lvs::validate(config, cx);
}
