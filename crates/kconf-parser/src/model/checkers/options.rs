//! The options every checker shares: the connection (`connect_ip`,
//! `connect_port`, `bindto`, `bind_port`, `bind_if`, `connect_timeout`,
//! `fwmark`) and the schedule (`retry`, `delay_before_retry`, `warmup`,
//! `delay_loop`, `alpha`, `log_all_failures`). MISC_CHECK has no connection,
//! FILE_CHECK and BFD_CHECK have neither.

use std::net::IpAddr;
use std::time::Duration;

use crate::diagnostic::{Code, Severity};
use crate::model::lvs::values::{self, MAX_CONNECT_TIMEOUT, MAX_IFNAME_LEN, MAX_TIMER, MIN_TIMER};
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::syntax::Node;

model! {
    /// When and how often a checker runs. Unset values come from the real
    /// server, then the virtual server, then the checker's own default.
    pub struct CheckOptions {
        /// `retry N` (0-4294967295): checks of a failed server before it is
        /// declared down (default 1; 3 for DNS_CHECK, 0 for MISC_CHECK).
        pub retry: Option<u32> = None,
        /// `delay_before_retry SECONDS` (default 1; 3 for HTTP_GET and
        /// SSL_GET; `delay_loop` for DNS_CHECK).
        pub delay_before_retry: Option<Duration> = None,
        /// `warmup SECONDS`: the longest random delay before the first
        /// check (default `delay_loop`; 0 disables it).
        pub warmup: Option<Duration> = None,
        /// `delay_loop SECONDS`: the interval between checks (default 60).
        pub delay_loop: Option<Duration> = None,
        /// `alpha [BOOL]`: start with the check failed.
        pub alpha: Option<bool> = None,
        /// `log_all_failures [BOOL]`: log every failure, not only changes; default off.
        pub log_all_failures: bool = false,
    }
}

model! {
    /// Where and how a checker connects. Unset, it connects to the real
    /// server's address and port from an address the kernel picks.
    pub struct ConnectOptions {
        /// `connect_ip IP`: the address to check.
        pub connect_ip: Option<IpAddr> = None,
        /// `connect_port PORT` (1-65535).
        pub connect_port: Option<u16> = None,
        /// `bindto IP`: the source address; same family as `connect_ip`.
        pub bindto: Option<IpAddr> = None,
        /// `bind_port PORT` (1-65535): the source port.
        pub bind_port: Option<u16> = None,
        /// `bind_if IFNAME` (at most 15 characters): needed for an IPv6
        /// link-local address.
        pub bind_if: Option<String> = None,
        /// `connect_timeout SECONDS` (1 µs to 4294.967295 s; default: the
        /// real server's, 5).
        pub connect_timeout: Option<Duration> = None,
        /// `fwmark N`: the mark of the checker's packets.
        pub fwmark: Option<u32> = None,
    }
}

/// The schedule keywords.
const OPTIONS: &Keywords<CheckOptions> = &[
    ("retry", |cx, node, o| {
        if let Some(retry) = values::u32_in(cx, node, 0..=u32::MAX) {
            o.retry = Some(retry);
        }
    }),
    ("delay_before_retry", |cx, node, o| {
        if let Some(delay) = values::timer(cx, node, Duration::ZERO..=MAX_TIMER) {
            o.delay_before_retry = Some(delay);
        }
    }),
    ("warmup", |cx, node, o| {
        if let Some(warmup) = values::timer(cx, node, Duration::ZERO..=MAX_TIMER) {
            o.warmup = Some(warmup);
        }
    }),
    ("delay_loop", |cx, node, o| {
        if let Some(delay) = values::timer(cx, node, MIN_TIMER..=MAX_TIMER) {
            o.delay_loop = Some(delay);
        }
    }),
    ("alpha", |cx, node, o| {
        if let Some(on) = cx.flag(node) {
            o.alpha = Some(on);
        }
    }),
    ("log_all_failures", |cx, node, o| {
        if let Some(on) = cx.flag(node) {
            o.log_all_failures = on;
        }
    }),
];

/// The connection keywords.
const CONNECT: &Keywords<ConnectOptions> = &[
    ("connect_ip", |cx, node, c| {
        let Some(ip) = cx.ip(node) else { return };
        if family_differs(cx, node, Some(ip), c.bindto, "bindto") {
            return;
        }
        c.connect_ip = Some(ip);
    }),
    ("connect_port", |cx, node, c| {
        if let Some(port) = values::u16_in(cx, node, 1..=u16::MAX) {
            c.connect_port = Some(port);
        }
    }),
    ("bindto", |cx, node, c| {
        let Some(ip) = cx.ip(node) else { return };
        if family_differs(cx, node, Some(ip), c.connect_ip, "connect_ip") {
            return;
        }
        c.bindto = Some(ip);
    }),
    ("bind_port", |cx, node, c| {
        if let Some(port) = values::u16_in(cx, node, 1..=u16::MAX) {
            c.bind_port = Some(port);
        }
    }),
    ("bind_if", |cx, node, c| {
        let Some(word) = cx.single(node) else { return };
        if word.text.len() > MAX_IFNAME_LEN {
            cx.report(
                Severity::Error,
                Code::OutOfRange,
                &word.location,
                format!(
                    "interface name '{}' is longer than {MAX_IFNAME_LEN} characters",
                    word.text
                ),
            );
            return;
        }
        c.bind_if = Some(word.text.clone());
    }),
    ("connect_timeout", |cx, node, c| {
        if let Some(timeout) = values::timer(cx, node, MIN_TIMER..=MAX_CONNECT_TIMEOUT) {
            c.connect_timeout = Some(timeout);
        }
    }),
    ("fwmark", |cx, node, c| {
        if let Some(mark) = values::u32_in(cx, node, 0..=u32::MAX) {
            c.fwmark = Some(mark);
        }
    }),
];

/// Reports `connect_ip` and `bindto` of different families (keepalived
/// skips the second).
fn family_differs(
    cx: &mut Cx<'_>,
    node: &Node,
    this: Option<IpAddr>,
    other: Option<IpAddr>,
    other_name: &str,
) -> bool {
    let differs = matches!((this, other), (Some(a), Some(b)) if a.is_ipv4() != b.is_ipv4());
    if differs {
        cx.report(
            Severity::Error,
            Code::Inconsistent,
            node.args
                .first()
                .map_or(&node.keyword.location, |w| &w.location),
            format!(
                "'{}' is not the address family of '{other_name}'; line skipped",
                node.name()
            ),
        );
    }
    differs
}

/// A checker block whose lines may set the shared options.
pub(super) trait CheckerBlock {
    /// The schedule options.
    fn options(&mut self) -> &mut CheckOptions;
    /// The connection options, for checkers that connect.
    fn connection(&mut self) -> Option<&mut ConnectOptions>;
}

/// Reads a checker block: its own keywords first, then the connection and
/// schedule options; unknown keywords are reported with a suggestion from
/// all of them. False when the block is missing.
pub(super) fn read_block<T: CheckerBlock>(
    cx: &mut Cx<'_>,
    node: &Node,
    own: &Keywords<T>,
    target: &mut T,
) -> bool {
    if !open_block(cx, node) {
        return false;
    }
    for child in node.children() {
        let name = child.name();
        if let Some((_, handler)) = own.iter().find(|(k, _)| *k == name) {
            handler(cx, child, target);
            continue;
        }
        if let Some(connection) = target.connection() {
            if let Some((_, handler)) = CONNECT.iter().find(|(k, _)| *k == name) {
                handler(cx, child, connection);
                continue;
            }
        }
        if let Some((_, handler)) = OPTIONS.iter().find(|(k, _)| *k == name) {
            handler(cx, child, target.options());
            continue;
        }
        let connects = target.connection().is_some();
        let known = own
            .iter()
            .map(|(k, _)| *k)
            .chain(CONNECT.iter().filter(|_| connects).map(|(k, _)| *k))
            .chain(OPTIONS.iter().map(|(k, _)| *k));
        cx.unknown_keyword(child, node.name(), known);
    }
    true
}

/// Checks the opening of a checker block: no words after the keyword, and
/// a block.
pub(super) fn open_block(cx: &mut Cx<'_>, node: &Node) -> bool {
    cx.at_most(node, 0);
    cx.require_block(node)
}

/// keepalived drops a checker whose destination is an IPv6 link-local
/// address without `bind_if`.
pub(super) fn connection_usable(
    cx: &mut Cx<'_>,
    node: &Node,
    connection: &ConnectOptions,
    real_server: IpAddr,
) -> bool {
    let destination = connection.connect_ip.unwrap_or(real_server);
    let link_local = match destination {
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
        IpAddr::V4(_) => false,
    };
    if link_local && connection.bind_if.is_none() {
        cx.report_help(
            Severity::Warning,
            Code::MissingValue,
            &node.keyword.location,
            format!("{} to the link-local address {destination} needs 'bind_if'; keepalived drops the checker", node.name()),
            "add 'bind_if IFNAME'".into(),
        );
        return false;
    }
    true
}

/// Writes the connection options.
pub(super) fn write_connection(c: &ConnectOptions, w: &mut Writer) {
    values::write_opt(w, "connect_ip", c.connect_ip);
    values::write_opt(w, "connect_port", c.connect_port);
    values::write_opt(w, "bindto", c.bindto);
    values::write_opt(w, "bind_port", c.bind_port);
    w.opt("bind_if", &c.bind_if);
    w.opt_timer("connect_timeout", c.connect_timeout);
    values::write_opt(w, "fwmark", c.fwmark);
}

/// Writes the schedule options.
pub(super) fn write_options(o: &CheckOptions, w: &mut Writer) {
    values::write_opt(w, "retry", o.retry);
    w.opt_timer("delay_before_retry", o.delay_before_retry);
    w.opt_timer("warmup", o.warmup);
    w.opt_timer("delay_loop", o.delay_loop);
    values::write_opt_bool(w, "alpha", o.alpha);
    w.flag("log_all_failures", o.log_all_failures);
}
