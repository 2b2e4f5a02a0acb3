//! `virtual_server_group NAME { IP [PORT] | IP-RANGE [PORT] | fwmark N [inet|inet6] }`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::kinds::{FAMILIES, IpFamily};
use super::values;
use crate::diagnostic::{Code, Severity};
use crate::model::Located;
use crate::model::reader::{Cx, located};
use crate::model::writer::Writer;
use crate::syntax::{Node, Word};

model! {
    /// `virtual_server_group NAME { ... }`: addresses, address ranges and
    /// firewall marks that share one set of real servers.
    pub struct VirtualServerGroup {
        /// The name `virtual_server group NAME` refers to.
        pub name: Located<String> = Located::bare(String::new()),
        /// The entries, in order. keepalived drops a group with none.
        pub entries: Vec<GroupEntry> = Vec::new(),
    }
}

/// One line of a `virtual_server_group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupEntry {
    /// `IP [PORT]` or `IP-RANGE [PORT]`; no port (or port 0) is only valid
    /// for a persistent service.
    Address {
        /// The address or addresses.
        range: AddressRange,
        /// The port, if any.
        port: Option<u16>,
    },
    /// `fwmark N [inet|inet6]`; the family is only needed when every real
    /// server is tunnelled.
    Fwmark {
        /// The firewall mark, 0-4294967295.
        mark: u32,
        /// The address family, when given.
        family: Option<IpFamily>,
    },
}

/// The addresses of a group entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressRange {
    /// One address.
    Single(IpAddr),
    /// `FIRST-LAST` (`10.0.0.1-10` or `10.0.0.1-10.0.0.10`), both included.
    Range {
        /// The first address.
        first: IpAddr,
        /// The last address, not below `first`.
        last: IpAddr,
    },
    /// `NETWORK/LEN`: every address of the prefix; the host bits must be zero.
    Prefix {
        /// The network address.
        network: IpAddr,
        /// The prefix length, 1-32 or 1-128.
        len: u8,
    },
}

impl AddressRange {
    /// The family of the addresses.
    pub fn family(&self) -> IpFamily {
        match self {
            AddressRange::Single(ip) => IpFamily::of(ip),
            AddressRange::Range { first, .. } => IpFamily::of(first),
            AddressRange::Prefix { network, .. } => IpFamily::of(network),
        }
    }
}

impl fmt::Display for AddressRange {
    /// The canonical form: ranges with their full last address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressRange::Single(ip) => write!(f, "{ip}"),
            AddressRange::Range { first, last } => write!(f, "{first}-{last}"),
            AddressRange::Prefix { network, len } => write!(f, "{network}/{len}"),
        }
    }
}

/// Reads a `virtual_server_group` and stores it, unless it has no usable
/// entry (keepalived removes it, with a warning).
pub(crate) fn read(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<VirtualServerGroup>) {
    let Some(name) = cx.arg(node) else { return };
    let name = located(name);
    // keepalived reads words after the name as a first entry; nobody writes that.
    cx.at_most(node, 1);
    if !cx.require_block(node) {
        return;
    }
    let mut group = VirtualServerGroup {
        name,
        entries: Vec::new(),
    };
    for child in node.children() {
        cx.no_block(child);
        if let Some(entry) = read_entry(cx, child, &group.name.value) {
            group.entries.push(entry);
        }
    }
    if group.entries.is_empty() {
        cx.report(
            Severity::Warning,
            Code::MissingValue,
            &node.keyword.location,
            format!(
                "virtual_server_group '{}' has no entries; keepalived removes it",
                group.name.value
            ),
        );
        return;
    }
    let has = |family| {
        group.entries.iter().any(|e| match e {
            GroupEntry::Address { range, .. } => range.family() == family,
            GroupEntry::Fwmark { family: f, .. } => *f == Some(family),
        })
    };
    let fwmark_without_family = group
        .entries
        .iter()
        .any(|e| matches!(e, GroupEntry::Fwmark { family: None, .. }));
    if has(IpFamily::Inet) && has(IpFamily::Inet6) && fwmark_without_family {
        cx.report_help(
            Severity::Warning,
            Code::Inconsistent,
            &node.keyword.location,
            format!(
                "virtual_server_group '{}' has IPv4 and IPv6 entries and a fwmark without a family; keepalived removes it",
                group.name.value
            ),
            "add 'inet' or 'inet6' after the fwmark".into(),
        );
        return;
    }
    out.push(group);
}

/// One entry line; `None` when it is bad (reported).
fn read_entry(cx: &mut Cx<'_>, node: &Node, group: &str) -> Option<GroupEntry> {
    if node.name() == "fwmark" {
        let mark = cx.arg(node)?;
        let mark = values::u32_word(cx, node, mark, 0..=u32::MAX)?;
        let family = match node.args.get(1) {
            Some(word) => Some(cx.choice_word(node, word, FAMILIES)?),
            None => None,
        };
        cx.at_most(node, 2);
        return Some(GroupEntry::Fwmark { mark, family });
    }
    let range = parse_range(cx, &node.keyword, group)?;
    let port = match node.args.first() {
        Some(word) => values::port_word(cx, node, word)?,
        None => None,
    };
    cx.at_most(node, 1);
    Some(GroupEntry::Address { range, port })
}

/// `IP`, `IP-LAST_PART`, `IP-IP` or `IP/LEN`, checked as keepalived checks them.
fn parse_range(cx: &mut Cx<'_>, word: &Word, group: &str) -> Option<AddressRange> {
    let text = word.text.as_str();
    let bad = |cx: &mut Cx<'_>, message: String| {
        cx.report(
            Severity::Error,
            Code::InvalidValue,
            &word.location,
            format!("virtual_server_group '{group}': {message}; entry skipped"),
        );
        None
    };
    if let Some((network, len)) = text.split_once('/') {
        let Ok(network) = network.parse::<IpAddr>() else {
            return bad(cx, format!("'{text}' is not an address"));
        };
        let max = if network.is_ipv4() { 32 } else { 128 };
        let len = match len.parse::<u8>() {
            Ok(len) if (1..=max).contains(&len) => len,
            _ => return bad(cx, format!("'{text}' needs a prefix length of 1-{max}")),
        };
        if host_bits(network, len) {
            return bad(cx, format!("'{text}' has host bits set"));
        }
        return Some(AddressRange::Prefix { network, len });
    }
    let Some((first, end)) = text.split_once('-') else {
        return match text.parse() {
            Ok(ip) => Some(AddressRange::Single(ip)),
            Err(_) => bad(cx, format!("'{text}' is not an IP address")),
        };
    };
    let Ok(first) = first.parse::<IpAddr>() else {
        return bad(cx, format!("'{text}' does not start with an IP address"));
    };
    let full_end = match first {
        IpAddr::V4(_) => end.contains('.'),
        IpAddr::V6(_) => end.contains(':'),
    };
    let last = if full_end {
        let Ok(last) = end.parse::<IpAddr>() else {
            return bad(cx, format!("'{text}' does not end with an IP address"));
        };
        if last.is_ipv4() != first.is_ipv4() {
            return bad(
                cx,
                format!("the two ends of '{text}' are not the same family"),
            );
        }
        if last < first {
            return bad(cx, format!("'{text}' ends before it starts"));
        }
        last
    } else {
        match first {
            IpAddr::V4(v4) => {
                let Ok(end) = end.parse::<u8>() else {
                    return bad(cx, format!("the end of '{text}' must be 0-255"));
                };
                let [a, b, c, start] = v4.octets();
                if end <= start {
                    return bad(cx, format!("the end of '{text}' is not above its start"));
                }
                IpAddr::V4(Ipv4Addr::new(a, b, c, end))
            }
            IpAddr::V6(v6) => {
                let Ok(end) = u16::from_str_radix(end, 16) else {
                    return bad(cx, format!("the end of '{text}' must be hex 0-ffff"));
                };
                let mut segments = v6.segments();
                if end <= segments[7] {
                    return bad(cx, format!("the end of '{text}' is not above its start"));
                }
                segments[7] = end;
                IpAddr::V6(Ipv6Addr::from(segments))
            }
        }
    };
    Some(AddressRange::Range { first, last })
}

/// True when `network` has bits set past the first `len`.
fn host_bits(network: IpAddr, len: u8) -> bool {
    match network {
        IpAddr::V4(v4) => {
            let host = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
            u32::from(v4) & host != 0
        }
        IpAddr::V6(v6) => {
            let host = u128::MAX.checked_shr(u32::from(len)).unwrap_or(0);
            u128::from(v6) & host != 0
        }
    }
}

/// Writes a `virtual_server_group`.
pub(crate) fn write(group: &VirtualServerGroup, w: &mut Writer) {
    w.open(&["virtual_server_group", &group.name.value]);
    for entry in &group.entries {
        match entry {
            GroupEntry::Address { range, port } => {
                let range = range.to_string();
                match port {
                    Some(port) => w.line(&[&range, &port.to_string()]),
                    None => w.line(&[&range]),
                }
            }
            GroupEntry::Fwmark { mark, family } => {
                let mark = mark.to_string();
                match family {
                    Some(family) => w.line(&["fwmark", &mark, &family.to_string()]),
                    None => w.line(&["fwmark", &mark]),
                }
            }
        }
    }
    w.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_bits_of_prefixes() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(!host_bits(ip("10.0.0.8"), 29));
        assert!(host_bits(ip("10.0.0.9"), 29));
        assert!(!host_bits(ip("10.0.0.9"), 32));
        assert!(!host_bits(ip("2001:db8::"), 120));
        assert!(host_bits(ip("2001:db8::1"), 120));
    }
}
