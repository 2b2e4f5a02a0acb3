//! keepalived-rs's HMAC trailer: layout, signing and verification (the byte
//! layout is drawn in the [module documentation](super)).

use std::fmt;
use std::net::IpAddr;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::checksum;
use super::packet::{HEADER_LEN, Packet};
use super::{AddressFamily, AdvertRepr, ChecksumMode, WireError};

/// The first two bytes of a trailer.
pub const TRAILER_MAGIC: [u8; 2] = *b"KR";

/// Trailer kind 1: HMAC-SHA256 truncated to 128 bits.
pub const TRAILER_KIND_HMAC_SHA256_128: u8 = 1;

/// Bytes of a kind-1 trailer: magic (2), kind, key id, sequence (8), MAC.
pub const TRAILER_LEN: usize = 12 + MAC_LEN;

/// Bytes of the truncated HMAC-SHA256.
pub const MAC_LEN: usize = 16;

/// Offsets inside the trailer.
mod field {
    pub(super) const KIND: usize = 2;
    pub(super) const KEY_ID: usize = 3;
    pub(super) const SEQUENCE: std::ops::Range<usize> = 4..12;
    pub(super) const MAC: std::ops::Range<usize> = 12..12 + super::MAC_LEN;
}

/// The contents of an HMAC trailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HmacTrailer {
    /// Which shared key signed the packet.
    pub key_id: u8,
    /// Grows with every advertisement, across restarts ([`next_sequence`]).
    pub sequence: u64,
    /// HMAC-SHA256 of the pseudo-header and packet, first 16 bytes. Zero until
    /// [`sign`] fills it in.
    pub mac: [u8; MAC_LEN],
}

impl HmacTrailer {
    /// Reads a trailer from the bytes after the PDU, which start with
    /// [`TRAILER_MAGIC`].
    pub(crate) fn parse(bytes: &[u8]) -> Result<HmacTrailer, WireError> {
        let kind = *bytes.get(field::KIND).ok_or(WireError::BadTrailerLength {
            expected: TRAILER_LEN,
            found: bytes.len(),
        })?;
        if kind != TRAILER_KIND_HMAC_SHA256_128 {
            return Err(WireError::UnknownTrailerKind(kind));
        }
        let bytes: &[u8; TRAILER_LEN] =
            bytes.try_into().map_err(|_| WireError::BadTrailerLength {
                expected: TRAILER_LEN,
                found: bytes.len(),
            })?;
        let mut sequence = [0; 8];
        sequence.copy_from_slice(&bytes[field::SEQUENCE]);
        let mut mac = [0; MAC_LEN];
        mac.copy_from_slice(&bytes[field::MAC]);
        Ok(HmacTrailer {
            key_id: bytes[field::KEY_ID],
            sequence: u64::from_be_bytes(sequence),
            mac,
        })
    }

    /// Writes the trailer into `bytes`, which are [`TRAILER_LEN`] long.
    pub(crate) fn emit(&self, bytes: &mut [u8; TRAILER_LEN]) {
        bytes[..TRAILER_MAGIC.len()].copy_from_slice(&TRAILER_MAGIC);
        bytes[field::KIND] = TRAILER_KIND_HMAC_SHA256_128;
        bytes[field::KEY_ID] = self.key_id;
        bytes[field::SEQUENCE].copy_from_slice(&self.sequence.to_be_bytes());
        bytes[field::MAC].copy_from_slice(&self.mac);
    }
}

/// A shared HMAC key and its id. `Debug` does not show the secret.
#[derive(Clone)]
pub struct HmacKey {
    id: u8,
    /// The HMAC state after absorbing the key, cloned for every packet.
    keyed: Hmac<Sha256>,
    /// SHA-256 of the prepared key, so that two keys can be compared (a
    /// reload must notice a changed key) without keeping the secret.
    fingerprint: [u8; 32],
}

impl PartialEq for HmacKey {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.id == other.id && bool::from(self.fingerprint.ct_eq(&other.fingerprint))
    }
}

impl Eq for HmacKey {}

impl HmacKey {
    /// A key of any length (HMAC hashes keys longer than SHA-256's 64-byte
    /// block and pads shorter ones).
    pub fn new(id: u8, secret: &[u8]) -> HmacKey {
        // HMAC's own key preparation (RFC 2104 §2), done here so that the
        // infallible constructor applies: the result is the same MAC as
        // `new_from_slice(secret)`.
        let mut block = [0u8; 64];
        if secret.len() > block.len() {
            block[..32].copy_from_slice(&Sha256::digest(secret));
        } else {
            block[..secret.len()].copy_from_slice(secret);
        }
        let fingerprint: [u8; 32] = Sha256::digest(block).into();
        HmacKey {
            id,
            keyed: Hmac::<Sha256>::new(&block.into()),
            fingerprint,
        }
    }

    /// The key id sent in the trailer.
    pub fn id(&self) -> u8 {
        self.id
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Why [`verify`] rejected a packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HmacError {
    /// The packet has no trailer.
    #[error("no HMAC trailer")]
    Missing,
    /// The packet is malformed (see [`WireError`]).
    #[error("malformed advertisement: {0}")]
    Malformed(#[from] WireError),
    /// The trailer names another key.
    #[error("signed with key id {found}, expected {expected}")]
    KeyIdMismatch {
        /// The key's id.
        expected: u8,
        /// The trailer's.
        found: u8,
    },
    /// The MAC does not match: wrong key, or the packet was altered.
    #[error("HMAC mismatch")]
    BadMac,
}

/// A time-based sequence number: microseconds since the Unix epoch, or one
/// more than `previous` when the clock has not moved on (or went back).
///
/// The caller reads the clock; this crate never does.
pub fn next_sequence(previous: Option<u64>, now_unix_micros: u64) -> u64 {
    match previous {
        Some(previous) => now_unix_micros.max(previous.saturating_add(1)),
        None => now_unix_micros,
    }
}

/// Signs `repr`: sets its trailer to `key`'s id, `sequence` and the MAC of
/// the packet that [`AdvertRepr::emit`] will write for `src` and `dst` (the
/// checksum mode does not matter: the MAC reads the checksum as zero).
pub fn sign(repr: &mut AdvertRepr, key: &HmacKey, sequence: u64, src: IpAddr, dst: IpAddr) {
    repr.hmac = Some(HmacTrailer {
        key_id: key.id(),
        sequence,
        mac: [0; MAC_LEN],
    });
    let mut bytes = vec![0; repr.buffer_len()];
    repr.emit(
        &mut Packet::new_unchecked(&mut bytes[..]),
        src,
        dst,
        ChecksumMode::Standard,
    );
    let tag = mac(key, &bytes, src, dst).finalize().into_bytes();
    if let Some(trailer) = repr.hmac.as_mut() {
        trailer.mac.copy_from_slice(&tag[..MAC_LEN]);
    }
}

/// Checks the HMAC trailer of a received packet from `src` to `dst` against
/// `key`, in constant time, and returns the trailer (whose sequence number
/// then goes to a [`crate::wire::ReplayWindow`]).
///
/// Pick the key by the trailer's key id (from [`AdvertRepr::parse`]) when
/// several are configured.
pub fn verify<T: AsRef<[u8]>>(
    packet: &Packet<T>,
    src: IpAddr,
    dst: IpAddr,
    key: &HmacKey,
) -> Result<HmacTrailer, HmacError> {
    let layout = packet.layout(AddressFamily::of(src))?;
    let trailer = layout.trailer.ok_or(HmacError::Missing)?;
    if trailer.key_id != key.id() {
        return Err(HmacError::KeyIdMismatch {
            expected: key.id(),
            found: trailer.key_id,
        });
    }
    mac(key, packet.as_bytes(), src, dst)
        .verify_truncated_left(&trailer.mac)
        .map_err(|_| HmacError::BadMac)?;
    Ok(trailer)
}

/// The HMAC over the pseudo-header and `bytes` (which end with a trailer),
/// with the checksum and MAC fields read as zeros.
fn mac(key: &HmacKey, bytes: &[u8], src: IpAddr, dst: IpAddr) -> Hmac<Sha256> {
    let mut state = key.keyed.clone();
    state.update(checksum::pseudo_header_bytes(src, dst, bytes.len()).as_ref());
    // Callers pass a buffer that ends with a whole trailer after a whole
    // header; the `get`s only keep this function panic-free regardless.
    let mac_start = bytes.len().saturating_sub(MAC_LEN);
    state.update(bytes.get(..6).unwrap_or_default());
    state.update(&[0, 0]);
    state.update(bytes.get(HEADER_LEN..mac_start).unwrap_or_default());
    state.update(&[0; MAC_LEN]);
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Auth, Version};

    fn repr() -> AdvertRepr {
        AdvertRepr {
            version: Version::V3,
            vrid: 7,
            priority: 200,
            advert_int_cs: 50,
            auth: Auth::None,
            addresses: vec!["192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()],
            hmac: None,
        }
    }

    fn addrs() -> (IpAddr, IpAddr) {
        ("192.0.2.10".parse().unwrap(), "224.0.0.18".parse().unwrap())
    }

    fn signed(repr: &mut AdvertRepr, key: &HmacKey) -> Vec<u8> {
        let (src, dst) = addrs();
        sign(repr, key, 0x0102_0304_0506_0708, src, dst);
        let mut bytes = vec![0; repr.buffer_len()];
        repr.emit(
            &mut Packet::new_unchecked(&mut bytes[..]),
            src,
            dst,
            ChecksumMode::Standard,
        );
        bytes
    }

    #[test]
    fn trailer_bytes_are_as_documented() {
        let key = HmacKey::new(9, b"secret");
        let mut repr = repr();
        let bytes = signed(&mut repr, &key);
        let trailer = &bytes[bytes.len() - TRAILER_LEN..];
        assert_eq!(&trailer[..4], b"KR\x01\x09");
        assert_eq!(&trailer[4..12], &[1, 2, 3, 4, 5, 6, 7, 8]);
        let hmac = repr.hmac.unwrap();
        assert_eq!(&trailer[12..], &hmac.mac);
        assert_ne!(hmac.mac, [0; MAC_LEN]);
    }

    #[test]
    fn mac_is_hmac_sha256_over_the_documented_input() {
        // Recompute by hand with the plain `new_from_slice` API, so the key
        // preparation and the input layout are both checked.
        let key = HmacKey::new(1, b"k");
        let mut repr = repr();
        let bytes = signed(&mut repr, &key);
        let (src, dst) = addrs();
        let mut input = vec![192, 0, 2, 10, 224, 0, 0, 18, 0, 112, 0, bytes.len() as u8];
        let mut zeroed = bytes.clone();
        zeroed[6..8].fill(0);
        let len = zeroed.len();
        zeroed[len - MAC_LEN..].fill(0);
        input.extend_from_slice(&zeroed);
        let mut reference = Hmac::<Sha256>::new_from_slice(b"k").unwrap();
        reference.update(&input);
        let tag = reference.finalize().into_bytes();
        assert_eq!(repr.hmac.unwrap().mac, tag[..MAC_LEN]);
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(verify(&packet, src, dst, &key).unwrap(), repr.hmac.unwrap());
    }

    #[test]
    fn long_keys_are_hashed_like_rfc2104() {
        let secret = [0x42; 100];
        let ours = HmacKey::new(1, &secret)
            .keyed
            .chain_update(b"abc")
            .finalize();
        let reference = Hmac::<Sha256>::new_from_slice(&secret)
            .unwrap()
            .chain_update(b"abc")
            .finalize();
        assert_eq!(ours.into_bytes(), reference.into_bytes());
        // RFC 4231 test case 1.
        let tag = HmacKey::new(0, &[0x0b; 20])
            .keyed
            .chain_update(b"Hi There")
            .finalize()
            .into_bytes();
        assert_eq!(
            tag[..8],
            [0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53],
            "RFC 4231 4.2"
        );
    }

    #[test]
    fn verify_rejects_what_it_should() {
        let key = HmacKey::new(3, b"right");
        let (src, dst) = addrs();
        let mut repr = repr();
        let bytes = signed(&mut repr, &key);
        let packet = Packet::new_checked(&bytes[..]).unwrap();
        assert!(verify(&packet, src, dst, &key).is_ok());
        assert_eq!(
            verify(&packet, src, dst, &HmacKey::new(3, b"wrong")),
            Err(HmacError::BadMac)
        );
        assert_eq!(
            verify(&packet, src, dst, &HmacKey::new(4, b"right")),
            Err(HmacError::KeyIdMismatch {
                expected: 4,
                found: 3
            })
        );
        // Another source address (a reflected packet) fails.
        let other: IpAddr = "192.0.2.11".parse().unwrap();
        assert_eq!(verify(&packet, other, dst, &key), Err(HmacError::BadMac));
        // Every byte but the checksum is covered.
        for i in (0..bytes.len()).filter(|i| !(6..8).contains(i)) {
            let mut altered = bytes.clone();
            altered[i] ^= 0x01;
            let result = verify(&Packet::new_unchecked(&altered[..]), src, dst, &key);
            assert!(result.is_err(), "flipping byte {i} went unnoticed");
        }
        // The checksum is not (it is computed after the MAC).
        let mut altered = bytes.clone();
        altered[6] ^= 0xff;
        assert!(verify(&Packet::new_unchecked(&altered[..]), src, dst, &key).is_ok());
        // No trailer, or garbage.
        let mut plain = repr.clone();
        plain.hmac = None;
        let mut bytes = vec![0; plain.buffer_len()];
        plain.emit(
            &mut Packet::new_unchecked(&mut bytes[..]),
            src,
            dst,
            ChecksumMode::Standard,
        );
        assert_eq!(
            verify(&Packet::new_unchecked(&bytes[..]), src, dst, &key),
            Err(HmacError::Missing)
        );
        assert_eq!(
            verify(&Packet::new_unchecked(&bytes[..4]), src, dst, &key),
            Err(HmacError::Malformed(WireError::Truncated))
        );
    }

    #[test]
    fn trailer_parse_errors() {
        let mut bytes = [0u8; TRAILER_LEN];
        HmacTrailer {
            key_id: 1,
            sequence: 2,
            mac: [3; MAC_LEN],
        }
        .emit(&mut bytes);
        assert!(HmacTrailer::parse(&bytes).is_ok());
        assert_eq!(
            HmacTrailer::parse(&bytes[..2]),
            Err(WireError::BadTrailerLength {
                expected: TRAILER_LEN,
                found: 2
            })
        );
        assert_eq!(
            HmacTrailer::parse(&bytes[..27]),
            Err(WireError::BadTrailerLength {
                expected: TRAILER_LEN,
                found: 27
            })
        );
        bytes[2] = 7;
        assert_eq!(
            HmacTrailer::parse(&bytes),
            Err(WireError::UnknownTrailerKind(7))
        );
    }

    #[test]
    fn sequences_grow() {
        assert_eq!(next_sequence(None, 5), 5);
        assert_eq!(next_sequence(Some(4), 5), 5);
        assert_eq!(next_sequence(Some(5), 5), 6);
        assert_eq!(next_sequence(Some(9), 5), 10);
        assert_eq!(next_sequence(Some(u64::MAX), 5), u64::MAX);
    }

    #[test]
    fn debug_hides_the_secret() {
        let text = format!("{:?}", HmacKey::new(5, b"hunter2"));
        assert!(
            text.contains("id: 5") && !text.contains("hunter2"),
            "{text}"
        );
    }
}
