//! Numbers that `ip` also takes by name: routing tables, scopes, protocols,
//! DS fields, realms, interface groups (the /etc/iproute2 files), route
//! types and IP protocols.
//!
//! Numbers are read as keepalived's `strtoul(…, 0)` reads them: decimal,
//! `0x` hexadecimal or `0` octal. The names every iproute2 installs are
//! resolved here; any other name is kept as written, since keepalived looks
//! it up in /etc/iproute2 on the host it runs on, and a note says so.

use std::fmt;

use crate::diagnostic::{Code, Severity};
use crate::model::global::values::error;
use crate::model::reader::Cx;
use crate::syntax::{Node, Word};

/// A number, or a name looked up in /etc/iproute2 when keepalived starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtId<T> {
    /// A number (names iproute2 installs by default are resolved to theirs).
    Number(T),
    /// Any other name, kept for the host to resolve.
    Name(String),
}

/// A kind of number-or-name: its file, its built-in names, its range.
pub(super) struct Kind {
    /// What it is, for messages ("routing table").
    pub(super) what: &'static str,
    /// The iproute2 file that names it.
    pub(super) file: &'static str,
    /// The names every iproute2 installs.
    pub(super) names: &'static [(&'static str, u64)],
    /// The largest number.
    pub(super) max: u64,
}

pub(super) const TABLE: Kind = Kind {
    what: "routing table",
    file: "rt_tables",
    names: &[
        ("unspec", 0),
        ("default", 253),
        ("main", 254),
        ("local", 255),
    ],
    max: u32::MAX as u64,
};

pub(super) const SCOPE: Kind = Kind {
    what: "scope",
    file: "rt_scopes",
    names: &[
        ("global", 0),
        ("site", 200),
        ("link", 253),
        ("host", 254),
        ("nowhere", 255),
    ],
    max: 255,
};

pub(super) const PROTOCOL: Kind = Kind {
    what: "route protocol",
    file: "rt_protos",
    names: &[
        ("unspec", 0),
        ("redirect", 1),
        ("kernel", 2),
        ("boot", 3),
        ("static", 4),
        ("gated", 8),
        ("ra", 9),
        ("mrt", 10),
        ("zebra", 11),
        ("bird", 12),
        ("dnrouted", 13),
        ("xorp", 14),
        ("ntk", 15),
        ("dhcp", 16),
        ("keepalived", 18),
        ("babel", 42),
        ("openr", 99),
        ("bgp", 186),
        ("isis", 187),
        ("ospf", 188),
        ("rip", 189),
        ("eigrp", 192),
    ],
    max: 255,
};

pub(super) const DSFIELD: Kind = Kind {
    what: "TOS/DS field",
    file: "rt_dsfield",
    names: &[
        ("default", 0x00),
        ("CS1", 0x20),
        ("AF11", 0x28),
        ("AF12", 0x30),
        ("AF13", 0x38),
        ("CS2", 0x40),
        ("AF21", 0x48),
        ("AF22", 0x50),
        ("AF23", 0x58),
        ("CS3", 0x60),
        ("AF31", 0x68),
        ("AF32", 0x70),
        ("AF33", 0x78),
        ("CS4", 0x80),
        ("AF41", 0x88),
        ("AF42", 0x90),
        ("AF43", 0x98),
        ("CS5", 0xa0),
        ("EF", 0xb8),
        ("CS6", 0xc0),
        ("CS7", 0xe0),
    ],
    max: 255,
};

pub(super) const REALM: Kind = Kind {
    what: "realm",
    file: "rt_realms",
    names: &[("cosmos", 0)],
    max: 255,
};

pub(super) const GROUP: Kind = Kind {
    what: "interface group",
    file: "group",
    names: &[("default", 0)],
    max: i32::MAX as u64,
};

/// RTPROT_KEEPALIVED: the protocol of the routes keepalived tracks.
pub(super) const PROTOCOL_KEEPALIVED: u64 = 18;

/// Parses a number as `strtoul(text, &end, 0)` with nothing left over.
pub(super) fn c_unsigned(text: &str) -> Option<u64> {
    let text = text.strip_prefix('+').unwrap_or(text);
    if text.is_empty() || text.starts_with(['-', '+']) {
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    if text.len() > 1 && text.starts_with('0') {
        return u64::from_str_radix(&text[1..], 8).ok();
    }
    text.parse().ok()
}

impl Kind {
    /// The built-in name of `id`, if it has one.
    pub(super) fn name_of(&self, id: u64) -> Option<&'static str> {
        self.names
            .iter()
            .find(|(_, n)| *n == id)
            .map(|(name, _)| *name)
    }

    /// Reads `word` as a number or a name of this kind.
    pub(super) fn read<T>(
        &self,
        cx: &mut Cx<'_>,
        node: &Node,
        option: &str,
        word: &Word,
    ) -> Option<RtId<T>>
    where
        T: TryFrom<u64>,
    {
        if let Some(number) = c_unsigned(&word.text) {
            if number > self.max {
                error(
                    cx,
                    Code::OutOfRange,
                    &word.location,
                    format!(
                        "'{option}' {} is outside 0..={} for a {}",
                        word.text, self.max, self.what
                    ),
                );
                return None;
            }
            return T::try_from(number).ok().map(RtId::Number);
        }
        if let Some((_, number)) = self.names.iter().find(|(name, _)| *name == word.text) {
            return T::try_from(*number).ok().map(RtId::Number);
        }
        if word
            .text
            .starts_with(|c: char| c.is_ascii_digit() || c == '-')
            || word.text.contains(char::is_whitespace)
        {
            error(
                cx,
                Code::InvalidValue,
                &word.location,
                format!(
                    "'{option}' needs a {} number or name, not '{}'",
                    self.what, word.text
                ),
            );
            return None;
        }
        cx.report(
            Severity::Note,
            Code::UnknownReference,
            &word.location,
            format!(
                "{} '{}' is looked up in /etc/iproute2/{} when keepalived starts; the {} is dropped if it is not there",
                self.what,
                word.text,
                self.file,
                node.name()
            ),
        );
        Some(RtId::Name(word.text.clone()))
    }

    /// The text of `id` as written back: its built-in name, its number, or
    /// the name kept.
    pub(super) fn text<T: Copy + Into<u64> + fmt::Display>(&self, id: &RtId<T>) -> String {
        match id {
            RtId::Number(number) => self
                .name_of((*number).into())
                .map_or_else(|| number.to_string(), str::to_owned),
            RtId::Name(name) => name.clone(),
        }
    }
}

/// The type of a route (`ip route` TYPE) or the action of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteType {
    /// `unicast`: the usual route (the default).
    Unicast,
    /// `local`: a local address.
    Local,
    /// `broadcast` (or `brd`).
    Broadcast,
    /// `anycast`.
    Anycast,
    /// `multicast`.
    Multicast,
    /// `blackhole`: silently dropped.
    Blackhole,
    /// `unreachable`: dropped with host unreachable.
    Unreachable,
    /// `prohibit`: dropped with administratively prohibited.
    Prohibit,
    /// `throw`: continue with the next rule.
    Throw,
    /// `nat`.
    Nat,
    /// `xresolve`.
    Xresolve,
    /// A type given by number.
    Other(u8),
}

const ROUTE_TYPES: &[(&str, RouteType)] = &[
    ("unicast", RouteType::Unicast),
    ("local", RouteType::Local),
    ("broadcast", RouteType::Broadcast),
    ("brd", RouteType::Broadcast),
    ("anycast", RouteType::Anycast),
    ("multicast", RouteType::Multicast),
    ("blackhole", RouteType::Blackhole),
    ("unreachable", RouteType::Unreachable),
    ("prohibit", RouteType::Prohibit),
    ("throw", RouteType::Throw),
    ("nat", RouteType::Nat),
    ("xresolve", RouteType::Xresolve),
];

impl RouteType {
    /// The type named (or numbered) by `text`, as keepalived's
    /// `find_rttables_rtntype` reads it.
    pub(super) fn parse(text: &str) -> Option<RouteType> {
        if let Some((_, kind)) = ROUTE_TYPES.iter().find(|(name, _)| *name == text) {
            return Some(*kind);
        }
        let number = c_unsigned(text).and_then(|n| u8::try_from(n).ok())?;
        Some(RouteType::from_number(number))
    }

    fn from_number(number: u8) -> RouteType {
        match number {
            1 => RouteType::Unicast,
            2 => RouteType::Local,
            3 => RouteType::Broadcast,
            4 => RouteType::Anycast,
            5 => RouteType::Multicast,
            6 => RouteType::Blackhole,
            7 => RouteType::Unreachable,
            8 => RouteType::Prohibit,
            9 => RouteType::Throw,
            10 => RouteType::Nat,
            11 => RouteType::Xresolve,
            other => RouteType::Other(other),
        }
    }
}

impl fmt::Display for RouteType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteType::Other(number) => write!(f, "{number}"),
            kind => {
                let name = ROUTE_TYPES
                    .iter()
                    .find(|(_, k)| k == kind)
                    .map_or("unicast", |(name, _)| *name);
                f.write_str(name)
            }
        }
    }
}

/// `realms [FROM/]TO`: route realms (each 0-255, or a name from rt_realms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realms {
    /// The source realm, when given.
    pub from: Option<RtId<u8>>,
    /// The destination realm.
    pub to: RtId<u8>,
}

/// Reads `realms [FROM/]TO`.
pub(super) fn realms(cx: &mut Cx<'_>, node: &Node, word: &Word) -> Option<Realms> {
    let part = |text: &str| Word {
        text: text.to_owned(),
        location: word.location.clone(),
    };
    match word.text.split_once('/') {
        Some((from, to)) if !to.contains('/') => {
            let from = REALM.read(cx, node, "realms", &part(from))?;
            let to = REALM.read(cx, node, "realms", &part(to))?;
            Some(Realms {
                from: Some(from),
                to,
            })
        }
        Some(_) => {
            error(
                cx,
                Code::InvalidValue,
                &word.location,
                format!("'realms' takes [FROM/]TO, not '{}'", word.text),
            );
            None
        }
        None => Some(Realms {
            from: None,
            to: REALM.read(cx, node, "realms", word)?,
        }),
    }
}

/// The text of `realms` as written back.
pub(super) fn realms_text(realms: &Realms) -> String {
    match &realms.from {
        Some(from) => format!("{}/{}", REALM.text(from), REALM.text(&realms.to)),
        None => REALM.text(&realms.to),
    }
}

/// IP protocols `ipproto` takes by name (from /etc/protocols).
const IP_PROTOCOLS: &[(&str, u8)] = &[
    ("ip", 0),
    ("icmp", 1),
    ("igmp", 2),
    ("ipencap", 4),
    ("tcp", 6),
    ("egp", 8),
    ("udp", 17),
    ("ipv6", 41),
    ("ipv6-route", 43),
    ("ipv6-frag", 44),
    ("rsvp", 46),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("ipv6-icmp", 58),
    ("icmpv6", 58),
    ("ipv6-nonxt", 59),
    ("ipv6-opts", 60),
    ("ospf", 89),
    ("pim", 103),
    ("vrrp", 112),
    ("l2tp", 115),
    ("sctp", 132),
    ("udplite", 136),
    ("mpls-in-ip", 137),
];

/// Reads an IP protocol number or name (`ipproto tcp`).
pub(super) fn ip_protocol(cx: &mut Cx<'_>, word: &Word) -> Option<u8> {
    if let Some(number) = c_unsigned(&word.text) {
        return match u8::try_from(number) {
            Ok(number) => Some(number),
            Err(_) => {
                error(
                    cx,
                    Code::OutOfRange,
                    &word.location,
                    format!("'ipproto' {} is outside 0..=255", word.text),
                );
                None
            }
        };
    }
    let lower = word.text.to_ascii_lowercase();
    match IP_PROTOCOLS.iter().find(|(name, _)| *name == lower) {
        Some((_, number)) => Some(*number),
        None => {
            error(
                cx,
                Code::InvalidValue,
                &word.location,
                format!(
                    "'ipproto' needs an IP protocol number or name, not '{}'",
                    word.text
                ),
            );
            None
        }
    }
}

/// The name `ipproto` is written back with.
pub(super) fn ip_protocol_text(number: u8) -> String {
    IP_PROTOCOLS
        .iter()
        .find(|(_, n)| *n == number)
        .map_or_else(|| number.to_string(), |(name, _)| (*name).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_strtoul() {
        assert_eq!(c_unsigned("10"), Some(10));
        assert_eq!(c_unsigned("0x1f"), Some(31));
        assert_eq!(c_unsigned("010"), Some(8));
        assert_eq!(c_unsigned("0"), Some(0));
        assert_eq!(c_unsigned("+5"), Some(5));
        for bad in ["", "-1", "++1", "1a", "08", "0x"] {
            assert_eq!(c_unsigned(bad), None, "{bad}");
        }
    }

    #[test]
    fn route_types() {
        assert_eq!(RouteType::parse("blackhole"), Some(RouteType::Blackhole));
        assert_eq!(RouteType::parse("brd"), Some(RouteType::Broadcast));
        assert_eq!(RouteType::parse("7"), Some(RouteType::Unreachable));
        assert_eq!(RouteType::parse("200"), Some(RouteType::Other(200)));
        assert_eq!(RouteType::parse("10.0.0.0/8"), None);
        assert_eq!(RouteType::Broadcast.to_string(), "broadcast");
    }
}
