//! Value readers and writers shared by the LVS and checker sections, for the
//! shapes keepalived's check parser uses and the generic `Cx` helpers do not
//! cover: bare flags that ignore their argument, optional booleans, ports
//! where `0` means "none" and timers with keepalived's microsecond limits.

use std::fmt::Display;
use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::time::Duration;

use crate::diagnostic::{Code, Severity};
use crate::model::Located;
use crate::model::reader::Cx;
use crate::model::writer::Writer;
use crate::syntax::{Node, Word};

/// The longest timer keepalived accepts: `ULONG_MAX - 1` microseconds
/// (`keepalived -t`: "outside range [0.000001, 18446744073709.551614]").
pub(crate) const MAX_TIMER: Duration = Duration::from_micros(u64::MAX - 1);

/// The shortest non-zero timer: one microsecond.
pub(crate) const MIN_TIMER: Duration = Duration::from_micros(1);

/// The longest `connect_timeout`: `UINT_MAX` microseconds, 4294.967295 s.
pub(crate) const MAX_CONNECT_TIMEOUT: Duration = Duration::from_micros(u32::MAX as u64);

/// The longest interface name (`IFNAMSIZ - 1`).
pub(crate) const MAX_IFNAME_LEN: usize = 15;

/// A keyword that keepalived treats as "on" whatever follows it (`alpha`,
/// `omega`, `ha_suspend`, `ops`, ...). A value is noted, since `alpha no`
/// turns alpha on.
pub(crate) fn bare_flag(cx: &mut Cx<'_>, node: &Node) -> bool {
    cx.no_block(node);
    if let Some(word) = node.args.first() {
        cx.report(
            Severity::Note,
            Code::ExtraArguments,
            &word.location,
            format!(
                "'{}' takes no value here; keepalived ignores '{}' and turns it on",
                node.name(),
                word.text
            ),
        );
    }
    true
}

/// A timer as keepalived reads it, with its microsecond resolution: more
/// than six decimals are accepted but warned about, as keepalived does.
pub(crate) fn timer(
    cx: &mut Cx<'_>,
    node: &Node,
    range: RangeInclusive<Duration>,
) -> Option<Duration> {
    let value = cx.timer(node, range)?;
    if let Some(word) = node.args.first() {
        let decimals = word.text.split_once('.').map_or(0, |(_, f)| f.len());
        if decimals > 6 {
            cx.report(
                Severity::Warning,
                Code::InvalidValue,
                &word.location,
                format!(
                    "'{}' {} has more than 6 decimal places; keepalived keeps microseconds only",
                    node.name(),
                    word.text
                ),
            );
        }
    }
    Some(value)
}

/// A number in `range` from the word, read wide so that a value past the
/// type's limit is reported as out of range rather than as no number.
pub(crate) fn u32_word(
    cx: &mut Cx<'_>,
    node: &Node,
    word: &Word,
    range: RangeInclusive<u32>,
) -> Option<u32> {
    let wide = u64::from(*range.start())..=u64::from(*range.end());
    cx.number_word(node, word, wide)
        .and_then(|n| u32::try_from(n).ok())
}

/// The single argument as a number in `range` (see [`u32_word`]).
pub(crate) fn u32_in(cx: &mut Cx<'_>, node: &Node, range: RangeInclusive<u32>) -> Option<u32> {
    let word = cx.single(node)?;
    u32_word(cx, node, word, range)
}

/// The single argument as a number in `range`, up to 65535.
pub(crate) fn u16_in(cx: &mut Cx<'_>, node: &Node, range: RangeInclusive<u16>) -> Option<u16> {
    let wide = u32::from(*range.start())..=u32::from(*range.end());
    u32_in(cx, node, wide).and_then(|n| u16::try_from(n).ok())
}

/// A port from the word, 1-65535.
pub(crate) fn port_number(cx: &mut Cx<'_>, node: &Node, word: &Word) -> Option<u16> {
    u32_word(cx, node, word, 1..=65535).and_then(|n| u16::try_from(n).ok())
}

/// A port word: `0` (any number of zeros) means no port, as keepalived
/// reads it; otherwise 1-65535. `None` when the word is bad (reported).
pub(crate) fn port_word(cx: &mut Cx<'_>, node: &Node, word: &Word) -> Option<Option<u16>> {
    if !word.text.is_empty() && word.text.bytes().all(|b| b == b'0') {
        return Some(None);
    }
    port_number(cx, node, word).map(Some)
}

/// The address and optional port of a header line (`real_server IP [PORT]`),
/// starting at argument `first`.
pub(crate) fn address_port(
    cx: &mut Cx<'_>,
    node: &Node,
    first: usize,
) -> Option<(Located<IpAddr>, Option<u16>)> {
    let Some(word) = node.args.get(first) else {
        cx.report(
            Severity::Error,
            Code::MissingValue,
            &node.keyword.location,
            format!("'{}' needs an IP address", node.name()),
        );
        return None;
    };
    let ip = cx.ip_word(node, word)?;
    let port = match node.args.get(first + 1) {
        Some(port) => port_word(cx, node, port)?,
        None => None,
    };
    cx.at_most(node, first + 2);
    Some((Located::new(ip, Some(word.location.clone())), port))
}

/// Writes `keyword` for `Some(true)` and `keyword off` for `Some(false)`.
pub(crate) fn write_opt_bool(w: &mut Writer, keyword: &str, value: Option<bool>) {
    match value {
        Some(true) => w.line(&[keyword]),
        Some(false) => w.line(&[keyword, "off"]),
        None => {}
    }
}

/// Writes `keyword value` for a set value.
pub(crate) fn write_opt<T: Display>(w: &mut Writer, keyword: &str, value: Option<T>) {
    if let Some(value) = value {
        w.value(keyword, value);
    }
}

/// The name of `value` in a `(name, value)` table.
pub(crate) fn name_of<T: PartialEq + Copy>(table: &[(&'static str, T)], value: T) -> &'static str {
    table
        .iter()
        .find(|(_, v)| *v == value)
        .map_or("", |(name, _)| *name)
}
