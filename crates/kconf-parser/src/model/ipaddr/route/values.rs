//! The values of route options: addresses, numbers, lockable metrics,
//! times, `encap` and the `nexthop` groups.

use std::net::IpAddr;
use std::time::Duration;

use super::{Nexthop, Route};
use crate::diagnostic::Code;
use crate::model::global::values::{error, int_word};
use crate::model::ipaddr::Line;
use crate::model::ipaddr::names::realms;
use crate::model::reader::Cx;
use crate::syntax::{Node, Word};

/// The address family of a line while it is read: unset until an address
/// or keyword says.
#[derive(Default)]
pub(super) struct FamilyOf(pub(super) Option<bool>);

impl FamilyOf {
    /// Sets the family (true for IPv6), or reports a mix and returns false.
    pub(super) fn set(&mut self, cx: &mut Cx<'_>, v6: bool, word: &Word) -> bool {
        match self.0 {
            Some(current) if current != v6 => {
                error(
                    cx,
                    Code::Inconsistent,
                    &word.location,
                    format!(
                        "'{}' mixes IPv4 and IPv6 in one line; line skipped",
                        word.text
                    ),
                );
                false
            }
            _ => {
                self.0 = Some(v6);
                true
            }
        }
    }
}

/// A plain address (no prefix) after `option`.
pub(super) fn address(cx: &mut Cx<'_>, option: &Word, value: &Word) -> Option<IpAddr> {
    let parsed = value.text.parse().ok();
    if parsed.is_none() {
        error(
            cx,
            Code::InvalidValue,
            &value.location,
            format!(
                "'{}' needs an IP address, not '{}'; line skipped",
                option.text, value.text
            ),
        );
    }
    parsed
}

/// A decimal number after `option`, within 0..=`max`.
pub(super) fn number<T: TryFrom<i128>>(
    cx: &mut Cx<'_>,
    node: &Node,
    value: &Word,
    max: u64,
) -> Option<T> {
    int_word(cx, node, value, 0..=i128::from(max))
}

/// `[lock] VALUE` of a lockable metric.
pub(super) fn lockable<'n>(
    cx: &mut Cx<'_>,
    line: &mut Line<'n>,
    option: &Word,
) -> Option<(bool, &'n Word)> {
    let first = line.value(cx, option)?;
    if first.text == "lock" {
        Some((true, line.value(cx, option)?))
    } else {
        Some((false, first))
    }
}

/// A time as `ip route` takes it: milliseconds, `Nms`, or `Ns` (three decimals).
pub(super) fn time(cx: &mut Cx<'_>, option: &Word, value: &Word, max_ms: u64) -> Option<Duration> {
    let text = value.text.to_ascii_lowercase();
    let millis = if let Some(ms) = text.strip_suffix("ms") {
        ms.parse::<u64>()
            .ok()
            .filter(|_| ms.bytes().all(|b| b.is_ascii_digit()))
    } else if let Some(secs) = text.strip_suffix('s') {
        crate::model::global::values::parse_fixed(secs, 3).ok()
    } else {
        text.parse::<u64>()
            .ok()
            .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
    };
    match millis {
        Some(ms) if ms <= max_ms => Some(Duration::from_millis(ms)),
        Some(_) => {
            error(
                cx,
                Code::OutOfRange,
                &value.location,
                format!(
                    "'{}' {} is above {} s; line skipped",
                    option.text,
                    value.text,
                    max_ms / 1000
                ),
            );
            None
        }
        None => {
            error(
                cx,
                Code::InvalidValue,
                &value.location,
                format!(
                    "'{}' needs milliseconds, Nms or Ns (three decimals), not '{}'; line skipped",
                    option.text, value.text
                ),
            );
            None
        }
    }
}

/// `0|1`.
pub(super) fn zero_one(cx: &mut Cx<'_>, node: &Node, value: &Word) -> Option<bool> {
    number::<u8>(cx, node, value, 1).map(|v| v == 1)
}

/// The words of `encap TYPE ...` up to the next route keyword, as keepalived
/// reads them.
pub(super) fn encap<'n>(
    cx: &mut Cx<'_>,
    line: &mut Line<'n>,
    option: &Word,
) -> Option<Vec<String>> {
    let kind = line.value(cx, option)?;
    let mut words = vec![kind.text.clone()];
    match kind.text.as_str() {
        "mpls" | "ila" => words.push(line.value(cx, kind)?.text.clone()),
        "ip" | "ip6" => {
            let keys: &[&str] = if kind.text == "ip" {
                &["id", "dst", "src", "tos", "ttl", "flags"]
            } else {
                &["id", "dst", "src", "tc", "hoplimit", "flags"]
            };
            while let Some(key) = line.peek().filter(|w| keys.contains(&w.text.as_str())) {
                line.next();
                words.push(key.text.clone());
                words.push(line.value(cx, key)?.text.clone());
            }
        }
        _ => {
            error(
                cx,
                Code::InvalidValue,
                &kind.location,
                format!("'encap' takes ip, ip6, mpls or ila, not '{}'", kind.text),
            );
            return None;
        }
    }
    Some(words)
}

/// Reads the `nexthop` groups that end a route line. Problems end the
/// reading; the route keeps the nexthops read so far, as in keepalived.
pub(super) fn nexthops(
    cx: &mut Cx<'_>,
    line: &mut Line<'_>,
    family: &mut FamilyOf,
    route: &mut Route,
) {
    while line.peek().is_some_and(|w| w.text == "nexthop") {
        line.next();
        let mut hop = Nexthop::default();
        while let Some(option) = line.peek() {
            match option.text.as_str() {
                "via" => {
                    line.next();
                    let Some(mut value) = line.value(cx, option) else {
                        return;
                    };
                    if matches!(value.text.as_str(), "inet" | "inet6") {
                        if !family.set(cx, value.text == "inet6", value) {
                            return;
                        }
                        let Some(after) = line.value(cx, value) else {
                            return;
                        };
                        value = after;
                    }
                    let Some(via) = address(cx, option, value) else {
                        return;
                    };
                    if !family.set(cx, via.is_ipv6(), value) {
                        return;
                    }
                    hop.via = Some(via);
                }
                "dev" => {
                    line.next();
                    let Some(value) = line.value(cx, option) else {
                        return;
                    };
                    hop.dev = Some(crate::model::reader::located(value));
                }
                "weight" => {
                    line.next();
                    let Some(value) = line.value(cx, option) else {
                        return;
                    };
                    let Some(weight) = int_word::<u16>(cx, line.node, value, 1..=256) else {
                        return;
                    };
                    hop.weight = Some(weight);
                }
                "onlink" => {
                    line.next();
                    hop.onlink = true;
                }
                "encap" => {
                    line.next();
                    let Some(words) = encap(cx, line, option) else {
                        return;
                    };
                    hop.encap = words;
                }
                "realms" => {
                    line.next();
                    let Some(value) = line.value(cx, option) else {
                        return;
                    };
                    let Some(realms) = realms(cx, line.node, value) else {
                        return;
                    };
                    if !family.set(cx, false, option) {
                        return;
                    }
                    hop.realms = Some(realms);
                }
                "as" => {
                    error(
                        cx,
                        Code::InvalidValue,
                        &option.location,
                        "'as [to]' (NAT) is not supported in a nexthop".into(),
                    );
                    return;
                }
                _ => break,
            }
        }
        route.nexthops.push(hop);
    }
    if let Some(rest) = line.next() {
        error(
            cx,
            Code::InvalidValue,
            &rest.location,
            format!(
                "'{}' after the nexthops is not a nexthop option; the rest of the line is ignored",
                rest.text
            ),
        );
    }
}
