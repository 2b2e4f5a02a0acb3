//! Rule lines (`static_rules`, `virtual_rules`) in `ip rule` syntax:
//! `[not] [from PREFIX] [to PREFIX] [tos T] [fwmark M[/MASK]] [preference N]
//! [realms R] [suppress_prefixlength N] [suppress_ifgroup G] [iif IF] [oif
//! IF] [tunnel-id N] [uidrange A-B] [l3mdev] [protocol N] [ipproto P] [sport
//! A-B] [dport A-B] ACTION [no_track] [track_group G] [inet6]`, where ACTION
//! is `table T` (`lookup`), `goto N`, `nop`, `blackhole`, `unreachable` or
//! `prohibit`.

use super::names::{
    DSFIELD, GROUP, PROTOCOL_KEEPALIVED, Realms, RouteType, RtId, TABLE, c_unsigned, ip_protocol,
    ip_protocol_text, realms, realms_text,
};
use super::{Line, Prefix, Target, family_keyword_not_last, target, unknown_option};
use crate::diagnostic::Code;
use crate::model::global::values::{error, int_word, warning};
use crate::model::reader::{Cx, located};
use crate::model::types::Located;
use crate::syntax::Word;

/// The address family of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// IPv4 (the default when nothing says otherwise).
    Inet,
    /// IPv6.
    Inet6,
}

/// A port range `START-END` (`sport`, `dport`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    /// The first port.
    pub start: u16,
    /// The last port.
    pub end: u16,
}

/// What a rule does with the packets it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleAction {
    /// `table T` (or `lookup T`): look the route up in a table.
    Table(RtId<u32>),
    /// `goto N`: jump to the rule with preference N (above the rule's own).
    Goto(u32),
    /// `nop`: do nothing.
    Nop,
    /// `blackhole`: drop silently.
    Blackhole,
    /// `unreachable`: drop with network unreachable.
    Unreachable,
    /// `prohibit`: drop with administratively prohibited.
    Prohibit,
    /// `l3mdev`: look up in the table of the L3 master device.
    L3mdev,
}

model! {
    /// One rule line.
    pub struct Rule {
        /// `inet`/`inet6` or the family of the addresses (default IPv4).
        pub family: Family = Family::Inet,
        /// `not`: invert the selector.
        pub not: bool = false,
        /// `from PREFIX` (unset or `all`: any source).
        pub from: Option<Prefix> = None,
        /// `to PREFIX` (unset or `all`: any destination).
        pub to: Option<Prefix> = None,
        /// `preference` (or `order`, `priority`). Unset, keepalived picks one
        /// (counting down from 16384) and warns.
        pub preference: Option<u32> = None,
        /// `tos` (or `dsfield`).
        pub tos: Option<RtId<u8>> = None,
        /// `fwmark MARK[/MASK]`: the mark.
        pub fwmark: Option<u32> = None,
        /// The mask after `/`.
        pub fwmask: Option<u32> = None,
        /// `realms [FROM/]TO`, IPv4, table rules only.
        pub realms: Option<Realms> = None,
        /// `suppress_prefixlength N` (or `sup_pl`), table rules only.
        pub suppress_prefixlength: Option<u32> = None,
        /// `suppress_ifgroup G` (or `sup_group`), table rules only.
        pub suppress_ifgroup: Option<RtId<u32>> = None,
        /// `iif` (or `dev`): the incoming interface.
        pub iif: Option<String> = None,
        /// `oif`: the outgoing interface.
        pub oif: Option<String> = None,
        /// `tunnel-id N`.
        pub tunnel_id: Option<u64> = None,
        /// `uidrange START-END`.
        pub uid_range: Option<(u32, u32)> = None,
        /// `protocol N` (0-255; unset: keepalived's own, 18, for a tracked rule).
        pub protocol: Option<u8> = None,
        /// `ipproto P`: the IP protocol (keepalived 2.2.7 spells it so; the
        /// man page's `ip_proto` is refused).
        pub ip_proto: Option<u8> = None,
        /// `sport START-END` (keepalived 2.2.7 needs both ends).
        pub sport: Option<PortRange> = None,
        /// `dport START-END`.
        pub dport: Option<PortRange> = None,
        /// The action; a rule without one is dropped.
        pub action: RuleAction = RuleAction::Table(RtId::Number(254)),
        /// `no_track`.
        pub no_track: bool = false,
        /// `track_group` (static rules only; needs `iif`).
        pub track_group: Option<Located<String>> = None,
    }
}

const OPTIONS: &[&str] = &[
    "inet",
    "inet6",
    "from",
    "to",
    "table",
    "lookup",
    "not",
    "preference",
    "order",
    "priority",
    "tos",
    "dsfield",
    "fwmark",
    "realms",
    "suppress_prefixlength",
    "sup_pl",
    "suppress_ifgroup",
    "sup_group",
    "dev",
    "iif",
    "oif",
    "tunnel-id",
    "uidrange",
    "l3mdev",
    "protocol",
    "ipproto",
    "sport",
    "dport",
    "no_track",
    "track_group",
    "type",
    "goto",
    "nop",
    "blackhole",
    "unreachable",
    "prohibit",
];

/// What `sscanf(text, "%u-%u")` finds: two numbers joined by '-', each
/// wrapped to `bits` as C does, and whether anything odd was tolerated (a
/// wrapped value, or text after the second number).
fn scan_range(text: &str, bits: u32) -> Option<((u64, u64), bool)> {
    let modulo = 1u64 << bits;
    // One "%u": an optional sign, then digits; a '-' negates modulo 2^bits.
    let number = |text: &str| -> Option<(u64, bool, usize)> {
        let (negative, unsigned) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
        let value = unsigned.get(..digits)?.parse::<u64>().ok()?;
        let odd = negative || value >= modulo;
        let value = if negative {
            (modulo - value % modulo) % modulo
        } else {
            value % modulo
        };
        Some((value, odd, text.len() - unsigned.len() + digits))
    };
    let (start, odd_start, used) = number(text)?;
    let rest = text[used..].strip_prefix('-')?;
    let (end, odd_end, used) = number(rest)?;
    Some(((start, end), odd_start || odd_end || used < rest.len()))
}

/// Reads a `START-END` range of `bits`-bit numbers as keepalived's sscanf
/// does; what it tolerates silently is a note here.
fn range(cx: &mut Cx<'_>, option: &Word, value: &Word, bits: u32) -> Option<(u64, u64)> {
    let (range, odd) = scan_range(&value.text, bits)?;
    if odd {
        cx.report(
            crate::diagnostic::Severity::Note,
            Code::InvalidValue,
            &value.location,
            format!(
                "keepalived reads '{} {}' as {}-{}",
                option.text, value.text, range.0, range.1
            ),
        );
    }
    Some(range)
}

fn ports(cx: &mut Cx<'_>, option: &Word, value: &Word) -> Option<PortRange> {
    let parsed = range(cx, option, value, 16).and_then(|(start, end)| {
        Some(PortRange {
            start: u16::try_from(start).ok()?,
            end: u16::try_from(end).ok()?,
        })
    });
    if parsed.is_none() {
        error(
            cx,
            Code::InvalidValue,
            &value.location,
            format!(
                "'{}' needs a port range START-END, not '{}'; ignored",
                option.text, value.text
            ),
        );
    }
    parsed
}

fn fwmark(text: &str) -> Option<(u32, Option<u32>)> {
    let (mark, mask) = match text.split_once('/') {
        // keepalived reads an empty mask as 0.
        Some((mark, "")) => (mark, Some(0)),
        Some((mark, mask)) => (mark, Some(u32::try_from(c_unsigned(mask)?).ok()?)),
        None => (text, None),
    };
    Some((u32::try_from(c_unsigned(mark)?).ok()?, mask))
}

/// Reads one rule line; `None` (after a diagnostic) when keepalived drops
/// it. `is_static` says whether it is a `static_rules` line (which may have
/// `track_group`).
pub(super) fn read(cx: &mut Cx<'_>, line: &mut Line<'_>, is_static: bool) -> Option<Rule> {
    let mut r = Rule::default();
    let mut family: Option<Family> = None;
    let mut action: Option<RuleAction> = None;
    let mut table_option: Option<&Word> = None;
    let mut protocol_word = None;
    let mut set_family = |cx: &mut Cx<'_>, wanted: Family, word: &Word| -> bool {
        match family {
            Some(current) if current != wanted => {
                error(
                    cx,
                    Code::Inconsistent,
                    &word.location,
                    format!(
                        "'{}' mixes IPv4 and IPv6 in one rule; line skipped",
                        word.text
                    ),
                );
                false
            }
            _ => {
                family = Some(wanted);
                true
            }
        }
    };
    while let Some(word) = line.next() {
        match word.text.as_str() {
            "inet" | "inet6" => {
                family_keyword_not_last(cx, line, word);
                let wanted = if word.text == "inet6" {
                    Family::Inet6
                } else {
                    Family::Inet
                };
                if !set_family(cx, wanted, word) {
                    return None;
                }
            }
            "from" | "to" => {
                let value = line.value(cx, word)?;
                let Some(parsed) = target(cx, value) else {
                    error(
                        cx,
                        Code::InvalidValue,
                        &value.location,
                        format!(
                            "'{}' needs a prefix or 'all', not '{}'; line skipped",
                            word.text, value.text
                        ),
                    );
                    return None;
                };
                let prefix = match parsed {
                    Target::Prefix(prefix) => {
                        let wanted = if prefix.address.is_ipv6() {
                            Family::Inet6
                        } else {
                            Family::Inet
                        };
                        if !set_family(cx, wanted, value) {
                            return None;
                        }
                        Some(prefix)
                    }
                    Target::Any6 => {
                        if !set_family(cx, Family::Inet6, value) {
                            return None;
                        }
                        None
                    }
                    Target::Any => None,
                };
                if word.text == "from" {
                    r.from = prefix;
                } else {
                    r.to = prefix;
                }
            }
            "table" | "lookup" => {
                let value = line.value(cx, word)?;
                let table = TABLE.read(cx, line.node, &word.text, value)?;
                if table == RtId::Number(0) {
                    error(
                        cx,
                        Code::InvalidValue,
                        &value.location,
                        "table 0 is not a valid rule table; line skipped".into(),
                    );
                    return None;
                }
                if action.is_some() {
                    error(
                        cx,
                        Code::Inconsistent,
                        &word.location,
                        "a rule takes one action (table, goto, nop, blackhole, ...); line skipped"
                            .into(),
                    );
                    return None;
                }
                action = Some(RuleAction::Table(table));
            }
            "not" => r.not = true,
            "preference" | "order" | "priority" => {
                let value = line.value(cx, word)?;
                match c_unsigned(&value.text).and_then(|n| u32::try_from(n).ok()) {
                    Some(preference) => r.preference = Some(preference),
                    None => {
                        error(
                            cx,
                            Code::InvalidValue,
                            &value.location,
                            format!(
                                "'{}' needs a number 0-4294967295, not '{}'; line skipped",
                                word.text, value.text
                            ),
                        );
                        return None;
                    }
                }
            }
            "tos" | "dsfield" => {
                let value = line.value(cx, word)?;
                r.tos = Some(DSFIELD.read(cx, line.node, &word.text, value)?);
            }
            "fwmark" => {
                let value = line.value(cx, word)?;
                let Some((mark, mask)) = fwmark(&value.text) else {
                    error(
                        cx,
                        Code::InvalidValue,
                        &value.location,
                        format!(
                            "'fwmark' needs MARK[/MASK], not '{}'; line skipped",
                            value.text
                        ),
                    );
                    return None;
                };
                r.fwmark = Some(mark);
                r.fwmask = mask;
            }
            "realms" => {
                let value = line.value(cx, word)?;
                r.realms = Some(realms(cx, line.node, value)?);
                table_option = Some(word);
                if !set_family(cx, Family::Inet, word) {
                    return None;
                }
            }
            "suppress_prefixlength" | "sup_pl" => {
                let value = line.value(cx, word)?;
                r.suppress_prefixlength =
                    Some(int_word(cx, line.node, value, 0..=i128::from(i32::MAX))?);
                table_option = Some(word);
            }
            "suppress_ifgroup" | "sup_group" => {
                let value = line.value(cx, word)?;
                r.suppress_ifgroup = Some(GROUP.read(cx, line.node, &word.text, value)?);
                table_option = Some(word);
            }
            "dev" | "iif" => r.iif = Some(line.value(cx, word)?.text.clone()),
            "oif" => r.oif = Some(line.value(cx, word)?.text.clone()),
            "tunnel-id" => {
                let value = line.value(cx, word)?;
                r.tunnel_id = Some(int_word(cx, line.node, value, 0..=i128::from(u64::MAX))?);
            }
            "uidrange" => {
                let value = line.value(cx, word)?;
                let uids = range(cx, word, value, 32).and_then(|(start, end)| {
                    Some((u32::try_from(start).ok()?, u32::try_from(end).ok()?))
                });
                match uids {
                    Some(uids) => r.uid_range = Some(uids),
                    None => {
                        error(
                            cx,
                            Code::InvalidValue,
                            &value.location,
                            format!(
                                "'uidrange' needs START-END, not '{}'; line skipped",
                                value.text
                            ),
                        );
                        return None;
                    }
                }
            }
            "l3mdev" => {
                if action.is_some() {
                    error(
                        cx,
                        Code::Inconsistent,
                        &word.location,
                        "'l3mdev' cannot go with another action; line skipped".into(),
                    );
                    return None;
                }
                action = Some(RuleAction::L3mdev);
            }
            "protocol" => {
                // keepalived reports a bad protocol but keeps the rule.
                let value = line.value(cx, word)?;
                if let Some(protocol) = int_word(cx, line.node, value, 0..=255) {
                    r.protocol = Some(protocol);
                    protocol_word = Some(value);
                }
            }
            "ipproto" => {
                let value = line.value(cx, word)?;
                if let Some(protocol) = ip_protocol(cx, value) {
                    r.ip_proto = Some(protocol);
                }
            }
            "sport" => {
                let value = line.value(cx, word)?;
                if let Some(ports) = ports(cx, word, value) {
                    r.sport = Some(ports);
                }
            }
            "dport" => {
                let value = line.value(cx, word)?;
                if let Some(ports) = ports(cx, word, value) {
                    r.dport = Some(ports);
                }
            }
            "no_track" => r.no_track = true,
            "track_group" if is_static => {
                let value = line.value(cx, word)?;
                if r.track_group.is_some() {
                    warning(cx, Code::Duplicate, &value.location, "the rule already has a track_group; keepalived ignores the rest of the line".into());
                    break;
                }
                r.track_group = Some(located(value));
            }
            _ => {
                let mut word = word;
                if word.text == "type" {
                    word = line.value(cx, word)?;
                }
                let this = match word.text.as_str() {
                    "goto" => {
                        let value = line.value(cx, word)?;
                        RuleAction::Goto(int_word(cx, line.node, value, 0..=i128::from(u32::MAX))?)
                    }
                    "nop" => RuleAction::Nop,
                    text => match RouteType::parse(text) {
                        Some(RouteType::Blackhole) => RuleAction::Blackhole,
                        Some(RouteType::Unreachable) => RuleAction::Unreachable,
                        Some(RouteType::Prohibit) => RuleAction::Prohibit,
                        Some(_) => {
                            error(
                                cx,
                                Code::InvalidValue,
                                &word.location,
                                format!(
                                    "'{text}' is not a rule action (table, goto, nop, blackhole, unreachable, prohibit); line skipped"
                                ),
                            );
                            return None;
                        }
                        None => {
                            let hint = if text == "ip_proto" {
                                "; keepalived 2.2.7 spells it 'ipproto'"
                            } else {
                                ""
                            };
                            unknown_option(cx, word, "rule", OPTIONS);
                            error(
                                cx,
                                Code::UnknownKeyword,
                                &word.location,
                                format!(
                                    "keepalived drops a rule with an unknown option ('{text}'){hint}"
                                ),
                            );
                            return None;
                        }
                    },
                };
                if action.is_some() {
                    error(
                        cx,
                        Code::Inconsistent,
                        &word.location,
                        "a rule takes one action (table, goto, nop, blackhole, ...); line skipped"
                            .into(),
                    );
                    return None;
                }
                action = Some(this);
            }
        }
    }
    let first = line.first();
    let Some(action) = action else {
        error(
            cx,
            Code::MissingValue,
            &first.location,
            "the rule has no action (table, goto, nop, blackhole, ...); line skipped".into(),
        );
        return None;
    };
    if let RuleAction::Goto(target) = action {
        match r.preference {
            Some(preference) if preference >= target => {
                error(
                    cx,
                    Code::Inconsistent,
                    &first.location,
                    format!(
                        "'goto {target}' must jump past the rule's own preference {preference}; line skipped"
                    ),
                );
                return None;
            }
            None => {
                error(
                    cx,
                    Code::MissingValue,
                    &first.location,
                    format!("'goto {target}' needs the rule's preference; line skipped"),
                );
                return None;
            }
            Some(_) => {}
        }
    }
    if let Some(option) = table_option {
        if !matches!(action, RuleAction::Table(_) | RuleAction::L3mdev) {
            error(
                cx,
                Code::Inconsistent,
                &option.location,
                format!("'{}' is for table rules only; line skipped", option.text),
            );
            return None;
        }
    }
    r.action = action;
    r.family = family.unwrap_or(Family::Inet);
    if !r.no_track {
        if let (Some(protocol), Some(word)) = (r.protocol, protocol_word) {
            if u64::from(protocol) != PROTOCOL_KEEPALIVED {
                warning(
                    cx,
                    Code::Inconsistent,
                    &word.location,
                    "a tracked rule must have protocol 18 (keepalived); keepalived resets it (add no_track to keep it)".into(),
                );
                r.protocol = None;
            }
        }
    }
    if r.track_group.is_some() && r.iif.is_none() {
        warning(
            cx,
            Code::Inconsistent,
            &first.location,
            "a rule without 'iif' (or 'dev') cannot have a track_group; ignored".into(),
        );
        r.track_group = None;
    }
    if r.preference.is_none() {
        warning(
            cx,
            Code::MissingValue,
            &first.location,
            "the rule has no preference: keepalived picks one (counting down from 16384), which is probably not what you want".into(),
        );
    }
    Some(r)
}

/// The words of a rule line.
pub(super) fn words(r: &Rule) -> Vec<String> {
    let mut words = Vec::new();
    let option = |words: &mut Vec<String>, name: &str, value: Option<String>| {
        if let Some(value) = value {
            words.push(name.to_owned());
            words.push(value);
        }
    };
    if r.not {
        words.push("not".into());
    }
    option(&mut words, "from", r.from.map(|p| p.to_string()));
    option(&mut words, "to", r.to.map(|p| p.to_string()));
    option(&mut words, "tos", r.tos.as_ref().map(|t| DSFIELD.text(t)));
    option(
        &mut words,
        "fwmark",
        r.fwmark.map(|mark| match r.fwmask {
            Some(mask) => format!("{mark:#x}/{mask:#x}"),
            None => format!("{mark:#x}"),
        }),
    );
    option(
        &mut words,
        "preference",
        r.preference.map(|p| p.to_string()),
    );
    option(&mut words, "realms", r.realms.as_ref().map(realms_text));
    option(
        &mut words,
        "suppress_prefixlength",
        r.suppress_prefixlength.map(|n| n.to_string()),
    );
    option(
        &mut words,
        "suppress_ifgroup",
        r.suppress_ifgroup.as_ref().map(|g| GROUP.text(g)),
    );
    option(&mut words, "iif", r.iif.clone());
    option(&mut words, "oif", r.oif.clone());
    option(&mut words, "tunnel-id", r.tunnel_id.map(|n| n.to_string()));
    option(
        &mut words,
        "uidrange",
        r.uid_range.map(|(start, end)| format!("{start}-{end}")),
    );
    option(&mut words, "protocol", r.protocol.map(|p| p.to_string()));
    option(&mut words, "ipproto", r.ip_proto.map(ip_protocol_text));
    option(
        &mut words,
        "sport",
        r.sport.map(|p| format!("{}-{}", p.start, p.end)),
    );
    option(
        &mut words,
        "dport",
        r.dport.map(|p| format!("{}-{}", p.start, p.end)),
    );
    match &r.action {
        RuleAction::Table(table) => option(&mut words, "table", Some(TABLE.text(table))),
        RuleAction::Goto(target) => option(&mut words, "goto", Some(target.to_string())),
        RuleAction::Nop => words.push("nop".into()),
        RuleAction::Blackhole => words.push("blackhole".into()),
        RuleAction::Unreachable => words.push("unreachable".into()),
        RuleAction::Prohibit => words.push("prohibit".into()),
        RuleAction::L3mdev => words.push("l3mdev".into()),
    }
    if r.no_track {
        words.push("no_track".into());
    }
    option(
        &mut words,
        "track_group",
        r.track_group.as_ref().map(|g| g.value.clone()),
    );
    let addresses_say_v6 = r.from.iter().chain(&r.to).any(|p| p.address.is_ipv6());
    if r.family == Family::Inet6 && !addresses_say_v6 {
        // Last: keepalived 2.2.7 skips the word after 'inet6'.
        words.push("inet6".into());
    }
    words
}
