//! VRRP advertisements on the wire: RFC 3768 (VRRPv2) and RFC 5798 / RFC 9568
//! (VRRPv3), keepalived's checksum variant, PASS authentication and
//! keepalived-rs's optional HMAC trailer.
//!
//! Two layers, as in smoltcp's `wire` module:
//! - [`Packet`] is a zero-copy view over the VRRP PDU (the IP payload: the
//!   daemon strips the IPv4 header, the kernel the IPv6 one). Getters need
//!   `T: AsRef<[u8]>`, setters `T: AsMut<[u8]>`, so one type reads a received
//!   buffer and writes an outgoing one in place.
//! - [`AdvertRepr`] is the owned, validated meaning of an advertisement, with
//!   [`AdvertRepr::parse`], [`AdvertRepr::buffer_len`] and [`AdvertRepr::emit`].
//!
//! The buffer alone does not say its address family (VRRPv3 carries IPv4 or
//! IPv6 addresses in the same layout), so everything that reads addresses
//! takes the IP source address of the packet: VRRPv3 follows its family,
//! VRRPv2 is IPv4 only. The source and destination addresses also feed the
//! VRRPv3 pseudo-header checksum and the HMAC.
//!
//! # Panic contract
//!
//! - [`Packet::new_checked`] and [`AdvertRepr::parse`] never panic, whatever
//!   the bytes and addresses: every malformed input is a [`WireError`]. The
//!   `cargo fuzz` target `vrrp_advert` checks this.
//! - The fixed-header getters and setters of [`Packet`] panic on a buffer
//!   shorter than [`HEADER_LEN`], which [`Packet::new_checked`] rules out;
//!   the accessors of the variable part (addresses, authentication data,
//!   trailer) check their lengths and return `Option`s.
//! - [`AdvertRepr::emit`] never panics on a buffer of at least
//!   [`AdvertRepr::buffer_len`] bytes; it writes exactly that many. Emitting a
//!   repr that fails [`AdvertRepr::check`] still does not panic, but the
//!   packet may not parse back.
//!
//! # The checksum
//!
//! The checksum covers the whole buffer (the PDU and, when present, the HMAC
//! trailer, which is what the kernel's `IPV6_CHECKSUM` offload covers too):
//! - VRRPv2 (RFC 3768 §5.3.8): the one's-complement sum of the message alone;
//! - VRRPv3 (RFC 5798 §5.2.8, RFC 9568 §5.2.8): with the pseudo-header of the
//!   IP version in use and next header 112;
//! - [`ChecksumMode::V3AsV2`]: keepalived's `v3_checksum_as_v2`, a VRRPv3
//!   checksum computed without the pseudo-header, as keepalived up to 1.3.6
//!   (and some Cisco releases) did.
//!
//! keepalived before 2.0, and 2.x with `old_unicast_checksum`, put the
//! multicast group instead of the unicast peer into the VRRPv3 IPv4
//! pseudo-header. Such packets parse when the group is passed as `dst`; the
//! golden vector `keepalived-2.2.7-v3-ipv4-unicast-old-checksum` shows it.
//!
//! # The HMAC trailer (keepalived-rs extension)
//!
//! An advertisement may carry an authentication trailer right after the PDU
//! (after the addresses for VRRPv3, after the 8 bytes of authentication data
//! for VRRPv2). A receiver sees it because the IP payload is longer than the
//! PDU that the version and address count describe, and the extra bytes start
//! with the magic `"KR"`. Peers that do not know the extension (keepalived
//! among them) drop such packets as too long, so it is for keepalived-rs
//! peers only, and optional.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   Magic 'K'   |   Magic 'R'   |   Kind (1)    |    Key ID     |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                  Sequence number (high 32 bits)               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                  Sequence number (low 32 bits)                |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                                                               |
//! +                                                               +
//! |          HMAC-SHA256 truncated to its first 128 bits          |
//! +                                                               +
//! |                                                               |
//! +                                                               +
//! |                                                               |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! - Kind 1 is HMAC-SHA256-128, the only kind so far; it fixes the trailer
//!   length at [`TRAILER_LEN`] (28) bytes. Other kinds are errors.
//! - The key id names the shared key, so keys can be rolled over.
//! - The sequence number (big endian) grows with time, so it survives a
//!   restart of the sender: [`next_sequence`] makes one from microseconds
//!   since the Unix epoch. Receivers reject replays with a [`ReplayWindow`].
//! - The MAC is HMAC-SHA256 over, in order: the pseudo-header (IPv4: source,
//!   destination, zero, 112, 16-bit length; IPv6: source, destination, 32-bit
//!   length, three zeros, 112; the length being the whole buffer's), then the
//!   whole buffer with the checksum field and the MAC field read as zeros.
//!   The pseudo-header is included for VRRPv2 too, binding the packet to its
//!   addresses. The checksum is computed last, over the finished MAC.
//!
//! [`sign`] fills in the MAC of a repr, [`verify`] checks a received packet in
//! constant time. Which failures are fatal (enforce, permissive, receive-only)
//! is the state machine's decision.
//!
//! # Example
//!
//! ```
//! use std::net::IpAddr;
//! use vrrp_proto::wire::{AdvertRepr, Auth, ChecksumMode, Packet, Version};
//!
//! let src: IpAddr = "10.0.0.1".parse().unwrap();
//! let dst: IpAddr = "224.0.0.18".parse().unwrap();
//! let repr = AdvertRepr {
//!     version: Version::V3,
//!     vrid: 51,
//!     priority: 150,
//!     advert_int_cs: 100,
//!     auth: Auth::None,
//!     addresses: vec!["10.0.0.100".parse().unwrap()],
//!     hmac: None,
//! };
//! let mut bytes = vec![0; repr.buffer_len()];
//! repr.emit(&mut Packet::new_unchecked(&mut bytes[..]), src, dst, ChecksumMode::Standard);
//!
//! let packet = Packet::new_checked(&bytes[..]).unwrap();
//! let parsed = AdvertRepr::parse(&packet, src, dst, ChecksumMode::Standard).unwrap();
//! assert_eq!(parsed, repr);
//! ```

mod auth;
mod checksum;
mod packet;
#[cfg(test)]
mod proptests;
mod replay;
mod repr;
mod trailer;

use std::net::IpAddr;

pub use auth::auth_matches;
pub use packet::{ADVERTISEMENT, AUTH_DATA_LEN, HEADER_LEN, MAX_PACKET_LEN, Packet, VRRP_PROTOCOL};
pub use replay::{ReplayError, ReplayWindow};
pub use repr::AdvertRepr;
pub use trailer::{
    HmacError, HmacKey, HmacTrailer, MAC_LEN, TRAILER_KIND_HMAC_SHA256_128, TRAILER_LEN,
    TRAILER_MAGIC, next_sequence, sign, verify,
};

/// VRRP protocol version (the high nibble of the first byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// RFC 3768: IPv4 only, interval in seconds, authentication data.
    V2,
    /// RFC 5798 / RFC 9568: IPv4 or IPv6, interval in centiseconds.
    V3,
}

impl Version {
    /// The value of the version field.
    pub fn number(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }

    /// The version for a field value, if it is one this crate knows.
    pub fn from_number(number: u8) -> Option<Version> {
        match number {
            2 => Some(Version::V2),
            3 => Some(Version::V3),
            _ => None,
        }
    }
}

/// VRRPv2 authentication (RFC 3768 §5.3.6; types 1 and 2 come from RFC 2338
/// and are what keepalived still sends for `auth_type PASS` and `AH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// Type 0. The authentication data is ignored on reception and sent as
    /// zeros.
    None,
    /// Type 1: simple text password, zero-padded to 8 bytes (compare with
    /// [`auth_matches`], which takes constant time).
    Simple([u8; 8]),
    /// Type 2: IP authentication header. The AH itself sits in front of the
    /// VRRP PDU and is checked by the daemon; the data here is sent as zeros.
    Ah,
    /// Any other type (3 to 255), kept so that the state machine can count it.
    Unknown(u8),
}

impl Auth {
    /// A PASS password as keepalived sends it: the first 8 bytes of `password`,
    /// zero-padded.
    pub fn simple(password: &[u8]) -> Auth {
        let mut data = [0; 8];
        let len = password.len().min(data.len());
        data[..len].copy_from_slice(&password[..len]);
        Auth::Simple(data)
    }

    /// The value of the Auth Type field.
    pub fn type_code(&self) -> u8 {
        match self {
            Auth::None => 0,
            Auth::Simple(_) => 1,
            Auth::Ah => 2,
            Auth::Unknown(code) => *code,
        }
    }
}

/// How the checksum is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChecksumMode {
    /// As the RFCs say: VRRPv2 over the message, VRRPv3 with the pseudo-header.
    #[default]
    Standard,
    /// keepalived's `v3_checksum_as_v2`: VRRPv3 without the pseudo-header (as
    /// keepalived <= 1.3.6 computed it). VRRPv2 is unaffected.
    V3AsV2,
}

/// The address family of an advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressFamily {
    /// IPv4: 4-byte addresses.
    Ipv4,
    /// IPv6: 16-byte addresses.
    Ipv6,
}

impl AddressFamily {
    /// The family of `address`.
    pub fn of(address: IpAddr) -> AddressFamily {
        match address {
            IpAddr::V4(_) => AddressFamily::Ipv4,
            IpAddr::V6(_) => AddressFamily::Ipv6,
        }
    }

    /// Bytes per address.
    pub fn address_len(self) -> usize {
        match self {
            AddressFamily::Ipv4 => 4,
            AddressFamily::Ipv6 => 16,
        }
    }
}

/// A malformed advertisement (from [`Packet::new_checked`] and
/// [`AdvertRepr::parse`]) or a repr that cannot be sent (from
/// [`AdvertRepr::check`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// Shorter than the fixed header, or than the address list and
    /// authentication data that the header announces.
    #[error("truncated advertisement")]
    Truncated,
    /// The version field is neither 2 nor 3.
    #[error("unsupported VRRP version {0}")]
    BadVersion(u8),
    /// The type field is not 1 (advertisement), the only type defined.
    #[error("unknown VRRP packet type {0}")]
    BadType(u8),
    /// The checksum field does not match the packet.
    #[error("bad checksum: computed {expected:#06x}, packet has {found:#06x}")]
    BadChecksum {
        /// What the field should hold.
        expected: u16,
        /// What it holds.
        found: u16,
    },
    /// The payload is longer than the address count says, and the extra
    /// bytes are not an HMAC trailer.
    #[error("{count} addresses make a {pdu_len}-byte PDU, but the payload has {payload_len} bytes")]
    AddressCountMismatch {
        /// The Count IPvX Addrs field.
        count: u8,
        /// The PDU length that count gives.
        pdu_len: usize,
        /// The payload length received.
        payload_len: usize,
    },
    /// The source and destination addresses (or, in a repr, the virtual
    /// addresses) are not all of one family.
    #[error("IPv4 and IPv6 addresses mixed in one advertisement")]
    MixedFamilies,
    /// VRRPv2 over IPv6, or virtual addresses of another family than the
    /// packet's source address.
    #[error("address family does not fit the advertisement (VRRPv2 is IPv4 only)")]
    FamilyMismatch,
    /// The virtual router id is 0 (RFC 5798 §5.2.3: 1 to 255).
    #[error("virtual router id 0")]
    ZeroVrid,
    /// The advertisement interval is 0.
    #[error("advertisement interval 0")]
    ZeroAdvertInterval,
    /// The interval does not fit the field: more than 4095 centiseconds for
    /// VRRPv3, or not a whole number of seconds up to 255 for VRRPv2.
    #[error("advertisement interval {0} cs does not fit the version's field")]
    AdvertIntervalOutOfRange(u16),
    /// More than 255 virtual addresses.
    #[error("{0} virtual addresses, at most 255 fit")]
    TooManyAddresses(usize),
    /// VRRPv3 has no authentication; the repr must say [`Auth::None`].
    #[error("VRRPv3 carries no authentication")]
    AuthWithV3,
    /// [`Auth::Unknown`] with a code that has its own variant (0, 1 or 2).
    #[error("auth type {0} must use its own variant")]
    NonCanonicalAuth(u8),
    /// An HMAC trailer of a kind this crate does not know.
    #[error("unknown trailer kind {0}")]
    UnknownTrailerKind(u8),
    /// An HMAC trailer of the wrong length for its kind.
    #[error("trailer of {found} bytes, its kind needs {expected}")]
    BadTrailerLength {
        /// The kind's length.
        expected: usize,
        /// The bytes after the PDU.
        found: usize,
    },
}
