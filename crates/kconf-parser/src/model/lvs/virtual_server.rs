//! `virtual_server IP [PORT] | fwmark N | group NAME { ... }` and its
//! `sorry_server`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::forwarding::{self, ForwardingMethod};
use super::kinds::{
    FAMILIES, IpFamily, PROTOCOLS, PersistenceGranularity, Protocol, SCHEDULERS, Scheduler,
    SchedulerFlags,
};
use super::real_server::{self, MAX_WEIGHT, RealServer};
use super::values::{self, MAX_CONNECT_TIMEOUT, MAX_TIMER, MIN_TIMER};
use crate::diagnostic::{Code, Severity};
use crate::model::reader::{Cx, Keywords, located};
use crate::model::writer::Writer;
use crate::model::{Located, Script};
use crate::syntax::Node;

/// keepalived's persistence timeout when `persistence_timeout` has no value
/// (`IPVS_SVC_PERSISTENT_TIMEOUT`, 6 minutes).
pub const DEFAULT_PERSISTENCE_TIMEOUT: u32 = 360;

/// The longest persistence timeout keepalived accepts (`LVS_MAX_TIMEOUT`, 31 days).
pub const MAX_PERSISTENCE_TIMEOUT: u32 = 31 * 24 * 60 * 60;

/// The longest persistence engine name (`IP_VS_PENAME_MAXLEN - 1`).
const MAX_PE_NAME_LEN: usize = 15;

/// What a `virtual_server` line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VirtualServerTarget {
    /// `virtual_server IP [PORT]`; no port is only valid for a persistent service.
    Address {
        /// The virtual IP address.
        ip: Located<IpAddr>,
        /// The port, if any (`0` reads as none).
        port: Option<u16>,
    },
    /// `virtual_server fwmark N`, N in 1-4294967295.
    Fwmark(Located<u32>),
    /// `virtual_server group NAME`: a `virtual_server_group`.
    Group(Located<String>),
}

impl VirtualServerTarget {
    /// Where the target was written.
    pub fn location(&self) -> Option<&crate::Location> {
        match self {
            VirtualServerTarget::Address { ip, .. } => ip.location.as_ref(),
            VirtualServerTarget::Fwmark(mark) => mark.location.as_ref(),
            VirtualServerTarget::Group(name) => name.location.as_ref(),
        }
    }

    /// The words after `virtual_server`.
    fn words(&self) -> Vec<String> {
        match self {
            VirtualServerTarget::Address { ip, port } => {
                let mut words = vec![ip.value.to_string()];
                words.extend(port.map(|p| p.to_string()));
                words
            }
            VirtualServerTarget::Fwmark(mark) => vec!["fwmark".into(), mark.value.to_string()],
            VirtualServerTarget::Group(name) => vec!["group".into(), name.value.clone()],
        }
    }
}

impl std::fmt::Display for VirtualServerTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VirtualServerTarget::Address {
                ip,
                port: Some(port),
            } if ip.is_ipv6() => {
                write!(f, "[{}]:{port}", ip.value)
            }
            VirtualServerTarget::Address {
                ip,
                port: Some(port),
            } => write!(f, "{}:{port}", ip.value),
            VirtualServerTarget::Address { ip, port: None } => write!(f, "{}", ip.value),
            VirtualServerTarget::Fwmark(mark) => write!(f, "fwmark {}", mark.value),
            VirtualServerTarget::Group(name) => write!(f, "group {}", name.value),
        }
    }
}

model! {
    /// `virtual_server ... { ... }`: an IPVS service and its real servers.
    ///
    /// Several settings are inherited: a real server without its own
    /// `weight`, `lvs_method`, `alpha`, `inhibit_on_failure`, `retry`,
    /// `connect_timeout`, `delay_loop`, `warmup`, `delay_before_retry`
    /// takes the virtual server's, and a checker takes its real server's.
    pub struct VirtualServer {
        /// The address, firewall mark or group.
        pub target: VirtualServerTarget = VirtualServerTarget::Address {
            ip: Located::bare(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            port: None,
        },
        /// `ip_family inet|inet6`: only needed for a fwmark service whose
        /// real servers are all tunnelled (keepalived then defaults to inet).
        pub ip_family: Option<IpFamily> = None,
        /// `lvs_sched` (`lb_algo`). Unset, keepalived warns and uses `wlc`.
        pub scheduler: Option<Scheduler> = None,
        /// `flag-1`..`flag-3`, `sh-port`, `sh-fallback`, `mh-port`, `mh-fallback`.
        pub scheduler_flags: SchedulerFlags = SchedulerFlags::default(),
        /// `ops`: one-packet scheduling (UDP only); default off.
        pub one_packet_scheduling: bool = false,
        /// `lvs_method` (`lb_kind`): the real servers' default forwarding.
        /// Unset, keepalived warns and uses NAT.
        pub forwarding: Option<ForwardingMethod> = None,
        /// `persistence_engine NAME` (only `sip` exists), at most 15 characters.
        pub persistence_engine: Option<String> = None,
        /// `persistence_timeout [SECONDS]`, 1-2678400; the bare keyword is 360.
        /// Unset, the service is not persistent.
        pub persistence_timeout: Option<u32> = None,
        /// `persistence_granularity`; setting it makes the service persistent.
        pub persistence_granularity: Option<PersistenceGranularity> = None,
        /// `protocol TCP|UDP|SCTP`. Unset on an address service, keepalived
        /// warns and uses UDP; a fwmark service takes none.
        pub protocol: Option<Protocol> = None,
        /// `ha_suspend`: suspend the checkers while the address is absent; default off.
        pub ha_suspend: bool = false,
        /// `smtp_alert [BOOL]`: mail on quorum changes (default: the global
        /// `smtp_alert_checker`/`smtp_alert`, else off).
        pub smtp_alert: Option<bool> = None,
        /// `virtualhost NAME`: the default Host for HTTP_GET/SSL_GET.
        pub virtualhost: Option<String> = None,
        /// `snmp_name NAME`: a name returned in SNMP data.
        pub snmp_name: Option<String> = None,
        /// `alpha`: start with every real server down; default off.
        pub alpha: bool = false,
        /// `omega`: run the quorum and server down scripts at shutdown; default off.
        pub omega: bool = false,
        /// `quorum N`: the live weight needed for the service to be up; default 1.
        pub quorum: u32 = 1,
        /// `hysteresis N`: the weight tolerated around the quorum; default 0.
        pub hysteresis: u32 = 0,
        /// `quorum_up SCRIPT [USER [GROUP]]`: run when the quorum is gained.
        pub quorum_up: Option<Script> = None,
        /// `quorum_down SCRIPT [USER [GROUP]]`: run when the quorum is lost.
        pub quorum_down: Option<Script> = None,
        /// `weight N` (1-2147483647): the real servers' default weight; default 1.
        pub weight: u32 = 1,
        /// `delay_loop SECONDS`: the default check interval; default 60.
        pub delay_loop: Duration = Duration::from_secs(60),
        /// `retry N` (at least 1): default retries of the checkers (default:
        /// the checker's own, 1, 3 for DNS_CHECK, 0 for MISC_CHECK).
        pub retry: Option<u32> = None,
        /// `delay_before_retry SECONDS` (default: the checker's own, 1 s,
        /// 3 s for HTTP_GET/SSL_GET, `delay_loop` for DNS_CHECK).
        pub delay_before_retry: Option<Duration> = None,
        /// `warmup SECONDS`: the longest random delay before the first check
        /// (default: `delay_loop`; 0 disables it).
        pub warmup: Option<Duration> = None,
        /// `connect_timeout SECONDS`: the default connection timeout; default 5.
        pub connect_timeout: Duration = Duration::from_secs(5),
        /// `inhibit_on_failure`: set a failed server's weight to 0 instead of
        /// removing it; default off.
        pub inhibit_on_failure: bool = false,
        /// `sorry_server IP [PORT]` and its options.
        pub sorry_server: Option<SorryServer> = None,
        /// `real_server` blocks, in order.
        pub real_servers: Vec<RealServer> = Vec::new(),
    }
}

model! {
    /// `sorry_server IP [PORT]`: the server that replaces the real servers
    /// while the quorum is lost.
    pub struct SorryServer {
        /// The address.
        pub ip: Located<IpAddr> = Located::bare(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        /// The port (default: the virtual server's).
        pub port: Option<u16> = None,
        /// `sorry_server_inhibit`: inhibit rather than remove it; default off.
        pub inhibit: bool = false,
        /// `sorry_server_lvs_method`, else the virtual server's `lvs_method`
        /// (as it stood at `sorry_server`, else its final one); unset when
        /// neither is set (keepalived then warns and uses NAT).
        pub forwarding: Option<ForwardingMethod> = None,
    }
}

/// The keywords of a `virtual_server` block.
const VIRTUAL_SERVER: &Keywords<VirtualServer> = &[
    ("ip_family", |cx, node, vs| {
        if let Some(family) = cx.choice(node, FAMILIES) {
            vs.ip_family = Some(family);
        }
    }),
    ("lvs_sched", read_scheduler),
    ("lb_algo", read_scheduler),
    ("hashed", read_hashed),
    ("ops", |cx, node, vs| {
        vs.one_packet_scheduling = values::bare_flag(cx, node)
    }),
    ("flag-1", |cx, node, vs| {
        vs.scheduler_flags.flag_1 = values::bare_flag(cx, node)
    }),
    ("flag-2", |cx, node, vs| {
        vs.scheduler_flags.flag_2 = values::bare_flag(cx, node)
    }),
    ("flag-3", |cx, node, vs| {
        vs.scheduler_flags.flag_3 = values::bare_flag(cx, node)
    }),
    ("sh-port", read_hash_flag),
    ("sh-fallback", read_hash_flag),
    ("mh-port", read_hash_flag),
    ("mh-fallback", read_hash_flag),
    ("lvs_method", read_forwarding),
    ("lb_kind", read_forwarding),
    ("persistence_engine", read_persistence_engine),
    ("persistence_timeout", read_persistence_timeout),
    ("persistence_granularity", read_granularity),
    ("protocol", read_protocol),
    ("ha_suspend", |cx, node, vs| {
        vs.ha_suspend = values::bare_flag(cx, node)
    }),
    ("smtp_alert", |cx, node, vs| {
        if let Some(on) = cx.flag(node) {
            vs.smtp_alert = Some(on);
        }
    }),
    ("virtualhost", |cx, node, vs| {
        if let Some(host) = cx.string(node) {
            vs.virtualhost = Some(host);
        }
    }),
    ("snmp_name", |cx, node, vs| {
        if let Some(name) = snmp_name(cx, node) {
            vs.snmp_name = Some(name);
        }
    }),
    ("alpha", |cx, node, vs| {
        vs.alpha = values::bare_flag(cx, node)
    }),
    ("omega", |cx, node, vs| {
        vs.omega = values::bare_flag(cx, node)
    }),
    ("quorum", |cx, node, vs| {
        if let Some(quorum) = values::u32_in(cx, node, 1..=u32::MAX) {
            vs.quorum = quorum;
        }
    }),
    ("hysteresis", |cx, node, vs| {
        if let Some(hysteresis) = values::u32_in(cx, node, 0..=u32::MAX) {
            vs.hysteresis = hysteresis;
        }
    }),
    ("quorum_up", |cx, node, vs| {
        read_once_script(cx, node, &mut vs.quorum_up)
    }),
    ("quorum_down", |cx, node, vs| {
        read_once_script(cx, node, &mut vs.quorum_down)
    }),
    ("weight", |cx, node, vs| {
        if let Some(weight) = values::u32_in(cx, node, 1..=MAX_WEIGHT) {
            vs.weight = weight;
        }
    }),
    ("delay_loop", |cx, node, vs| {
        if let Some(delay) = values::timer(cx, node, MIN_TIMER..=MAX_TIMER) {
            vs.delay_loop = delay;
        }
    }),
    ("retry", |cx, node, vs| {
        if let Some(retry) = values::u32_in(cx, node, 1..=u32::MAX) {
            vs.retry = Some(retry);
        }
    }),
    ("delay_before_retry", |cx, node, vs| {
        if let Some(delay) = values::timer(cx, node, Duration::ZERO..=MAX_TIMER) {
            vs.delay_before_retry = Some(delay);
        }
    }),
    ("warmup", |cx, node, vs| {
        if let Some(warmup) = values::timer(cx, node, Duration::ZERO..=MAX_TIMER) {
            vs.warmup = Some(warmup);
        }
    }),
    ("connect_timeout", |cx, node, vs| {
        if let Some(timeout) = values::timer(cx, node, MIN_TIMER..=MAX_CONNECT_TIMEOUT) {
            vs.connect_timeout = timeout;
        }
    }),
    ("inhibit_on_failure", |cx, node, vs| {
        vs.inhibit_on_failure = values::bare_flag(cx, node)
    }),
    ("sorry_server", read_sorry_server),
    ("sorry_server_inhibit", |cx, node, vs| {
        let on = values::bare_flag(cx, node);
        match &mut vs.sorry_server {
            Some(sorry) => sorry.inhibit = on,
            None => before_sorry_server(cx, node),
        }
    }),
    ("sorry_server_lvs_method", |cx, node, vs| {
        let Some(method) = forwarding::read(cx, node) else {
            return;
        };
        match &mut vs.sorry_server {
            Some(sorry) => sorry.forwarding = Some(method),
            None => before_sorry_server(cx, node),
        }
    }),
    ("real_server", real_server::read),
];

/// Reads a `virtual_server` block and stores it, unless its line is bad
/// (keepalived skips the block, as we do).
pub(crate) fn read(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<VirtualServer>) {
    let Some(target) = read_target(cx, node) else {
        return;
    };
    let mut vs = VirtualServer {
        target,
        ..VirtualServer::default()
    };
    if !cx.require_block(node) {
        return;
    }
    cx.read_block(node, "virtual_server", VIRTUAL_SERVER, &mut vs);
    vs.real_servers.shrink_to_fit();
    // Servers without a method of their own take the final one (keepalived
    // does this when it checks the configuration).
    if let Some(method) = vs.forwarding {
        for rs in &mut vs.real_servers {
            rs.forwarding.get_or_insert(method);
        }
        if let Some(sorry) = &mut vs.sorry_server {
            sorry.forwarding.get_or_insert(method);
        }
    }
    out.push(vs);
}

/// `IP [PORT]`, `fwmark N` or `group NAME`.
fn read_target(cx: &mut Cx<'_>, node: &Node) -> Option<VirtualServerTarget> {
    let first = cx.arg(node)?;
    match first.text.as_str() {
        "fwmark" | "group" => {
            let Some(value) = node.args.get(1) else {
                cx.report(
                    Severity::Error,
                    Code::MissingValue,
                    &first.location,
                    format!("'virtual_server {}' needs a value", first.text),
                );
                return None;
            };
            cx.at_most(node, 2);
            if first.text == "group" {
                return Some(VirtualServerTarget::Group(located(value)));
            }
            let mark = values::u32_word(cx, node, value, 1..=u32::MAX)?;
            Some(VirtualServerTarget::Fwmark(Located::new(
                mark,
                Some(value.location.clone()),
            )))
        }
        _ => {
            let (ip, port) = values::address_port(cx, node, 0)?;
            Some(VirtualServerTarget::Address { ip, port })
        }
    }
}

fn read_scheduler(cx: &mut Cx<'_>, node: &Node, vs: &mut VirtualServer) {
    if let Some(scheduler) = cx.choice(node, SCHEDULERS) {
        vs.scheduler = Some(scheduler);
    }
}

/// `hashed`: keepalived 2.2.7 still accepts the word but sets nothing; it
/// warns unless the scheduler read so far is `sh`.
fn read_hashed(cx: &mut Cx<'_>, node: &Node, vs: &mut VirtualServer) {
    values::bare_flag(cx, node);
    let (severity, message) = if vs.scheduler == Some(Scheduler::SourceHashing) {
        (Severity::Note, "'hashed' has no effect; it is ignored")
    } else {
        (
            Severity::Warning,
            "'hashed' has no effect (keepalived: it only applies to sh); ignored",
        )
    };
    cx.report(
        severity,
        Code::InvalidValue,
        &node.keyword.location,
        message.into(),
    );
}

/// `sh-port`, `sh-fallback`, `mh-port`, `mh-fallback`: read against the
/// scheduler set so far, as keepalived does (`lvs_sched` must come first).
fn read_hash_flag(cx: &mut Cx<'_>, node: &Node, vs: &mut VirtualServer) {
    values::bare_flag(cx, node);
    let name = node.name();
    let wanted = if name.starts_with("sh-") {
        Scheduler::SourceHashing
    } else {
        Scheduler::MaglevHashing
    };
    let is_port = name.ends_with("-port");
    match vs.scheduler {
        Some(scheduler) if scheduler == wanted => {
            if is_port {
                vs.scheduler_flags.flag_2 = true;
            } else {
                vs.scheduler_flags.flag_1 = true;
            }
        }
        Some(other @ (Scheduler::SourceHashing | Scheduler::MaglevHashing)) => cx.report(
            Severity::Note,
            Code::Inconsistent,
            &node.keyword.location,
            format!("'{name}' does not apply to the {other} scheduler; keepalived ignores it"),
        ),
        _ => cx.report_help(
            Severity::Warning,
            Code::Inconsistent,
            &node.keyword.location,
            format!("'{name}' only applies to the {wanted} scheduler; ignored"),
            format!("set 'lvs_sched {wanted}' before it"),
        ),
    }
}

fn read_forwarding(cx: &mut Cx<'_>, node: &Node, vs: &mut VirtualServer) {
    if let Some(method) = forwarding::read(cx, node) {
        vs.forwarding = Some(method);
    }
}

fn read_persistence_engine(cx: &mut Cx<'_>, node: &Node, vs: &mut VirtualServer) {
    let Some(word) = cx.single(node) else { return };
    let mut name = word.text.clone();
    if name.chars().count() > MAX_PE_NAME_LEN {
        cx.report(
            Severity::Warning,
            Code::OutOfRange,
            &word.location,
            format!("persistence_engine '{name}' is longer than {MAX_PE_NAME_LEN} characters; keepalived truncates it"),
        );
        name = name.chars().take(MAX_PE_NAME_LEN).collect();
    }
    vs.persistence_engine = Some(name);
}

fn read_persistence_timeout(cx: &mut Cx<'_>, node: &Node, vs: &mut VirtualServer) {
    if node.args.is_empty() {
        cx.no_block(node);
        vs.persistence_timeout = Some(DEFAULT_PERSISTENCE_TIMEOUT);
    } else if let Some(timeout) = values::u32_in(cx, node, 1..=MAX_PERSISTENCE_TIMEOUT) {
        vs.persistence_timeout = Some(timeout);
    }
}

/// An IPv4 netmask or an IPv6 prefix length, chosen by the service's family
/// as keepalived chooses it: the address's, else `ip_family`, else a dot.
/// Setting it makes the service persistent.
fn read_granularity(cx: &mut Cx<'_>, node: &Node, vs: &mut VirtualServer) {
    let Some(word) = cx.single(node) else { return };
    let family = match &vs.target {
        VirtualServerTarget::Address { ip, .. } => IpFamily::of(ip),
        _ => vs.ip_family.unwrap_or(if word.text.contains('.') {
            IpFamily::Inet
        } else {
            IpFamily::Inet6
        }),
    };
    let granularity = match family {
        IpFamily::Inet6 => match values::u32_word(cx, node, word, 1..=128) {
            Some(len) => PersistenceGranularity::PrefixLength(len as u8),
            None => return,
        },
        IpFamily::Inet => match word.text.parse::<Ipv4Addr>() {
            Ok(mask) => PersistenceGranularity::Netmask(mask),
            Err(_) => match word.text.parse::<u32>() {
                // inet_aton reads a lone number as the whole address.
                Ok(number) => {
                    let mask = Ipv4Addr::from(number);
                    cx.report(
                        Severity::Note,
                        Code::InvalidValue,
                        &word.location,
                        format!("an IPv4 service reads persistence_granularity {number} as the netmask {mask}"),
                    );
                    PersistenceGranularity::Netmask(mask)
                }
                Err(_) => {
                    cx.report(
                        Severity::Error,
                        Code::InvalidValue,
                        &word.location,
                        format!(
                            "'persistence_granularity' needs an IPv4 netmask, not '{}'",
                            word.text
                        ),
                    );
                    return;
                }
            },
        },
    };
    vs.persistence_granularity = Some(granularity);
    vs.persistence_timeout
        .get_or_insert(DEFAULT_PERSISTENCE_TIMEOUT);
}

/// `protocol`, compared ignoring case as keepalived does.
fn read_protocol(cx: &mut Cx<'_>, node: &Node, vs: &mut VirtualServer) {
    let Some(word) = cx.single(node) else { return };
    let upper = word.text.to_ascii_uppercase();
    match PROTOCOLS.iter().find(|(name, _)| *name == upper) {
        Some((_, protocol)) => vs.protocol = Some(*protocol),
        None => {
            cx.choice_word(node, word, PROTOCOLS);
        }
    }
}

/// `sorry_server IP [PORT]`; a second one replaces the first.
fn read_sorry_server(cx: &mut Cx<'_>, node: &Node, vs: &mut VirtualServer) {
    cx.no_block(node);
    let Some((ip, port)) = values::address_port(cx, node, 0) else {
        return;
    };
    // Like a real server, it takes the virtual server's method as it stands now.
    vs.sorry_server = Some(SorryServer {
        ip,
        port,
        inhibit: false,
        forwarding: vs.forwarding,
    });
}

fn before_sorry_server(cx: &mut Cx<'_>, node: &Node) {
    cx.report_help(
        Severity::Warning,
        Code::Inconsistent,
        &node.keyword.location,
        format!(
            "'{}' without a sorry_server before it; ignored",
            node.name()
        ),
        "put 'sorry_server IP PORT' first".into(),
    );
}

/// `snmp_name NAME`: keepalived ignores the line unless it has exactly one word.
pub(crate) fn snmp_name(cx: &mut Cx<'_>, node: &Node) -> Option<String> {
    cx.no_block(node);
    match node.args.as_slice() {
        [name] => Some(name.text.clone()),
        _ => {
            let location = node
                .args
                .get(1)
                .map_or(&node.keyword.location, |w| &w.location);
            cx.report(
                Severity::Error,
                Code::InvalidValue,
                location,
                "'snmp_name' takes exactly one word; line skipped".into(),
            );
            None
        }
    }
}

/// A script keyword that keepalived takes once: a second is ignored with a warning.
pub(crate) fn read_once_script(cx: &mut Cx<'_>, node: &Node, slot: &mut Option<Script>) {
    let Some(script) = cx.script(node) else {
        return;
    };
    if slot.is_some() {
        cx.report(
            Severity::Warning,
            Code::Duplicate,
            &node.keyword.location,
            format!(
                "'{}' is already set; keepalived keeps the first and ignores this one",
                node.name()
            ),
        );
        return;
    }
    *slot = Some(script);
}

/// Writes a `virtual_server` block: only what differs from keepalived's
/// defaults, in an order that reads back the same (the scheduler before its
/// flags, the sorry server before its options).
pub(crate) fn write(vs: &VirtualServer, w: &mut Writer) {
    let mut header = vec!["virtual_server".to_owned()];
    header.extend(vs.target.words());
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    w.open(&header);
    values::write_opt(w, "ip_family", vs.ip_family);
    values::write_opt(w, "lvs_sched", vs.scheduler);
    let flags = vs.scheduler_flags;
    let (flag_1, flag_2) = match vs.scheduler {
        Some(Scheduler::SourceHashing) => ("sh-fallback", "sh-port"),
        Some(Scheduler::MaglevHashing) => ("mh-fallback", "mh-port"),
        _ => ("flag-1", "flag-2"),
    };
    w.flag(flag_1, flags.flag_1);
    w.flag(flag_2, flags.flag_2);
    w.flag("flag-3", flags.flag_3);
    w.flag("ops", vs.one_packet_scheduling);
    if let Some(method) = vs.forwarding {
        write_forwarding(w, "lvs_method", method);
    }
    w.opt("persistence_engine", &vs.persistence_engine);
    values::write_opt(w, "persistence_timeout", vs.persistence_timeout);
    values::write_opt(w, "persistence_granularity", vs.persistence_granularity);
    values::write_opt(w, "protocol", vs.protocol);
    w.flag("ha_suspend", vs.ha_suspend);
    values::write_opt_bool(w, "smtp_alert", vs.smtp_alert);
    w.opt("virtualhost", &vs.virtualhost);
    w.opt("snmp_name", &vs.snmp_name);
    w.flag("alpha", vs.alpha);
    w.flag("omega", vs.omega);
    w.value_if("quorum", &vs.quorum, &1);
    w.value_if("hysteresis", &vs.hysteresis, &0);
    w.script("quorum_up", &vs.quorum_up);
    w.script("quorum_down", &vs.quorum_down);
    w.value_if("weight", &vs.weight, &1);
    w.timer_if("delay_loop", vs.delay_loop, Duration::from_secs(60));
    values::write_opt(w, "retry", vs.retry);
    w.opt_timer("delay_before_retry", vs.delay_before_retry);
    w.opt_timer("warmup", vs.warmup);
    w.timer_if(
        "connect_timeout",
        vs.connect_timeout,
        Duration::from_secs(5),
    );
    w.flag("inhibit_on_failure", vs.inhibit_on_failure);
    if let Some(sorry) = &vs.sorry_server {
        let ip = sorry.ip.value.to_string();
        match sorry.port {
            Some(port) => w.line(&["sorry_server", &ip, &port.to_string()]),
            None => w.line(&["sorry_server", &ip]),
        }
        w.flag("sorry_server_inhibit", sorry.inhibit);
        match sorry.forwarding {
            Some(method) if sorry.forwarding != vs.forwarding => {
                write_forwarding(w, "sorry_server_lvs_method", method)
            }
            _ => {}
        }
    }
    for rs in &vs.real_servers {
        real_server::write(rs, vs.forwarding, w);
    }
    w.close();
}

/// `keyword NAT|DR|TUN ...`.
pub(crate) fn write_forwarding(w: &mut Writer, keyword: &str, method: ForwardingMethod) {
    let text = method.to_string();
    let mut words = vec![keyword];
    words.extend(text.split(' '));
    w.line(&words);
}
