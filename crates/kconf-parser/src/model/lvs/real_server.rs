//! `real_server IP [PORT] { ... }` inside a virtual server.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::forwarding::{self, ForwardingMethod};
use super::values::{self, MAX_CONNECT_TIMEOUT, MAX_TIMER, MIN_TIMER};
use super::virtual_server::{VirtualServer, read_once_script, snmp_name, write_forwarding};
use crate::model::checkers::{self, Checker};
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::model::{Located, Script};
use crate::syntax::Node;

/// The largest weight IPVS takes (`IPVS_WEIGHT_LIMIT`, `INT_MAX`).
pub const MAX_WEIGHT: u32 = i32::MAX as u32;

model! {
    /// `real_server IP [PORT] { ... }`: a server of the pool and its checkers.
    ///
    /// `None` settings are taken from the virtual server (see
    /// [`VirtualServer`]), and a checker's unset settings from here.
    pub struct RealServer {
        /// The address.
        pub ip: Located<IpAddr> = Located::bare(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        /// The port (default: the virtual server's, for NAT and for an
        /// address service).
        pub port: Option<u16> = None,
        /// `weight N`, 0-2147483647 (default: the virtual server's `weight`, 1).
        pub weight: Option<u32> = None,
        /// `lvs_method`, else the virtual server's (as it stood when the
        /// real server was read, else its final one); unset when neither is
        /// set (keepalived then warns and uses NAT).
        pub forwarding: Option<ForwardingMethod> = None,
        /// `notify_up SCRIPT [USER [GROUP]]`: run when the server comes up.
        pub notify_up: Option<Script> = None,
        /// `notify_down SCRIPT [USER [GROUP]]`: run when it goes down.
        pub notify_down: Option<Script> = None,
        /// `uthreshold N`: the most connections; default 0 (no limit).
        pub upper_threshold: u32 = 0,
        /// `lthreshold N`: the connections below which a server over its
        /// upper threshold takes new ones again; default 0.
        pub lower_threshold: u32 = 0,
        /// `inhibit_on_failure [BOOL]` (default: the virtual server's).
        pub inhibit_on_failure: Option<bool> = None,
        /// `alpha [BOOL]` (default: the virtual server's).
        pub alpha: Option<bool> = None,
        /// `retry N`, at least 1 (default: the virtual server's).
        pub retry: Option<u32> = None,
        /// `delay_before_retry SECONDS` (default: the virtual server's).
        pub delay_before_retry: Option<Duration> = None,
        /// `warmup SECONDS` (default: the virtual server's).
        pub warmup: Option<Duration> = None,
        /// `connect_timeout SECONDS` (default: the virtual server's).
        pub connect_timeout: Option<Duration> = None,
        /// `delay_loop SECONDS` (default: the virtual server's).
        pub delay_loop: Option<Duration> = None,
        /// `smtp_alert [BOOL]` (default: the global `smtp_alert_checker` or
        /// `smtp_alert`, else on).
        pub smtp_alert: Option<bool> = None,
        /// `virtualhost NAME`: the Host for HTTP_GET/SSL_GET (default: the
        /// virtual server's).
        pub virtualhost: Option<String> = None,
        /// `snmp_name NAME`: a name returned in SNMP data.
        pub snmp_name: Option<String> = None,
        /// The checkers, in order.
        pub checkers: Vec<Checker> = Vec::new(),
    }
}

/// The keywords of a `real_server` block.
const REAL_SERVER: &Keywords<RealServer> = &[
    ("weight", |cx, node, rs| {
        if let Some(weight) = values::u32_in(cx, node, 0..=MAX_WEIGHT) {
            rs.weight = Some(weight);
        }
    }),
    ("lvs_method", |cx, node, rs| {
        if let Some(method) = forwarding::read(cx, node) {
            rs.forwarding = Some(method);
        }
    }),
    ("uthreshold", |cx, node, rs| {
        if let Some(threshold) = values::u32_in(cx, node, 0..=u32::MAX) {
            rs.upper_threshold = threshold;
        }
    }),
    ("lthreshold", |cx, node, rs| {
        if let Some(threshold) = values::u32_in(cx, node, 0..=u32::MAX) {
            rs.lower_threshold = threshold;
        }
    }),
    ("inhibit_on_failure", |cx, node, rs| {
        if let Some(on) = cx.flag(node) {
            rs.inhibit_on_failure = Some(on);
        }
    }),
    ("notify_up", |cx, node, rs| {
        read_once_script(cx, node, &mut rs.notify_up)
    }),
    ("notify_down", |cx, node, rs| {
        read_once_script(cx, node, &mut rs.notify_down)
    }),
    ("alpha", |cx, node, rs| {
        if let Some(on) = cx.flag(node) {
            rs.alpha = Some(on);
        }
    }),
    ("retry", |cx, node, rs| {
        if let Some(retry) = values::u32_in(cx, node, 1..=u32::MAX) {
            rs.retry = Some(retry);
        }
    }),
    ("delay_before_retry", |cx, node, rs| {
        if let Some(delay) = values::timer(cx, node, Duration::ZERO..=MAX_TIMER) {
            rs.delay_before_retry = Some(delay);
        }
    }),
    ("warmup", |cx, node, rs| {
        if let Some(warmup) = values::timer(cx, node, Duration::ZERO..=MAX_TIMER) {
            rs.warmup = Some(warmup);
        }
    }),
    ("connect_timeout", |cx, node, rs| {
        if let Some(timeout) = values::timer(cx, node, MIN_TIMER..=MAX_CONNECT_TIMEOUT) {
            rs.connect_timeout = Some(timeout);
        }
    }),
    ("delay_loop", |cx, node, rs| {
        if let Some(delay) = values::timer(cx, node, MIN_TIMER..=MAX_TIMER) {
            rs.delay_loop = Some(delay);
        }
    }),
    ("smtp_alert", |cx, node, rs| {
        if let Some(on) = cx.flag(node) {
            rs.smtp_alert = Some(on);
        }
    }),
    ("virtualhost", |cx, node, rs| {
        if let Some(host) = cx.string(node) {
            rs.virtualhost = Some(host);
        }
    }),
    ("snmp_name", |cx, node, rs| {
        if let Some(name) = snmp_name(cx, node) {
            rs.snmp_name = Some(name);
        }
    }),
    ("HTTP_GET", read_checker),
    ("SSL_GET", read_checker),
    ("TCP_CHECK", read_checker),
    ("SMTP_CHECK", read_checker),
    ("DNS_CHECK", read_checker),
    ("MISC_CHECK", read_checker),
    ("UDP_CHECK", read_checker),
    ("PING_CHECK", read_checker),
    ("FILE_CHECK", read_checker),
    ("BFD_CHECK", read_checker),
];

fn read_checker(cx: &mut Cx<'_>, node: &Node, rs: &mut RealServer) {
    if let Some(checker) = checkers::read_checker(cx, node, rs.ip.value) {
        rs.checkers.push(checker);
    }
}

/// Reads a `real_server` block into its virtual server, unless its line is
/// bad (keepalived skips the block, as we do).
pub(crate) fn read(cx: &mut Cx<'_>, node: &Node, vs: &mut VirtualServer) {
    let Some((ip, port)) = values::address_port(cx, node, 0) else {
        return;
    };
    if !cx.require_block(node) {
        return;
    }
    // keepalived gives a new real server the virtual server's method as it stands now.
    let mut rs = RealServer {
        ip,
        port,
        forwarding: vs.forwarding,
        ..RealServer::default()
    };
    cx.read_block(node, "real_server", REAL_SERVER, &mut rs);
    // Most real servers have one checker; a Vec grows to 4 on first push.
    rs.checkers.shrink_to_fit();
    vs.real_servers.push(rs);
}

/// Writes a `real_server` block; its method only when it differs from the
/// virtual server's (`inherited`), which it takes when read back.
pub(crate) fn write(rs: &RealServer, inherited: Option<ForwardingMethod>, w: &mut Writer) {
    let ip = rs.ip.value.to_string();
    match rs.port {
        Some(port) => w.open(&["real_server", &ip, &port.to_string()]),
        None => w.open(&["real_server", &ip]),
    }
    values::write_opt(w, "weight", rs.weight);
    match rs.forwarding {
        Some(method) if rs.forwarding != inherited => write_forwarding(w, "lvs_method", method),
        _ => {}
    }
    w.script("notify_up", &rs.notify_up);
    w.script("notify_down", &rs.notify_down);
    w.value_if("uthreshold", &rs.upper_threshold, &0);
    w.value_if("lthreshold", &rs.lower_threshold, &0);
    values::write_opt_bool(w, "inhibit_on_failure", rs.inhibit_on_failure);
    values::write_opt_bool(w, "alpha", rs.alpha);
    values::write_opt(w, "retry", rs.retry);
    w.opt_timer("delay_before_retry", rs.delay_before_retry);
    w.opt_timer("warmup", rs.warmup);
    w.opt_timer("connect_timeout", rs.connect_timeout);
    w.opt_timer("delay_loop", rs.delay_loop);
    values::write_opt_bool(w, "smtp_alert", rs.smtp_alert);
    w.opt("virtualhost", &rs.virtualhost);
    w.opt("snmp_name", &rs.snmp_name);
    for checker in &rs.checkers {
        checkers::write_checker(checker, w);
    }
    w.close();
}
