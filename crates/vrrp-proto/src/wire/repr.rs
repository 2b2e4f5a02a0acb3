//! The owned, validated advertisement: [`AdvertRepr`].

use std::net::IpAddr;

use super::packet::{ADVERTISEMENT, AUTH_DATA_LEN, HEADER_LEN, Packet};
use super::trailer::{HmacTrailer, TRAILER_LEN};
use super::{AddressFamily, Auth, ChecksumMode, Version, WireError};

/// The most VRRPv2 can say: 255 seconds.
const V2_MAX_INTERVAL_CS: u16 = 255 * 100;

/// The most VRRPv3's 12-bit field can say: 40.95 seconds.
const V3_MAX_INTERVAL_CS: u16 = 0x0fff;

/// An advertisement (RFC 3768 §5, RFC 5798 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvertRepr {
    /// Version 2 or 3.
    pub version: Version,
    /// Virtual router id, 1 to 255.
    pub vrid: u8,
    /// Priority: 255 for the address owner, 0 for a master that is leaving.
    pub priority: u8,
    /// Advertisement interval in centiseconds. VRRPv2 sends whole seconds (1
    /// to 255), stored here ×100; VRRPv3 sends 1 to 4095 centiseconds.
    pub advert_int_cs: u16,
    /// VRRPv2 authentication; always [`Auth::None`] for VRRPv3.
    pub auth: Auth,
    /// The virtual addresses (up to 255), all of the family of the packet's
    /// source address. Possibly none: keepalived allows an instance whose
    /// addresses are all excluded from adverts.
    pub addresses: Vec<IpAddr>,
    /// keepalived-rs's HMAC trailer, if the packet has one. Verify it with
    /// [`crate::wire::verify`]; fill it in with [`crate::wire::sign`].
    pub hmac: Option<HmacTrailer>,
}

impl AdvertRepr {
    /// Reads and validates an advertisement received from `src` for `dst`
    /// (the IP header's addresses: they choose the address family and feed
    /// the VRRPv3 pseudo-header checksum).
    ///
    /// The checks, in order: the fixed header is there; version 2 or 3 (RFC
    /// 5798 §7.1 "MUST verify the VRRP version"); type 1 (§5.2.2 "unknown type
    /// MUST be discarded"); `src` and `dst` of one family, IPv4 for VRRPv2;
    /// the payload holds the whole PDU (§7.1 "MUST verify that the received
    /// packet contains the complete VRRP packet") and nothing else but an
    /// HMAC trailer; the checksum (§7.1, §5.2.8; RFC 3768 §7.1, §5.3.8); a
    /// VRID of 1 to 255 (§5.2.3); a non-zero interval. The reserved bits of
    /// VRRPv3 are ignored (§5.2.6), as is VRRPv2's authentication data for
    /// types other than PASS (RFC 3768 §5.3.10).
    ///
    /// Whether the VRID, priority, interval, authentication or addresses are
    /// the ones configured is for the state machine to decide. Never panics.
    pub fn parse<T: AsRef<[u8]>>(
        packet: &Packet<T>,
        src: IpAddr,
        dst: IpAddr,
        checksum: ChecksumMode,
    ) -> Result<AdvertRepr, WireError> {
        packet.check_len()?;
        let number = packet.version_number();
        let version = Version::from_number(number).ok_or(WireError::BadVersion(number))?;
        let packet_type = packet.packet_type();
        if packet_type != ADVERTISEMENT {
            return Err(WireError::BadType(packet_type));
        }
        let family = AddressFamily::of(src);
        if AddressFamily::of(dst) != family {
            return Err(WireError::MixedFamilies);
        }
        if version == Version::V2 && family == AddressFamily::Ipv6 {
            return Err(WireError::FamilyMismatch);
        }
        let layout = packet.layout(family)?;
        packet.verify_checksum(src, dst, checksum)?;
        if packet.vrid() == 0 {
            return Err(WireError::ZeroVrid);
        }
        let advert_int_cs = match version {
            Version::V2 => u16::from(packet.advert_int_secs()) * 100,
            Version::V3 => packet.max_advert_int(),
        };
        if advert_int_cs == 0 {
            return Err(WireError::ZeroAdvertInterval);
        }
        let addresses = packet
            .addresses(family)
            .ok_or(WireError::Truncated)?
            .collect();
        let auth = match version {
            Version::V3 => Auth::None,
            Version::V2 => match packet.auth_type() {
                0 => Auth::None,
                1 => Auth::Simple(packet.auth_data().ok_or(WireError::Truncated)?),
                2 => Auth::Ah,
                other => Auth::Unknown(other),
            },
        };
        Ok(AdvertRepr {
            version,
            vrid: packet.vrid(),
            priority: packet.priority(),
            advert_int_cs,
            auth,
            addresses,
            hmac: layout.trailer,
        })
    }

    /// Whether this repr can be sent from `src` to `dst` and read back as
    /// itself: everything [`AdvertRepr::parse`] checks, plus what only a
    /// repr can get wrong (too many addresses, an interval the version
    /// cannot carry, authentication with VRRPv3).
    pub fn check(&self, src: IpAddr, dst: IpAddr) -> Result<(), WireError> {
        if self.vrid == 0 {
            return Err(WireError::ZeroVrid);
        }
        if self.addresses.len() > usize::from(u8::MAX) {
            return Err(WireError::TooManyAddresses(self.addresses.len()));
        }
        let family = AddressFamily::of(src);
        if AddressFamily::of(dst) != family {
            return Err(WireError::MixedFamilies);
        }
        if let Some(first) = self.addresses.first() {
            let first = AddressFamily::of(*first);
            if self
                .addresses
                .iter()
                .any(|a| AddressFamily::of(*a) != first)
            {
                return Err(WireError::MixedFamilies);
            }
            if first != family {
                return Err(WireError::FamilyMismatch);
            }
        }
        let cs = self.advert_int_cs;
        if cs == 0 {
            return Err(WireError::ZeroAdvertInterval);
        }
        match self.version {
            Version::V2 => {
                if family == AddressFamily::Ipv6 {
                    return Err(WireError::FamilyMismatch);
                }
                if cs % 100 != 0 || cs > V2_MAX_INTERVAL_CS {
                    return Err(WireError::AdvertIntervalOutOfRange(cs));
                }
                if let Auth::Unknown(code @ 0..=2) = self.auth {
                    return Err(WireError::NonCanonicalAuth(code));
                }
            }
            Version::V3 => {
                if cs > V3_MAX_INTERVAL_CS {
                    return Err(WireError::AdvertIntervalOutOfRange(cs));
                }
                if self.auth != Auth::None {
                    return Err(WireError::AuthWithV3);
                }
            }
        }
        Ok(())
    }

    /// The family the addresses are written in: IPv4 for VRRPv2, else the
    /// first address's (IPv4 when there is none, which then takes no room).
    fn slot_family(&self) -> AddressFamily {
        match (self.version, self.addresses.first()) {
            (Version::V3, Some(first)) => AddressFamily::of(*first),
            _ => AddressFamily::Ipv4,
        }
    }

    /// The bytes [`AdvertRepr::emit`] writes: the PDU and the trailer if any.
    pub fn buffer_len(&self) -> usize {
        let count = self.addresses.len().min(usize::from(u8::MAX));
        let addresses = count * self.slot_family().address_len();
        let auth = match self.version {
            Version::V2 => AUTH_DATA_LEN,
            Version::V3 => 0,
        };
        let trailer = if self.hmac.is_some() { TRAILER_LEN } else { 0 };
        HEADER_LEN + addresses + auth + trailer
    }

    /// Writes the advertisement into the first [`AdvertRepr::buffer_len`]
    /// bytes of `packet`, with the checksum for `src` and `dst` last.
    ///
    /// Panics if the buffer is shorter than that, and only then. A repr that
    /// fails [`AdvertRepr::check`] is written as far as it fits (at most 255
    /// addresses, the interval clamped to the field), and may not parse back.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        src: IpAddr,
        dst: IpAddr,
        checksum: ChecksumMode,
    ) {
        let len = self.buffer_len();
        let mut packet = Packet::new_unchecked(&mut packet.as_bytes_mut()[..len]);
        let count = self.addresses.len().min(usize::from(u8::MAX));
        packet.set_version_and_type(self.version.number(), ADVERTISEMENT);
        packet.set_vrid(self.vrid);
        packet.set_priority(self.priority);
        // At most 255 by the `min` above.
        packet.set_address_count(count as u8);
        match self.version {
            Version::V2 => {
                packet.set_auth_type(self.auth.type_code());
                let seconds = (self.advert_int_cs / 100).min(u16::from(u8::MAX));
                packet.set_advert_int_secs(seconds as u8);
            }
            Version::V3 => packet.set_max_advert_int(self.advert_int_cs.min(V3_MAX_INTERVAL_CS)),
        }
        packet.set_checksum_field(0);

        let family = self.slot_family();
        if let Some(slots) = packet.address_bytes_mut(family) {
            let slots = slots.chunks_exact_mut(family.address_len());
            for (slot, address) in slots.zip(&self.addresses) {
                write_address(slot, *address, family);
            }
        }
        if self.version == Version::V2 {
            if let Some(data) = packet.auth_data_mut() {
                match &self.auth {
                    Auth::Simple(password) => data.copy_from_slice(password),
                    // RFC 3768 §5.3.10: zero when not used.
                    _ => data.fill(0),
                }
            }
        }
        if let Some(trailer) = &self.hmac {
            let bytes = packet
                .trailer_bytes_mut(family)
                .and_then(|bytes| <&mut [u8; TRAILER_LEN]>::try_from(bytes).ok());
            if let Some(bytes) = bytes {
                trailer.emit(bytes);
            }
        }
        packet.fill_checksum(src, dst, checksum);
    }
}

/// Writes `address` into a slot of `family`'s length. The conversions only
/// serve reprs that fail [`AdvertRepr::check`].
fn write_address(slot: &mut [u8], address: IpAddr, family: AddressFamily) {
    match family {
        AddressFamily::Ipv4 => {
            let octets = match address {
                IpAddr::V4(v4) => v4.octets(),
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or([0; 4], |v4| v4.octets()),
            };
            slot.copy_from_slice(&octets);
        }
        AddressFamily::Ipv6 => {
            let octets = match address {
                IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
                IpAddr::V6(v6) => v6.octets(),
            };
            slot.copy_from_slice(&octets);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{HmacKey, sign, verify};

    fn v4(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    const SRC: [u8; 4] = [10, 0, 0, 1];
    const MCAST: [u8; 4] = [224, 0, 0, 18];

    fn v2_repr() -> AdvertRepr {
        AdvertRepr {
            version: Version::V2,
            vrid: 51,
            priority: 150,
            advert_int_cs: 100,
            auth: Auth::simple(b"secret"),
            addresses: vec![v4("10.0.0.100")],
            hmac: None,
        }
    }

    fn emit(repr: &AdvertRepr, src: IpAddr, dst: IpAddr, mode: ChecksumMode) -> Vec<u8> {
        let mut bytes = vec![0xa5; repr.buffer_len()];
        repr.emit(&mut Packet::new_unchecked(&mut bytes[..]), src, dst, mode);
        bytes
    }

    fn parse(bytes: &[u8], src: IpAddr, dst: IpAddr) -> Result<AdvertRepr, WireError> {
        AdvertRepr::parse(
            &Packet::new_checked(bytes)?,
            src,
            dst,
            ChecksumMode::Standard,
        )
    }

    #[test]
    fn v2_bytes_field_by_field() {
        let (src, dst) = (IpAddr::from(SRC), IpAddr::from(MCAST));
        let bytes = emit(&v2_repr(), src, dst, ChecksumMode::Standard);
        assert_eq!(
            bytes,
            [
                0x21, 51, 150, 1, // version 2, type 1, VRID, priority, 1 address
                1, 1, 0x01, 0x1a, // auth type PASS, 1 s, checksum
                10, 0, 0, 100, // 10.0.0.100
                b's', b'e', b'c', b'r', b'e', b't', 0, 0, // password, zero-padded
            ]
        );
        assert_eq!(parse(&bytes, src, dst).unwrap(), v2_repr());
        // VRRPv2's checksum ignores the addresses and the mode.
        let other = emit(
            &v2_repr(),
            v4("1.2.3.4"),
            v4("5.6.7.8"),
            ChecksumMode::V3AsV2,
        );
        assert_eq!(other, bytes);
    }

    #[test]
    fn v3_checksum_modes_differ_only_in_the_pseudo_header() {
        let (src, dst) = (IpAddr::from(SRC), IpAddr::from(MCAST));
        let mut repr = v2_repr();
        repr.version = Version::V3;
        repr.auth = Auth::None;
        let standard = emit(&repr, src, dst, ChecksumMode::Standard);
        let as_v2 = emit(&repr, src, dst, ChecksumMode::V3AsV2);
        assert_eq!(standard[..6], as_v2[..6]);
        assert_ne!(standard[6..8], as_v2[6..8]);
        let packet = Packet::new_checked(&as_v2[..]).unwrap();
        assert_eq!(
            AdvertRepr::parse(&packet, src, dst, ChecksumMode::V3AsV2).unwrap(),
            repr
        );
        assert!(matches!(
            AdvertRepr::parse(&packet, src, dst, ChecksumMode::Standard),
            Err(WireError::BadChecksum { .. })
        ));
        // The pseudo-header binds the destination.
        assert!(matches!(
            parse(&standard, src, v4("10.0.0.2")),
            Err(WireError::BadChecksum { .. })
        ));
    }

    #[test]
    fn every_error_is_typed() {
        let (src, dst) = (IpAddr::from(SRC), IpAddr::from(MCAST));
        let good = emit(&v2_repr(), src, dst, ChecksumMode::Standard);
        let fix = |mut bytes: Vec<u8>| {
            Packet::new_unchecked(&mut bytes[..]).fill_checksum(src, dst, ChecksumMode::Standard);
            bytes
        };
        let with = |index: usize, value: u8| {
            let mut bytes = good.clone();
            bytes[index] = value;
            fix(bytes)
        };
        assert_eq!(parse(&good[..7], src, dst), Err(WireError::Truncated));
        assert_eq!(parse(&good[..19], src, dst), Err(WireError::Truncated));
        assert_eq!(
            parse(&with(0, 0x41), src, dst),
            Err(WireError::BadVersion(4))
        );
        assert_eq!(parse(&with(0, 0x22), src, dst), Err(WireError::BadType(2)));
        assert_eq!(parse(&with(1, 0), src, dst), Err(WireError::ZeroVrid));
        assert_eq!(
            parse(&with(5, 0), src, dst),
            Err(WireError::ZeroAdvertInterval)
        );
        assert_eq!(
            parse(&with(3, 2), src, dst),
            Err(WireError::Truncated),
            "count says 2 addresses, only one is there"
        );
        assert_eq!(
            parse(&with(3, 0), src, dst),
            Err(WireError::AddressCountMismatch {
                count: 0,
                pdu_len: 16,
                payload_len: 20
            })
        );
        let mut long = good.clone();
        long.extend_from_slice(&[0; 4]);
        assert!(matches!(
            parse(&fix(long), src, dst),
            Err(WireError::AddressCountMismatch { .. })
        ));
        let mut bad = good.clone();
        bad[6] ^= 1;
        assert_eq!(
            parse(&bad, src, dst),
            Err(WireError::BadChecksum {
                expected: 0x011a,
                found: 0x001a
            })
        );
        assert_eq!(
            parse(&good, src, "ff02::12".parse().unwrap()),
            Err(WireError::MixedFamilies)
        );
        let (src6, dst6) = ("fe80::1".parse().unwrap(), "ff02::12".parse().unwrap());
        assert_eq!(parse(&good, src6, dst6), Err(WireError::FamilyMismatch));
        // Auth types: unknown ones are kept, not refused.
        assert_eq!(parse(&with(4, 0), src, dst).unwrap().auth, Auth::None);
        assert_eq!(parse(&with(4, 2), src, dst).unwrap().auth, Auth::Ah);
        assert_eq!(parse(&with(4, 9), src, dst).unwrap().auth, Auth::Unknown(9));
    }

    #[test]
    fn trailers_are_recognised_and_checked() {
        let (src, dst) = (IpAddr::from(SRC), IpAddr::from(MCAST));
        let key = HmacKey::new(1, b"key");
        for version in [Version::V2, Version::V3] {
            let mut repr = v2_repr();
            repr.version = version;
            if version == Version::V3 {
                repr.auth = Auth::None;
            }
            sign(&mut repr, &key, 42, src, dst);
            let bytes = emit(&repr, src, dst, ChecksumMode::Standard);
            assert_eq!(bytes.len(), repr.buffer_len());
            let parsed = parse(&bytes, src, dst).unwrap();
            assert_eq!(parsed, repr);
            assert_eq!(parsed.hmac.unwrap().sequence, 42);
            let packet = Packet::new_checked(&bytes[..]).unwrap();
            assert_eq!(verify(&packet, src, dst, &key), Ok(parsed.hmac.unwrap()));

            let pdu = bytes.len() - TRAILER_LEN;
            let mut unknown = bytes.clone();
            unknown[pdu + 2] = 2;
            Packet::new_unchecked(&mut unknown[..]).fill_checksum(src, dst, ChecksumMode::Standard);
            assert_eq!(
                parse(&unknown, src, dst),
                Err(WireError::UnknownTrailerKind(2))
            );
            let mut short = bytes[..bytes.len() - 1].to_vec();
            Packet::new_unchecked(&mut short[..]).fill_checksum(src, dst, ChecksumMode::Standard);
            assert_eq!(
                parse(&short, src, dst),
                Err(WireError::BadTrailerLength {
                    expected: TRAILER_LEN,
                    found: TRAILER_LEN - 1
                })
            );
        }
    }

    #[test]
    fn check_catches_unsendable_reprs() {
        let (src, dst) = (IpAddr::from(SRC), IpAddr::from(MCAST));
        let base = v2_repr();
        assert_eq!(base.check(src, dst), Ok(()));
        let cases: Vec<(AdvertRepr, WireError)> = vec![
            (
                AdvertRepr {
                    vrid: 0,
                    ..base.clone()
                },
                WireError::ZeroVrid,
            ),
            (
                AdvertRepr {
                    advert_int_cs: 0,
                    ..base.clone()
                },
                WireError::ZeroAdvertInterval,
            ),
            (
                AdvertRepr {
                    advert_int_cs: 150,
                    ..base.clone()
                },
                WireError::AdvertIntervalOutOfRange(150),
            ),
            (
                AdvertRepr {
                    advert_int_cs: 25_600,
                    ..base.clone()
                },
                WireError::AdvertIntervalOutOfRange(25_600),
            ),
            (
                AdvertRepr {
                    auth: Auth::Unknown(1),
                    ..base.clone()
                },
                WireError::NonCanonicalAuth(1),
            ),
            (
                AdvertRepr {
                    addresses: vec![v4("10.0.0.1"); 256],
                    ..base.clone()
                },
                WireError::TooManyAddresses(256),
            ),
            (
                AdvertRepr {
                    addresses: vec![v4("10.0.0.1"), v4("::1")],
                    ..base.clone()
                },
                WireError::MixedFamilies,
            ),
            (
                AdvertRepr {
                    addresses: vec![v4("::1")],
                    ..base.clone()
                },
                WireError::FamilyMismatch,
            ),
            (
                AdvertRepr {
                    version: Version::V3,
                    ..base.clone()
                },
                WireError::AuthWithV3,
            ),
            (
                AdvertRepr {
                    version: Version::V3,
                    auth: Auth::None,
                    advert_int_cs: 4096,
                    ..base.clone()
                },
                WireError::AdvertIntervalOutOfRange(4096),
            ),
        ];
        for (repr, error) in cases {
            assert_eq!(repr.check(src, dst), Err(error.clone()), "{repr:?}");
            // Emitting it anyway does not panic.
            let _ = emit(&repr, src, dst, ChecksumMode::Standard);
        }
        assert_eq!(
            base.check(src, v4("ff02::12")),
            Err(WireError::MixedFamilies)
        );
        assert_eq!(
            AdvertRepr {
                addresses: vec![],
                ..base.clone()
            }
            .check(v4("fe80::1"), v4("ff02::12")),
            Err(WireError::FamilyMismatch),
            "VRRPv2 over IPv6"
        );
    }

    #[test]
    fn v3_ipv6_with_no_addresses_or_many() {
        let (src, dst) = (v4("fe80::1"), v4("ff02::12"));
        for count in [0, 1, 255] {
            let repr = AdvertRepr {
                version: Version::V3,
                vrid: 255,
                priority: 0,
                advert_int_cs: 4095,
                auth: Auth::None,
                addresses: (0..count)
                    .map(|i| IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, i]))
                    .collect(),
                hmac: None,
            };
            repr.check(src, dst).unwrap();
            let bytes = emit(&repr, src, dst, ChecksumMode::Standard);
            assert_eq!(bytes.len(), 8 + 16 * usize::from(count));
            assert_eq!(parse(&bytes, src, dst).unwrap(), repr);
        }
    }
}
