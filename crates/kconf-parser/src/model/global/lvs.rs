//! IPVS settings of `global_defs`: the connection sync daemon, connection
//! timeouts and flushing.

use std::net::IpAddr;
use std::time::Duration;

use super::values::{already_set, error, int_word, sockaddr_word, warning};
use super::{GlobalDefs, bare};
use crate::diagnostic::{Code, Severity};
use crate::model::reader::{Cx, Keywords, located};
use crate::model::types::Located;
use crate::model::writer::Writer;
use crate::syntax::{Node, Word};

/// `lvs_sync_daemon IFNAME [[inst] VRRP_INSTANCE] [id N] [maxlen N] [port N]
/// [ttl N] [group IP]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LvsSyncDaemon {
    /// The interface the sync daemon binds to.
    pub interface: String,
    /// The VRRP instance whose state the daemon follows (master or backup);
    /// unset: both daemons run.
    pub instance: Option<Located<String>>,
    /// `id`: the sync id (default: the instance's VRID, or 0).
    pub sync_id: Option<u8>,
    /// `maxlen`: largest sync packet (1-65507).
    pub max_len: Option<u16>,
    /// `port`: UDP port (default 8848).
    pub port: Option<u16>,
    /// `ttl`: multicast TTL (1-255).
    pub ttl: Option<u8>,
    /// `group`: multicast group (default 224.0.0.81).
    pub group: Option<IpAddr>,
}

/// `lvs_flush_on_stop [VS]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LvsFlushOnStop {
    /// Flush all of IPVS at shutdown.
    Full,
    /// `VS`: remove keepalived's virtual servers only (the kernel removes
    /// their real servers).
    VirtualServers,
}

model! {
    /// `lvs_timeouts [tcp SECS] [tcpfin SECS] [udp SECS]`: IPVS connection
    /// timeouts; unset ones are left as they were.
    pub struct LvsTimeouts {
        /// `tcp`.
        pub tcp: Option<Duration> = None,
        /// `tcpfin`.
        pub tcp_fin: Option<Duration> = None,
        /// `udp`.
        pub udp: Option<Duration> = None,
    }
}

model! {
    /// IPVS-wide settings.
    pub struct LvsDefaults {
        /// `lvs_sync_daemon`.
        pub sync_daemon: Option<LvsSyncDaemon> = None,
        /// `lvs_timeouts`.
        pub timeouts: LvsTimeouts = LvsTimeouts::default(),
        /// `lvs_flush`: flush IPVS at startup.
        pub flush: bool = false,
        /// `lvs_flush_on_stop [VS]` (deprecated spelling `lvs_flush_onstop`).
        pub flush_on_stop: Option<LvsFlushOnStop> = None,
    }
}

/// The longest interface name IPVS takes (IP_VS_IFNAME_MAXLEN less the NUL).
const IPVS_IFNAME_MAX: usize = 15;
/// keepalived's LVS_MAX_TIMEOUT: 31 days.
const LVS_MAX_TIMEOUT: u64 = 86_400 * 31;

/// The value after an option word, or a missing-value error.
fn option_value<'n>(
    cx: &mut Cx<'_>,
    node: &'n Node,
    option: &Word,
    next: Option<&'n Word>,
) -> Option<&'n Word> {
    if next.is_none() {
        error(
            cx,
            Code::MissingValue,
            &option.location,
            format!("'{}' option '{}' needs a value", node.name(), option.text),
        );
    }
    next
}

fn sync_daemon(cx: &mut Cx<'_>, node: &Node, lvs: &mut LvsDefaults) {
    cx.no_block(node);
    let Some(interface) = cx.arg(node) else {
        return;
    };
    if lvs.sync_daemon.is_some() {
        already_set(cx, node);
        return;
    }
    if interface.text.len() > IPVS_IFNAME_MAX {
        error(
            cx,
            Code::InvalidValue,
            &interface.location,
            format!(
                "'lvs_sync_daemon' interface name '{}' is longer than {IPVS_IFNAME_MAX} characters; line skipped",
                interface.text
            ),
        );
        return;
    }
    let mut daemon = LvsSyncDaemon {
        interface: interface.text.clone(),
        instance: None,
        sync_id: None,
        max_len: None,
        port: None,
        ttl: None,
        group: None,
    };
    let mut words = node.args.iter().enumerate().skip(1);
    while let Some((index, word)) = words.next() {
        match word.text.as_str() {
            "inst" => {
                let Some(name) = option_value(cx, node, word, words.next().map(|(_, w)| w)) else {
                    continue;
                };
                if daemon.instance.is_some() {
                    warning(
                        cx,
                        Code::Duplicate,
                        &name.location,
                        "'lvs_sync_daemon' instance is already set; this one is ignored".into(),
                    );
                } else {
                    daemon.instance = Some(located(name));
                }
            }
            "id" => {
                let Some(value) = option_value(cx, node, word, words.next().map(|(_, w)| w)) else {
                    continue;
                };
                if let Some(id) = int_word(cx, node, value, 0..=255) {
                    daemon.sync_id = Some(id);
                }
            }
            "maxlen" => {
                let Some(value) = option_value(cx, node, word, words.next().map(|(_, w)| w)) else {
                    continue;
                };
                if let Some(len) = int_word(cx, node, value, 1..=65_507) {
                    daemon.max_len = Some(len);
                }
            }
            "port" => {
                let Some(value) = option_value(cx, node, word, words.next().map(|(_, w)| w)) else {
                    continue;
                };
                if let Some(port) = int_word(cx, node, value, 1..=i128::from(u16::MAX)) {
                    daemon.port = Some(port);
                }
            }
            "ttl" => {
                let Some(value) = option_value(cx, node, word, words.next().map(|(_, w)| w)) else {
                    continue;
                };
                if let Some(ttl) = int_word(cx, node, value, 1..=255) {
                    daemon.ttl = Some(ttl);
                }
            }
            "group" => {
                let Some(value) = option_value(cx, node, word, words.next().map(|(_, w)| w)) else {
                    continue;
                };
                let Some(group) = sockaddr_word(cx, node, value) else {
                    continue;
                };
                let multicast = match group {
                    IpAddr::V4(v4) => v4.is_multicast(),
                    IpAddr::V6(v6) => v6.is_multicast(),
                };
                if multicast {
                    daemon.group = Some(group);
                } else {
                    error(
                        cx,
                        Code::InvalidValue,
                        &value.location,
                        format!(
                            "'lvs_sync_daemon' group {} is not a multicast address",
                            value.text
                        ),
                    );
                }
            }
            // The old form: `lvs_sync_daemon IFNAME VRRP_INSTANCE [SYNC_ID]`.
            _ if index == 1 && daemon.instance.is_none() => daemon.instance = Some(located(word)),
            _ if index == 2 && daemon.sync_id.is_none() => {
                if let Some(id) = int_word(cx, node, word, 0..=255) {
                    warning(
                        cx,
                        Code::Inconsistent,
                        &word.location,
                        "write 'id' before the lvs_sync_daemon sync id".into(),
                    );
                    daemon.sync_id = Some(id);
                }
            }
            _ => error(
                cx,
                Code::InvalidValue,
                &word.location,
                format!("'lvs_sync_daemon' has no option '{}'; ignored", word.text),
            ),
        }
    }
    lvs.sync_daemon = Some(daemon);
}

fn timeouts(cx: &mut Cx<'_>, node: &Node, timeouts: &mut LvsTimeouts) {
    cx.no_block(node);
    if node.args.len() < 2 {
        error(
            cx,
            Code::MissingValue,
            &node.keyword.location,
            "'lvs_timeouts' needs at least one of tcp, tcpfin, udp with a time".into(),
        );
        return;
    }
    let mut words = node.args.iter();
    while let Some(word) = words.next() {
        let target = match word.text.as_str() {
            "tcp" => &mut timeouts.tcp,
            "tcpfin" => &mut timeouts.tcp_fin,
            "udp" => &mut timeouts.udp,
            _ => {
                error(
                    cx,
                    Code::InvalidValue,
                    &word.location,
                    format!("'lvs_timeouts' has no option '{}'; ignored", word.text),
                );
                continue;
            }
        };
        let Some(value) = option_value(cx, node, word, words.next()) else {
            continue;
        };
        if let Some(secs) = int_word(cx, node, value, 0..=i128::from(LVS_MAX_TIMEOUT)) {
            *target = Some(Duration::from_secs(secs));
        }
    }
}

fn flush_on_stop(cx: &mut Cx<'_>, node: &Node, lvs: &mut LvsDefaults) {
    cx.no_block(node);
    cx.at_most(node, 1);
    if node.name() == "lvs_flush_onstop" {
        cx.report(
            Severity::Note,
            Code::Inconsistent,
            &node.keyword.location,
            "'lvs_flush_onstop' is deprecated; use 'lvs_flush_on_stop'".into(),
        );
    }
    match node.args.first() {
        None => lvs.flush_on_stop = Some(LvsFlushOnStop::Full),
        Some(word) if word.text == "VS" => lvs.flush_on_stop = Some(LvsFlushOnStop::VirtualServers),
        Some(word) => error(
            cx,
            Code::InvalidValue,
            &word.location,
            format!("'{}' takes only 'VS', not '{}'", node.name(), word.text),
        ),
    }
}

pub(super) const KEYWORDS: &Keywords<GlobalDefs> = &[
    ("lvs_sync_daemon", |cx, node, g| {
        sync_daemon(cx, node, &mut g.lvs)
    }),
    ("lvs_timeouts", |cx, node, g| {
        timeouts(cx, node, &mut g.lvs.timeouts)
    }),
    ("lvs_flush", |cx, node, g| g.lvs.flush = bare(cx, node)),
    ("lvs_flush_on_stop", |cx, node, g| {
        flush_on_stop(cx, node, &mut g.lvs)
    }),
    ("lvs_flush_onstop", |cx, node, g| {
        flush_on_stop(cx, node, &mut g.lvs)
    }),
];

pub(super) fn write(lvs: &LvsDefaults, w: &mut Writer) {
    if let Some(daemon) = &lvs.sync_daemon {
        let mut words: Vec<String> = vec!["lvs_sync_daemon".into(), daemon.interface.clone()];
        if let Some(instance) = &daemon.instance {
            words.extend(["inst".into(), instance.value.clone()]);
        }
        let numbers = [
            ("id", daemon.sync_id.map(u32::from)),
            ("maxlen", daemon.max_len.map(u32::from)),
            ("port", daemon.port.map(u32::from)),
            ("ttl", daemon.ttl.map(u32::from)),
        ];
        for (option, value) in numbers {
            if let Some(value) = value {
                words.extend([option.to_owned(), value.to_string()]);
            }
        }
        if let Some(group) = daemon.group {
            words.extend(["group".into(), group.to_string()]);
        }
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        w.line(&refs);
    }
    let t = &lvs.timeouts;
    if *t != LvsTimeouts::default() {
        let mut words: Vec<String> = vec!["lvs_timeouts".into()];
        for (option, value) in [("tcp", t.tcp), ("tcpfin", t.tcp_fin), ("udp", t.udp)] {
            if let Some(value) = value {
                words.extend([option.to_owned(), value.as_secs().to_string()]);
            }
        }
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        w.line(&refs);
    }
    w.flag("lvs_flush", lvs.flush);
    match lvs.flush_on_stop {
        Some(LvsFlushOnStop::Full) => w.line(&["lvs_flush_on_stop"]),
        Some(LvsFlushOnStop::VirtualServers) => w.line(&["lvs_flush_on_stop", "VS"]),
        None => {}
    }
}

/// `lvs_sync_daemon inst NAME` names a VRRP instance. keepalived only finds
/// out when the sync daemon starts, so this is a note.
pub(super) fn validate(config: &crate::model::Config, cx: &mut Cx<'_>) {
    let Some(daemon) = &config.global.lvs.sync_daemon else {
        return;
    };
    let Some(instance) = &daemon.instance else {
        return;
    };
    if config
        .vrrp_instances
        .iter()
        .any(|vrrp| vrrp.name.value == instance.value)
    {
        return;
    }
    if let Some(location) = &instance.location {
        cx.report(
            Severity::Note,
            Code::UnknownReference,
            location,
            format!(
                "'lvs_sync_daemon' follows vrrp_instance '{}', which is not defined",
                instance.value
            ),
        );
    }
}
