//! The zero-copy view over an advertisement's bytes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::checksum;
use super::trailer::{self, HmacTrailer};
use super::{AddressFamily, ChecksumMode, Version, WireError};

/// VRRP's IP protocol number, and next header in the pseudo-header (IANA;
/// RFC 5798 §5.1, §5.2.8).
pub const VRRP_PROTOCOL: u8 = 112;

/// The only packet type: ADVERTISEMENT (RFC 3768 §5.3.2, RFC 5798 §5.2.2).
pub const ADVERTISEMENT: u8 = 1;

/// The fixed header: version/type, VRID, priority, count, two bytes of
/// auth type and interval (v2) or reserved bits and interval (v3), checksum.
pub const HEADER_LEN: usize = 8;

/// VRRPv2's authentication data after the addresses (RFC 3768 §5.3.10).
pub const AUTH_DATA_LEN: usize = 8;

/// The longest buffer this crate reads or writes: VRRPv3 with 255 IPv6
/// addresses and an HMAC trailer.
pub const MAX_PACKET_LEN: usize = HEADER_LEN + 255 * 16 + trailer::TRAILER_LEN;

/// Byte ranges of the fields, named once.
mod field {
    /// A range of bytes.
    pub(super) type Field = std::ops::Range<usize>;

    /// Version (high nibble) and type (low nibble).
    pub(super) const VER_TYPE: usize = 0;
    /// Virtual router id.
    pub(super) const VRID: usize = 1;
    /// Priority.
    pub(super) const PRIORITY: usize = 2;
    /// Count IPvX Addrs.
    pub(super) const COUNT: usize = 3;
    /// VRRPv2: Auth Type.
    pub(super) const AUTH_TYPE: usize = 4;
    /// VRRPv2: Adver Int, in seconds.
    pub(super) const ADVER_INT: usize = 5;
    /// VRRPv3: 4 reserved bits and the 12-bit Max Adver Int, in centiseconds.
    pub(super) const MAX_ADVER_INT: Field = 4..6;
    /// Checksum.
    pub(super) const CHECKSUM: Field = 6..8;
    /// Start of the address list.
    pub(super) const ADDRESSES: usize = 8;
}

/// A view over the bytes of a VRRP advertisement: the IP payload, starting
/// with the version field.
///
/// VRRPv2, RFC 3768 §5.1:
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Auth Type   |   Adver Int   |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         IP Address (1)                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            .                                  |
/// |                            .                                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         IP Address (n)                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Authentication Data (1)                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Authentication Data (2)                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// VRRPv3, RFC 5798 §5.1 / RFC 9568 §5.1 (IPvX addresses are 4 or 16 bytes,
/// after the IP version the packet travels in):
///
/// ```text
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |(rsvd) |     Max Adver Int     |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// +                                                               +
/// |                       IPvX Address(es)                        |
/// +                                                               +
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// An optional HMAC trailer may follow either (see the [module
/// documentation](super)).
///
/// The fixed-header accessors panic on a buffer shorter than [`HEADER_LEN`];
/// [`Packet::new_checked`] rules that out. The variable-part accessors check
/// their lengths and return `None` when the buffer is too short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

/// Where the parts of a packet are, once the family is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) version: Version,
    pub(crate) family: AddressFamily,
    /// Bytes of the VRRP PDU proper (header, addresses, v2 auth data).
    pub(crate) pdu_len: usize,
    pub(crate) trailer: Option<HmacTrailer>,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A view without any check: the fixed-header accessors panic if the
    /// buffer is shorter than [`HEADER_LEN`].
    pub fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// A view after [`Packet::check_len`].
    pub fn new_checked(buffer: T) -> Result<Packet<T>, WireError> {
        let packet = Packet::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the fixed header is there, so that its accessors cannot
    /// panic. The address list depends on the address family, which the
    /// bytes do not tell: [`crate::wire::AdvertRepr::parse`] checks it.
    pub fn check_len(&self) -> Result<(), WireError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole buffer.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The version field (the high nibble of byte 0).
    pub fn version_number(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TYPE] >> 4
    }

    /// The version, if it is 2 or 3.
    pub fn version(&self) -> Option<Version> {
        Version::from_number(self.version_number())
    }

    /// The type field (the low nibble of byte 0); 1 is an advertisement.
    pub fn packet_type(&self) -> u8 {
        self.buffer.as_ref()[field::VER_TYPE] & 0x0f
    }

    /// The virtual router id.
    pub fn vrid(&self) -> u8 {
        self.buffer.as_ref()[field::VRID]
    }

    /// The priority.
    pub fn priority(&self) -> u8 {
        self.buffer.as_ref()[field::PRIORITY]
    }

    /// The Count IPvX Addrs field.
    pub fn address_count(&self) -> u8 {
        self.buffer.as_ref()[field::COUNT]
    }

    /// VRRPv2: the Auth Type field.
    pub fn auth_type(&self) -> u8 {
        self.buffer.as_ref()[field::AUTH_TYPE]
    }

    /// VRRPv2: the Adver Int field, in seconds.
    pub fn advert_int_secs(&self) -> u8 {
        self.buffer.as_ref()[field::ADVER_INT]
    }

    /// VRRPv3: the 12-bit Max Adver Int field, in centiseconds.
    pub fn max_advert_int(&self) -> u16 {
        let data = self.buffer.as_ref();
        u16::from_be_bytes([
            data[field::MAX_ADVER_INT.start],
            data[field::MAX_ADVER_INT.end - 1],
        ]) & 0x0fff
    }

    /// VRRPv3: the 4 reserved bits (sent as zero, ignored on reception, RFC
    /// 5798 §5.2.6).
    pub fn reserved(&self) -> u8 {
        self.buffer.as_ref()[field::MAX_ADVER_INT.start] >> 4
    }

    /// The checksum field.
    pub fn checksum_field(&self) -> u16 {
        let data = self.buffer.as_ref();
        u16::from_be_bytes([data[field::CHECKSUM.start], data[field::CHECKSUM.end - 1]])
    }

    /// The length of the VRRP PDU that the header announces for `family`:
    /// header, addresses and, for VRRPv2, the authentication data. `None`
    /// for an unknown version.
    pub fn pdu_len(&self, family: AddressFamily) -> Option<usize> {
        let addresses = usize::from(self.address_count()) * family.address_len();
        match self.version()? {
            Version::V2 => Some(HEADER_LEN + addresses + AUTH_DATA_LEN),
            Version::V3 => Some(HEADER_LEN + addresses),
        }
    }

    /// The address list's bytes, if the buffer holds all of them.
    pub fn address_bytes(&self, family: AddressFamily) -> Option<&[u8]> {
        let len = usize::from(self.address_count()) * family.address_len();
        self.buffer
            .as_ref()
            .get(field::ADDRESSES..field::ADDRESSES + len)
    }

    /// The addresses, if the buffer holds all of them.
    pub fn addresses(&self, family: AddressFamily) -> Option<impl Iterator<Item = IpAddr> + '_> {
        let bytes = self.address_bytes(family)?;
        // Every chunk has the family's length, so the conversions all succeed.
        Some(
            bytes
                .chunks_exact(family.address_len())
                .filter_map(move |chunk| match family {
                    AddressFamily::Ipv4 => chunk
                        .first_chunk::<4>()
                        .map(|octets| IpAddr::V4(Ipv4Addr::from(*octets))),
                    AddressFamily::Ipv6 => chunk
                        .first_chunk::<16>()
                        .map(|octets| IpAddr::V6(Ipv6Addr::from(*octets))),
                }),
        )
    }

    /// VRRPv2: the 8 bytes of authentication data after the IPv4 addresses,
    /// if the buffer holds them.
    pub fn auth_data(&self) -> Option<[u8; AUTH_DATA_LEN]> {
        let start = field::ADDRESSES + usize::from(self.address_count()) * 4;
        let bytes = self.buffer.as_ref().get(start..start + AUTH_DATA_LEN)?;
        <[u8; AUTH_DATA_LEN]>::try_from(bytes).ok()
    }

    /// The bytes after the PDU (empty for a plain advertisement), if the
    /// version is known and the buffer holds the whole PDU.
    pub fn trailer_bytes(&self, family: AddressFamily) -> Option<&[u8]> {
        let pdu_len = self.pdu_len(family)?;
        self.buffer.as_ref().get(pdu_len..)
    }

    /// The value the checksum field should hold for this buffer, sent from
    /// `src` to `dst`: computed over the whole buffer with the field read as
    /// zero. Never panics, even on a short buffer.
    pub fn compute_checksum(&self, src: IpAddr, dst: IpAddr, mode: ChecksumMode) -> u16 {
        let data = self.buffer.as_ref();
        let head = &data[..data.len().min(field::CHECKSUM.start)];
        let tail = data.get(field::CHECKSUM.end..).unwrap_or_default();
        let mut total = checksum::sum(head) + checksum::sum(tail);
        let v3 = data.first().is_some_and(|byte| byte >> 4 == 3);
        if v3 && mode == ChecksumMode::Standard {
            total += checksum::pseudo_header(src, dst, data.len());
        }
        checksum::finish(total)
    }

    /// Checks the checksum field.
    pub fn verify_checksum(
        &self,
        src: IpAddr,
        dst: IpAddr,
        mode: ChecksumMode,
    ) -> Result<(), WireError> {
        self.check_len()?;
        let expected = self.compute_checksum(src, dst, mode);
        let found = self.checksum_field();
        if expected == found {
            Ok(())
        } else {
            Err(WireError::BadChecksum { expected, found })
        }
    }

    /// The version, PDU length and trailer for `family`, with every length
    /// checked.
    pub(crate) fn layout(&self, family: AddressFamily) -> Result<Layout, WireError> {
        self.check_len()?;
        let number = self.version_number();
        let version = Version::from_number(number).ok_or(WireError::BadVersion(number))?;
        let pdu_len = self.pdu_len(family).ok_or(WireError::BadVersion(number))?;
        let payload_len = self.buffer.as_ref().len();
        let extra = self
            .buffer
            .as_ref()
            .get(pdu_len..)
            .ok_or(WireError::Truncated)?;
        let trailer = if extra.is_empty() {
            None
        } else if extra.starts_with(&trailer::TRAILER_MAGIC) {
            Some(HmacTrailer::parse(extra)?)
        } else {
            return Err(WireError::AddressCountMismatch {
                count: self.address_count(),
                pdu_len,
                payload_len,
            });
        };
        Ok(Layout {
            version,
            family,
            pdu_len,
            trailer,
        })
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// The whole buffer, for writing.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    /// Sets the version and type fields.
    pub fn set_version_and_type(&mut self, version: u8, packet_type: u8) {
        self.buffer.as_mut()[field::VER_TYPE] = (version << 4) | (packet_type & 0x0f);
    }

    /// Sets the virtual router id.
    pub fn set_vrid(&mut self, vrid: u8) {
        self.buffer.as_mut()[field::VRID] = vrid;
    }

    /// Sets the priority.
    pub fn set_priority(&mut self, priority: u8) {
        self.buffer.as_mut()[field::PRIORITY] = priority;
    }

    /// Sets the Count IPvX Addrs field.
    pub fn set_address_count(&mut self, count: u8) {
        self.buffer.as_mut()[field::COUNT] = count;
    }

    /// VRRPv2: sets the Auth Type field.
    pub fn set_auth_type(&mut self, auth_type: u8) {
        self.buffer.as_mut()[field::AUTH_TYPE] = auth_type;
    }

    /// VRRPv2: sets the Adver Int field, in seconds.
    pub fn set_advert_int_secs(&mut self, seconds: u8) {
        self.buffer.as_mut()[field::ADVER_INT] = seconds;
    }

    /// VRRPv3: sets the Max Adver Int field (centiseconds, the low 12 bits of
    /// `centiseconds`) and clears the reserved bits.
    pub fn set_max_advert_int(&mut self, centiseconds: u16) {
        let bytes = (centiseconds & 0x0fff).to_be_bytes();
        self.buffer.as_mut()[field::MAX_ADVER_INT].copy_from_slice(&bytes);
    }

    /// Sets the checksum field.
    pub fn set_checksum_field(&mut self, value: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// The address list's bytes for writing, if the buffer is long enough.
    pub fn address_bytes_mut(&mut self, family: AddressFamily) -> Option<&mut [u8]> {
        let len = usize::from(self.address_count()) * family.address_len();
        self.buffer
            .as_mut()
            .get_mut(field::ADDRESSES..field::ADDRESSES + len)
    }

    /// VRRPv2: the authentication data for writing, if the buffer is long
    /// enough.
    pub fn auth_data_mut(&mut self) -> Option<&mut [u8]> {
        let start = field::ADDRESSES + usize::from(self.address_count()) * 4;
        self.buffer.as_mut().get_mut(start..start + AUTH_DATA_LEN)
    }

    /// The bytes after the PDU for writing.
    pub fn trailer_bytes_mut(&mut self, family: AddressFamily) -> Option<&mut [u8]> {
        let pdu_len = self.pdu_len(family)?;
        self.buffer.as_mut().get_mut(pdu_len..)
    }

    /// Computes the checksum over the whole buffer and writes it.
    pub fn fill_checksum(&mut self, src: IpAddr, dst: IpAddr, mode: ChecksumMode) {
        let value = self.compute_checksum(src, dst, mode);
        self.set_checksum_field(value);
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// VRRPv3 over IPv4: VRID 51, priority 150, one address, 1 s.
    const V3: [u8; 12] = [
        0x31, 0x33, 0x96, 0x01, // version 3, type 1, VRID 51, priority 150, 1 address
        0xf0, 0x64, 0x00, 0x00, // reserved bits set (ignored), 100 cs, checksum (unset)
        10, 0, 0, 100, // 10.0.0.100
    ];

    #[test]
    fn reads_the_fixed_header() {
        let packet = Packet::new_checked(&V3[..]).unwrap();
        assert_eq!(packet.version_number(), 3);
        assert_eq!(packet.version(), Some(Version::V3));
        assert_eq!(packet.packet_type(), 1);
        assert_eq!(packet.vrid(), 51);
        assert_eq!(packet.priority(), 150);
        assert_eq!(packet.address_count(), 1);
        assert_eq!(packet.max_advert_int(), 100);
        assert_eq!(packet.reserved(), 0xf);
        assert_eq!(packet.pdu_len(AddressFamily::Ipv4), Some(12));
        assert_eq!(packet.pdu_len(AddressFamily::Ipv6), Some(24));
        assert_eq!(
            packet
                .addresses(AddressFamily::Ipv4)
                .unwrap()
                .collect::<Vec<_>>(),
            vec![IpAddr::from([10, 0, 0, 100])]
        );
        assert!(packet.addresses(AddressFamily::Ipv6).is_none());
        assert_eq!(packet.trailer_bytes(AddressFamily::Ipv4), Some(&[][..]));
    }

    #[test]
    fn setters_write_in_place() {
        let mut bytes = [0xa5; 12];
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        packet.set_version_and_type(3, 1);
        packet.set_vrid(51);
        packet.set_priority(150);
        packet.set_address_count(1);
        packet.set_max_advert_int(0xf064);
        packet.set_checksum_field(0);
        packet
            .address_bytes_mut(AddressFamily::Ipv4)
            .unwrap()
            .copy_from_slice(&[10, 0, 0, 100]);
        let mut expected = V3;
        expected[4] = 0x00; // reserved bits cleared, only 12 bits kept
        assert_eq!(bytes, expected);
    }

    #[test]
    fn short_buffers_are_truncated_not_panics() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                Packet::new_checked(&V3[..len]).unwrap_err(),
                WireError::Truncated
            );
            // Computing a checksum never panics, even unchecked.
            let _ = Packet::new_unchecked(&V3[..len]).compute_checksum(
                IpAddr::from([0; 4]),
                IpAddr::from([0; 4]),
                ChecksumMode::Standard,
            );
        }
        let packet = Packet::new_checked(&V3[..10]).unwrap();
        assert!(packet.address_bytes(AddressFamily::Ipv4).is_none());
        assert!(packet.trailer_bytes(AddressFamily::Ipv4).is_none());
        assert_eq!(
            packet.layout(AddressFamily::Ipv4).unwrap_err(),
            WireError::Truncated
        );
    }

    #[test]
    fn fill_then_verify_checksum() {
        let (src, dst) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([224, 0, 0, 18]));
        let mut bytes = V3;
        let mut packet = Packet::new_unchecked(&mut bytes[..]);
        for mode in [ChecksumMode::Standard, ChecksumMode::V3AsV2] {
            packet.fill_checksum(src, dst, mode);
            packet.verify_checksum(src, dst, mode).unwrap();
            // A one's-complement sum over everything, field included, is 0xffff.
            let mut total = checksum::sum(packet.as_bytes());
            if mode == ChecksumMode::Standard {
                total += checksum::pseudo_header(src, dst, V3.len());
            }
            assert_eq!(checksum::finish(total), 0);
        }
        let found = packet.checksum_field();
        packet.set_vrid(52);
        assert!(matches!(
            packet.verify_checksum(src, dst, ChecksumMode::V3AsV2),
            Err(WireError::BadChecksum { found: f, .. }) if f == found
        ));
    }
}
