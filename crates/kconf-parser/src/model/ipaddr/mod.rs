//! Addresses, routes and rules: `virtual_ipaddress`,
//! `virtual_ipaddress_excluded`, `virtual_routes`, `virtual_rules` and their
//! `static_*` twins, in `ip addr`/`ip route`/`ip rule` syntax.
//!
//! Each line is read as keepalived 2.2.7's `alloc_ipaddress`, `alloc_route`
//! and `alloc_rule` read it: a line they drop is dropped here with an error,
//! an option they ignore is ignored with a warning, and a value they correct
//! is corrected with a warning. The model is what keepalived would apply.
//!
//! One 2.2.7 quirk is reported rather than copied: `inet`/`inet6` swallow
//! the word after them, so they are only safe at the end of a line (where
//! the writer puts them).

mod address;
mod names;
mod route;
mod rule;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use address::{Broadcast, IpAddress, PreferredLifetime};
pub use names::{Realms, RouteType, RtId};
pub use route::{AddMode, Nexthop, Route, RouteMetric, RouterPreference};
pub use rule::{Family, PortRange, Rule, RuleAction};

use super::reader::{Cx, closest};
use super::writer::Writer;
use crate::diagnostic::{Code, Location, Severity};
use crate::model::global::values::error;
use crate::syntax::{Node, Word};

/// An address with its prefix length: `IP/LEN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    /// The address.
    pub address: IpAddr,
    /// The prefix length.
    pub len: u8,
}

impl Prefix {
    /// The default route of a family: 0.0.0.0/0 or ::/0.
    pub fn any(v6: bool) -> Prefix {
        let address = if v6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        Prefix { address, len: 0 }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.len)
    }
}

/// The prefix length of a single address: 32 or 128.
pub(super) fn full_len(address: IpAddr) -> u8 {
    if address.is_ipv6() { 128 } else { 32 }
}

/// Where the character at `byte` of `word` is.
pub(super) fn location_in(word: &Word, byte: usize) -> Location {
    let mut location = word.location.clone();
    let chars = word.text.get(..byte).map_or(0, |head| head.chars().count());
    location.column += u32::try_from(chars).unwrap_or(0);
    location
}

/// Parses `IP[/LEN]` as keepalived's `parse_ipaddress`: the family from a
/// ':', a bad length a warning (the full length is used). `None` when the
/// text is not an address, without a diagnostic: the caller says what it
/// skips.
pub(super) fn prefix(cx: &mut Cx<'_>, word: &Word, allow_len: bool) -> Option<Prefix> {
    let (text, len) = match word.text.split_once('/') {
        Some(_) if !allow_len => return None,
        Some((text, len)) => (text, Some(len)),
        None => (word.text.as_str(), None),
    };
    let address: IpAddr = if text.contains(':') {
        IpAddr::V6(text.parse().ok()?)
    } else {
        IpAddr::V4(text.parse().ok()?)
    };
    let full = full_len(address);
    let len = match len {
        // keepalived reads "10.0.0.1/" as the full length, silently.
        None | Some("") => full,
        Some(len) => match len.strip_prefix('+').unwrap_or(len).parse::<u32>() {
            Ok(value) if value <= u32::from(full) => u8::try_from(value).unwrap_or(full),
            _ => {
                let code = if len.bytes().all(|b| b.is_ascii_digit()) {
                    Code::OutOfRange
                } else {
                    Code::InvalidValue
                };
                cx.report(
                    Severity::Warning,
                    code,
                    &location_in(word, text.len() + 1),
                    format!("prefix length '{len}' of '{}' is not within 0..={full}; keepalived uses /{full}", word.text),
                );
                full
            }
        },
    };
    Some(Prefix { address, len })
}

/// A route destination or rule selector: a prefix, or "any" of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// `default`, `any`, `all`: everything, of the line's family.
    Any,
    /// `default6`: everything, IPv6.
    Any6,
    /// A prefix.
    Prefix(Prefix),
}

/// Reads a destination as keepalived's `parse_route` does.
pub(super) fn target(cx: &mut Cx<'_>, word: &Word) -> Option<Target> {
    match word.text.as_str() {
        "default" | "any" | "all" => Some(Target::Any),
        "default6" => Some(Target::Any6),
        _ => prefix(cx, word, true).map(Target::Prefix),
    }
}

/// The words of one line of an address, route or rule block, read in turn
/// (the line's first word included).
pub(super) struct Line<'n> {
    node: &'n Node,
    words: Vec<&'n Word>,
    next: usize,
}

impl<'n> Line<'n> {
    fn new(node: &'n Node) -> Self {
        let words = std::iter::once(&node.keyword).chain(&node.args).collect();
        Line {
            node,
            words,
            next: 0,
        }
    }

    /// The first word of the line.
    pub(super) fn first(&self) -> &'n Word {
        &self.node.keyword
    }

    /// The next word.
    pub(super) fn next(&mut self) -> Option<&'n Word> {
        let word = self.words.get(self.next).copied()?;
        self.next += 1;
        Some(word)
    }

    /// The next word, without taking it.
    pub(super) fn peek(&self) -> Option<&'n Word> {
        self.words.get(self.next).copied()
    }

    /// Gives the last word taken back.
    pub(super) fn back(&mut self) {
        self.next = self.next.saturating_sub(1);
    }

    /// The value after `option`, or an error: keepalived drops the line.
    pub(super) fn value(&mut self, cx: &mut Cx<'_>, option: &Word) -> Option<&'n Word> {
        let value = self.next();
        if value.is_none() {
            error(
                cx,
                Code::MissingValue,
                &option.location,
                format!("'{}' needs a value; line skipped", option.text),
            );
        }
        value
    }
}

/// Warns about a word that is no option of the line (keepalived ignores it).
pub(super) fn unknown_option(cx: &mut Cx<'_>, word: &Word, what: &str, options: &[&str]) {
    let message = format!("unknown {what} option '{}'; ignored", word.text);
    match closest(&word.text, options.iter().copied()) {
        Some(suggestion) => cx.report_help(
            Severity::Warning,
            Code::UnknownKeyword,
            &word.location,
            message,
            format!("did you mean '{suggestion}'?"),
        ),
        None => cx.report(
            Severity::Warning,
            Code::UnknownKeyword,
            &word.location,
            message,
        ),
    }
}

/// Warns that keepalived 2.2.7 skips the word after `inet`/`inet6`.
pub(super) fn family_keyword_not_last(cx: &mut Cx<'_>, line: &Line<'_>, word: &Word) {
    if let Some(skipped) = line.peek() {
        cx.report_help(
            Severity::Warning,
            Code::Inconsistent,
            &word.location,
            format!(
                "keepalived 2.2.7 skips the word after '{}' ('{}')",
                word.text, skipped.text
            ),
            format!("put '{}' at the end of the line", word.text),
        );
    }
}

/// Reads the lines of `node`'s block with `read_line`.
fn read_lines<T>(
    cx: &mut Cx<'_>,
    node: &Node,
    out: &mut Vec<T>,
    mut read_line: impl FnMut(&mut Cx<'_>, &mut Line<'_>) -> Option<T>,
) {
    cx.at_most(node, 0);
    if !cx.require_block(node) {
        return;
    }
    for child in node.children() {
        cx.no_block(child);
        if let Some(item) = read_line(cx, &mut Line::new(child)) {
            out.push(item);
        }
    }
}

/// Whether `node` is a `static_*` block (which may name track groups).
fn is_static(node: &Node) -> bool {
    node.name().starts_with("static_")
}

/// Reads a block of address lines.
pub(crate) fn read_addresses(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<IpAddress>) {
    let is_static = is_static(node);
    read_lines(cx, node, out, |cx, line| address::read(cx, line, is_static));
}

/// Reads a block of route lines.
pub(crate) fn read_routes(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<Route>) {
    let is_static = is_static(node);
    read_lines(cx, node, out, |cx, line| route::read(cx, line, is_static));
}

/// Reads a block of rule lines.
pub(crate) fn read_rules(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<Rule>) {
    let is_static = is_static(node);
    read_lines(cx, node, out, |cx, line| rule::read(cx, line, is_static));
}

/// Writes the `static_*` blocks.
pub(crate) fn write_static(config: &super::Config, w: &mut Writer) {
    write_addresses("static_ipaddress", &config.static_addresses, w);
    write_routes("static_routes", &config.static_routes, w);
    write_rules("static_rules", &config.static_rules, w);
}

fn write_block<T>(keyword: &str, items: &[T], w: &mut Writer, words: impl Fn(&T) -> Vec<String>) {
    if items.is_empty() {
        return;
    }
    w.open(&[keyword]);
    for item in items {
        let words = words(item);
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        w.line(&refs);
    }
    w.close();
}

/// Writes a block of address lines.
pub(crate) fn write_addresses(keyword: &str, items: &[IpAddress], w: &mut Writer) {
    write_block(keyword, items, w, address::words);
}

/// Writes a block of route lines.
pub(crate) fn write_routes(keyword: &str, items: &[Route], w: &mut Writer) {
    write_block(keyword, items, w, route::words);
}

/// Writes a block of rule lines.
pub(crate) fn write_rules(keyword: &str, items: &[Rule], w: &mut Writer) {
    write_block(keyword, items, w, rule::words);
}

/// Checks of this section that need the whole configuration: the track
/// groups that static addresses, routes and rules name must exist
/// (keepalived: "track_group X not found"; it keeps the line untracked by
/// the group).
pub(crate) fn validate(config: &super::Config, cx: &mut Cx<'_>) {
    let groups = config
        .static_addresses
        .iter()
        .filter_map(|a| a.track_group.as_ref())
        .chain(
            config
                .static_routes
                .iter()
                .filter_map(|r| r.track_group.as_ref()),
        )
        .chain(
            config
                .static_rules
                .iter()
                .filter_map(|r| r.track_group.as_ref()),
        );
    for group in groups {
        if config.track_groups.iter().any(|g| g.name == group.value) {
            continue;
        }
        if let Some(location) = &group.location {
            cx.report(
                Severity::Warning,
                Code::UnknownReference,
                location,
                format!(
                    "track_group '{}' is not defined; the line is not tracked",
                    group.value
                ),
            );
        }
    }
}
