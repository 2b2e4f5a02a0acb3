//! Golden advertisements: bytes that keepalived 2.2.7 sent, parsed to the
//! expected [`AdvertRepr`], emitted back byte for byte into a buffer
//! pre-filled with 0xa5 (so an unwritten byte shows), and cut short.
//!
//! The vectors live in `tests/data/*.hex`; each says how it was captured.
//! `keepalived_still_sends_the_golden_bytes` captures them again from a real
//! keepalived in a netlab host and compares; with `VRRP_GOLDEN_REGENERATE=1`
//! it rewrites the files instead.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use netlab::peers::keepalived::{self, Keepalived, VrrpInstance};
use netlab::{Host, Lab};
use socket2::{Domain, Protocol, Socket, Type};
use vrrp_proto::wire::{
    AdvertRepr, Auth, ChecksumMode, HmacKey, HmacTrailer, Packet, ReplayWindow, Version, WireError,
    sign, verify,
};

/// The keepalived host's addresses; the capturing host has .2 and ::2.
const KA_V4: &str = "10.0.0.1";
const KA_LL: &str = "fe80::1";
const CAP_V4: &str = "10.0.0.2";
const CAP_LL: &str = "fe80::2";
const MCAST_V4: &str = "224.0.0.18";
const MCAST_V6: &str = "ff02::12";

/// One captured advertisement: the keepalived instance that sent it and what
/// it must parse to.
struct Golden {
    /// File stem under tests/data.
    name: &'static str,
    title: &'static str,
    instance: fn() -> VrrpInstance,
    src: &'static str,
    dst: &'static str,
    /// The destination keepalived put into the pseudo-header, when not `dst`.
    pseudo_dst: Option<&'static str>,
    /// How keepalived computed the checksum.
    mode: ChecksumMode,
    expected: fn() -> AdvertRepr,
}

impl Golden {
    /// The destination address that the checksum covers.
    fn checksum_dst(&self) -> IpAddr {
        ip(self.pseudo_dst.unwrap_or(self.dst))
    }
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn instance(name: &str, vrid: u8, priority: u8, vips: &[&str]) -> VrrpInstance {
    let mut instance = VrrpInstance::new(name, "eth0", vrid, priority);
    instance.state = "MASTER".into();
    for vip in vips {
        instance = instance.vip(vip);
    }
    instance
}

const GOLDEN: &[Golden] = &[
    Golden {
        name: "keepalived-2.2.7-v2-ipv4-pass-multicast",
        title: "VRRPv2, IPv4, PASS authentication, multicast",
        instance: || {
            let mut i = instance("V2_PASS", 51, 150, &["10.0.0.100/24"]);
            i.auth_pass = Some("secret".into());
            i
        },
        src: KA_V4,
        dst: MCAST_V4,
        pseudo_dst: None,
        mode: ChecksumMode::Standard,
        expected: || AdvertRepr {
            version: Version::V2,
            vrid: 51,
            priority: 150,
            advert_int_cs: 100,
            auth: Auth::Simple(*b"secret\0\0"),
            addresses: vec![ip("10.0.0.100")],
            hmac: None,
        },
    },
    Golden {
        name: "keepalived-2.2.7-v3-ipv4-multicast",
        title: "VRRPv3, IPv4, multicast, 0.5 s interval, two addresses",
        instance: || {
            let mut i = instance("V3_V4", 52, 120, &["10.0.0.101/24", "10.0.0.102/24"]);
            i.version = Some(3);
            i.advert_int = 0.5;
            i
        },
        src: KA_V4,
        dst: MCAST_V4,
        pseudo_dst: None,
        mode: ChecksumMode::Standard,
        expected: || AdvertRepr {
            version: Version::V3,
            vrid: 52,
            priority: 120,
            advert_int_cs: 50,
            auth: Auth::None,
            addresses: vec![ip("10.0.0.101"), ip("10.0.0.102")],
            hmac: None,
        },
    },
    Golden {
        name: "keepalived-2.2.7-v3-ipv6-multicast",
        title: "VRRPv3, IPv6, multicast, two addresses",
        instance: || {
            let mut i = instance("V3_V6", 53, 200, &["fd00::100/64", "fd00::101/64"]);
            i.version = Some(3);
            i
        },
        src: KA_LL,
        dst: MCAST_V6,
        pseudo_dst: None,
        mode: ChecksumMode::Standard,
        expected: || AdvertRepr {
            version: Version::V3,
            vrid: 53,
            priority: 200,
            advert_int_cs: 100,
            auth: Auth::None,
            addresses: vec![ip("fd00::100"), ip("fd00::101")],
            hmac: None,
        },
    },
    Golden {
        name: "keepalived-2.2.7-v3-ipv4-unicast",
        title: "VRRPv3, IPv4, unicast to one peer, 2 s interval",
        instance: || {
            let mut i = instance("V3_UNICAST", 54, 100, &["10.0.0.104/24"]);
            i.version = Some(3);
            i.advert_int = 2.0;
            i.unicast_src_ip = Some(KA_V4.into());
            i.unicast_peers = vec![CAP_V4.into()];
            i
        },
        src: KA_V4,
        dst: CAP_V4,
        pseudo_dst: None,
        mode: ChecksumMode::Standard,
        expected: || AdvertRepr {
            version: Version::V3,
            vrid: 54,
            priority: 100,
            advert_int_cs: 200,
            auth: Auth::None,
            addresses: vec![ip("10.0.0.104")],
            hmac: None,
        },
    },
    Golden {
        name: "keepalived-2.2.7-v3-ipv4-unicast-old-checksum",
        title: "VRRPv3, IPv4, unicast, old_unicast_checksum (multicast group in the pseudo-header)",
        instance: || {
            let mut i = instance("V3_OLD_CSUM", 55, 254, &["10.0.0.105/24"]);
            i.version = Some(3);
            i.unicast_src_ip = Some(KA_V4.into());
            i.unicast_peers = vec![CAP_V4.into()];
            i.extra = vec!["old_unicast_checksum".into()];
            i
        },
        src: KA_V4,
        dst: CAP_V4,
        // keepalived < 2.0 (and 2.x with `old_unicast_checksum`) put the
        // multicast group, not the peer, into the pseudo-header: a receiver
        // reads such packets by passing the group as `dst`.
        pseudo_dst: Some(MCAST_V4),
        mode: ChecksumMode::Standard,
        expected: || AdvertRepr {
            version: Version::V3,
            vrid: 55,
            priority: 254,
            advert_int_cs: 100,
            auth: Auth::None,
            addresses: vec![ip("10.0.0.105")],
            hmac: None,
        },
    },
];

/// A vector file: `#` comments, `src ADDR`, `dst ADDR`, then hex bytes.
struct Vector {
    src: IpAddr,
    dst: IpAddr,
    bytes: Vec<u8>,
}

fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/{name}.hex"))
}

fn load(name: &str) -> Vector {
    let path = data_path(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let (mut src, mut dst, mut bytes) = (None, None, Vec::new());
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        } else if let Some(addr) = line.strip_prefix("src ") {
            src = Some(ip(addr));
        } else if let Some(addr) = line.strip_prefix("dst ") {
            dst = Some(ip(addr));
        } else {
            for byte in line.split_whitespace() {
                bytes.push(u8::from_str_radix(byte, 16).unwrap());
            }
        }
    }
    Vector {
        src: src.expect("a src line"),
        dst: dst.expect("a dst line"),
        bytes,
    }
}

fn parse(
    bytes: &[u8],
    src: IpAddr,
    dst: IpAddr,
    mode: ChecksumMode,
) -> Result<AdvertRepr, WireError> {
    AdvertRepr::parse(&Packet::new_checked(bytes)?, src, dst, mode)
}

#[test]
fn golden_vectors_parse_and_emit_byte_for_byte() {
    for golden in GOLDEN {
        let vector = load(golden.name);
        assert_eq!((vector.src, vector.dst), (ip(golden.src), ip(golden.dst)));
        let expected = (golden.expected)();
        let dst = golden.checksum_dst();
        let parsed = parse(&vector.bytes, vector.src, dst, golden.mode)
            .unwrap_or_else(|err| panic!("{}: {err}", golden.name));
        assert_eq!(parsed, expected, "{}", golden.name);

        assert_eq!(expected.buffer_len(), vector.bytes.len(), "{}", golden.name);
        let mut buffer = vec![0xa5; expected.buffer_len()];
        expected.emit(
            &mut Packet::new_unchecked(&mut buffer[..]),
            vector.src,
            dst,
            golden.mode,
        );
        assert_eq!(
            buffer, vector.bytes,
            "{}: emitted bytes differ",
            golden.name
        );
    }
}

#[test]
fn truncated_golden_vectors_are_errors() {
    for golden in GOLDEN {
        let vector = load(golden.name);
        let whole = vector.bytes.len();
        let dst = golden.checksum_dst();
        assert_eq!(
            parse(&vector.bytes[..whole - 1], vector.src, dst, golden.mode),
            Err(WireError::Truncated),
            "{}",
            golden.name
        );
        for len in 0..whole {
            assert!(
                parse(&vector.bytes[..len], vector.src, dst, golden.mode).is_err(),
                "{}: {len} bytes parsed",
                golden.name
            );
        }
    }
}

#[test]
fn checksums_tell_the_vectors_apart() {
    let bad_checksum = |golden: &Golden, dst: IpAddr, mode: ChecksumMode| {
        let vector = load(golden.name);
        let result = parse(&vector.bytes, vector.src, dst, mode);
        assert!(
            matches!(result, Err(WireError::BadChecksum { .. })),
            "{}: {result:?}",
            golden.name
        );
    };
    for golden in GOLDEN.iter().filter(|g| g.name.contains("-v3-")) {
        // keepalived 2.2.7 puts the pseudo-header into VRRPv3 checksums (for
        // IPv6 the kernel computes it), so `v3_checksum_as_v2` reads fail.
        bad_checksum(golden, golden.checksum_dst(), ChecksumMode::V3AsV2);
        // The pseudo-header binds the destination.
        let other = if golden.pseudo_dst.is_some() {
            ip(golden.dst)
        } else if golden.dst == MCAST_V4 {
            ip(CAP_V4)
        } else if golden.dst == MCAST_V6 {
            ip(CAP_LL)
        } else {
            ip(MCAST_V4)
        };
        bad_checksum(golden, other, ChecksumMode::Standard);
    }
    // VRRPv2's checksum has no pseudo-header: the mode and addresses do not
    // matter.
    let v2 = load(GOLDEN[0].name);
    assert!(parse(&v2.bytes, v2.src, v2.dst, ChecksumMode::V3AsV2).is_ok());
    assert!(parse(&v2.bytes, v2.src, ip(CAP_V4), ChecksumMode::Standard).is_ok());
}

/// Gives `host` its addresses with a fixed IPv6 link-local one (fe80::N
/// instead of one made from the random veth MAC), so that keepalived's IPv6
/// source address, and with it the checksum, is the same on every run.
fn configure(host: &Host, v4: &str, link_local: &str) {
    for argv in [
        vec!["ip", "link", "set", "eth0", "down"],
        vec!["ip", "link", "set", "eth0", "addrgenmode", "none"],
        vec!["ip", "link", "set", "eth0", "up"],
        vec!["ip", "addr", "add", v4, "dev", "eth0"],
        vec![
            "ip", "-6", "addr", "add", link_local, "dev", "eth0", "nodad",
        ],
    ] {
        host.run(&argv).unwrap();
    }
}

/// Raw VRRP sockets inside the capturing host, joined to both groups.
fn open_sockets(host: &Host) -> (UdpSocket, UdpSocket) {
    let ifindex: u32 = host
        .run_stdout(&["cat", "/sys/class/net/eth0/ifindex"])
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    host.in_netns(move || {
        let v4 = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(112))).unwrap();
        v4.join_multicast_v4(&MCAST_V4.parse().unwrap(), &CAP_V4.parse().unwrap())
            .unwrap();
        let v6 = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::from(112))).unwrap();
        v6.join_multicast_v6(&MCAST_V6.parse().unwrap(), ifindex)
            .unwrap();
        // A raw socket reads like a datagram socket; std's type saves the
        // `MaybeUninit` buffers of socket2's own calls.
        let (v4, v6) = (UdpSocket::from(v4), UdpSocket::from(v6));
        for socket in [&v4, &v6] {
            socket
                .set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
        }
        (v4, v6)
    })
    .unwrap()
}

/// Reads advertisements until one of each VRID in `wanted` came in, keyed
/// by VRID: (src, dst, VRRP payload).
fn capture(
    v4: &UdpSocket,
    v6: &UdpSocket,
    wanted: &[u8],
    timeout: Duration,
) -> BTreeMap<u8, (IpAddr, IpAddr, Vec<u8>)> {
    let mut captured = BTreeMap::new();
    let start = Instant::now();
    let mut buffer = [0u8; 65_536];
    while wanted.iter().any(|vrid| !captured.contains_key(vrid)) {
        assert!(
            start.elapsed() < timeout,
            "only VRIDs {:?} of {wanted:?} seen in {timeout:?}",
            captured.keys().collect::<Vec<_>>()
        );
        // IPv4 raw sockets return the IP header too.
        if let Ok(len) = v4.recv(&mut buffer) {
            let ihl = usize::from(buffer[0] & 0x0f) * 4;
            let addr = |at: usize| {
                IpAddr::V4(Ipv4Addr::new(
                    buffer[at],
                    buffer[at + 1],
                    buffer[at + 2],
                    buffer[at + 3],
                ))
            };
            let (src, dst) = (addr(12), addr(16));
            if len > ihl + 1 {
                let payload = buffer[ihl..len].to_vec();
                captured.entry(payload[1]).or_insert((src, dst, payload));
            }
        }
        // IPv6 raw sockets return the payload alone.
        if let Ok((len, SocketAddr::V6(from))) = v6.recv_from(&mut buffer) {
            if len > 1 {
                let dst = IpAddr::V6(MCAST_V6.parse::<Ipv6Addr>().unwrap());
                let payload = buffer[..len].to_vec();
                captured
                    .entry(payload[1])
                    .or_insert((IpAddr::V6(*from.ip()), dst, payload));
            }
        }
    }
    captured
}

fn render(golden: &Golden, config: &str, src: IpAddr, dst: IpAddr, bytes: &[u8]) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "# {}", golden.title);
    let _ = writeln!(
        text,
        "#\n# Sent by keepalived v2.2.7 (the Debian 12 package), captured by\n\
         # crates/vrrp-proto/tests/golden.rs (keepalived_still_sends_the_golden_bytes;\n\
         # VRRP_GOLDEN_REGENERATE=1 rewrites this file). keepalived ran in a netlab\n\
         # host (eth0 {KA_V4}/24, {KA_LL}/64) with all five golden instances in one\n\
         # config; a raw IP socket (protocol 112) in a second host on the same\n\
         # bridge ({CAP_V4}/24, {CAP_LL}/64) received the first advertisement of\n\
         # this instance. The bytes are the IP payload, i.e. the VRRP PDU.\n#\n\
         # The instance:"
    );
    for line in config.lines() {
        let _ = writeln!(text, "#   {line}");
    }
    if let Some(pseudo_dst) = golden.pseudo_dst {
        let _ = writeln!(
            text,
            "#\n# The checksum's pseudo-header has {pseudo_dst} as its destination, not {dst}."
        );
    }
    let _ = writeln!(text, "src {src}\ndst {dst}");
    for line in bytes.chunks(8) {
        let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(text, "{}", hex.join(" "));
    }
    text
}

#[test]
fn keepalived_still_sends_the_golden_bytes() {
    let Some(lab) = Lab::for_test("vrrp-golden", &["keepalived"]) else {
        return;
    };
    let lan = lab.segment("lan").unwrap();
    let (ka, cap) = (lab.host("ka").unwrap(), lab.host("cap").unwrap());
    lan.attach(&ka, "eth0", &[]).unwrap();
    lan.attach(&cap, "eth0", &[]).unwrap();
    configure(&ka, &format!("{KA_V4}/24"), &format!("{KA_LL}/64"));
    configure(&cap, &format!("{CAP_V4}/24"), &format!("{CAP_LL}/64"));

    let instances: Vec<VrrpInstance> = GOLDEN.iter().map(|g| (g.instance)()).collect();
    let config = keepalived::config("golden", &instances);
    let path = lab.path("check.conf");
    std::fs::write(&path, &config).unwrap();
    let verdict = keepalived::config_test(&path).unwrap();
    assert!(
        verdict.success && verdict.diagnostics.trim().is_empty(),
        "{}",
        verdict.diagnostics
    );

    let (v4, v6) = open_sockets(&cap);
    let mut keepalived = Keepalived::start(&ka, &config).unwrap();
    let vrids: Vec<u8> = instances.iter().map(|i| i.vrid).collect();
    let captured = capture(&v4, &v6, &vrids, Duration::from_secs(20));
    let log = keepalived.process().log();

    let regenerate = std::env::var_os("VRRP_GOLDEN_REGENERATE").is_some_and(|v| v == "1");
    for (golden, instance) in GOLDEN.iter().zip(&instances) {
        let (src, dst, bytes) = &captured[&instance.vrid];
        assert_eq!(
            (*src, *dst),
            (ip(golden.src), ip(golden.dst)),
            "{}",
            golden.name
        );
        if regenerate {
            let text = render(golden, &instance.render(), *src, *dst, bytes);
            std::fs::write(data_path(golden.name), text).unwrap();
            eprintln!("rewrote {}", data_path(golden.name).display());
        } else {
            assert_eq!(
                bytes,
                &load(golden.name).bytes,
                "{}: keepalived now sends other bytes\nkeepalived log:\n{log}",
                golden.name
            );
        }
    }
}

/// keepalived-rs's HMAC trailer, frozen: two of keepalived's adverts above,
/// signed by `sign` with a fixed key and sequence number. The format is ours
/// (no other implementation exists), so these vectors guard it against an
/// accidental change; `VRRP_GOLDEN_REGENERATE=1` rewrites them.
#[test]
fn hmac_trailer_vectors() {
    const SECRET: &[u8] = b"keepalived-rs golden key";
    const KEY_ID: u8 = 7;
    const SEQUENCE: u64 = 1_764_000_000_000_000; // microseconds since 1970
    let key = HmacKey::new(KEY_ID, SECRET);
    let regenerate = std::env::var_os("VRRP_GOLDEN_REGENERATE").is_some_and(|v| v == "1");
    for (name, golden) in [
        ("keepalived-rs-v2-ipv4-pass-hmac", &GOLDEN[0]),
        ("keepalived-rs-v3-ipv6-hmac", &GOLDEN[2]),
    ] {
        let (src, dst) = (ip(golden.src), golden.checksum_dst());
        let mut repr = (golden.expected)();
        sign(&mut repr, &key, SEQUENCE, src, dst);
        let mut bytes = vec![0xa5; repr.buffer_len()];
        repr.emit(
            &mut Packet::new_unchecked(&mut bytes[..]),
            src,
            dst,
            golden.mode,
        );
        if regenerate {
            let mut text = format!(
                "# {} with keepalived-rs's HMAC trailer\n#\n\
                 # Produced by crates/vrrp-proto/tests/golden.rs (hmac_trailer_vectors):\n\
                 # the advert of {}.hex, signed by vrrp_proto::wire::sign with\n\
                 # key id {KEY_ID}, secret {:?}, sequence {SEQUENCE},\n\
                 # then emitted. The last 28 bytes are the trailer.\n",
                golden.title,
                golden.name,
                String::from_utf8_lossy(SECRET),
            );
            text.push_str(&format!("src {src}\ndst {dst}\n"));
            for line in bytes.chunks(8) {
                let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
                text.push_str(&hex.join(" "));
                text.push('\n');
            }
            std::fs::write(data_path(name), text).unwrap();
            continue;
        }
        let vector = load(name);
        assert_eq!(bytes, vector.bytes, "{name}: sign/emit changed the bytes");
        let packet = Packet::new_checked(&vector.bytes[..]).unwrap();
        let parsed = AdvertRepr::parse(&packet, src, dst, golden.mode).unwrap();
        assert_eq!(parsed, repr);
        let trailer = verify(&packet, src, dst, &key).unwrap();
        assert_eq!(
            trailer,
            HmacTrailer {
                key_id: KEY_ID,
                sequence: SEQUENCE,
                mac: repr.hmac.unwrap().mac
            }
        );
        let mut window = ReplayWindow::new(8);
        assert!(window.accept(trailer.sequence).is_ok());
        assert!(window.accept(trailer.sequence).is_err(), "a replay");
        // Without the trailer, the PDU is keepalived's advert again.
        let pdu = &vector.bytes[..vector.bytes.len() - 28];
        assert_eq!(pdu[..6], load(golden.name).bytes[..6]);
        assert_eq!(pdu[8..], load(golden.name).bytes[8..]);
    }
}
