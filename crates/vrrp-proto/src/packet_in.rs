//! The receive path from bytes: parse, HMAC check per mode, then the state
//! machine. Kept apart from `instance` so the protocol logic stays on
//! representations.

use std::net::IpAddr;
use std::time::Instant;

use crate::config::HmacMode;
use crate::instance::Instance;
use crate::receive::Drop;
use crate::wire::{self, AdvertRepr, HmacError, Packet, ReplayError, WireError};

/// Why a packet did not reach the state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketError {
    /// Not a well-formed advert.
    Malformed(WireError),
    /// The HMAC trailer was missing or wrong (enforce mode).
    Hmac(HmacError),
    /// The HMAC sequence was replayed or too old (enforce mode).
    Replay(ReplayError),
    /// Receive validation dropped it (see [`Drop`]).
    Dropped(Drop),
}

impl Instance {
    /// A packet (the VRRP PDU: the IP payload) arrived from `source` to
    /// `destination` with `ttl`. Malformed packets are counted and dropped;
    /// the rest go through HMAC checks (when configured) and receive
    /// validation into the state machine.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        source: IpAddr,
        destination: IpAddr,
        ttl: u8,
        bytes: &[u8],
    ) -> Result<(), PacketError> {
        let checksum = self.config().checksum;
        let parsed = Packet::new_checked(bytes).and_then(|packet| {
            AdvertRepr::parse(&packet, source, destination, checksum).map(|repr| (packet, repr))
        });
        let (packet, advert) = match parsed {
            Ok(parsed) => parsed,
            Err(err) => {
                let stats = self.stats_mut();
                stats.packet_err += 1;
                if matches!(err, WireError::BadChecksum { .. }) {
                    stats.chk_err += 1;
                }
                return Err(PacketError::Malformed(err));
            }
        };
        if let Some(hmac) = self.config().hmac.clone() {
            let enforce = hmac.mode == HmacMode::Enforce;
            match wire::verify(&packet, source, destination, &hmac.key) {
                Ok(trailer) => {
                    if let Err(err) = self
                        .replay_window(hmac.replay_window)
                        .accept(trailer.sequence)
                    {
                        self.stats_mut().hmac_replay += 1;
                        if enforce {
                            return Err(PacketError::Replay(err));
                        }
                    }
                }
                Err(err) => {
                    self.stats_mut().hmac_failure += 1;
                    if enforce {
                        return Err(PacketError::Hmac(err));
                    }
                }
            }
        }
        self.handle_advert(now, source, ttl, &advert)
            .map_err(PacketError::Dropped)
    }
}
