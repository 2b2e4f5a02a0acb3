//! Property tests: every valid repr reads back as itself, any bytes parse
//! without panicking, and the checksum catches any one changed byte.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::{AdvertRepr, Auth, ChecksumMode, HmacTrailer, MAC_LEN, Packet, Version, WireError};

fn v4() -> impl Strategy<Value = IpAddr> {
    any::<[u8; 4]>().prop_map(|octets| IpAddr::V4(Ipv4Addr::from(octets)))
}

fn v6() -> impl Strategy<Value = IpAddr> {
    any::<[u8; 16]>().prop_map(|octets| IpAddr::V6(Ipv6Addr::from(octets)))
}

fn mode() -> impl Strategy<Value = ChecksumMode> {
    prop_oneof![Just(ChecksumMode::Standard), Just(ChecksumMode::V3AsV2)]
}

fn hmac() -> impl Strategy<Value = Option<HmacTrailer>> {
    proptest::option::of(
        (any::<u8>(), any::<u64>(), any::<[u8; MAC_LEN]>()).prop_map(|(key_id, sequence, mac)| {
            HmacTrailer {
                key_id,
                sequence,
                mac,
            }
        }),
    )
}

/// A valid advertisement with its source and destination addresses.
fn valid() -> impl Strategy<Value = (AdvertRepr, IpAddr, IpAddr)> {
    let v2 = (
        1..=255u8,
        any::<u8>(),
        1..=255u16,
        prop_oneof![
            Just(Auth::None),
            any::<[u8; 8]>().prop_map(Auth::Simple),
            Just(Auth::Ah),
            (3..=255u8).prop_map(Auth::Unknown),
        ],
        proptest::collection::vec(v4(), 0..=255),
        hmac(),
        v4(),
        v4(),
    )
        .prop_map(|(vrid, priority, secs, auth, addresses, hmac, src, dst)| {
            let repr = AdvertRepr {
                version: Version::V2,
                vrid,
                priority,
                advert_int_cs: secs * 100,
                auth,
                addresses,
                hmac,
            };
            (repr, src, dst)
        });
    let v3 = (1..=255u8, any::<u8>(), 1..=0x0fffu16, any::<bool>(), hmac()).prop_flat_map(
        |(vrid, priority, cs, ipv6, hmac)| {
            let address = if ipv6 { v6().boxed() } else { v4().boxed() };
            (
                proptest::collection::vec(address.clone(), 0..=255),
                address.clone(),
                address,
            )
                .prop_map(move |(addresses, src, dst)| {
                    let repr = AdvertRepr {
                        version: Version::V3,
                        vrid,
                        priority,
                        advert_int_cs: cs,
                        auth: Auth::None,
                        addresses,
                        hmac,
                    };
                    (repr, src, dst)
                })
        },
    );
    prop_oneof![v2, v3]
}

fn emit(repr: &AdvertRepr, src: IpAddr, dst: IpAddr, mode: ChecksumMode, fill: u8) -> Vec<u8> {
    let mut bytes = vec![fill; repr.buffer_len()];
    repr.emit(&mut Packet::new_unchecked(&mut bytes[..]), src, dst, mode);
    bytes
}

fn parse(
    bytes: &[u8],
    src: IpAddr,
    dst: IpAddr,
    mode: ChecksumMode,
) -> Result<AdvertRepr, WireError> {
    AdvertRepr::parse(&Packet::new_checked(bytes)?, src, dst, mode)
}

proptest! {
    #[test]
    fn valid_reprs_round_trip((repr, src, dst) in valid(), mode in mode()) {
        prop_assert_eq!(repr.check(src, dst), Ok(()));
        let bytes = emit(&repr, src, dst, mode, 0xa5);
        prop_assert_eq!(bytes.len(), repr.buffer_len());
        // Every byte is written: the fill does not show through.
        prop_assert_eq!(&bytes, &emit(&repr, src, dst, mode, 0x00));
        prop_assert_eq!(parse(&bytes, src, dst, mode), Ok(repr));
    }

    #[test]
    fn one_changed_byte_is_always_caught(
        (repr, src, dst) in valid(),
        mode in mode(),
        index in any::<proptest::sample::Index>(),
        xor in 1..=255u8,
    ) {
        let mut bytes = emit(&repr, src, dst, mode, 0);
        let i = index.index(bytes.len());
        bytes[i] ^= xor;
        // A changed checksum field is a checksum error too; any other byte
        // moves the one's-complement sum by less than 0xffff, which the
        // checksum always notices (or the header check before it).
        prop_assert!(parse(&bytes, src, dst, mode).is_err());
    }

    #[test]
    fn any_bytes_parse_without_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        (src, dst) in prop_oneof![(v4(), v4()), (v6(), v6()), (v4(), v6())],
        mode in mode(),
        fix_checksum in any::<bool>(),
    ) {
        let mut bytes = bytes;
        if fix_checksum && bytes.len() >= 8 {
            Packet::new_unchecked(&mut bytes[..]).fill_checksum(src, dst, mode);
        }
        if let Ok(repr) = parse(&bytes, src, dst, mode) {
            let again = emit(&repr, src, dst, mode, 0xa5);
            prop_assert_eq!(parse(&again, src, dst, mode), Ok(repr));
        }
    }

    #[test]
    fn plausible_headers_parse_without_panic(
        version in 0..16u8,
        count in any::<u8>(),
        body in proptest::collection::vec(any::<u8>(), 0..120),
        (src, dst) in prop_oneof![(v4(), v4()), (v6(), v6())],
        mode in mode(),
    ) {
        // Version 2/3 and type 1 mostly, so parsing gets past the header.
        let mut bytes = vec![(version << 4) | 1, 1, 100, count, 1, 1, 0, 0];
        bytes.extend_from_slice(&body);
        Packet::new_unchecked(&mut bytes[..]).fill_checksum(src, dst, mode);
        if let Ok(repr) = parse(&bytes, src, dst, mode) {
            prop_assert_eq!(repr.buffer_len(), bytes.len());
            prop_assert_eq!(emit(&repr, src, dst, mode, 0xa5).len(), bytes.len());
        }
    }
}
