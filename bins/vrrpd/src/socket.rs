//! Raw IP sockets for protocol 112 on one interface, IPv4 or IPv6.
//!
//! IPv4 raw sockets deliver the IP header with the payload, so the TTL,
//! source and destination come from it. IPv6 ones deliver the payload
//! alone: the source comes from `recvmsg`'s address, the hop limit and the
//! destination from IPV6_HOPLIMIT / IPV6_PKTINFO control messages. A packet
//! whose facts are missing or out of range is skipped, never guessed.
//!
//! It does not validate adverts (vrrp-proto does) nor pick the source
//! address (setup and main do: IPv6 adverts come from the link-local
//! address, RFC 5798 §5.1.2.1).

use std::io::{self, IoSliceMut};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::AsRawFd;

use nix::sys::socket::{ControlMessageOwned, MsgFlags, SockaddrIn6, recvmsg, setsockopt, sockopt};
use socket2::{Domain, InterfaceIndexOrAddress, Protocol, SockAddr, Socket, Type};
use tokio::io::Interest;
use tokio::net::UdpSocket;

/// IANA protocol number of VRRP.
const VRRP: i32 = 112;
/// The IPv6 VRRP multicast group (RFC 5798 §5.2.1.2).
#[cfg(test)]
const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// Room for the largest packet a VRRP socket takes: 255 IPv6 addresses
/// would not fit an Ethernet frame anyway, so a bigger one is not an advert.
const BUFFER: usize = 2048;

/// A received packet: the VRRP PDU and what the IP header said.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) source: IpAddr,
    pub(crate) destination: IpAddr,
    pub(crate) ttl: u8,
    pub(crate) payload: Vec<u8>,
}

/// The VRRP socket of one interface and one source address; the family is
/// the source's.
pub(crate) struct VrrpSocket {
    /// The raw socket, driven through tokio's datagram socket type: its
    /// recv/sendto calls are exactly what a raw socket needs, without
    /// registering the descriptor by hand.
    receiver: UdpSocket,
    sender: UdpSocket,
    source: IpAddr,
    /// The multicast group it joined, where adverts go.
    group: IpAddr,
    /// The interface's index: the scope of link-local and multicast IPv6
    /// destinations.
    ifindex: u32,
}

impl VrrpSocket {
    /// Opens the socket on `interface` (index `index`), sending from
    /// `source`, and joins the multicast `group` there (224.0.0.18 or
    /// ff02::12 unless `vrrp_mcast_group4`/`vrrp_mcast_group6` say
    /// otherwise; a group of the other family is an error).
    pub(crate) fn open(
        interface: &str,
        index: u32,
        source: IpAddr,
        group: IpAddr,
    ) -> io::Result<Self> {
        match (source, group) {
            (IpAddr::V4(source), IpAddr::V4(group)) => {
                Self::open_v4(interface, index, source, group)
            }
            (IpAddr::V6(source), IpAddr::V6(group)) => {
                Self::open_v6(interface, index, source, group)
            }
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("multicast group {group} is not of the family of {source}"),
            )),
        }
    }

    fn open_v4(interface: &str, index: u32, source: Ipv4Addr, group: Ipv4Addr) -> io::Result<Self> {
        // Receiving: unbound (a raw socket bound to an address only gets
        // packets *to* that address, and adverts go to the group), limited to
        // the interface, member of the group there.
        let receiver = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(VRRP)))?;
        receiver.set_nonblocking(true)?;
        receiver.bind_device(Some(interface.as_bytes()))?;
        receiver.join_multicast_v4_n(&group, &InterfaceIndexOrAddress::Index(index))?;
        // Sending: bound to the instance's address, which becomes the source
        // of adverts (it breaks priority ties, and the v3 checksum covers it).
        let sender = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(VRRP)))?;
        sender.set_nonblocking(true)?;
        sender.bind_device(Some(interface.as_bytes()))?;
        sender.bind(&SockAddr::from(SocketAddrV4::new(source, 0)))?;
        sender.set_ttl_v4(255)?;
        sender.set_multicast_ttl_v4(255)?;
        sender.set_multicast_loop_v4(false)?;
        // No IP_MULTICAST_IF: the bound device already picks the way out,
        // and the kernel refuses one naming another device (a VMAC's source
        // address lives on its base interface).
        // Nothing is read from it; keep its queue from holding copies.
        sender.set_recv_buffer_size(0)?;
        Self::wrap(receiver, sender, source.into(), group.into(), index)
    }

    fn open_v6(interface: &str, index: u32, source: Ipv6Addr, group: Ipv6Addr) -> io::Result<Self> {
        // Receiving: as for IPv4, unbound and on the interface only; the
        // kernel adds the hop limit and destination as control messages.
        let receiver = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::from(VRRP)))?;
        receiver.set_nonblocking(true)?;
        receiver.bind_device(Some(interface.as_bytes()))?;
        receiver.join_multicast_v6(&group, index)?;
        receiver.set_recv_hoplimit_v6(true)?;
        setsockopt(&receiver, sockopt::Ipv6RecvPacketInfo, &true).map_err(io::Error::from)?;
        // Sending: bound to the source (the link-local address needs its
        // scope to be bound). IPv6 raw sockets leave the checksum to us, and
        // vrrp-proto computes it over this very source.
        let sender = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::from(VRRP)))?;
        sender.set_nonblocking(true)?;
        sender.bind_device(Some(interface.as_bytes()))?;
        sender.bind(&SockAddr::from(SocketAddrV6::new(
            source,
            0,
            0,
            scope(source, index),
        )))?;
        sender.set_unicast_hops_v6(255)?;
        sender.set_multicast_hops_v6(255)?;
        sender.set_multicast_loop_v6(false)?;
        sender.set_multicast_if_v6(index)?;
        sender.set_recv_buffer_size(0)?;
        Self::wrap(receiver, sender, source.into(), group.into(), index)
    }

    fn wrap(
        receiver: Socket,
        sender: Socket,
        source: IpAddr,
        group: IpAddr,
        ifindex: u32,
    ) -> io::Result<Self> {
        Ok(VrrpSocket {
            receiver: UdpSocket::from_std(std::net::UdpSocket::from(receiver))?,
            sender: UdpSocket::from_std(std::net::UdpSocket::from(sender))?,
            source,
            group,
            ifindex,
        })
    }

    /// The address adverts are sent from.
    pub(crate) fn source(&self) -> IpAddr {
        self.source
    }

    /// The multicast group adverts go to.
    pub(crate) fn group(&self) -> IpAddr {
        self.group
    }

    /// Sends a VRRP PDU to `destination` (the group or a unicast peer).
    pub(crate) fn send(&self, destination: IpAddr, pdu: &[u8]) -> io::Result<()> {
        let address = match destination {
            IpAddr::V4(_) => SocketAddr::new(destination, 0),
            IpAddr::V6(v6) => SocketAddrV6::new(v6, 0, 0, scope(v6, self.ifindex)).into(),
        };
        self.sender.try_send_to(pdu, address).map(drop)
    }

    /// Waits for the next packet. Packets whose header facts cannot be
    /// read are skipped; the caller validates the rest.
    pub(crate) async fn receive(&self) -> io::Result<Received> {
        match self.source {
            IpAddr::V4(_) => self.receive_v4().await,
            IpAddr::V6(_) => self.receive_v6().await,
        }
    }

    async fn receive_v4(&self) -> io::Result<Received> {
        let mut buffer = [0u8; BUFFER];
        loop {
            let length = self.receiver.recv(&mut buffer).await?;
            if let Some(received) = buffer.get(..length).and_then(split_ipv4) {
                return Ok(received);
            }
        }
    }

    async fn receive_v6(&self) -> io::Result<Received> {
        let fd = self.receiver.as_raw_fd();
        loop {
            let received = self
                .receiver
                .async_io(Interest::READABLE, || receive_v6(fd))
                .await?;
            if let Some(received) = received {
                return Ok(received);
            }
        }
    }
}

/// The scope id a link-local or multicast IPv6 address needs to leave by
/// the right interface; other addresses have none.
fn scope(address: Ipv6Addr, ifindex: u32) -> u32 {
    if address.is_unicast_link_local() || address.is_multicast() {
        ifindex
    } else {
        0
    }
}

/// One `recvmsg` on an IPv6 raw socket: `Ok(None)` for a packet to skip.
fn receive_v6(fd: std::os::fd::RawFd) -> io::Result<Option<Received>> {
    let mut buffer = [0u8; BUFFER];
    let mut control = nix::cmsg_space!(libc::in6_pktinfo, libc::c_int);
    let mut iov = [IoSliceMut::new(&mut buffer)];
    let message = recvmsg::<SockaddrIn6>(fd, &mut iov, Some(&mut control), MsgFlags::empty())?;
    let truncated = message.flags.contains(MsgFlags::MSG_TRUNC);
    let length = message.bytes;
    let source = message.address.map(|a| a.ip());
    // A truncated control buffer is an error from nix; skip that packet.
    let controls: Vec<ControlMessageOwned> = match message.cmsgs() {
        Ok(controls) => controls.collect(),
        Err(_) => return Ok(None),
    };
    if truncated {
        return Ok(None);
    }
    Ok(buffer
        .get(..length)
        .and_then(|payload| ipv6_facts(source, &controls, payload)))
}

/// The facts of an IPv6 packet from its parts: the sender's address, the
/// control messages (hop limit and destination) and the payload. Missing
/// facts or a hop limit outside 0..=255 mean `None`.
pub(crate) fn ipv6_facts(
    source: Option<Ipv6Addr>,
    controls: &[ControlMessageOwned],
    payload: &[u8],
) -> Option<Received> {
    let mut hop_limit = None;
    let mut destination = None;
    for control in controls {
        match control {
            ControlMessageOwned::Ipv6HopLimit(limit) => hop_limit = u8::try_from(*limit).ok(),
            ControlMessageOwned::Ipv6PacketInfo(info) => {
                destination = Some(Ipv6Addr::from(info.ipi6_addr.s6_addr));
            }
            _ => {}
        }
    }
    Some(Received {
        source: IpAddr::V6(source?),
        destination: IpAddr::V6(destination?),
        ttl: hop_limit?,
        payload: payload.to_vec(),
    })
}

/// Splits an IPv4 packet into header facts and payload, with every length
/// checked.
pub(crate) fn split_ipv4(packet: &[u8]) -> Option<Received> {
    let first = *packet.first()?;
    if first >> 4 != 4 {
        return None;
    }
    let header_len = usize::from(first & 0x0f) * 4;
    let total_len = usize::from(u16::from_be_bytes([*packet.get(2)?, *packet.get(3)?]));
    let ttl = *packet.get(8)?;
    let source = Ipv4Addr::new(
        *packet.get(12)?,
        *packet.get(13)?,
        *packet.get(14)?,
        *packet.get(15)?,
    );
    let destination = Ipv4Addr::new(
        *packet.get(16)?,
        *packet.get(17)?,
        *packet.get(18)?,
        *packet.get(19)?,
    );
    let end = total_len.min(packet.len());
    let payload = packet.get(header_len..end)?.to_vec();
    Some(Received {
        source: source.into(),
        destination: destination.into(),
        ttl,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_headers_are_read_with_checked_lengths() {
        let mut packet = vec![
            0x45, 0, 0, 28, 0, 0, 0, 0, 255, 112, 0, 0, 10, 0, 0, 1, 224, 0, 0, 18,
        ];
        packet.extend([1, 2, 3, 4, 5, 6, 7, 8]);
        let received = split_ipv4(&packet).unwrap();
        assert_eq!(received.ttl, 255);
        assert_eq!(received.source, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(
            received.destination,
            "224.0.0.18".parse::<IpAddr>().unwrap()
        );
        assert_eq!(received.payload, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(split_ipv4(&packet[..10]).is_none());
        assert!(split_ipv4(&[]).is_none());
        let mut bad_ihl = packet.clone();
        bad_ihl[0] = 0x4f;
        assert!(split_ipv4(&bad_ihl).is_none());
    }

    fn pktinfo(destination: &str) -> ControlMessageOwned {
        let address: Ipv6Addr = destination.parse().unwrap();
        ControlMessageOwned::Ipv6PacketInfo(libc::in6_pktinfo {
            ipi6_addr: libc::in6_addr {
                s6_addr: address.octets(),
            },
            ipi6_ifindex: 2,
        })
    }

    #[test]
    fn ipv6_facts_come_from_control_messages() {
        let source: Ipv6Addr = "fe80::1".parse().unwrap();
        let controls = [ControlMessageOwned::Ipv6HopLimit(255), pktinfo("ff02::12")];
        let received = ipv6_facts(Some(source), &controls, &[0x31, 7]).unwrap();
        assert_eq!(received.source, IpAddr::V6(source));
        assert_eq!(received.destination, "ff02::12".parse::<IpAddr>().unwrap());
        assert_eq!(received.ttl, 255);
        assert_eq!(received.payload, [0x31, 7]);
        // The order of control messages does not matter.
        let reversed = [pktinfo("fd00::2"), ControlMessageOwned::Ipv6HopLimit(1)];
        let received = ipv6_facts(Some(source), &reversed, &[]).unwrap();
        assert_eq!(received.destination, "fd00::2".parse::<IpAddr>().unwrap());
        assert_eq!(received.ttl, 1);
    }

    #[test]
    fn ipv6_packets_missing_a_fact_are_skipped() {
        let source: Ipv6Addr = "fe80::1".parse().unwrap();
        let hop = ControlMessageOwned::Ipv6HopLimit(255);
        // No destination, no hop limit, no source: nothing is guessed.
        assert!(ipv6_facts(Some(source), std::slice::from_ref(&hop), &[1]).is_none());
        assert!(ipv6_facts(Some(source), &[pktinfo("ff02::12")], &[1]).is_none());
        assert!(ipv6_facts(None, &[hop, pktinfo("ff02::12")], &[1]).is_none());
        // A hop limit outside a byte is garbage, not truncated into one.
        for garbage in [-1, 256, i32::MIN, i32::MAX] {
            let controls = [
                ControlMessageOwned::Ipv6HopLimit(garbage),
                pktinfo("ff02::12"),
            ];
            assert!(ipv6_facts(Some(source), &controls, &[1]).is_none());
        }
        // Unrelated control messages are ignored.
        let controls = [
            ControlMessageOwned::Ipv6HopLimit(255),
            ControlMessageOwned::Ipv4Ttl(64),
            pktinfo("ff02::12"),
        ];
        assert!(ipv6_facts(Some(source), &controls, &[]).is_some());
    }

    #[test]
    fn link_local_and_multicast_destinations_carry_the_scope() {
        assert_eq!(scope("fe80::2".parse().unwrap(), 7), 7);
        assert_eq!(scope(GROUP_V6, 7), 7);
        assert_eq!(scope("fd00::2".parse().unwrap(), 7), 0);
    }

    #[test]
    fn ipv4_garbage_never_panics() {
        // Every prefix and every first byte of a plausible header.
        let mut packet = vec![
            0x45, 0, 0, 40, 0, 0, 0, 0, 255, 112, 0, 0, 10, 0, 0, 1, 224, 0, 0, 18,
        ];
        packet.extend([0u8; 20]);
        for end in 0..=packet.len() {
            for first in 0..=255u8 {
                let mut bytes = packet[..end].to_vec();
                if let Some(b) = bytes.first_mut() {
                    *b = first;
                }
                let _ = split_ipv4(&bytes);
            }
        }
        let mut long_total = packet.clone();
        long_total[2..4].copy_from_slice(&u16::MAX.to_be_bytes());
        assert_eq!(split_ipv4(&long_total).unwrap().payload.len(), 20);
    }
}
