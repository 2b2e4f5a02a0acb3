//! Address lines (`static_ipaddress`, `virtual_ipaddress`,
//! `virtual_ipaddress_excluded`): `IP[/LEN] [brd IP|+|-] [dev IF] [scope S]
//! [label L] [peer IP] [home] [-nodad] [mngtmpaddr] [noprefixroute]
//! [autojoin] [no_track] [track_group G] [use_vmac] [preferred_lft N|forever]`.

use std::net::{IpAddr, Ipv4Addr};

use super::names::{RtId, SCOPE};
use super::{Line, full_len, prefix, unknown_option};
use crate::diagnostic::Code;
use crate::model::global::values::{error, warning};
use crate::model::reader::{Cx, located};
use crate::model::types::Located;

/// The broadcast address of an IPv4 address (`brd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broadcast {
    /// An explicit address.
    Address(Ipv4Addr),
    /// `+`: the address with its host bits set.
    HostBitsSet,
    /// `-`: the address with its host bits cleared.
    HostBitsClear,
}

/// `preferred_lft`: how long the address is preferred as a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreferredLifetime {
    /// `forever`.
    Forever,
    /// A number of seconds (0 deprecates the address at once).
    Seconds(u32),
}

model! {
    /// One address line.
    pub struct IpAddress {
        /// The address.
        pub address: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        /// Its prefix length (default 32 or 128; with `peer`, always that).
        pub prefix_len: u8 = 32,
        /// `brd` (or `broadcast`), IPv4 only; `+`/`-` need a prefix of at most 30.
        pub broadcast: Option<Broadcast> = None,
        /// `dev`: the interface (unset: the instance's interface for VIPs,
        /// `default_interface` for static addresses).
        pub dev: Option<Located<String>> = None,
        /// `scope`, IPv4 only (default global).
        pub scope: Option<RtId<u8>> = None,
        /// `label`, IPv4 only, at most 15 characters.
        pub label: Option<String> = None,
        /// `peer`: the other end of a point-to-point address.
        pub peer: Option<IpAddr> = None,
        /// `home`: IFA_F_HOMEADDRESS (mobile IPv6).
        pub home: bool = false,
        /// `-nodad`: no duplicate address detection.
        pub no_dad: bool = false,
        /// `mngtmpaddr`: manage temporary addresses from this one.
        pub mngtmpaddr: bool = false,
        /// `noprefixroute`: no prefix route for the address.
        pub noprefixroute: bool = false,
        /// `autojoin`: join the multicast group of a multicast address.
        pub autojoin: bool = false,
        /// `no_track`: a VIP's instance doesn't go to FAULT if the address is
        /// deleted.
        pub no_track: bool = false,
        /// `track_group` (static addresses only): the group that goes to FAULT
        /// if the address is deleted.
        pub track_group: Option<Located<String>> = None,
        /// `use_vmac` (VIPs only): put the address on a VMAC of its interface.
        pub use_vmac: bool = false,
        /// `preferred_lft` (unset: forever, or 0 for a VIP with prefix /128).
        pub preferred_lft: Option<PreferredLifetime> = None,
    }
}

/// The longest interface label (IFNAMSIZ less the NUL).
const LABEL_MAX: usize = 15;

const OPTIONS: &[&str] = &[
    "dev",
    "scope",
    "brd",
    "broadcast",
    "label",
    "peer",
    "home",
    "-nodad",
    "mngtmpaddr",
    "noprefixroute",
    "autojoin",
    "no_track",
    "track_group",
    "use_vmac",
    "preferred_lft",
];

/// Reads one address line; `None` (after a diagnostic) when keepalived
/// drops it. `is_static` says whether it is a `static_ipaddress` line
/// (which may have `track_group` but not `use_vmac`).
pub(super) fn read(cx: &mut Cx<'_>, line: &mut Line<'_>, is_static: bool) -> Option<IpAddress> {
    let first = line.next()?;
    let Some(prefix) = prefix(cx, first, true) else {
        error(
            cx,
            Code::InvalidValue,
            &first.location,
            format!(
                "'{}' is not an IP address[/prefix]; address skipped",
                first.text
            ),
        );
        return None;
    };
    let mut a = IpAddress {
        address: prefix.address,
        prefix_len: prefix.len,
        ..IpAddress::default()
    };
    let v6 = a.address.is_ipv6();
    let mut label_word = None;
    let mut broadcast_word = None;
    while let Some(word) = line.next() {
        match word.text.as_str() {
            "dev" => {
                let value = line.value(cx, word)?;
                if a.dev.is_some() {
                    error(
                        cx,
                        Code::Duplicate,
                        &word.location,
                        format!(
                            "'dev' given twice for {}; keepalived skips the address",
                            first.text
                        ),
                    );
                    return None;
                }
                a.dev = Some(located(value));
            }
            "scope" => {
                let value = line.value(cx, word)?;
                if let Some(scope) = SCOPE.read(cx, line.node, "scope", value) {
                    a.scope = Some(scope);
                }
            }
            "brd" | "broadcast" => {
                let value = line.value(cx, word)?;
                if v6 {
                    error(
                        cx,
                        Code::InvalidValue,
                        &word.location,
                        format!(
                            "an IPv6 address has no broadcast address; {} skipped",
                            first.text
                        ),
                    );
                    return None;
                }
                a.broadcast = Some(match value.text.as_str() {
                    "+" => Broadcast::HostBitsSet,
                    "-" => Broadcast::HostBitsClear,
                    text => match text.parse() {
                        Ok(address) => Broadcast::Address(address),
                        Err(_) => {
                            error(
                                cx,
                                Code::InvalidValue,
                                &value.location,
                                format!(
                                    "'{}' needs an IPv4 address, '+' or '-', not '{text}'; address skipped",
                                    word.text
                                ),
                            );
                            return None;
                        }
                    },
                });
                broadcast_word = Some(word);
            }
            "label" => {
                let value = line.value(cx, word)?;
                a.label = Some(value.text.clone());
                label_word = Some(value);
            }
            "peer" => {
                let value = line.value(cx, word)?;
                if a.peer.is_some() {
                    warning(
                        cx,
                        Code::Duplicate,
                        &value.location,
                        format!("{} already has a peer; this one is ignored", first.text),
                    );
                    continue;
                }
                match value.text.parse::<IpAddr>() {
                    Ok(peer) if peer.is_ipv6() == v6 => {
                        if a.prefix_len != full_len(a.address) {
                            warning(
                                cx,
                                Code::Inconsistent,
                                &first.location,
                                format!("the prefix of {} is ignored with a peer", first.text),
                            );
                        }
                        a.prefix_len = full_len(a.address);
                        a.peer = Some(peer);
                    }
                    Ok(_) => error(
                        cx,
                        Code::Inconsistent,
                        &value.location,
                        format!(
                            "peer {} is not of the family of {}; ignored",
                            value.text, first.text
                        ),
                    ),
                    Err(_) => error(
                        cx,
                        Code::InvalidValue,
                        &value.location,
                        format!(
                            "'peer' needs an IP address without prefix, not '{}'; ignored",
                            value.text
                        ),
                    ),
                }
            }
            "home" => a.home = true,
            "-nodad" => a.no_dad = true,
            "mngtmpaddr" => a.mngtmpaddr = true,
            "noprefixroute" => a.noprefixroute = true,
            "autojoin" => a.autojoin = true,
            "no_track" => a.no_track = true,
            "track_group" if is_static => {
                let value = line.value(cx, word)?;
                if a.track_group.is_some() {
                    // keepalived stops reading the line here.
                    warning(
                        cx,
                        Code::Duplicate,
                        &value.location,
                        format!(
                            "{} already has a track_group; keepalived ignores the rest of the line",
                            first.text
                        ),
                    );
                    break;
                }
                a.track_group = Some(located(value));
            }
            "use_vmac" if !is_static => a.use_vmac = true,
            "preferred_lft" => {
                let value = line.value(cx, word)?;
                if value.text == "forever" {
                    a.preferred_lft = Some(PreferredLifetime::Forever);
                } else if let Ok(seconds) = value
                    .text
                    .strip_prefix('+')
                    .unwrap_or(&value.text)
                    .parse::<u32>()
                {
                    a.preferred_lft = Some(PreferredLifetime::Seconds(seconds));
                } else {
                    error(
                        cx,
                        Code::InvalidValue,
                        &value.location,
                        format!(
                            "'preferred_lft' takes seconds (0-4294967295) or 'forever', not '{}'; ignored",
                            value.text
                        ),
                    );
                }
            }
            "track_group" | "use_vmac" => {
                let (what, place) = if is_static {
                    ("use_vmac", "virtual_ipaddress")
                } else {
                    ("track_group", "static_ipaddress")
                };
                warning(
                    cx,
                    Code::UnknownKeyword,
                    &word.location,
                    format!("'{what}' is only for {place} lines; ignored"),
                );
                if what == "track_group" {
                    line.next();
                }
            }
            _ => unknown_option(cx, word, "address", OPTIONS),
        }
    }
    if let Some(label) = &a.label {
        if label.len() > LABEL_MAX {
            let location = label_word.map_or(&first.location, |w| &w.location);
            error(
                cx,
                Code::InvalidValue,
                location,
                format!(
                    "label '{label}' is longer than {LABEL_MAX} characters; keepalived skips the address"
                ),
            );
            return None;
        }
    }
    if let (Some(word), Some(_)) = (broadcast_word, a.broadcast) {
        if a.peer.is_some() {
            warning(
                cx,
                Code::Inconsistent,
                &word.location,
                "an address with a peer has no broadcast address; brd ignored".into(),
            );
            a.broadcast = None;
        } else if matches!(
            a.broadcast,
            Some(Broadcast::HostBitsSet | Broadcast::HostBitsClear)
        ) && a.prefix_len > 30
        {
            warning(
                cx,
                Code::Inconsistent,
                &word.location,
                format!(
                    "a /{} prefix has no host bits for 'brd +/-'; brd ignored",
                    a.prefix_len
                ),
            );
            a.broadcast = None;
        }
    }
    // keepalived only notices a scope other than global (0).
    if v6 && a.scope == Some(RtId::Number(0)) {
        a.scope = None;
    }
    if v6 && a.scope.is_some() {
        warning(
            cx,
            Code::Inconsistent,
            &first.location,
            format!("IPv6 address {} cannot have a scope; ignored", first.text),
        );
        a.scope = None;
    }
    if v6 && a.label.is_some() {
        warning(
            cx,
            Code::Inconsistent,
            &first.location,
            format!("IPv6 address {} cannot have a label; ignored", first.text),
        );
        a.label = None;
    }
    Some(a)
}

/// The words of an address line.
pub(super) fn words(a: &IpAddress) -> Vec<String> {
    let mut words = vec![format!("{}/{}", a.address, a.prefix_len)];
    let mut option = |name: &str, value: String| {
        words.push(name.to_owned());
        words.push(value);
    };
    match a.broadcast {
        Some(Broadcast::Address(address)) => option("brd", address.to_string()),
        Some(Broadcast::HostBitsSet) => option("brd", "+".into()),
        Some(Broadcast::HostBitsClear) => option("brd", "-".into()),
        None => {}
    }
    if let Some(dev) = &a.dev {
        option("dev", dev.value.clone());
    }
    if let Some(scope) = &a.scope {
        option("scope", SCOPE.text(scope));
    }
    if let Some(label) = &a.label {
        option("label", label.clone());
    }
    if let Some(peer) = a.peer {
        option("peer", peer.to_string());
    }
    for (on, flag) in [
        (a.home, "home"),
        (a.no_dad, "-nodad"),
        (a.mngtmpaddr, "mngtmpaddr"),
        (a.noprefixroute, "noprefixroute"),
        (a.autojoin, "autojoin"),
        (a.no_track, "no_track"),
    ] {
        if on {
            words.push(flag.to_owned());
        }
    }
    if let Some(group) = &a.track_group {
        words.push("track_group".into());
        words.push(group.value.clone());
    }
    if a.use_vmac {
        words.push("use_vmac".into());
    }
    match a.preferred_lft {
        Some(PreferredLifetime::Forever) => {
            words.extend(["preferred_lft".into(), "forever".into()])
        }
        Some(PreferredLifetime::Seconds(seconds)) => {
            words.extend(["preferred_lft".into(), seconds.to_string()])
        }
        None => {}
    }
    words
}
