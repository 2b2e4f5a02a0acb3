//! Gratuitous ARPs and unsolicited neighbour advertisements for virtual
//! addresses, sent as keepalived sends them when an instance becomes master,
//! so switches and neighbours move the addresses to this host's MAC at once.
//!
//! Frames are built with smoltcp's `wire` module by two pure functions,
//! [`arp_frame`] and [`na_frame`], and written whole (Ethernet header
//! included) to an `AF_PACKET` socket bound to the interface by
//! [`GarpSender`]. What this module does not do: repeat or pace the
//! announcements (`garp_master_repeat`, `garp_master_delay` and
//! `garp_interval` belong to the caller), or receive anything: the socket is
//! opened with protocol 0, so the kernel never queues a frame on it.
//!
//! No `unsafe` here: the interface's hardware address, its `sockaddr_ll` and
//! its link-local address all come from `getifaddrs(3)` through nix, and the
//! `sockaddr_ll` that listing returns is the one the socket is bound to.
//! `getifaddrs` asks the kernel over netlink, so it sees the network namespace
//! of the calling thread; `/sys/class/net` would show the namespace sysfs was
//! mounted in, which is not the same thing when a thread has entered another.
//!
//! ```ignore
//! let sender = GarpSender::open(ifindex, "eth0")?;
//! sender.send_arp("10.0.0.100".parse()?)?;
//! sender.send_na("fd00::100".parse()?, None)?; // from eth0's link-local
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd};

use nix::ifaddrs::getifaddrs;
use nix::sys::socket::{self, AddressFamily, LinkAddr, MsgFlags, SockFlag, SockType};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{
    ArpOperation, ArpPacket, ArpRepr, EthernetAddress, EthernetFrame, EthernetProtocol,
    EthernetRepr, Icmpv6Packet, Icmpv6Repr, IpProtocol, Ipv6Packet, Ipv6Repr, NdiscNeighborFlags,
    NdiscRepr,
};

/// `ARPHRD_ETHER` from `<linux/if_arp.h>`: the only link type we announce on.
const ARPHRD_ETHER: u16 = 1;

/// The Ethernet group address of ff02::1, all nodes (RFC 2464 §7).
const ALL_NODES_MAC: EthernetAddress = EthernetAddress([0x33, 0x33, 0, 0, 0, 1]);

/// ff02::1, all nodes on the link.
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// RFC 4861 §7.1.2: a receiver drops a neighbour advertisement whose hop
/// limit is not 255, the proof that it was not routed.
const NDISC_HOP_LIMIT: u8 = 255;

/// What can go wrong opening the socket or sending on it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GarpError {
    /// `getifaddrs(3)` failed.
    #[error("listing interfaces to find {ifname} (index {ifindex}): {source}")]
    ListInterfaces {
        ifname: String,
        ifindex: u32,
        source: nix::Error,
    },
    /// No link has both this name and this index (gone, or renamed).
    #[error("no interface {ifname} with index {ifindex}")]
    NoSuchInterface { ifname: String, ifindex: u32 },
    /// The link has no 6-byte Ethernet address to announce (loopback, tun, ...).
    #[error("{ifname} is not an Ethernet interface (ARPHRD {hatype}, {halen}-byte address)")]
    NotEthernet {
        ifname: String,
        hatype: u16,
        halen: usize,
    },
    /// `socket(AF_PACKET, SOCK_RAW, 0)` failed (no `CAP_NET_RAW`?).
    #[error("opening a packet socket for {ifname}: {source}")]
    Socket { ifname: String, source: nix::Error },
    /// Binding the packet socket to the interface failed.
    #[error("binding the packet socket to {ifname}: {source}")]
    Bind { ifname: String, source: nix::Error },
    /// The kernel refused the frame (interface down or gone, ...).
    #[error("sending {kind} for {vip} on {ifname}: {source}")]
    Send {
        ifname: String,
        kind: Announcement,
        vip: IpAddr,
        source: nix::Error,
    },
    /// The kernel took only part of the frame.
    #[error("sending {kind} for {vip} on {ifname}: sent {sent} of {len} bytes")]
    ShortSend {
        ifname: String,
        kind: Announcement,
        vip: IpAddr,
        sent: usize,
        len: usize,
    },
}

/// Which announcement a [`GarpError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Announcement {
    /// A gratuitous ARP (IPv4).
    GratuitousArp,
    /// An unsolicited neighbour advertisement (IPv6).
    NeighborAdvert,
}

impl std::fmt::Display for Announcement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Announcement::GratuitousArp => "a gratuitous ARP",
            Announcement::NeighborAdvert => "an unsolicited neighbour advertisement",
        })
    }
}

/// A send-only packet socket bound to one interface.
///
/// The socket stays in the network namespace it was opened in, whichever
/// thread uses it later. If the interface is deleted, sends fail; reopen it
/// with the new index when the interface comes back.
#[derive(Debug)]
pub(crate) struct GarpSender {
    socket: OwnedFd,
    ifindex: u32,
    ifname: String,
    mac: [u8; 6],
}

impl GarpSender {
    /// Opens a packet socket bound to interface `ifindex`, which must be
    /// called `ifname` (a renamed or replaced interface is an error, not a
    /// surprise) and be an Ethernet link.
    pub(crate) fn open(ifindex: u32, ifname: &str) -> Result<GarpSender, GarpError> {
        let link = find_link(ifindex, ifname)?;
        let mac = ethernet_mac(&link, ifname)?;
        // Protocol 0: the socket receives nothing. Each frame carries its own
        // EtherType, which the kernel reads back for a SOCK_RAW send.
        let socket = socket::socket(
            AddressFamily::Packet,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .map_err(|source| GarpError::Socket {
            ifname: ifname.to_owned(),
            source,
        })?;
        socket::bind(socket.as_raw_fd(), &link).map_err(|source| GarpError::Bind {
            ifname: ifname.to_owned(),
            source,
        })?;
        Ok(GarpSender {
            socket,
            ifindex,
            ifname: ifname.to_owned(),
            mac,
        })
    }

    /// The index of the interface the socket is bound to.
    pub(crate) fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// The interface's hardware address, as it was when the socket opened.
    pub(crate) fn mac(&self) -> [u8; 6] {
        self.mac
    }

    /// Broadcasts a gratuitous ARP announcing `vip` at this interface's MAC.
    pub(crate) fn send_arp(&self, vip: Ipv4Addr) -> Result<(), GarpError> {
        self.send(
            &arp_frame(self.mac, vip),
            Announcement::GratuitousArp,
            vip.into(),
        )
    }

    /// Sends an unsolicited neighbour advertisement for `vip` to all nodes,
    /// from `source`, or by default from the interface's link-local address
    /// (`::` when it has none, as keepalived does).
    pub(crate) fn send_na(&self, vip: Ipv6Addr, source: Option<Ipv6Addr>) -> Result<(), GarpError> {
        let source = match source {
            Some(source) => source,
            None => self.link_local()?.unwrap_or(Ipv6Addr::UNSPECIFIED),
        };
        self.send(
            &na_frame(self.mac, source, vip),
            Announcement::NeighborAdvert,
            vip.into(),
        )
    }

    /// The interface's first link-local address, looked up at each call
    /// since it may come and go while the socket stays open.
    fn link_local(&self) -> Result<Option<Ipv6Addr>, GarpError> {
        let addresses = getifaddrs().map_err(|source| GarpError::ListInterfaces {
            ifname: self.ifname.clone(),
            ifindex: self.ifindex,
            source,
        })?;
        Ok(addresses
            .filter_map(|entry| entry.address?.as_sockaddr_in6().copied())
            // A link-local address's scope is its interface's index.
            .filter(|address| address.scope_id() == self.ifindex)
            .map(|address| address.ip())
            .find(Ipv6Addr::is_unicast_link_local))
    }

    fn send(&self, frame: &[u8], kind: Announcement, vip: IpAddr) -> Result<(), GarpError> {
        let sent =
            socket::send(self.socket.as_raw_fd(), frame, MsgFlags::empty()).map_err(|source| {
                GarpError::Send {
                    ifname: self.ifname.clone(),
                    kind,
                    vip,
                    source,
                }
            })?;
        if sent == frame.len() {
            Ok(())
        } else {
            Err(GarpError::ShortSend {
                ifname: self.ifname.clone(),
                kind,
                vip,
                sent,
                len: frame.len(),
            })
        }
    }
}

/// The `AF_PACKET` entry `getifaddrs` lists for the link: a ready-made
/// `sockaddr_ll` with the index, the hardware type and the address.
fn find_link(ifindex: u32, ifname: &str) -> Result<LinkAddr, GarpError> {
    let addresses = getifaddrs().map_err(|source| GarpError::ListInterfaces {
        ifname: ifname.to_owned(),
        ifindex,
        source,
    })?;
    addresses
        .filter(|entry| entry.interface_name == ifname)
        .filter_map(|entry| entry.address?.as_link_addr().copied())
        .find(|link| u32::try_from(link.ifindex()) == Ok(ifindex))
        .ok_or_else(|| GarpError::NoSuchInterface {
            ifname: ifname.to_owned(),
            ifindex,
        })
}

fn ethernet_mac(link: &LinkAddr, ifname: &str) -> Result<[u8; 6], GarpError> {
    match link.addr() {
        Some(mac) if link.hatype() == ARPHRD_ETHER && link.halen() == mac.len() => Ok(mac),
        _ => Err(GarpError::NotEthernet {
            ifname: ifname.to_owned(),
            hatype: link.hatype(),
            halen: link.halen(),
        }),
    }
}

/// A gratuitous ARP for `vip` from `mac`, as keepalived sends it: an ARP
/// *request* (RFC 5227 §3 notes requests are the better-supported form) with
/// the sender and target protocol addresses both `vip`, broadcast.
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |       Destination MAC ff:ff:ff:ff:ff:ff (6 bytes)             |
/// |       Source MAC = mac (6 bytes)                              |
/// |   EtherType 0x0806            |  (RFC 826) HTYPE 1 Ethernet   |
/// |   PTYPE 0x0800 IPv4           | HLEN 6        | PLEN 4        |
/// |   OPER 1 request              |  SHA = mac (6 bytes)          |
/// |   SPA = vip (4 bytes)         |  THA 00:00:00:00:00:00        |
/// |   TPA = vip (4 bytes)                                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// 42 bytes; the driver pads it to the Ethernet minimum.
pub(crate) fn arp_frame(mac: [u8; 6], vip: Ipv4Addr) -> Vec<u8> {
    let mac = EthernetAddress(mac);
    let ethernet = EthernetRepr {
        src_addr: mac,
        dst_addr: EthernetAddress::BROADCAST,
        ethertype: EthernetProtocol::Arp,
    };
    let arp = ArpRepr::EthernetIpv4 {
        operation: ArpOperation::Request,
        source_hardware_addr: mac,
        source_protocol_addr: vip,
        target_hardware_addr: EthernetAddress([0; 6]),
        target_protocol_addr: vip,
    };
    // smoltcp's emit never panics on a buffer of exactly buffer_len().
    let mut buffer = vec![0; ethernet.buffer_len() + arp.buffer_len()];
    let mut frame = EthernetFrame::new_unchecked(&mut buffer);
    ethernet.emit(&mut frame);
    arp.emit(&mut ArpPacket::new_unchecked(frame.payload_mut()));
    buffer
}

/// An unsolicited neighbour advertisement for `vip` from `mac` and `source`
/// to all nodes (RFC 4861 §7.2.6): Override set so neighbours replace the
/// cached MAC, Solicited clear, Router clear, and the Target Link-Layer
/// Address option carrying `mac`.
///
/// ```text
/// Ethernet: dst 33:33:00:00:00:01, src mac, EtherType 0x86dd
/// IPv6:     version 6, traffic class 0, flow 0, payload length 32,
///           next header 58 (ICMPv6), hop limit 255, source, ff02::1
/// ICMPv6 (RFC 4861 §4.4):
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Type 136    |   Code 0      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |R|S|O|                     Reserved                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   Target Address = vip (16 bytes)             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Type 2      |   Length 1    |  Link-Layer Address = mac ... |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// 86 bytes.
pub(crate) fn na_frame(mac: [u8; 6], source: Ipv6Addr, vip: Ipv6Addr) -> Vec<u8> {
    let mac = EthernetAddress(mac);
    let ethernet = EthernetRepr {
        src_addr: mac,
        dst_addr: ALL_NODES_MAC,
        ethertype: EthernetProtocol::Ipv6,
    };
    let icmp = Icmpv6Repr::Ndisc(NdiscRepr::NeighborAdvert {
        flags: NdiscNeighborFlags::OVERRIDE,
        target_addr: vip,
        lladdr: Some(mac.into()),
    });
    let ip = Ipv6Repr {
        src_addr: source,
        dst_addr: ALL_NODES,
        next_header: IpProtocol::Icmpv6,
        payload_len: icmp.buffer_len(),
        hop_limit: NDISC_HOP_LIMIT,
    };
    // smoltcp's emit never panics on a buffer of exactly buffer_len(); the
    // default checksum capabilities make it compute the ICMPv6 checksum.
    let mut buffer = vec![0; ethernet.buffer_len() + ip.buffer_len() + icmp.buffer_len()];
    let mut frame = EthernetFrame::new_unchecked(&mut buffer);
    ethernet.emit(&mut frame);
    let mut packet = Ipv6Packet::new_unchecked(frame.payload_mut());
    ip.emit(&mut packet);
    icmp.emit(
        &source,
        &ALL_NODES,
        &mut Icmpv6Packet::new_unchecked(packet.payload_mut()),
        &ChecksumCapabilities::default(),
    );
    buffer
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use smoltcp::wire::{NdiscRepr, RawHardwareAddress};
    use socket2::{Domain, Protocol, Socket, Type};

    use super::*;

    const MAC: [u8; 6] = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];

    /// RFC 1071 Internet checksum, written out independently of smoltcp.
    fn internet_checksum(chunks: &[&[u8]]) -> u16 {
        let bytes: Vec<u8> = chunks.concat();
        let mut sum: u32 = bytes
            .chunks(2)
            .map(|pair| u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)])))
            .sum();
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn arp_frame_is_an_rfc_826_request_for_the_vip() {
        let frame = arp_frame(MAC, Ipv4Addr::new(10, 0, 0, 100));
        #[rustfmt::skip]
        let expected: [u8; 42] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // destination: broadcast
            0x02, 0x11, 0x22, 0x33, 0x44, 0x55, // source: interface MAC
            0x08, 0x06,                         // EtherType: ARP
            0x00, 0x01,                         // hardware type: Ethernet
            0x08, 0x00,                         // protocol type: IPv4
            6,                                  // hardware address length
            4,                                  // protocol address length
            0x00, 0x01,                         // operation: request
            0x02, 0x11, 0x22, 0x33, 0x44, 0x55, // sender hardware address
            10, 0, 0, 100,                      // sender protocol address: VIP
            0, 0, 0, 0, 0, 0,                   // target hardware address: unknown
            10, 0, 0, 100,                      // target protocol address: VIP
        ];
        assert_eq!(frame, expected);

        let ethernet = EthernetFrame::new_checked(&frame[..]).unwrap();
        assert_eq!(
            EthernetRepr::parse(&ethernet).unwrap(),
            EthernetRepr {
                src_addr: EthernetAddress(MAC),
                dst_addr: EthernetAddress::BROADCAST,
                ethertype: EthernetProtocol::Arp,
            }
        );
        let arp = ArpPacket::new_checked(ethernet.payload()).unwrap();
        assert_eq!(
            ArpRepr::parse(&arp).unwrap(),
            ArpRepr::EthernetIpv4 {
                operation: ArpOperation::Request,
                source_hardware_addr: EthernetAddress(MAC),
                source_protocol_addr: Ipv4Addr::new(10, 0, 0, 100),
                target_hardware_addr: EthernetAddress([0; 6]),
                target_protocol_addr: Ipv4Addr::new(10, 0, 0, 100),
            }
        );
    }

    #[test]
    fn na_frame_is_an_rfc_4861_unsolicited_advert_for_the_vip() {
        let source: Ipv6Addr = "fe80::11:22ff:fe33:4455".parse().unwrap();
        let vip: Ipv6Addr = "fd00::100".parse().unwrap();
        let frame = na_frame(MAC, source, vip);

        #[rustfmt::skip]
        let mut icmp: Vec<u8> = vec![
            136, 0,                             // type: Neighbor Advertisement, code 0
            0, 0,                               // checksum, filled in below
            0b0010_0000, 0, 0, 0,               // R=0 S=0 O=1, reserved
        ];
        icmp.extend_from_slice(&vip.octets()); // target address
        icmp.extend_from_slice(&[2, 1]); // option: Target Link-Layer Address, 8 bytes
        icmp.extend_from_slice(&MAC);
        let upper_layer_length = u32::try_from(icmp.len()).unwrap().to_be_bytes();
        // RFC 8200 §8.1 pseudo-header: source, destination, length, next header.
        let checksum = internet_checksum(&[
            &source.octets(),
            &ALL_NODES.octets(),
            &upper_layer_length,
            &[0, 0, 0, 58],
            &icmp,
        ]);
        icmp[2..4].copy_from_slice(&checksum.to_be_bytes());

        #[rustfmt::skip]
        let mut expected: Vec<u8> = vec![
            0x33, 0x33, 0, 0, 0, 1,             // destination: all-nodes group
            0x02, 0x11, 0x22, 0x33, 0x44, 0x55, // source: interface MAC
            0x86, 0xdd,                         // EtherType: IPv6
            0x60, 0, 0, 0,                      // version 6, traffic class 0, flow 0
            0, 32,                              // payload length
            58,                                 // next header: ICMPv6
            255,                                // hop limit
        ];
        expected.extend_from_slice(&source.octets());
        expected.extend_from_slice(&[0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        expected.extend_from_slice(&icmp);
        assert_eq!(expected.len(), 86);
        assert_eq!(frame, expected);

        let ethernet = EthernetFrame::new_checked(&frame[..]).unwrap();
        assert_eq!(ethernet.dst_addr(), ALL_NODES_MAC);
        assert_eq!(ethernet.ethertype(), EthernetProtocol::Ipv6);
        let ip = Ipv6Packet::new_checked(ethernet.payload()).unwrap();
        assert_eq!(
            Ipv6Repr::parse(&ip).unwrap(),
            Ipv6Repr {
                src_addr: source,
                dst_addr: ALL_NODES,
                next_header: IpProtocol::Icmpv6,
                payload_len: 32,
                hop_limit: 255,
            }
        );
        let icmp = Icmpv6Packet::new_checked(ip.payload()).unwrap();
        assert!(icmp.verify_checksum(&source, &ALL_NODES));
        assert_eq!(
            Icmpv6Repr::parse(&source, &ALL_NODES, &icmp, &ChecksumCapabilities::default())
                .unwrap(),
            Icmpv6Repr::Ndisc(NdiscRepr::NeighborAdvert {
                flags: NdiscNeighborFlags::OVERRIDE,
                target_addr: vip,
                lladdr: Some(RawHardwareAddress::from_bytes(&MAC)),
            })
        );
    }

    #[test]
    fn na_frame_from_the_unspecified_address() {
        let vip: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let frame = na_frame(MAC, Ipv6Addr::UNSPECIFIED, vip);
        let ethernet = EthernetFrame::new_checked(&frame[..]).unwrap();
        let ip = Ipv6Packet::new_checked(ethernet.payload()).unwrap();
        assert_eq!(ip.src_addr(), Ipv6Addr::UNSPECIFIED);
        let icmp = Icmpv6Packet::new_checked(ip.payload()).unwrap();
        assert!(icmp.verify_checksum(&Ipv6Addr::UNSPECIFIED, &ALL_NODES));
    }

    // The tests below send real frames, always from inside lab namespaces.

    const A_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x0a, 0x01];
    const STALE_MAC: &str = "02:00:00:00:00:99";

    /// Two hosts on one segment; `a`'s eth0 has the fixed MAC [`A_MAC`].
    struct TwoHosts {
        a: netlab::Host,
        b: netlab::Host,
        _lan: netlab::Segment,
        _lab: netlab::Lab,
    }

    fn two_hosts(test: &str) -> Option<TwoHosts> {
        let lab = netlab::Lab::for_test(test, &[])?;
        let lan = lab.segment("lan").unwrap();
        let a = lab.host("a").unwrap();
        let b = lab.host("b").unwrap();
        lan.attach(&a, "eth0", &["10.0.0.1/24", "fd00::1/64"])
            .unwrap();
        lan.attach(&b, "eth0", &["10.0.0.2/24", "fd00::2/64"])
            .unwrap();
        a.run(&["ip", "link", "set", "eth0", "address", "02:00:00:00:0a:01"])
            .unwrap();
        Some(TwoHosts {
            a,
            b,
            _lan: lan,
            _lab: lab,
        })
    }

    fn open_eth0() -> Result<GarpSender, GarpError> {
        let ifindex = nix::net::if_::if_nametoindex("eth0").unwrap();
        GarpSender::open(ifindex, "eth0")
    }

    /// A packet socket in `host` receiving every frame of `ethertype`.
    fn capture(host: &netlab::Host, ethertype: i32) -> Socket {
        let protocol = Protocol::from(i32::from((ethertype as u16).to_be()));
        let socket = host
            .in_netns(|| Socket::new(Domain::PACKET, Type::RAW, Some(protocol)))
            .unwrap()
            .unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        socket
    }

    /// Waits up to five seconds for `expected` to arrive on `socket`, past
    /// whatever else the kernels send (router solicitations, MLD reports).
    fn wait_for_frame(socket: &Socket, expected: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut seen = Vec::new();
        let mut buffer = [0u8; 2048];
        while Instant::now() < deadline {
            match std::io::Read::read(&mut &*socket, &mut buffer) {
                Ok(len) if &buffer[..len] == expected => return,
                Ok(len) => seen.push(buffer[..len].to_vec()),
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(err) if err.kind() == std::io::ErrorKind::TimedOut => {}
                Err(err) => panic!("capture: {err}"),
            }
        }
        panic!("expected frame {expected:02x?} never arrived; saw {seen:02x?}");
    }

    /// Waits until `host`'s neighbour entry for `address` points at `A_MAC`.
    fn wait_for_neighbour(host: &netlab::Host, address: &str) {
        let a_mac = "02:00:00:00:0a:01";
        netlab::wait_until(
            &format!("{address} to move to {a_mac}"),
            Duration::from_secs(5),
            || {
                let entry = host.run_stdout(&["ip", "neigh", "show", address, "dev", "eth0"])?;
                Ok(entry.contains(a_mac))
            },
        )
        .unwrap();
    }

    #[test]
    fn gratuitous_arp_reaches_the_segment_and_moves_the_neighbour() {
        let Some(hosts) = two_hosts("garp_arp") else {
            return;
        };
        let vip = Ipv4Addr::new(10, 0, 0, 100);
        // b believes the VIP is elsewhere; Linux updates an existing entry on
        // a gratuitous ARP (without arp_accept it would not create one).
        hosts
            .b
            .run(&[
                "ip",
                "neigh",
                "replace",
                "10.0.0.100",
                "lladdr",
                STALE_MAC,
                "dev",
                "eth0",
                "nud",
                "stale",
            ])
            .unwrap();
        let socket = capture(&hosts.b, libc::ETH_P_ARP);

        let mac = hosts
            .a
            .in_netns(|| {
                let sender = open_eth0()?;
                sender.send_arp(vip)?;
                Ok::<_, GarpError>(sender.mac())
            })
            .unwrap()
            .unwrap();

        assert_eq!(mac, A_MAC);
        wait_for_frame(&socket, &arp_frame(A_MAC, vip));
        wait_for_neighbour(&hosts.b, "10.0.0.100");
    }

    #[test]
    fn unsolicited_na_reaches_the_segment_and_moves_the_neighbour() {
        let Some(hosts) = two_hosts("garp_na") else {
            return;
        };
        let vip: Ipv6Addr = "fd00::100".parse().unwrap();
        let a_link_local = hosts
            .a
            .addresses()
            .unwrap()
            .into_iter()
            .find_map(|entry| match entry.address {
                IpAddr::V6(address)
                    if entry.interface == "eth0" && address.is_unicast_link_local() =>
                {
                    Some(address)
                }
                _ => None,
            })
            .unwrap();
        hosts
            .b
            .run(&[
                "ip",
                "neigh",
                "replace",
                "fd00::100",
                "lladdr",
                STALE_MAC,
                "dev",
                "eth0",
                "nud",
                "stale",
            ])
            .unwrap();
        let socket = capture(&hosts.b, libc::ETH_P_IPV6);

        hosts
            .a
            .in_netns(|| open_eth0()?.send_na(vip, None))
            .unwrap()
            .unwrap();

        // Sent from eth0's link-local address, found by the sender itself.
        wait_for_frame(&socket, &na_frame(A_MAC, a_link_local, vip));
        wait_for_neighbour(&hosts.b, "fd00::100");
    }

    #[test]
    fn na_from_an_explicit_source() {
        let Some(hosts) = two_hosts("garp_na_source") else {
            return;
        };
        let vip: Ipv6Addr = "fd00::101".parse().unwrap();
        let source: Ipv6Addr = "fd00::1".parse().unwrap();
        let socket = capture(&hosts.b, libc::ETH_P_IPV6);
        hosts
            .a
            .in_netns(|| open_eth0()?.send_na(vip, Some(source)))
            .unwrap()
            .unwrap();
        wait_for_frame(&socket, &na_frame(A_MAC, source, vip));
    }

    #[test]
    fn open_refuses_unknown_and_non_ethernet_interfaces() {
        let Some(hosts) = two_hosts("garp_open") else {
            return;
        };
        hosts
            .a
            .in_netns(|| {
                let eth0 = nix::net::if_::if_nametoindex("eth0").unwrap();
                assert!(matches!(
                    GarpSender::open(eth0, "eth1"),
                    Err(GarpError::NoSuchInterface { ifindex, .. }) if ifindex == eth0
                ));
                assert!(matches!(
                    GarpSender::open(eth0 + 100, "eth0"),
                    Err(GarpError::NoSuchInterface { .. })
                ));
                let lo = nix::net::if_::if_nametoindex("lo").unwrap();
                let err = GarpSender::open(lo, "lo").unwrap_err();
                assert!(
                    matches!(err, GarpError::NotEthernet { hatype: 772, .. }),
                    "{err}"
                );
            })
            .unwrap();
    }
}
