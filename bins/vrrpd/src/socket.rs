//! Raw IP sockets for protocol 112 on one interface.
//!
//! IPv4 raw sockets deliver the IP header with the payload, so the TTL,
//! source and destination come from it; IPv6 ones do not, and need
//! IPV6_RECVHOPLIMIT / IPV6_RECVPKTINFO control messages (not in this
//! build yet: IPv6 instances are refused with a message).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use socket2::{Domain, InterfaceIndexOrAddress, Protocol, SockAddr, Socket, Type};
use tokio::net::UdpSocket;

/// IANA protocol number of VRRP.
const VRRP: i32 = 112;
/// The IPv4 VRRP multicast group (RFC 5798 §5.1.1.2).
pub(crate) const GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

/// A received packet: the VRRP PDU and what the IP header said.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) source: IpAddr,
    pub(crate) destination: IpAddr,
    pub(crate) ttl: u8,
    pub(crate) payload: Vec<u8>,
}

/// The VRRP socket of one interface (IPv4).
pub(crate) struct VrrpSocket {
    /// The raw socket, driven through tokio's datagram socket type: its
    /// recv/sendto calls are exactly what a raw socket needs, without
    /// registering the descriptor by hand.
    receiver: UdpSocket,
    sender: UdpSocket,
    source: Ipv4Addr,
}

impl VrrpSocket {
    /// Opens the socket on `interface` (index `index`), sending from
    /// `source`, and joins the multicast group there.
    pub(crate) fn open_v4(interface: &str, index: u32, source: Ipv4Addr) -> io::Result<Self> {
        // Receiving: unbound (a raw socket bound to an address only gets
        // packets *to* that address, and adverts go to the group), limited to
        // the interface, member of the group there.
        let receiver = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(VRRP)))?;
        receiver.set_nonblocking(true)?;
        receiver.bind_device(Some(interface.as_bytes()))?;
        receiver.join_multicast_v4_n(&GROUP_V4, &InterfaceIndexOrAddress::Index(index))?;
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
        Ok(VrrpSocket {
            receiver: UdpSocket::from_std(std::net::UdpSocket::from(receiver))?,
            sender: UdpSocket::from_std(std::net::UdpSocket::from(sender))?,
            source,
        })
    }

    /// The address adverts are sent from.
    pub(crate) fn source(&self) -> IpAddr {
        IpAddr::V4(self.source)
    }

    /// Sends a VRRP PDU to `destination` (the group or a unicast peer).
    pub(crate) fn send(&self, destination: IpAddr, pdu: &[u8]) -> io::Result<()> {
        self.sender
            .try_send_to(pdu, SocketAddr::new(destination, 0))
            .map(drop)
    }

    /// Waits for the next packet. Packets too short to carry an IPv4 header
    /// are skipped; the caller validates the rest.
    pub(crate) async fn receive(&self) -> io::Result<Received> {
        let mut buffer = [0u8; 2048];
        loop {
            let length = self.receiver.recv(&mut buffer).await?;
            if let Some(received) = buffer.get(..length).and_then(split_ipv4) {
                return Ok(received);
            }
        }
    }
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
}
