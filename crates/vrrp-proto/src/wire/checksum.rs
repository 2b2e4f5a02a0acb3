//! The Internet checksum (RFC 1071) and the pseudo-header sums of RFC 768
//! (IPv4) and RFC 8200 §8.1 (IPv6) with next header 112.

use std::net::IpAddr;

use super::packet::VRRP_PROTOCOL;

/// The one's-complement sum of `data` as big-endian 16-bit words (an odd
/// last byte padded with a zero), not yet folded.
///
/// Summing 32-bit words and folding later gives the same result, because
/// 2^16 is 1 modulo 0xffff; it halves the work.
pub(crate) fn sum(data: &[u8]) -> u64 {
    let mut words = data.chunks_exact(4);
    let mut total: u64 = words
        .by_ref()
        .map(|w| u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]])))
        .sum();
    match *words.remainder() {
        [a, b, c] => total += u64::from(u16::from_be_bytes([a, b])) + (u64::from(c) << 8),
        [a, b] => total += u64::from(u16::from_be_bytes([a, b])),
        [a] => total += u64::from(a) << 8,
        _ => {}
    }
    total
}

/// Folds a sum to 16 bits and complements it: the value of a checksum field.
pub(crate) fn finish(mut total: u64) -> u16 {
    while total >> 16 != 0 {
        total = (total & 0xffff) + (total >> 16);
    }
    // The loop leaves at most 16 bits.
    !(total as u16)
}

/// The sum of the pseudo-header for a payload of `len` bytes.
///
/// The IPv4 form (source, destination, zero, protocol, 16-bit length) and
/// the IPv6 form (source, destination, 32-bit length, three zeros, next
/// header) add up to the same words for any length below 64 KiB, so one
/// formula serves both.
pub(crate) fn pseudo_header(src: IpAddr, dst: IpAddr, len: usize) -> u64 {
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    address_sum(src)
        + address_sum(dst)
        + u64::from(VRRP_PROTOCOL)
        + u64::from(len >> 16)
        + u64::from(len & 0xffff)
}

fn address_sum(address: IpAddr) -> u64 {
    match address {
        IpAddr::V4(v4) => sum(&v4.octets()),
        IpAddr::V6(v6) => sum(&v6.octets()),
    }
}

/// The bytes of the pseudo-header for a payload of `len` bytes, in the form
/// of the source address's family (the HMAC hashes these bytes).
pub(crate) fn pseudo_header_bytes(src: IpAddr, dst: IpAddr, len: usize) -> PseudoHeader {
    let mut bytes = [0; 40];
    let used = match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            bytes[..4].copy_from_slice(&src.octets());
            bytes[4..8].copy_from_slice(&dst.octets());
            bytes[9] = VRRP_PROTOCOL;
            let len = u16::try_from(len).unwrap_or(u16::MAX);
            bytes[10..12].copy_from_slice(&len.to_be_bytes());
            12
        }
        _ => {
            bytes[..16].copy_from_slice(&v6_octets(src));
            bytes[16..32].copy_from_slice(&v6_octets(dst));
            let len = u32::try_from(len).unwrap_or(u32::MAX);
            bytes[32..36].copy_from_slice(&len.to_be_bytes());
            bytes[39] = VRRP_PROTOCOL;
            40
        }
    };
    PseudoHeader { bytes, used }
}

/// IPv6 octets, IPv4 addresses mapped (only for the mixed case, which parse
/// rejects anyway).
fn v6_octets(address: IpAddr) -> [u8; 16] {
    match address {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

/// A pseudo-header laid out as bytes.
pub(crate) struct PseudoHeader {
    bytes: [u8; 40],
    used: usize,
}

impl AsRef<[u8]> for PseudoHeader {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..self.used]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded).
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(finish(sum(&data)), !0xddf2);
    }

    #[test]
    fn odd_lengths_pad_with_zero() {
        assert_eq!(sum(&[0x12]), 0x1200);
        assert_eq!(sum(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
        assert_eq!(sum(&[0x12, 0x34, 0x56, 0x78, 0x9a]), 0x1234_5678 + 0x9a00);
        assert_eq!(finish(sum(&[])), 0xffff);
    }

    #[test]
    fn pseudo_header_sum_matches_its_bytes() {
        for (src, dst) in [
            ("10.0.0.1", "224.0.0.18"),
            ("fe80::1", "ff02::12"),
            ("192.0.2.255", "198.51.100.7"),
        ] {
            let (src, dst) = (src.parse().unwrap(), dst.parse().unwrap());
            for len in [0, 20, 36, 4116] {
                let bytes = pseudo_header_bytes(src, dst, len);
                assert_eq!(
                    finish(pseudo_header(src, dst, len)),
                    finish(sum(bytes.as_ref())),
                    "{src} {dst} {len}"
                );
            }
        }
    }
}
