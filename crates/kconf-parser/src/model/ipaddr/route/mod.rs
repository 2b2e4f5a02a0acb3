//! Route lines (`static_routes`, `virtual_routes`) in `ip route` syntax:
//! `[TYPE] [to] DEST [src IP] [from PREFIX] [via [inet|inet6] IP] [dev IF]
//! [table T] [protocol P] [scope S] [metric N] [tos T] [onlink] [mtu [lock]
//! N] ... [nexthop via IP dev IF weight N ...] [append] [no_track]
//! [track_group G]`.

mod values;
mod write;

use std::net::IpAddr;
use std::time::Duration;

use super::names::{
    DSFIELD, PROTOCOL, PROTOCOL_KEEPALIVED, Realms, RouteType, RtId, SCOPE, TABLE, realms,
};
use super::{Line, Prefix, Target, family_keyword_not_last, target};
use crate::diagnostic::{Code, Severity};
use crate::model::global::values::{error, warning};
use crate::model::reader::{Cx, closest, located};
use crate::model::types::Located;
use crate::syntax::Word;
use values::{FamilyOf, address, encap, lockable, nexthops, number, time, zero_one};
pub(super) use write::words;

/// A route metric that may be locked (`mtu lock 1400`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMetric<T> {
    /// The value.
    pub value: T,
    /// `lock`: the kernel must not change it (path MTU discovery and the like).
    pub lock: bool,
}

/// `pref`: the router preference of an IPv6 route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterPreference {
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// A value given by number.
    Other(u8),
}

/// How the route is added next to routes that match it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddMode {
    /// `prepend` (the default): before them, as the kernel does.
    Prepend,
    /// `add`: only if there is none, like `ip route add`.
    Add,
    /// `append`: after them, like `ip route append`.
    Append,
}

/// One `nexthop` of a multipath route.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nexthop {
    /// `via [inet|inet6] IP`: the gateway.
    pub via: Option<IpAddr>,
    /// `dev`: the interface.
    pub dev: Option<Located<String>>,
    /// `weight`: its share, 1-256.
    pub weight: Option<u16>,
    /// `onlink`: the gateway is on the link even without a matching prefix.
    pub onlink: bool,
    /// `realms` (IPv4).
    pub realms: Option<Realms>,
    /// `encap TYPE ...`, as written (not typed: lightweight tunnels).
    pub encap: Vec<String>,
}

model! {
    /// One route line.
    pub struct Route {
        /// The destination (`default` is 0.0.0.0/0 or ::/0).
        pub to: Prefix = Prefix::any(false),
        /// The route type (unset: unicast).
        pub route_type: Option<RouteType> = None,
        /// `src`: the preferred source address.
        pub src: Option<IpAddr> = None,
        /// `from`: the source prefix (IPv6 only).
        pub from: Option<Prefix> = None,
        /// `via` (or the deprecated `gw`): the gateway.
        pub via: Option<IpAddr> = None,
        /// `dev` (or `oif`): the interface; a route without one cannot be
        /// tracked.
        pub dev: Option<Located<String>> = None,
        /// `vrf`: the VRF the route is in.
        pub vrf: Option<String> = None,
        /// `tos` (or `dsfield`), IPv4.
        pub tos: Option<RtId<u8>> = None,
        /// `table` (unset: main).
        pub table: Option<RtId<u32>> = None,
        /// `protocol` (unset: keepalived's own, 18; a tracked route must
        /// keep it).
        pub protocol: Option<RtId<u8>> = None,
        /// `scope`, IPv4 (unset: global).
        pub scope: Option<RtId<u8>> = None,
        /// `metric` (or `priority`, `preference`).
        pub metric: Option<u32> = None,
        /// `onlink`.
        pub onlink: bool = false,
        /// `mtu [lock] N`.
        pub mtu: Option<RouteMetric<u32>> = None,
        /// `hoplimit N` (0-255).
        pub hoplimit: Option<u8> = None,
        /// `advmss [lock] N`.
        pub advmss: Option<RouteMetric<u32>> = None,
        /// `rtt [lock] TIME` (milliseconds, or `Ns`; at most 960 s).
        pub rtt: Option<RouteMetric<Duration>> = None,
        /// `rttvar [lock] TIME` (at most 480 s).
        pub rttvar: Option<RouteMetric<Duration>> = None,
        /// `reordering [lock] N`.
        pub reordering: Option<RouteMetric<u32>> = None,
        /// `window N`.
        pub window: Option<u32> = None,
        /// `cwnd [lock] N`.
        pub cwnd: Option<RouteMetric<u32>> = None,
        /// `ssthresh [lock] N`.
        pub ssthresh: Option<RouteMetric<u32>> = None,
        /// `realms [FROM/]TO`, IPv4.
        pub realms: Option<Realms> = None,
        /// `rto_min [lock] TIME` (at most 120 s).
        pub rto_min: Option<RouteMetric<Duration>> = None,
        /// `initcwnd N`.
        pub initcwnd: Option<u32> = None,
        /// `initrwnd N`.
        pub initrwnd: Option<u32> = None,
        /// `features ecn`.
        pub features_ecn: bool = false,
        /// `quickack 0|1`.
        pub quickack: Option<bool> = None,
        /// `congctl [lock] NAME`: the congestion control algorithm.
        pub congctl: Option<RouteMetric<String>> = None,
        /// `pref low|medium|high|N`, IPv6.
        pub pref: Option<RouterPreference> = None,
        /// `ttl-propagate enabled|disabled` (MPLS).
        pub ttl_propagate: Option<bool> = None,
        /// `fastopen_no_cookie 0|1`.
        pub fastopen_no_cookie: Option<bool> = None,
        /// `expires SECS`, IPv6.
        pub expires: Option<u32> = None,
        /// `encap TYPE ...`, as written (not typed: lightweight tunnels).
        pub encap: Vec<String> = Vec::new(),
        /// `nexthop ...` (or the deprecated `or`): a multipath route.
        pub nexthops: Vec<Nexthop> = Vec::new(),
        /// `prepend`, `add` or `append`.
        pub mode: AddMode = AddMode::Prepend,
        /// `no_track`: the instance doesn't go to FAULT if the route is
        /// deleted (keepalived also sets it for a route without `dev`).
        pub no_track: bool = false,
        /// `track_group` (static routes only; needs `dev`).
        pub track_group: Option<Located<String>> = None,
    }
}

const OPTIONS: &[&str] = &[
    "inet",
    "inet6",
    "src",
    "as",
    "via",
    "gw",
    "from",
    "tos",
    "dsfield",
    "table",
    "protocol",
    "scope",
    "metric",
    "priority",
    "preference",
    "dev",
    "oif",
    "onlink",
    "encap",
    "expires",
    "mtu",
    "hoplimit",
    "advmss",
    "rtt",
    "rttvar",
    "reordering",
    "window",
    "cwnd",
    "ssthresh",
    "realms",
    "rto_min",
    "initcwnd",
    "initrwnd",
    "features",
    "quickack",
    "congctl",
    "pref",
    "ttl-propagate",
    "fastopen_no_cookie",
    "or",
    "nexthop",
    "no_track",
    "track_group",
    "vrf",
    "prepend",
    "add",
    "append",
    "to",
];

/// Reads one route line; `None` (after a diagnostic) when keepalived drops
/// it. `is_static` says whether it is a `static_routes` line (which may
/// have `track_group`).
pub(super) fn read(cx: &mut Cx<'_>, line: &mut Line<'_>, is_static: bool) -> Option<Route> {
    let mut r = Route::default();
    let mut family = FamilyOf::default();
    let mut dest: Option<(Target, &Word)> = None;
    let mut protocol_word = None;
    while let Some(word) = line.next() {
        match word.text.as_str() {
            "inet" | "inet6" => {
                family_keyword_not_last(cx, line, word);
                if !family.set(cx, word.text == "inet6", word) {
                    return None;
                }
            }
            "src" => {
                let value = line.value(cx, word)?;
                let src = address(cx, word, value)?;
                if !family.set(cx, src.is_ipv6(), value) {
                    return None;
                }
                r.src = Some(src);
            }
            "as" => {
                let mut value = line.value(cx, word)?;
                if value.text == "to" {
                    value = line.value(cx, value)?;
                }
                warning(
                    cx,
                    Code::Inconsistent,
                    &word.location,
                    format!("'as to {}' is for MPLS routes only; ignored", value.text),
                );
            }
            "via" | "gw" => {
                if word.text == "gw" {
                    warning(
                        cx,
                        Code::Inconsistent,
                        &word.location,
                        "'gw' is deprecated; use 'via'".into(),
                    );
                }
                let mut value = line.value(cx, word)?;
                if matches!(value.text.as_str(), "inet" | "inet6") {
                    if !family.set(cx, value.text == "inet6", value) {
                        return None;
                    }
                    value = line.value(cx, value)?;
                }
                let via = address(cx, word, value)?;
                if !family.set(cx, via.is_ipv6(), value) {
                    return None;
                }
                r.via = Some(via);
            }
            "from" => {
                let value = line.value(cx, word)?;
                let Some(Target::Prefix(from)) = target(cx, value) else {
                    error(
                        cx,
                        Code::InvalidValue,
                        &value.location,
                        format!("'from' needs a prefix, not '{}'; line skipped", value.text),
                    );
                    return None;
                };
                if !from.address.is_ipv6() {
                    error(
                        cx,
                        Code::Inconsistent,
                        &value.location,
                        "'from' is for IPv6 routes only; line skipped".into(),
                    );
                    return None;
                }
                if !family.set(cx, true, value) {
                    return None;
                }
                r.from = Some(from);
            }
            "tos" | "dsfield" => {
                let value = line.value(cx, word)?;
                r.tos = Some(DSFIELD.read(cx, line.node, &word.text, value)?);
            }
            "table" => {
                let value = line.value(cx, word)?;
                r.table = Some(TABLE.read(cx, line.node, "table", value)?);
            }
            "protocol" => {
                let value = line.value(cx, word)?;
                r.protocol = Some(PROTOCOL.read(cx, line.node, "protocol", value)?);
                protocol_word = Some(value);
            }
            "scope" => {
                let value = line.value(cx, word)?;
                r.scope = Some(SCOPE.read(cx, line.node, "scope", value)?);
            }
            "metric" | "priority" | "preference" => {
                let value = line.value(cx, word)?;
                r.metric = Some(number(cx, line.node, value, u64::from(u32::MAX))?);
            }
            "dev" | "oif" => r.dev = Some(located(line.value(cx, word)?)),
            "onlink" => r.onlink = true,
            "encap" => r.encap = encap(cx, line, word)?,
            "expires" => {
                let value = line.value(cx, word)?;
                if !family.set(cx, true, word) {
                    return None;
                }
                r.expires = Some(number(cx, line.node, value, u64::from(u32::MAX))?);
            }
            "mtu" | "advmss" | "reordering" | "cwnd" | "ssthresh" => {
                let (lock, value) = lockable(cx, line, word)?;
                let value = number(cx, line.node, value, u64::from(u32::MAX))?;
                let metric = Some(RouteMetric { value, lock });
                match word.text.as_str() {
                    "mtu" => r.mtu = metric,
                    "advmss" => r.advmss = metric,
                    "reordering" => r.reordering = metric,
                    "cwnd" => r.cwnd = metric,
                    _ => r.ssthresh = metric,
                }
            }
            "rtt" | "rttvar" | "rto_min" => {
                let (lock, value) = lockable(cx, line, word)?;
                let max_ms = match word.text.as_str() {
                    "rtt" => 960_000,
                    "rttvar" => 480_000,
                    _ => 120_000,
                };
                let metric = Some(RouteMetric {
                    value: time(cx, word, value, max_ms)?,
                    lock,
                });
                match word.text.as_str() {
                    "rtt" => r.rtt = metric,
                    "rttvar" => r.rttvar = metric,
                    _ => r.rto_min = metric,
                }
            }
            "hoplimit" => {
                let value = line.value(cx, word)?;
                r.hoplimit = Some(number(cx, line.node, value, 255)?);
            }
            "window" => {
                let value = line.value(cx, word)?;
                r.window = Some(number(cx, line.node, value, u64::from(u32::MAX))?);
            }
            "initcwnd" => {
                let value = line.value(cx, word)?;
                r.initcwnd = Some(number(cx, line.node, value, u64::from(u32::MAX))?);
            }
            "initrwnd" => {
                let value = line.value(cx, word)?;
                r.initrwnd = Some(number(cx, line.node, value, u64::from(u32::MAX))?);
            }
            "realms" => {
                let value = line.value(cx, word)?;
                let realms = realms(cx, line.node, value)?;
                if !family.set(cx, false, word) {
                    return None;
                }
                r.realms = Some(realms);
            }
            "features" => {
                let value = line.value(cx, word)?;
                if value.text == "ecn" {
                    r.features_ecn = true;
                } else {
                    warning(
                        cx,
                        Code::InvalidValue,
                        &value.location,
                        format!("'features' takes only 'ecn', not '{}'; ignored", value.text),
                    );
                }
            }
            "quickack" => {
                let value = line.value(cx, word)?;
                r.quickack = Some(zero_one(cx, line.node, value)?);
            }
            "fastopen_no_cookie" => {
                let value = line.value(cx, word)?;
                r.fastopen_no_cookie = Some(zero_one(cx, line.node, value)?);
            }
            "congctl" => {
                let (lock, value) = lockable(cx, line, word)?;
                r.congctl = Some(RouteMetric {
                    value: value.text.clone(),
                    lock,
                });
            }
            "pref" => {
                let value = line.value(cx, word)?;
                if !family.set(cx, true, word) {
                    return None;
                }
                r.pref = Some(match value.text.as_str() {
                    "low" => RouterPreference::Low,
                    "medium" => RouterPreference::Medium,
                    "high" => RouterPreference::High,
                    _ => RouterPreference::Other(number(cx, line.node, value, 255)?),
                });
            }
            "ttl-propagate" => {
                let value = line.value(cx, word)?;
                match value.text.as_str() {
                    "enabled" => r.ttl_propagate = Some(true),
                    "disabled" => r.ttl_propagate = Some(false),
                    other => warning(
                        cx,
                        Code::InvalidValue,
                        &value.location,
                        format!(
                            "'ttl-propagate' takes enabled or disabled, not '{other}'; ignored"
                        ),
                    ),
                }
            }
            "or" => {
                warning(
                    cx,
                    Code::Inconsistent,
                    &word.location,
                    "'or' is deprecated; use 'nexthop'".into(),
                );
                let value = line.value(cx, word)?;
                if !r.nexthops.is_empty() {
                    warning(
                        cx,
                        Code::Duplicate,
                        &word.location,
                        "an 'or' route is already given; this one is ignored".into(),
                    );
                    continue;
                }
                let or = address(cx, word, value)?;
                let first = Nexthop {
                    via: r.via.take(),
                    ..Nexthop::default()
                };
                r.nexthops = vec![
                    first,
                    Nexthop {
                        via: Some(or),
                        ..Nexthop::default()
                    },
                ];
            }
            "nexthop" => {
                if r.nexthops.is_empty() {
                    // Put the word back for the nexthop reader.
                    line.back();
                    nexthops(cx, line, &mut family, &mut r);
                } else {
                    warning(
                        cx,
                        Code::Inconsistent,
                        &word.location,
                        "'nexthop' cannot follow an 'or' route; ignored".into(),
                    );
                }
                break;
            }
            "no_track" => r.no_track = true,
            "track_group" if is_static => {
                let value = line.value(cx, word)?;
                if r.track_group.is_some() {
                    warning(
                        cx,
                        Code::Duplicate,
                        &value.location,
                        "the route already has a track_group; keepalived ignores the rest of the line".into(),
                    );
                    break;
                }
                r.track_group = Some(located(value));
            }
            "vrf" => r.vrf = Some(line.value(cx, word)?.text.clone()),
            "prepend" => r.mode = AddMode::Prepend,
            "add" => r.mode = AddMode::Add,
            "append" => r.mode = AddMode::Append,
            _ => {
                // `[to] [TYPE] DEST`: after "to" keepalived takes no type.
                let mut value = word;
                if word.text == "to" {
                    value = line.value(cx, word)?;
                } else if let Some(kind) = RouteType::parse(&word.text) {
                    r.route_type = Some(kind);
                    value = line.value(cx, word)?;
                }
                let Some(parsed) = target(cx, value) else {
                    not_a_destination(cx, value, is_static);
                    return None;
                };
                match parsed {
                    Target::Prefix(prefix) => {
                        if !family.set(cx, prefix.address.is_ipv6(), value) {
                            return None;
                        }
                    }
                    Target::Any6 => {
                        if !family.set(cx, true, value) {
                            return None;
                        }
                    }
                    Target::Any => {}
                }
                dest = Some((parsed, value));
            }
        }
    }
    let Some((dest, dest_word)) = dest else {
        error(
            cx,
            Code::MissingValue,
            &line.first().location,
            "the route has no destination; line skipped".into(),
        );
        return None;
    };
    let v6 = family.0.unwrap_or(false);
    r.to = match dest {
        Target::Prefix(prefix) => prefix,
        Target::Any | Target::Any6 => Prefix::any(v6),
    };
    if !r.no_track {
        let keepalived = RtId::Number(PROTOCOL_KEEPALIVED as u8);
        if let (Some(protocol), Some(word)) = (&r.protocol, protocol_word) {
            if *protocol != keepalived {
                warning(
                    cx,
                    Code::Inconsistent,
                    &word.location,
                    "a tracked route must have protocol keepalived (18); keepalived resets it (add no_track to keep it)".into(),
                );
                r.protocol = None;
            }
        }
        if r.dev.is_none() {
            warning(
                cx,
                Code::Inconsistent,
                &dest_word.location,
                format!(
                    "route {} has no 'dev', so keepalived cannot track it (add dev, or no_track)",
                    dest_word.text
                ),
            );
            r.no_track = true;
        }
    }
    if r.track_group.is_some() && r.dev.is_none() {
        warning(
            cx,
            Code::Inconsistent,
            &dest_word.location,
            "a route without 'dev' cannot have a track_group; ignored".into(),
        );
        r.track_group = None;
    }
    Some(r)
}

/// Reports a word that is neither a route option nor a destination:
/// keepalived drops the line.
fn not_a_destination(cx: &mut Cx<'_>, word: &Word, is_static: bool) {
    if word.text == "track_group" && !is_static {
        error(
            cx,
            Code::UnknownKeyword,
            &word.location,
            "'track_group' is only for static_routes lines; line skipped".into(),
        );
        return;
    }
    let code = if word.text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Code::UnknownKeyword
    } else {
        Code::InvalidValue
    };
    let message = format!(
        "'{}' is neither a route option nor a destination; line skipped",
        word.text
    );
    match closest(&word.text, OPTIONS.iter().copied()) {
        Some(suggestion) => cx.report_help(
            Severity::Error,
            code,
            &word.location,
            message,
            format!("did you mean '{suggestion}'?"),
        ),
        None => error(cx, code, &word.location, message),
    }
}
