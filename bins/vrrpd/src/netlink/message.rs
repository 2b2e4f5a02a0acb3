//! Translation between vrrpd's types and rtnetlink messages.
//!
//! No socket here: what goes to the kernel is built from a [`VirtualAddress`]
//! and what comes back is read into plain values, so all of it is unit-tested
//! without root. Readers take what they need and ignore attributes they do
//! not know (netlink-packet-route keeps those as `Other`).

use std::net::{IpAddr, Ipv4Addr};

use netlink_packet_route::AddressFamily;
use netlink_packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage, AddressScope, CacheInfo,
};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};

use super::NetlinkError;

/// `INFINITY_LIFE_TIME` of `include/net/addrconf.h`: a lifetime that never
/// runs out.
const INFINITY_LIFE_TIME: u32 = u32::MAX;

/// `IFNAMSIZ` less the terminating NUL: the longest interface name or label.
pub(crate) const MAX_NAME_LEN: usize = 15;

/// An address vrrpd puts on an interface (a VIP or eVIP), with the options of
/// keepalived's `virtual_ipaddress` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VirtualAddress {
    /// The interface index.
    pub(crate) index: u32,
    /// The address itself (`IFA_LOCAL`).
    pub(crate) address: IpAddr,
    /// The prefix length (32 or 128 for a host address).
    pub(crate) prefix_len: u8,
    /// `brd`: the IPv4 broadcast address; `None` sets none, as `ip addr add`
    /// without `brd` does.
    pub(crate) broadcast: Option<Ipv4Addr>,
    /// `label`: the IPv4 label (`eth0:vip`), at most 15 bytes.
    pub(crate) label: Option<String>,
    /// `scope`: the raw `RT_SCOPE_*`; `None` is global (universe).
    pub(crate) scope: Option<u8>,
    /// `peer`: the other end of a point-to-point address (`IFA_ADDRESS`).
    pub(crate) peer: Option<IpAddr>,
    /// `nodad`: skip IPv6 duplicate address detection. IPv4 has no DAD, so
    /// for an IPv4 address this asks for nothing and is ignored.
    pub(crate) no_dad: bool,
    /// `preferred_lft`: seconds the address stays preferred (0 makes an IPv6
    /// VIP deprecated, so it is never picked as a source); it stays valid
    /// forever.
    pub(crate) preferred_lft: Option<u32>,
}

impl VirtualAddress {
    /// A global address with no options.
    pub(crate) fn new(index: u32, address: IpAddr, prefix_len: u8) -> Self {
        VirtualAddress {
            index,
            address,
            prefix_len,
            broadcast: None,
            label: None,
            scope: None,
            peer: None,
            no_dad: false,
            preferred_lft: None,
        }
    }

    fn invalid(&self, reason: &'static str) -> NetlinkError {
        NetlinkError::InvalidAddress {
            address: self.address,
            prefix_len: self.prefix_len,
            reason,
        }
    }
}

/// An IP version, to pick addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum IpFamily {
    /// IPv4 (`AF_INET`).
    V4,
    /// IPv6 (`AF_INET6`).
    V6,
}

impl IpFamily {
    /// The family of `address`.
    pub(crate) fn of(address: IpAddr) -> Self {
        match address {
            IpAddr::V4(_) => IpFamily::V4,
            IpAddr::V6(_) => IpFamily::V6,
        }
    }

    fn address_family(self) -> AddressFamily {
        match self {
            IpFamily::V4 => AddressFamily::Inet,
            IpFamily::V6 => AddressFamily::Inet6,
        }
    }

    fn max_prefix_len(self) -> u8 {
        match self {
            IpFamily::V4 => 32,
            IpFamily::V6 => 128,
        }
    }
}

/// The `RTM_NEWADDR` request that puts `vip` on its interface, with every
/// option; an option the family cannot carry is an error, not dropped.
pub(crate) fn new_address_message(vip: &VirtualAddress) -> Result<AddressMessage, NetlinkError> {
    let mut message = address_key(vip)?;
    let family = IpFamily::of(vip.address);
    if let Some(scope) = vip.scope {
        message.header.scope = AddressScope::from(scope);
    }
    if let Some(broadcast) = vip.broadcast {
        if family != IpFamily::V4 {
            return Err(vip.invalid("a broadcast address needs an IPv4 address"));
        }
        message
            .attributes
            .push(AddressAttribute::Broadcast(broadcast));
    }
    if let Some(label) = &vip.label {
        if family != IpFamily::V4 {
            return Err(vip.invalid("only IPv4 addresses carry a label"));
        }
        if label.is_empty() || label.len() > MAX_NAME_LEN || label.contains('\0') {
            return Err(vip.invalid("a label is 1 to 15 bytes without NUL"));
        }
        message
            .attributes
            .push(AddressAttribute::Label(label.clone()));
    }
    if vip.no_dad && family == IpFamily::V6 {
        message.header.flags |= AddressHeaderFlags::Nodad;
    }
    if let Some(preferred) = vip.preferred_lft {
        let mut lifetimes = CacheInfo::default();
        lifetimes.ifa_preferred = preferred;
        lifetimes.ifa_valid = INFINITY_LIFE_TIME;
        message
            .attributes
            .push(AddressAttribute::CacheInfo(lifetimes));
    }
    Ok(message)
}

/// The `RTM_DELADDR` request for `vip`: only what identifies the address
/// (index, prefix, local and peer). A label would make the kernel skip an
/// address that carries another label, and the delete would then "succeed"
/// with `EADDRNOTAVAIL` while the address stays.
pub(crate) fn del_address_message(vip: &VirtualAddress) -> Result<AddressMessage, NetlinkError> {
    address_key(vip)
}

fn address_key(vip: &VirtualAddress) -> Result<AddressMessage, NetlinkError> {
    let family = IpFamily::of(vip.address);
    if vip.prefix_len > family.max_prefix_len() {
        return Err(vip.invalid("the prefix length is too long for the family"));
    }
    let peer = vip.peer.unwrap_or(vip.address);
    if IpFamily::of(peer) != family {
        return Err(vip.invalid("the peer is of another family"));
    }
    if vip.address.is_multicast() {
        return Err(vip.invalid("a multicast address is not an interface address"));
    }
    let mut message = AddressMessage::default();
    message.header.family = family.address_family();
    message.header.prefix_len = vip.prefix_len;
    message.header.index = vip.index;
    // As iproute2 does: IFA_LOCAL is our address, IFA_ADDRESS the peer or,
    // without one, the address again.
    message
        .attributes
        .push(AddressAttribute::Local(vip.address));
    message.attributes.push(AddressAttribute::Address(peer));
    Ok(message)
}

/// One address of an interface as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InterfaceAddress {
    pub(crate) index: u32,
    pub(crate) address: IpAddr,
    pub(crate) prefix_len: u8,
    pub(crate) scope: AddressScope,
    pub(crate) flags: AddressFlags,
}

impl InterfaceAddress {
    /// Fit to be VRRP's source address: not secondary, not tentative (still
    /// in DAD), not failed DAD, not deprecated.
    pub(crate) fn is_usable_primary(&self) -> bool {
        !self.flags.intersects(
            AddressFlags::Secondary
                | AddressFlags::Tentative
                | AddressFlags::Dadfailed
                | AddressFlags::Deprecated,
        )
    }
}

/// Reads an `RTM_NEWADDR`/`RTM_DELADDR`; `None` for one without a unicast
/// address (an IPv6 multicast or anycast entry).
pub(crate) fn read_address(message: &AddressMessage) -> Option<InterfaceAddress> {
    let mut local = None;
    let mut address = None;
    let mut flags = None;
    for attribute in &message.attributes {
        match attribute {
            AddressAttribute::Local(ip) => local = Some(*ip),
            AddressAttribute::Address(ip) => address = Some(*ip),
            AddressAttribute::Flags(f) => flags = Some(*f),
            _ => {}
        }
    }
    // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on a
    // point-to-point address, and the only one IPv6 sends without a peer.
    let address = local.or(address)?;
    // IFA_FLAGS holds all 32 bits; the header byte only the low 8, for
    // kernels that do not send the attribute.
    let flags = flags
        .unwrap_or_else(|| AddressFlags::from_bits_retain(u32::from(message.header.flags.bits())));
    Some(InterfaceAddress {
        index: message.header.index,
        address,
        prefix_len: message.header.prefix_len,
        scope: message.header.scope,
        flags,
    })
}

/// A link's state, from an `RTM_NEWLINK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkState {
    pub(crate) index: u32,
    pub(crate) name: Option<String>,
    pub(crate) up: bool,
}

/// Reads a link message. Up means administratively up (`IFF_UP`) and
/// operationally up (`IFF_RUNNING`, which the kernel sets from the operstate:
/// carrier present and not dormant), as keepalived's `IF_ISUP` tests.
pub(crate) fn read_link(message: &LinkMessage) -> LinkState {
    let name = message.attributes.iter().find_map(|a| match a {
        LinkAttribute::IfName(name) => Some(name.clone()),
        _ => None,
    });
    let flags = message.header.flags;
    LinkState {
        index: message.header.index,
        name,
        up: flags.contains(LinkFlags::Up) && flags.contains(LinkFlags::Running),
    }
}

/// True for messages about the device itself. RTNLGRP_LINK also carries
/// `AF_BRIDGE` messages for bridge ports, and an `RTM_DELLINK` of that family
/// means "left the bridge", not "deleted".
pub(crate) fn is_device_message(message: &LinkMessage) -> bool {
    message.header.interface_family == AddressFamily::Unspec
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    fn v4() -> VirtualAddress {
        VirtualAddress {
            broadcast: Some(Ipv4Addr::new(10, 0, 0, 255)),
            label: Some("eth0:vip".into()),
            scope: Some(253),
            preferred_lft: Some(0),
            ..VirtualAddress::new(2, "10.0.0.100".parse().unwrap(), 24)
        }
    }

    #[test]
    fn new_ipv4_address_carries_every_option() {
        let message = new_address_message(&v4()).unwrap();
        assert_eq!(message.header.family, AddressFamily::Inet);
        assert_eq!(message.header.prefix_len, 24);
        assert_eq!(message.header.index, 2);
        assert_eq!(message.header.scope, AddressScope::Link);
        assert_eq!(message.header.flags, AddressHeaderFlags::empty());
        let ip: IpAddr = "10.0.0.100".parse().unwrap();
        let mut lifetimes = CacheInfo::default();
        lifetimes.ifa_valid = u32::MAX;
        assert_eq!(
            message.attributes,
            vec![
                AddressAttribute::Local(ip),
                AddressAttribute::Address(ip),
                AddressAttribute::Broadcast(Ipv4Addr::new(10, 0, 0, 255)),
                AddressAttribute::Label("eth0:vip".into()),
                AddressAttribute::CacheInfo(lifetimes),
            ]
        );
    }

    #[test]
    fn delete_carries_only_the_key() {
        let mut vip = v4();
        vip.peer = Some("10.0.0.9".parse().unwrap());
        let message = del_address_message(&vip).unwrap();
        assert_eq!(
            message.attributes,
            vec![
                AddressAttribute::Local("10.0.0.100".parse().unwrap()),
                AddressAttribute::Address("10.0.0.9".parse().unwrap()),
            ]
        );
    }

    #[test]
    fn ipv6_nodad_sets_the_header_flag_and_ipv4_ignores_it() {
        let mut vip = VirtualAddress::new(3, "fd00::100".parse().unwrap(), 64);
        vip.no_dad = true;
        let message = new_address_message(&vip).unwrap();
        assert_eq!(message.header.family, AddressFamily::Inet6);
        assert_eq!(message.header.flags, AddressHeaderFlags::Nodad);
        let mut vip = VirtualAddress::new(3, "10.1.1.1".parse().unwrap(), 32);
        vip.no_dad = true;
        let message = new_address_message(&vip).unwrap();
        assert_eq!(message.header.flags, AddressHeaderFlags::empty());
    }

    #[test]
    fn options_the_family_cannot_carry_are_errors() {
        let v6: IpAddr = Ipv6Addr::LOCALHOST.into();
        let reject = |vip: VirtualAddress| {
            assert!(
                matches!(
                    new_address_message(&vip),
                    Err(NetlinkError::InvalidAddress { .. })
                ),
                "{vip:?}"
            );
        };
        reject(VirtualAddress {
            label: Some("x".into()),
            ..VirtualAddress::new(1, v6, 128)
        });
        reject(VirtualAddress {
            broadcast: Some(Ipv4Addr::BROADCAST),
            ..VirtualAddress::new(1, v6, 128)
        });
        reject(VirtualAddress {
            peer: Some("10.0.0.1".parse().unwrap()),
            ..VirtualAddress::new(1, v6, 128)
        });
        reject(VirtualAddress::new(1, v6, 129));
        reject(VirtualAddress::new(1, "10.0.0.1".parse().unwrap(), 33));
        reject(VirtualAddress::new(1, "224.0.0.18".parse().unwrap(), 32));
        reject(VirtualAddress {
            label: Some("a-label-too-long".into()),
            ..v4()
        });
    }

    #[test]
    fn reads_addresses_and_their_flags() {
        let mut message = AddressMessage::default();
        message.header.index = 4;
        message.header.prefix_len = 24;
        message.header.flags = AddressHeaderFlags::Secondary;
        message.attributes = vec![
            AddressAttribute::Address("10.0.0.9".parse().unwrap()),
            AddressAttribute::Local("10.0.0.1".parse().unwrap()),
            AddressAttribute::Label("eth0".into()),
        ];
        let read = read_address(&message).unwrap();
        assert_eq!(read.address, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!((read.index, read.prefix_len), (4, 24));
        assert!(!read.is_usable_primary());
        // IFA_FLAGS wins over the header byte.
        message
            .attributes
            .push(AddressAttribute::Flags(AddressFlags::Permanent));
        assert!(read_address(&message).unwrap().is_usable_primary());
        message.attributes = vec![AddressAttribute::Multicast("ff02::1".parse().unwrap())];
        assert_eq!(read_address(&message), None);
    }

    #[test]
    fn a_link_is_up_when_up_and_running() {
        let mut message = LinkMessage::default();
        message.header.index = 7;
        message.header.flags = LinkFlags::Up | LinkFlags::Running | LinkFlags::LowerUp;
        message
            .attributes
            .push(LinkAttribute::IfName("eth0".into()));
        let state = read_link(&message);
        assert_eq!(
            state,
            LinkState {
                index: 7,
                name: Some("eth0".into()),
                up: true
            }
        );
        message.header.flags = LinkFlags::Up; // no carrier
        assert!(!read_link(&message).up);
        assert!(is_device_message(&message));
        message.header.interface_family = AddressFamily::Bridge;
        assert!(!is_device_message(&message));
    }
}
