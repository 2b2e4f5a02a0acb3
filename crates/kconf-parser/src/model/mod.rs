//! The typed configuration model, with keepalived's default for every
//! omitted value written once, next to its field.
//!
//! Each section of keepalived.conf has its own module: it reads its blocks
//! from the syntax tree through a keyword table (see `reader`), and writes
//! them back as canonical text (see `writer`) for `--dump-conf`.

/// Declares a model struct whose fields carry their keepalived defaults:
/// `pub field: Type = default,`. It derives `Debug`, `Clone`, `PartialEq`
/// and implements `Default` from those values.
macro_rules! model {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                pub $field:ident : $ty:ty = $default:expr
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $(
                $(#[$field_meta])*
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $( $field: $default, )*
                }
            }
        }
    };
}

pub mod bfd;
pub mod checkers;
pub mod global;
pub mod ipaddr;
pub mod lvs;
pub(crate) mod reader;
pub mod track;
mod types;
mod validate;
pub mod vrrp;
pub(crate) mod writer;

pub use types::{Located, Script, Weight};

use reader::{Cx, Keywords};
use writer::Writer;

use crate::diagnostic::Diagnostic;
use crate::syntax::Node;

model! {
    /// A whole keepalived.conf.
    pub struct Config {
        /// `global_defs` and the top-level daemon settings (`net_namespace`,
        /// `instance`, `use_pid_dir`, ...).
        pub global: global::GlobalDefs = global::GlobalDefs::default(),
        /// `linkbeat_interfaces`.
        pub linkbeat_interfaces: Vec<track::LinkbeatInterface> = Vec::new(),
        /// `interface_up_down_delays`: debouncing of interface state changes.
        pub interface_up_down_delays: Vec<track::InterfaceDelay> = Vec::new(),
        /// `track_group` blocks.
        pub track_groups: Vec<track::TrackGroup> = Vec::new(),
        /// `static_ipaddress`.
        pub static_addresses: Vec<ipaddr::IpAddress> = Vec::new(),
        /// `static_routes`.
        pub static_routes: Vec<ipaddr::Route> = Vec::new(),
        /// `static_rules`.
        pub static_rules: Vec<ipaddr::Rule> = Vec::new(),
        /// `track_file` (and the deprecated `vrrp_track_file`) blocks.
        pub track_files: Vec<track::TrackFile> = Vec::new(),
        /// `vrrp_track_process` blocks.
        pub track_processes: Vec<track::TrackProcess> = Vec::new(),
        /// `bfd_instance` blocks.
        pub bfd_instances: Vec<bfd::BfdInstance> = Vec::new(),
        /// `vrrp_script` blocks.
        pub vrrp_scripts: Vec<vrrp::VrrpScript> = Vec::new(),
        /// `vrrp_sync_group` blocks.
        pub sync_groups: Vec<vrrp::SyncGroup> = Vec::new(),
        /// `garp_group` blocks.
        pub garp_groups: Vec<vrrp::GarpGroup> = Vec::new(),
        /// `vrrp_instance` blocks.
        pub vrrp_instances: Vec<vrrp::VrrpInstance> = Vec::new(),
        /// `virtual_server_group` blocks.
        pub virtual_server_groups: Vec<lvs::VirtualServerGroup> = Vec::new(),
        /// `virtual_server` blocks.
        pub virtual_servers: Vec<lvs::VirtualServer> = Vec::new(),
        /// The `SSL` block used by SSL_GET checks.
        pub ssl: Option<checkers::SslConfig> = None,
    }
}

/// The keywords allowed at the top level of keepalived.conf.
const TOP_LEVEL: &Keywords<Config> = &[
    ("global_defs", |cx, node, config| {
        global::read_global_defs(cx, node, &mut config.global)
    }),
    ("net_namespace", |cx, node, config| {
        global::read_top_level(cx, node, &mut config.global)
    }),
    ("net_namespace_ipvs", |cx, node, config| {
        global::read_top_level(cx, node, &mut config.global)
    }),
    ("namespace_with_ipsets", |cx, node, config| {
        global::read_top_level(cx, node, &mut config.global)
    }),
    ("instance", |cx, node, config| {
        global::read_top_level(cx, node, &mut config.global)
    }),
    ("use_pid_dir", |cx, node, config| {
        global::read_top_level(cx, node, &mut config.global)
    }),
    ("linkbeat_use_polling", |cx, node, config| {
        global::read_top_level(cx, node, &mut config.global)
    }),
    ("child_wait_time", |cx, node, config| {
        global::read_top_level(cx, node, &mut config.global)
    }),
    ("linkbeat_interfaces", |cx, node, config| {
        track::read_linkbeat_interfaces(cx, node, &mut config.linkbeat_interfaces)
    }),
    ("interface_up_down_delays", |cx, node, config| {
        track::read_interface_up_down_delays(cx, node, &mut config.interface_up_down_delays)
    }),
    ("track_group", |cx, node, config| {
        track::read_track_group(cx, node, &mut config.track_groups)
    }),
    ("static_ipaddress", |cx, node, config| {
        ipaddr::read_addresses(cx, node, &mut config.static_addresses)
    }),
    ("static_routes", |cx, node, config| {
        ipaddr::read_routes(cx, node, &mut config.static_routes)
    }),
    ("static_rules", |cx, node, config| {
        ipaddr::read_rules(cx, node, &mut config.static_rules)
    }),
    ("track_file", |cx, node, config| {
        track::read_track_file(cx, node, &mut config.track_files)
    }),
    ("vrrp_track_file", |cx, node, config| {
        track::read_track_file(cx, node, &mut config.track_files)
    }),
    ("vrrp_track_process", |cx, node, config| {
        track::read_track_process(cx, node, &mut config.track_processes)
    }),
    ("bfd_instance", |cx, node, config| {
        bfd::read_bfd_instance(cx, node, &mut config.bfd_instances)
    }),
    ("vrrp_script", |cx, node, config| {
        vrrp::read_vrrp_script(cx, node, &mut config.vrrp_scripts)
    }),
    ("vrrp_sync_group", |cx, node, config| {
        vrrp::read_sync_group(cx, node, &mut config.sync_groups)
    }),
    ("garp_group", |cx, node, config| {
        vrrp::read_garp_group(cx, node, &mut config.garp_groups)
    }),
    ("vrrp_instance", |cx, node, config| {
        vrrp::read_vrrp_instance(cx, node, &mut config.vrrp_instances)
    }),
    ("virtual_server_group", |cx, node, config| {
        lvs::read_virtual_server_group(cx, node, &mut config.virtual_server_groups)
    }),
    ("virtual_server", |cx, node, config| {
        lvs::read_virtual_server(cx, node, &mut config.virtual_servers)
    }),
    ("SSL", |cx, node, config| {
        checkers::read_ssl(cx, node, &mut config.ssl)
    }),
];

/// Builds the model one top-level node at a time, then checks the cross
/// references and rules that span blocks.
pub(crate) struct Builder {
    config: Config,
    strict: bool,
}

impl Builder {
    pub(crate) fn new(strict: bool) -> Self {
        Builder {
            config: Config::default(),
            strict,
        }
    }

    /// Applies one top-level keyword line (and its block).
    pub(crate) fn node(&mut self, node: &Node, diagnostics: &mut Vec<Diagnostic>) {
        let mut cx = Cx {
            diagnostics,
            strict: self.strict,
        };
        cx.dispatch(node, "the top level", TOP_LEVEL, &mut self.config);
    }

    /// Runs the checks that need the whole configuration.
    pub(crate) fn finish(self, diagnostics: &mut Vec<Diagnostic>) -> Config {
        let mut cx = Cx {
            diagnostics,
            strict: self.strict,
        };
        validate::validate(&self.config, &mut cx);
        self.config
    }
}

/// The configuration as canonical keepalived.conf text. Reading it back gives
/// an equal `Config`.
pub fn write_config(config: &Config) -> String {
    let mut w = Writer::default();
    global::write(&config.global, &mut w);
    track::write_linkbeat_interfaces(&config.linkbeat_interfaces, &mut w);
    track::write_interface_up_down_delays(&config.interface_up_down_delays, &mut w);
    for group in &config.track_groups {
        track::write_track_group(group, &mut w);
    }
    ipaddr::write_static(config, &mut w);
    for file in &config.track_files {
        track::write_track_file(file, &mut w);
    }
    for process in &config.track_processes {
        track::write_track_process(process, &mut w);
    }
    for instance in &config.bfd_instances {
        bfd::write_bfd_instance(instance, &mut w);
    }
    for script in &config.vrrp_scripts {
        vrrp::write_vrrp_script(script, &mut w);
    }
    for group in &config.sync_groups {
        vrrp::write_sync_group(group, &mut w);
    }
    for group in &config.garp_groups {
        vrrp::write_garp_group(group, &mut w);
    }
    for instance in &config.vrrp_instances {
        vrrp::write_vrrp_instance(instance, &mut w);
    }
    if let Some(ssl) = &config.ssl {
        checkers::write_ssl(ssl, &mut w);
    }
    for group in &config.virtual_server_groups {
        lvs::write_virtual_server_group(group, &mut w);
    }
    for server in &config.virtual_servers {
        lvs::write_virtual_server(server, &mut w);
    }
    w.finish()
}

/// A place where the configuration names a network interface.
#[derive(Debug, Clone)]
pub struct InterfaceReference<'c> {
    /// The interface name, with where it was written.
    pub name: &'c Located<String>,
    /// What needs it, for messages ("vrrp_instance VI_1", "ip address
    /// 10.0.0.1 of vrrp_instance VI_1", ...).
    pub user: String,
}

impl Config {
    /// Every interface the configuration names for VRRP instances, their
    /// tracking, addresses and routes (static ones included), so that a tool
    /// on the target host can check they exist, as keepalived does at start.
    pub fn interface_references(&self) -> Vec<InterfaceReference<'_>> {
        let mut out: Vec<InterfaceReference<'_>> = Vec::new();
        for vi in &self.vrrp_instances {
            let owner = format!("vrrp_instance {}", vi.name.value);
            if let Some(interface) = &vi.interface {
                out.push(InterfaceReference {
                    name: interface,
                    user: owner.clone(),
                });
            }
            for track in &vi.track_interface {
                out.push(InterfaceReference {
                    name: &track.name,
                    user: format!("track_interface of {owner}"),
                });
            }
            addresses(&vi.virtual_ipaddress, &owner, &mut out);
            addresses(&vi.virtual_ipaddress_excluded, &owner, &mut out);
            routes(&vi.virtual_routes, &owner, &mut out);
        }
        for group in &self.sync_groups {
            for track in &group.track_interface {
                out.push(InterfaceReference {
                    name: &track.name,
                    user: format!("track_interface of vrrp_sync_group {}", group.name.value),
                });
            }
        }
        addresses(&self.static_addresses, "static_ipaddress", &mut out);
        routes(&self.static_routes, "static_routes", &mut out);
        out
    }
}

fn addresses<'c>(
    list: &'c [ipaddr::IpAddress],
    owner: &str,
    out: &mut Vec<InterfaceReference<'c>>,
) {
    for address in list {
        if let Some(dev) = &address.dev {
            out.push(InterfaceReference {
                name: dev,
                user: format!("ip address {} of {owner}", address.address),
            });
        }
    }
}

fn routes<'c>(list: &'c [ipaddr::Route], owner: &str, out: &mut Vec<InterfaceReference<'c>>) {
    for route in list {
        let devs = route
            .dev
            .iter()
            .chain(route.nexthops.iter().filter_map(|hop| hop.dev.as_ref()));
        for dev in devs {
            out.push(InterfaceReference {
                name: dev,
                user: format!("route {} of {owner}", route.to),
            });
        }
    }
}

/// A script the configuration would run, and who asks for it.
#[derive(Debug, Clone)]
pub struct ScriptUse<'c> {
    /// The command line (program first).
    pub command: &'c str,
    /// The user given for this script; `None` means `script_user`, else
    /// keepalived_script if that user exists, else root.
    pub user: Option<&'c str>,
    /// Where the script was configured.
    pub location: Option<&'c crate::Location>,
    /// What runs it, for messages ("notify_master of vrrp_instance VI_1").
    pub what: String,
}

impl Config {
    /// Every script the configuration names: tracking scripts, notify
    /// scripts of instances, groups and real servers, quorum scripts,
    /// MISC_CHECK programs, FIFO readers and the startup/shutdown scripts.
    /// keepalived's script security rules depend on the host (does the
    /// program exist, who may write it, does user keepalived_script exist),
    /// so a tool on the target host applies them to this list.
    pub fn scripts(&self) -> Vec<ScriptUse<'_>> {
        let mut out = Vec::new();
        fn push<'c>(
            out: &mut Vec<ScriptUse<'c>>,
            script: &'c Option<Script>,
            what: impl Fn() -> String,
        ) {
            if let Some(script) = script {
                out.push(ScriptUse {
                    command: &script.command,
                    user: script.user.as_deref(),
                    location: script.location.as_ref(),
                    what: what(),
                });
            }
        }
        for script in &self.vrrp_scripts {
            out.push(ScriptUse {
                command: &script.script,
                user: script.user.as_ref().map(|(user, _)| user.as_str()),
                location: script.name.location.as_ref(),
                what: format!("vrrp_script {}", script.name.value),
            });
        }
        for vi in &self.vrrp_instances {
            let name = &vi.name.value;
            for (keyword, script) in [
                ("notify_master", &vi.notify_master),
                ("notify_backup", &vi.notify_backup),
                ("notify_fault", &vi.notify_fault),
                ("notify_stop", &vi.notify_stop),
                ("notify_deleted", &vi.notify_deleted_script),
                ("notify", &vi.notify),
                ("notify_master_rx_lower_pri", &vi.notify_master_rx_lower_pri),
            ] {
                push(&mut out, script, || {
                    format!("{keyword} of vrrp_instance {name}")
                });
            }
        }
        for group in &self.sync_groups {
            let name = &group.name.value;
            for (keyword, script) in [
                ("notify_master", &group.notify_master),
                ("notify_backup", &group.notify_backup),
                ("notify_fault", &group.notify_fault),
                ("notify_stop", &group.notify_stop),
                ("notify_deleted", &group.notify_deleted_script),
                ("notify", &group.notify),
            ] {
                push(&mut out, script, || {
                    format!("{keyword} of vrrp_sync_group {name}")
                });
            }
        }
        for vs in &self.virtual_servers {
            let name = &vs.target;
            push(&mut out, &vs.quorum_up, || {
                format!("quorum_up of virtual_server {name}")
            });
            push(&mut out, &vs.quorum_down, || {
                format!("quorum_down of virtual_server {name}")
            });
            for rs in &vs.real_servers {
                let server = format!("real_server {} of virtual_server {name}", rs.ip.value);
                push(&mut out, &rs.notify_up, || format!("notify_up of {server}"));
                push(&mut out, &rs.notify_down, || {
                    format!("notify_down of {server}")
                });
                for checker in &rs.checkers {
                    if let checkers::Checker::Misc(misc) = checker {
                        out.push(ScriptUse {
                            command: &misc.script.command,
                            user: misc.script.user.as_deref(),
                            location: misc.script.location.as_ref(),
                            what: format!("MISC_CHECK of {server}"),
                        });
                    }
                }
            }
        }
        let notification = &self.global.notification;
        push(&mut out, &notification.notify_fifo_script, || {
            "notify_fifo_script".into()
        });
        push(&mut out, &notification.vrrp_notify_fifo_script, || {
            "vrrp_notify_fifo_script".into()
        });
        push(&mut out, &notification.lvs_notify_fifo_script, || {
            "lvs_notify_fifo_script".into()
        });
        let processes = &self.global.processes;
        for (keyword, script) in [
            ("startup_script", &processes.startup_script),
            ("shutdown_script", &processes.shutdown_script),
        ] {
            if let Some(script) = script {
                out.push(ScriptUse {
                    command: &script.value.command,
                    user: script.value.user.as_deref(),
                    location: script.location.as_ref(),
                    what: keyword.into(),
                });
            }
        }
        out
    }
}
