//! VRRP advertisements on the wire (stub: replaced by the wire-format work).

use std::net::IpAddr;

/// VRRP protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// RFC 3768.
    V2,
    /// RFC 5798 / RFC 9568.
    V3,
}

/// VRRPv2 authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// Type 0.
    None,
    /// Type 1: simple text password, 8 bytes.
    Simple([u8; 8]),
    /// Type 2: IP authentication header (the data is not checked here).
    Ah,
    /// Any other type.
    Unknown(u8),
}

/// How the checksum is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChecksumMode {
    /// RFC: v2 over the PDU, v3 with the pseudo-header.
    #[default]
    Standard,
    /// keepalived's `v3_checksum_as_v2`.
    V3AsV2,
}

/// A malformed advertisement.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// Shorter than its header or its address list.
    Truncated,
}

/// A view over advertisement bytes.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A view without checks.
    pub fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }
    /// A view after checking the length.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Packet { buffer };
        if packet.buffer.as_ref().len() < 8 {
            Err(WireError::Truncated)
        } else {
            Ok(packet)
        }
    }
}

/// An advertisement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvertRepr {
    /// Version.
    pub version: Version,
    /// Virtual router id.
    pub vrid: u8,
    /// Priority.
    pub priority: u8,
    /// Advertisement interval in centiseconds.
    pub advert_int_cs: u16,
    /// Authentication (v2).
    pub auth: Auth,
    /// Virtual addresses.
    pub addresses: Vec<IpAddr>,
}

/// Whether the received authentication matches ours, in constant time.
pub fn auth_matches(received: &Auth, expected: &Auth) -> bool {
    received == expected
}
