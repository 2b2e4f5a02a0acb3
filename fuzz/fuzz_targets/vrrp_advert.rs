//! Any bytes as a VRRP advertisement from any source to any destination:
//! `Packet::new_checked` and `AdvertRepr::parse` must answer with a typed
//! error, never a panic, in both checksum modes. What parses must pass
//! `AdvertRepr::check`, emit into exactly as many bytes, read back equal, and
//! differ from the input only where the RFCs say a receiver ignores bits.
//!
//! Input layout (so that seeds are easy to write and libFuzzer can mutate the
//! packet alone):
//! - byte 0, flags: bit 0 IPv6 source, bit 1 destination of the other family,
//!   bit 2 recompute the checksum before parsing (else random checksums stop
//!   almost every input at the checksum), bit 3 recompute it without the
//!   pseudo-header (`v3_checksum_as_v2`);
//! - bytes 1..17 the source address, 17..33 the destination (IPv4 takes the
//!   first 4 bytes);
//! - the rest is the IP payload.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use vrrp_proto::wire::{AUTH_DATA_LEN, AdvertRepr, ChecksumMode, HmacKey, Packet, Version, verify};

fn address(ipv6: bool, bytes: &[u8; 16]) -> IpAddr {
    if ipv6 {
        IpAddr::V6(Ipv6Addr::from(*bytes))
    } else {
        IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))
    }
}

fuzz_target!(|data: &[u8]| {
    let mut head = [0u8; 33];
    let split = data.len().min(head.len());
    head[..split].copy_from_slice(&data[..split]);
    let flags = head[0];
    let ipv6 = flags & 1 != 0;
    let src = address(ipv6, head[1..17].try_into().unwrap());
    let dst = address(ipv6 ^ (flags & 2 != 0), head[17..33].try_into().unwrap());
    let mut bytes = data[split..].to_vec();
    let fix_mode = if flags & 8 != 0 {
        ChecksumMode::V3AsV2
    } else {
        ChecksumMode::Standard
    };
    if flags & 4 != 0 && bytes.len() >= 8 {
        Packet::new_unchecked(&mut bytes[..]).fill_checksum(src, dst, fix_mode);
    }
    let key = HmacKey::new(1, b"fuzz");

    for mode in [ChecksumMode::Standard, ChecksumMode::V3AsV2] {
        let Ok(packet) = Packet::new_checked(&bytes[..]) else {
            return;
        };
        let _ = verify(&packet, src, dst, &key);
        let Ok(repr) = AdvertRepr::parse(&packet, src, dst, mode) else {
            continue;
        };
        assert_eq!(repr.check(src, dst), Ok(()), "{repr:?}");
        assert_eq!(repr.buffer_len(), bytes.len(), "{repr:?}");

        let mut emitted = vec![0xa5; repr.buffer_len()];
        repr.emit(&mut Packet::new_unchecked(&mut emitted[..]), src, dst, mode);
        let again = AdvertRepr::parse(&Packet::new_checked(&emitted[..]).unwrap(), src, dst, mode);
        assert_eq!(again.as_ref(), Ok(&repr));

        // The input with what a receiver ignores cleared: VRRPv3's reserved
        // bits (RFC 5798 §5.2.6), VRRPv2's authentication data unless PASS
        // (RFC 3768 §5.3.10), and the checksum recomputed over that.
        let mut canonical = bytes.clone();
        match repr.version {
            Version::V3 => canonical[4] &= 0x0f,
            Version::V2 => {
                if canonical[4] != 1 {
                    let start = 8 + 4 * usize::from(canonical[3]);
                    canonical[start..start + AUTH_DATA_LEN].fill(0);
                }
            }
        }
        Packet::new_unchecked(&mut canonical[..]).fill_checksum(src, dst, mode);
        assert_eq!(emitted, canonical, "{repr:?}");
    }
});
