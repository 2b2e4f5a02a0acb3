//! The rest of `global_defs`: configuration files and reloads, `umask`,
//! `random_seed`, netlink receive buffers, SNMP and D-Bus.

use super::values::{already_set, error, int, opt_bool, warning};
use super::{GlobalDefs, bare};
use crate::diagnostic::Code;
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::syntax::Node;

/// `include_check [OPTIONS]`: which missing include files are errors. Each
/// of `match`, `wildcard_match` and `brace_match` includes `readable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IncludeCheck {
    /// `readable`: a match that is not a readable file.
    pub readable: bool,
    /// `match`: no file matches a pattern without wildcards.
    pub matched: bool,
    /// `wildcard_match`: no file matches a pattern with wildcards.
    pub wildcard_match: bool,
    /// `brace_match`: a brace expansion matches no file.
    pub brace_match: bool,
}

impl IncludeCheck {
    /// `include_check` without options: every check.
    pub const ALL: IncludeCheck = IncludeCheck {
        readable: true,
        matched: true,
        wildcard_match: true,
        brace_match: true,
    };
}

/// `reload_file [PATH]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadFile {
    /// No path: keepalived.reload in the pid directory.
    Default,
    /// The file to create while reading the configuration.
    Path(String),
}

model! {
    /// Configuration files, reloads and the daemon's file settings.
    pub struct ConfigFiles {
        /// `tmp_config_directory DIR`: where the private copy of the
        /// configuration is written (default: memory).
        pub tmp_config_directory: Option<String> = None,
        /// `config_save_dir DIR`: save the configuration around each reload.
        pub config_save_dir: Option<String> = None,
        /// `include_check [OPTIONS]`: missing include files are errors.
        pub include_check: Option<IncludeCheck> = None,
        /// `reload_check_config [LOG_FILE]`: test a new configuration before
        /// reloading it (no file: /dev/null).
        pub reload_check_config: Option<String> = None,
        /// `reload_time_file PATH`: a file holding the time of a scheduled reload.
        pub reload_time_file: Option<String> = None,
        /// `reload_repeat`: keep the reload time file, reloading daily.
        pub reload_repeat: bool = false,
        /// `reload_file [PATH]`: exists while the configuration is read.
        pub reload_file: Option<ReloadFile> = None,
        /// `random_seed N`: seed of `${_RANDOM}` (default: from the time).
        pub random_seed: Option<u32> = None,
        /// `umask MASK`: file creation mask (default IWGRP|IWOTH, 022; the
        /// command line's `-u` wins).
        pub umask: Option<u32> = None,
        /// `data_use_instance [BOOL]`: instance and namespace names in the
        /// names of the SIGUSR1 data files.
        pub data_use_instance: bool = false,
    }
}

/// A netlink or process-monitor socket's receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceiveBuffer {
    /// `*_rcv_bufs BYTES` (0: the system default).
    pub size: u32,
    /// `*_rcv_bufs_force [BOOL]`: SO_RCVBUFFORCE, past rmem_max.
    pub force: bool,
}

model! {
    /// Receive buffers of keepalived's netlink and process-event sockets.
    pub struct NetlinkBuffers {
        /// `vrrp_netlink_cmd_rcv_bufs`.
        pub vrrp_cmd: ReceiveBuffer = ReceiveBuffer::default(),
        /// `vrrp_netlink_monitor_rcv_bufs`.
        pub vrrp_monitor: ReceiveBuffer = ReceiveBuffer::default(),
        /// `lvs_netlink_cmd_rcv_bufs`.
        pub lvs_cmd: ReceiveBuffer = ReceiveBuffer::default(),
        /// `lvs_netlink_monitor_rcv_bufs`.
        pub lvs_monitor: ReceiveBuffer = ReceiveBuffer::default(),
        /// `process_monitor_rcv_bufs` (vrrp_track_process).
        pub process_monitor: ReceiveBuffer = ReceiveBuffer::default(),
    }
}

model! {
    /// SNMP subagent settings.
    pub struct Snmp {
        /// `snmp_socket SOCKET`: the master agent (default unix:/var/agentx/master).
        pub socket: Option<String> = None,
        /// `enable_snmp_vrrp` (old spelling `enable_snmp_keepalived`).
        pub vrrp: bool = false,
        /// `enable_snmp_checker`.
        pub checker: bool = false,
        /// `enable_snmp_rfcv2` (or `enable_snmp_rfc`): RFC 2787 VRRP MIB.
        pub rfc_v2: bool = false,
        /// `enable_snmp_rfcv3` (or `enable_snmp_rfc`): RFC 6527 VRRP MIB.
        pub rfc_v3: bool = false,
        /// `enable_traps`.
        pub traps: bool = false,
    }
}

model! {
    /// D-Bus settings.
    pub struct Dbus {
        /// `enable_dbus`.
        pub enable: bool = false,
        /// `dbus_service_name NAME` (default org.keepalived.Vrrp1).
        pub service_name: Option<String> = None,
    }
}

fn include_check(cx: &mut Cx<'_>, node: &Node, config: &mut ConfigFiles) {
    cx.no_block(node);
    if node.args.is_empty() {
        config.include_check = Some(IncludeCheck::ALL);
        return;
    }
    let mut check = IncludeCheck::default();
    let mut unsigned_seen = false;
    for word in &node.args {
        let (sign, name) = match word.text.as_bytes().first() {
            Some(b'+') => (Some(true), &word.text[1..]),
            Some(b'-') => (Some(false), &word.text[1..]),
            _ => (None, word.text.as_str()),
        };
        if name == "readable" {
            warning(
                cx,
                Code::InvalidValue,
                &word.location,
                "keepalived 2.2.7 does not recognise 'include_check readable'; match, wildcard_match and brace_match include it".into(),
            );
            continue;
        }
        let flag = match name {
            "match" => &mut check.matched,
            "wildcard_match" => &mut check.wildcard_match,
            "brace_match" => &mut check.brace_match,
            _ => {
                warning(
                    cx,
                    Code::InvalidValue,
                    &word.location,
                    format!("'include_check' has no check '{name}'; ignored"),
                );
                continue;
            }
        };
        if sign.is_none() {
            if unsigned_seen {
                warning(
                    cx,
                    Code::Duplicate,
                    &word.location,
                    format!(
                        "keepalived takes one 'include_check' option without +/-; '{name}' ignored, write '+{name}'"
                    ),
                );
                continue;
            }
            unsigned_seen = true;
        }
        *flag = sign.unwrap_or(true);
    }
    check.readable = check.matched || check.wildcard_match || check.brace_match;
    config.include_check = Some(check);
}

/// `umask` as a number (decimal, 0-prefixed octal or 0x hex) or as bits
/// (`IWGRP|IWOTH`).
fn umask(cx: &mut Cx<'_>, node: &Node, config: &mut ConfigFiles) {
    cx.no_block(node);
    let Some(first) = cx.arg(node) else { return };
    if first.text.starts_with(|c: char| c.is_ascii_digit()) {
        cx.at_most(node, 1);
        let text = first.text.as_str();
        let parsed = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))
        {
            u32::from_str_radix(hex, 16).ok()
        } else if text.len() > 1 && text.starts_with('0') {
            u32::from_str_radix(&text[1..], 8).ok()
        } else {
            text.parse().ok()
        };
        match parsed {
            Some(mask) if mask <= 0o777 => config.umask = Some(mask),
            _ => error(
                cx,
                Code::InvalidValue,
                &first.location,
                format!("'umask' {text} is not a mask within 0777"),
            ),
        }
        return;
    }
    const BITS: [(&str, u32); 9] = [
        ("IRUSR", 0o400),
        ("IWUSR", 0o200),
        ("IXUSR", 0o100),
        ("IRGRP", 0o040),
        ("IWGRP", 0o020),
        ("IXGRP", 0o010),
        ("IROTH", 0o004),
        ("IWOTH", 0o002),
        ("IXOTH", 0o001),
    ];
    let mut mask = 0;
    let mut need_bar = false;
    for word in &node.args {
        let mut rest = word.text.as_str();
        while !rest.is_empty() {
            if need_bar {
                match rest.strip_prefix('|') {
                    Some(after) => {
                        rest = after;
                        need_bar = false;
                        continue;
                    }
                    None => {
                        error(
                            cx,
                            Code::InvalidValue,
                            &word.location,
                            format!("'umask' bits must be joined by '|': '{}'", word.text),
                        );
                        return;
                    }
                }
            }
            match BITS.iter().find(|(name, _)| rest.starts_with(name)) {
                Some((name, bit)) => {
                    mask |= bit;
                    rest = &rest[name.len()..];
                    need_bar = true;
                }
                None => {
                    error(
                        cx,
                        Code::InvalidValue,
                        &word.location,
                        format!(
                            "'umask' has no bit '{rest}'; use I{{R,W,X}}{{USR,GRP,OTH}} joined by '|'"
                        ),
                    );
                    return;
                }
            }
        }
    }
    if !need_bar {
        error(
            cx,
            Code::MissingValue,
            &node.keyword.location,
            "'umask' ends without a bit after '|'".into(),
        );
        return;
    }
    config.umask = Some(mask);
}

fn receive_buffer_size(cx: &mut Cx<'_>, node: &Node, buffer: &mut ReceiveBuffer) {
    if let Some(size) = int(cx, node, 0..=i128::from(u32::MAX)) {
        // keepalived leaves the size alone for 0.
        if size != 0 {
            buffer.size = size;
        }
    }
}

fn receive_buffer_force(cx: &mut Cx<'_>, node: &Node, buffer: &mut ReceiveBuffer) {
    if let Some(force) = opt_bool(cx, node) {
        buffer.force = force;
    }
}

fn once(cx: &mut Cx<'_>, node: &Node, target: &mut Option<String>) {
    let Some(value) = cx.string(node) else { return };
    if target.is_some() {
        already_set(cx, node);
    } else {
        *target = Some(value);
    }
}

pub(super) const KEYWORDS: &Keywords<GlobalDefs> = &[
    ("tmp_config_directory", |cx, node, g| {
        once(cx, node, &mut g.config.tmp_config_directory)
    }),
    ("config_save_dir", |cx, node, g| {
        if let Some(dir) = cx.string(node) {
            g.config.config_save_dir = Some(dir);
        }
    }),
    ("include_check", |cx, node, g| {
        include_check(cx, node, &mut g.config)
    }),
    ("reload_check_config", |cx, node, g| {
        cx.no_block(node);
        cx.at_most(node, 1);
        let log = node.args.first().map_or("/dev/null", |w| w.text.as_str());
        g.config.reload_check_config = Some(log.to_owned());
    }),
    ("reload_time_file", |cx, node, g| {
        cx.no_block(node);
        match node.args.as_slice() {
            [path] => g.config.reload_time_file = Some(path.text.clone()),
            [] => {
                cx.arg(node);
            }
            [_, extra, ..] => error(
                cx,
                Code::ExtraArguments,
                &extra.location,
                "'reload_time_file' takes one path; line skipped".into(),
            ),
        }
    }),
    ("reload_repeat", |cx, node, g| {
        g.config.reload_repeat = bare(cx, node)
    }),
    ("reload_file", |cx, node, g| {
        cx.no_block(node);
        cx.at_most(node, 1);
        g.config.reload_file = Some(match node.args.first() {
            Some(path) => ReloadFile::Path(path.text.clone()),
            None => ReloadFile::Default,
        });
    }),
    ("random_seed", |cx, node, g| {
        if let Some(seed) = int(cx, node, 0..=i128::from(u32::MAX)) {
            g.config.random_seed = Some(seed);
        }
    }),
    ("umask", |cx, node, g| umask(cx, node, &mut g.config)),
    ("data_use_instance", |cx, node, g| {
        if let Some(on) = opt_bool(cx, node) {
            g.config.data_use_instance = on;
        }
    }),
    ("vrrp_netlink_cmd_rcv_bufs", |cx, node, g| {
        receive_buffer_size(cx, node, &mut g.netlink.vrrp_cmd)
    }),
    ("vrrp_netlink_cmd_rcv_bufs_force", |cx, node, g| {
        receive_buffer_force(cx, node, &mut g.netlink.vrrp_cmd)
    }),
    ("vrrp_netlink_monitor_rcv_bufs", |cx, node, g| {
        receive_buffer_size(cx, node, &mut g.netlink.vrrp_monitor)
    }),
    ("vrrp_netlink_monitor_rcv_bufs_force", |cx, node, g| {
        receive_buffer_force(cx, node, &mut g.netlink.vrrp_monitor)
    }),
    ("lvs_netlink_cmd_rcv_bufs", |cx, node, g| {
        receive_buffer_size(cx, node, &mut g.netlink.lvs_cmd)
    }),
    ("lvs_netlink_cmd_rcv_bufs_force", |cx, node, g| {
        receive_buffer_force(cx, node, &mut g.netlink.lvs_cmd)
    }),
    ("lvs_netlink_monitor_rcv_bufs", |cx, node, g| {
        receive_buffer_size(cx, node, &mut g.netlink.lvs_monitor)
    }),
    ("lvs_netlink_monitor_rcv_bufs_force", |cx, node, g| {
        receive_buffer_force(cx, node, &mut g.netlink.lvs_monitor)
    }),
    ("process_monitor_rcv_bufs", |cx, node, g| {
        receive_buffer_size(cx, node, &mut g.netlink.process_monitor)
    }),
    ("process_monitor_rcv_bufs_force", |cx, node, g| {
        receive_buffer_force(cx, node, &mut g.netlink.process_monitor)
    }),
    ("snmp_socket", |cx, node, g| {
        cx.no_block(node);
        match node.args.as_slice() {
            [socket] => {
                if g.snmp.socket.is_some() {
                    already_set(cx, node);
                } else {
                    g.snmp.socket = Some(socket.text.clone());
                }
            }
            [] => {
                cx.arg(node);
            }
            [_, extra, ..] => error(
                cx,
                Code::ExtraArguments,
                &extra.location,
                "'snmp_socket' takes one socket; line skipped".into(),
            ),
        }
    }),
    ("enable_snmp_vrrp", |cx, node, g| {
        g.snmp.vrrp = bare(cx, node)
    }),
    ("enable_snmp_keepalived", |cx, node, g| {
        cx.report(
            crate::diagnostic::Severity::Note,
            Code::Inconsistent,
            &node.keyword.location,
            "'enable_snmp_keepalived' is deprecated; use 'enable_snmp_vrrp'".into(),
        );
        g.snmp.vrrp = bare(cx, node)
    }),
    ("enable_snmp_checker", |cx, node, g| {
        g.snmp.checker = bare(cx, node)
    }),
    ("enable_snmp_rfc", |cx, node, g| {
        let on = bare(cx, node);
        g.snmp.rfc_v2 = on;
        g.snmp.rfc_v3 = on;
    }),
    ("enable_snmp_rfcv2", |cx, node, g| {
        g.snmp.rfc_v2 = bare(cx, node)
    }),
    ("enable_snmp_rfcv3", |cx, node, g| {
        g.snmp.rfc_v3 = bare(cx, node)
    }),
    ("enable_traps", |cx, node, g| g.snmp.traps = bare(cx, node)),
    ("enable_dbus", |cx, node, g| g.dbus.enable = bare(cx, node)),
    ("dbus_service_name", |cx, node, g| {
        if let Some(name) = cx.string(node) {
            g.dbus.service_name = Some(name);
        }
    }),
];

pub(super) fn write_config_files(c: &ConfigFiles, w: &mut Writer) {
    w.opt("tmp_config_directory", &c.tmp_config_directory);
    w.opt("config_save_dir", &c.config_save_dir);
    match c.include_check {
        Some(IncludeCheck::ALL) => w.line(&["include_check"]),
        Some(check) => {
            let options: Vec<String> = [
                (check.matched, "match"),
                (check.wildcard_match, "wildcard_match"),
                (check.brace_match, "brace_match"),
            ]
            .iter()
            .map(|(on, name)| format!("{}{name}", if *on { '+' } else { '-' }))
            .collect();
            let mut words = vec!["include_check"];
            words.extend(options.iter().map(String::as_str));
            w.line(&words);
        }
        None => {}
    }
    w.opt("reload_check_config", &c.reload_check_config);
    w.opt("reload_time_file", &c.reload_time_file);
    w.flag("reload_repeat", c.reload_repeat);
    match &c.reload_file {
        Some(ReloadFile::Default) => w.line(&["reload_file"]),
        Some(ReloadFile::Path(path)) => w.value("reload_file", path),
        None => {}
    }
    w.opt("random_seed", &c.random_seed);
    if let Some(mask) = c.umask {
        w.value("umask", format!("0{mask:o}"));
    }
    w.flag("data_use_instance", c.data_use_instance);
}

fn write_buffer(w: &mut Writer, keyword: &str, buffer: &ReceiveBuffer) {
    if buffer.size != 0 {
        w.value(keyword, buffer.size);
    }
    w.flag(&format!("{keyword}_force"), buffer.force);
}

pub(super) fn write_others(g: &GlobalDefs, w: &mut Writer) {
    let n = &g.netlink;
    write_buffer(w, "vrrp_netlink_cmd_rcv_bufs", &n.vrrp_cmd);
    write_buffer(w, "vrrp_netlink_monitor_rcv_bufs", &n.vrrp_monitor);
    write_buffer(w, "lvs_netlink_cmd_rcv_bufs", &n.lvs_cmd);
    write_buffer(w, "lvs_netlink_monitor_rcv_bufs", &n.lvs_monitor);
    write_buffer(w, "process_monitor_rcv_bufs", &n.process_monitor);
    let s = &g.snmp;
    w.opt("snmp_socket", &s.socket);
    w.flag("enable_snmp_vrrp", s.vrrp);
    w.flag("enable_snmp_checker", s.checker);
    w.flag("enable_snmp_rfcv2", s.rfc_v2);
    w.flag("enable_snmp_rfcv3", s.rfc_v3);
    w.flag("enable_traps", s.traps);
    w.flag("enable_dbus", g.dbus.enable);
    w.opt("dbus_service_name", &g.dbus.service_name);
}
