//! What one virtual router needs to know: its identity, timers and options.
//!
//! The daemon builds this from keepalived.conf (kconf-parser's model); the
//! state machine never reads files, so other programs can configure it in
//! code.

use std::net::IpAddr;
use std::time::Duration;

use crate::wire::{Auth, ChecksumMode, HmacKey, Version};

/// A tracked object's effect on the instance (`track_script`,
/// `track_interface`, `track_file`, `track_process`, `track_bfd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackerConfig {
    /// 0: the object failing faults the instance. Otherwise the priority
    /// changes by this much: a positive weight is added while the object is
    /// up, a negative one subtracted while it is down. A numeric object
    /// (`track_file`) adds its value times the weight (see
    /// [`crate::TrackerStatus`]).
    pub weight: i32,
    /// keepalived's `reverse`: with a weight, the adjustment changes sign
    /// (a positive weight is subtracted while up, a negative one added
    /// while down); with weight 0, the instance faults while the object is
    /// up (or its value is 0) instead.
    pub reverse: bool,
}

/// Gratuitous ARP / unsolicited NA timing (keepalived's `garp_*` keywords).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GarpConfig {
    /// `garp_master_delay`: second burst after becoming master (0: none).
    pub master_delay: Duration,
    /// `garp_master_repeat`: messages per burst.
    pub master_repeat: u32,
    /// `garp_master_refresh`: period of refresh bursts while master (0: none).
    pub master_refresh: Duration,
    /// `garp_master_refresh_repeat`: messages per refresh burst.
    pub master_refresh_repeat: u32,
    /// `garp_lower_prio_delay`: burst after a lower priority advert (0: none).
    pub lower_prio_delay: Duration,
    /// `garp_lower_prio_repeat`: messages per lower-priority burst (0: none).
    pub lower_prio_repeat: u32,
}

impl Default for GarpConfig {
    /// keepalived's global defaults: 5 s delay, 5 per burst, no refresh,
    /// lower-priority bursts off.
    fn default() -> Self {
        GarpConfig {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            master_refresh: Duration::ZERO,
            master_refresh_repeat: 1,
            lower_prio_delay: Duration::ZERO,
            lower_prio_repeat: 0,
        }
    }
}

/// What to do with the HMAC trailer (keepalived-rs's `auth_hmac`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmacMode {
    /// Sign every advert; drop adverts without a valid trailer or replayed.
    Enforce,
    /// Sign every advert; accept adverts without a valid trailer, counting
    /// them (for a rolling upgrade).
    Permissive,
    /// Do not sign; check trailers when present and count failures (the
    /// first step of a rolling upgrade).
    ReceiveOnly,
}

/// HMAC authentication of adverts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmacConfig {
    /// The key (and its id).
    pub key: HmacKey,
    /// How strict to be.
    pub mode: HmacMode,
    /// Anti-replay window, in sequence numbers (at most 64).
    pub replay_window: u32,
}

/// A unicast peer with its optional TTL window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The peer's address.
    pub address: IpAddr,
    /// Adverts with a lower TTL / hop limit are dropped.
    pub min_ttl: u8,
    /// Adverts with a higher TTL / hop limit are dropped.
    pub max_ttl: u8,
}

impl Peer {
    /// A peer that must use TTL 255, as the RFCs require.
    pub fn new(address: IpAddr) -> Self {
        Peer {
            address,
            min_ttl: 255,
            max_ttl: 255,
        }
    }
}

/// One VRRP instance's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceConfig {
    /// Name, for reasons and logs.
    pub name: String,
    /// Virtual router id, 1 to 255.
    pub vrid: u8,
    /// Protocol version.
    pub version: Version,
    /// Configured priority, 1 to 255 (255: address owner).
    pub priority: u8,
    /// Advertisement interval (VRRPv2: whole seconds; VRRPv3: centiseconds).
    pub advert_int: Duration,
    /// `state MASTER`: with priority 255, become master at once.
    pub start_as_master: bool,
    /// Preempt mode (`nopreempt` clears it).
    pub preempt: bool,
    /// `preempt_delay`: added to the master-down wait at start-up and when
    /// a lower priority master is seen.
    pub preempt_delay: Duration,
    /// `down_timer_adverts`: adverts missed before the master is down (3).
    pub down_timer_adverts: u32,
    /// The local address used as the source of adverts, which breaks
    /// priority ties (the higher address wins).
    pub primary_address: IpAddr,
    /// The virtual addresses carried in adverts (not the excluded ones).
    pub virtual_addresses: Vec<IpAddr>,
    /// Unicast peers; empty means multicast.
    pub unicast_peers: Vec<Peer>,
    /// Only accept adverts from configured unicast peers.
    pub check_unicast_src: bool,
    /// VRRPv2 authentication to send and expect.
    pub auth: Auth,
    /// Accept mode (RFC 5798 §6.1; `accept` / `no_accept`): whether the
    /// master takes packets addressed to the virtual addresses when it is
    /// not their owner. The daemon applies it (filter rules installed with
    /// the addresses); the protocol is the same either way.
    pub accept: bool,
    /// `lower_prio_no_advert`: as master, do not answer a lower priority
    /// advert with one of our own.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`: as master, send one advert before giving
    /// way to a higher priority master.
    pub higher_prio_send_advert: bool,
    /// `skip_check_adv_addr`: do not compare the advert's address list with
    /// ours.
    pub skip_check_adv_addr: bool,
    /// Gratuitous ARP / NA timing.
    pub garp: GarpConfig,
    /// Tracked objects, by index (see [`crate::Instance::handle_tracker`]).
    pub trackers: Vec<TrackerConfig>,
    /// VRRPv3 checksum flavour (`v3_checksum_as_v2`).
    pub checksum: ChecksumMode,
    /// HMAC authentication of adverts, if any.
    pub hmac: Option<HmacConfig>,
}

impl InstanceConfig {
    /// A VRRPv3 instance with keepalived's defaults: priority 100, 1 s
    /// adverts, preempt, multicast.
    pub fn new(name: &str, vrid: u8, primary_address: IpAddr) -> Self {
        InstanceConfig {
            name: name.to_owned(),
            vrid,
            version: Version::V3,
            priority: 100,
            advert_int: Duration::from_secs(1),
            start_as_master: false,
            preempt: true,
            preempt_delay: Duration::ZERO,
            down_timer_adverts: 3,
            primary_address,
            virtual_addresses: Vec::new(),
            unicast_peers: Vec::new(),
            check_unicast_src: false,
            auth: Auth::None,
            accept: true,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            skip_check_adv_addr: false,
            garp: GarpConfig::default(),
            trackers: Vec::new(),
            checksum: ChecksumMode::Standard,
            hmac: None,
        }
    }

    /// The advert interval as carried on the wire, in centiseconds
    /// (VRRPv2: whole seconds × 100).
    pub fn advert_int_cs(&self) -> u16 {
        let cs = self.advert_int.as_millis() / 10;
        match self.version {
            Version::V2 => ((cs.div_ceil(100)).clamp(1, 255) * 100) as u16,
            Version::V3 => cs.clamp(1, 4095) as u16,
        }
    }
}

/// Skew_Time for `priority` with the master's advert interval (RFC 3768
/// §6.1: (256 - Priority) / 256 seconds; RFC 5798 §6.1: ((256 - Priority) ×
/// Master_Adver_Interval) / 256), exact to the microsecond.
pub fn skew_time(version: Version, priority: u8, master_adver_interval: Duration) -> Duration {
    let weight = 256 - u64::from(priority);
    match version {
        Version::V2 => Duration::from_micros(weight * 1_000_000 / 256),
        Version::V3 => {
            Duration::from_micros(weight * master_adver_interval.as_micros() as u64 / 256)
        }
    }
}

/// Master_Down_Interval: `down_timer_adverts` × Master_Adver_Interval +
/// Skew_Time (RFC 5798 §6.1, with keepalived's configurable 3).
pub fn master_down_interval(
    version: Version,
    priority: u8,
    master_adver_interval: Duration,
    down_timer_adverts: u32,
) -> Duration {
    master_adver_interval * down_timer_adverts + skew_time(version, priority, master_adver_interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_follows_the_rfcs() {
        // RFC 3768: (256 - 100) / 256 s = 0.609375 s.
        assert_eq!(
            skew_time(Version::V2, 100, Duration::from_secs(1)),
            Duration::from_micros(609_375)
        );
        // RFC 5798: the same fraction of the master's interval.
        assert_eq!(
            skew_time(Version::V3, 100, Duration::from_millis(100)),
            Duration::from_micros(60_937)
        );
        assert_eq!(
            skew_time(Version::V3, 255, Duration::from_secs(1)),
            Duration::from_micros(3_906)
        );
        assert_eq!(
            master_down_interval(Version::V2, 100, Duration::from_secs(1), 3),
            Duration::from_micros(3_609_375)
        );
    }

    #[test]
    fn wire_intervals() {
        let mut config = InstanceConfig::new("v", 1, "10.0.0.1".parse().unwrap());
        config.advert_int = Duration::from_millis(1230);
        assert_eq!(config.advert_int_cs(), 123);
        config.version = Version::V2;
        assert_eq!(config.advert_int_cs(), 200);
    }
}
