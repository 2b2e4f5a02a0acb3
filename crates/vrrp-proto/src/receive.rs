//! Receive validation of an advert, in the order RFC 5798 §7.1 and
//! keepalived apply it; each rejection has a counter.

use std::net::IpAddr;

use crate::config::InstanceConfig;
use crate::stats::Stats;
use crate::wire::{AdvertRepr, Auth, Version, auth_matches};

/// Why an advert was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drop {
    /// TTL / hop limit not 255 (multicast) or outside the peer's window.
    Ttl,
    /// The other VRRP version.
    Version,
    /// Another virtual router id (the daemon routes by VRID; counted anyway).
    Vrid,
    /// Unknown authentication type.
    AuthType,
    /// Another authentication type than ours.
    AuthTypeMismatch,
    /// The password does not match.
    AuthFailure,
    /// VRRPv2 advert with another interval (RFC 3768 §7.1 drops it).
    Interval,
    /// The address list differs from ours.
    AddressList,
    /// Not from a configured unicast peer.
    UnicastSource,
}

/// Checks an advert from `source` received with `ttl`. Counts the drop, or
/// the VRRPv3 interval mismatch that is only logged.
pub(crate) fn validate(
    config: &InstanceConfig,
    source: IpAddr,
    ttl: u8,
    advert: &AdvertRepr,
    stats: &mut Stats,
) -> Result<(), Drop> {
    let result = check(config, source, ttl, advert);
    match result {
        Err(Drop::Ttl) => stats.ip_ttl_err += 1,
        Err(Drop::Version) => stats.version_err += 1,
        Err(Drop::Vrid) => {}
        Err(Drop::AuthType) => stats.invalid_authtype += 1,
        Err(Drop::AuthTypeMismatch) => stats.authtype_mismatch += 1,
        Err(Drop::AuthFailure) => stats.auth_failure += 1,
        Err(Drop::Interval) => stats.advert_interval_err += 1,
        Err(Drop::AddressList) => stats.addr_list_err += 1,
        Err(Drop::UnicastSource) => stats.unicast_src_err += 1,
        Ok(()) => {
            // RFC 5798 §7.1: a VRRPv3 interval mismatch is logged, and the
            // backup learns the master's interval.
            if advert.advert_int_cs != config.advert_int_cs() {
                stats.advert_interval_err += 1;
            }
            if advert.priority == 0 {
                stats.pri_zero_rcvd += 1;
            }
        }
    }
    result
}

fn check(
    config: &InstanceConfig,
    source: IpAddr,
    ttl: u8,
    advert: &AdvertRepr,
) -> Result<(), Drop> {
    // §7.1: the TTL must be 255; unicast peers may allow a window.
    let peer = config.unicast_peers.iter().find(|p| p.address == source);
    match peer {
        Some(peer) if !(peer.min_ttl..=peer.max_ttl).contains(&ttl) => return Err(Drop::Ttl),
        None if ttl != 255 => return Err(Drop::Ttl),
        _ => {}
    }
    if advert.version != config.version {
        return Err(Drop::Version);
    }
    if advert.vrid != config.vrid {
        return Err(Drop::Vrid);
    }
    if advert.version == Version::V2 {
        // RFC 3768 §7.1 (authentication) and §5.3.8.
        match (&advert.auth, &config.auth) {
            (Auth::Unknown(_), _) => return Err(Drop::AuthType),
            (Auth::None, Auth::None) | (Auth::Ah, Auth::Ah) => {}
            (Auth::Simple(_), Auth::Simple(_)) => {
                if !auth_matches(&advert.auth, &config.auth) {
                    return Err(Drop::AuthFailure);
                }
            }
            _ => return Err(Drop::AuthTypeMismatch),
        }
        if advert.advert_int_cs != config.advert_int_cs() {
            return Err(Drop::Interval);
        }
    }
    // keepalived: only configured peers may speak when unicast source
    // checking is on.
    if config.check_unicast_src && peer.is_none() {
        return Err(Drop::UnicastSource);
    }
    // RFC 5798 §7.1: the address list MAY be checked; keepalived drops a
    // mismatch unless skip_check_adv_addr. A priority 0 advert is always
    // taken: it announces a master leaving.
    if !config.skip_check_adv_addr
        && advert.priority != 0
        && !same_addresses(&advert.addresses, &config.virtual_addresses)
    {
        return Err(Drop::AddressList);
    }
    Ok(())
}

fn same_addresses(received: &[IpAddr], ours: &[IpAddr]) -> bool {
    received.len() == ours.len() && ours.iter().all(|a| received.contains(a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Peer;

    fn setup(version: Version) -> (InstanceConfig, AdvertRepr) {
        let mut config = InstanceConfig::new("VI_1", 51, "10.0.0.1".parse().unwrap());
        config.version = version;
        config.virtual_addresses = vec!["10.0.0.100".parse().unwrap()];
        if version == Version::V2 {
            config.auth = Auth::Simple(*b"secret\0\0");
        }
        let advert = AdvertRepr {
            version,
            vrid: 51,
            priority: 100,
            advert_int_cs: config.advert_int_cs(),
            auth: config.auth.clone(),
            addresses: config.virtual_addresses.clone(),
            hmac: None,
        };
        (config, advert)
    }

    fn run(config: &InstanceConfig, ttl: u8, advert: &AdvertRepr) -> (Result<(), Drop>, Stats) {
        let mut stats = Stats::default();
        let result = validate(config, "10.0.0.2".parse().unwrap(), ttl, advert, &mut stats);
        (result, stats)
    }

    #[test]
    fn a_good_advert_passes() {
        for version in [Version::V2, Version::V3] {
            let (config, advert) = setup(version);
            assert_eq!(run(&config, 255, &advert), (Ok(()), Stats::default()));
        }
    }

    #[test]
    fn each_check_has_its_counter() {
        let (config, advert) = setup(Version::V2);
        let (result, stats) = run(&config, 254, &advert);
        assert_eq!((result, stats.ip_ttl_err), (Err(Drop::Ttl), 1));

        let (result, stats) = run(
            &config,
            255,
            &AdvertRepr {
                version: Version::V3,
                ..advert.clone()
            },
        );
        assert_eq!((result, stats.version_err), (Err(Drop::Version), 1));

        let (result, _) = run(
            &config,
            255,
            &AdvertRepr {
                vrid: 52,
                ..advert.clone()
            },
        );
        assert_eq!(result, Err(Drop::Vrid));

        let (result, stats) = run(
            &config,
            255,
            &AdvertRepr {
                auth: Auth::Simple(*b"wrong\0\0\0"),
                ..advert.clone()
            },
        );
        assert_eq!((result, stats.auth_failure), (Err(Drop::AuthFailure), 1));

        let (result, stats) = run(
            &config,
            255,
            &AdvertRepr {
                auth: Auth::None,
                ..advert.clone()
            },
        );
        assert_eq!(
            (result, stats.authtype_mismatch),
            (Err(Drop::AuthTypeMismatch), 1)
        );

        let (result, stats) = run(
            &config,
            255,
            &AdvertRepr {
                auth: Auth::Unknown(7),
                ..advert.clone()
            },
        );
        assert_eq!((result, stats.invalid_authtype), (Err(Drop::AuthType), 1));

        // RFC 3768 §7.1: a VRRPv2 interval mismatch drops the advert...
        let (result, stats) = run(
            &config,
            255,
            &AdvertRepr {
                advert_int_cs: 200,
                ..advert.clone()
            },
        );
        assert_eq!(
            (result, stats.advert_interval_err),
            (Err(Drop::Interval), 1)
        );

        let (result, stats) = run(
            &config,
            255,
            &AdvertRepr {
                addresses: vec![],
                ..advert.clone()
            },
        );
        assert_eq!((result, stats.addr_list_err), (Err(Drop::AddressList), 1));

        // ...a priority 0 advert is taken whatever its addresses.
        let (result, stats) = run(
            &config,
            255,
            &AdvertRepr {
                priority: 0,
                addresses: vec![],
                ..advert
            },
        );
        assert_eq!((result, stats.pri_zero_rcvd), (Ok(()), 1));
    }

    #[test]
    fn version_3_interval_mismatch_is_counted_not_dropped() {
        let (config, advert) = setup(Version::V3);
        let (result, stats) = run(
            &config,
            255,
            &AdvertRepr {
                advert_int_cs: 50,
                ..advert
            },
        );
        assert_eq!((result, stats.advert_interval_err), (Ok(()), 1));
    }

    #[test]
    fn unicast_peers_have_ttl_windows_and_sources_are_checked() {
        let (mut config, advert) = setup(Version::V3);
        config.unicast_peers = vec![Peer {
            address: "10.0.0.2".parse().unwrap(),
            min_ttl: 60,
            max_ttl: 64,
        }];
        assert_eq!(run(&config, 62, &advert).0, Ok(()));
        assert_eq!(run(&config, 255, &advert).0, Err(Drop::Ttl));
        config.check_unicast_src = true;
        config.unicast_peers[0].address = "10.0.0.3".parse().unwrap();
        let (result, stats) = run(&config, 255, &advert);
        assert_eq!(
            (result, stats.unicast_src_err),
            (Err(Drop::UnicastSource), 1)
        );
        config.skip_check_adv_addr = true;
        config.check_unicast_src = false;
        assert_eq!(
            run(
                &config,
                255,
                &AdvertRepr {
                    addresses: vec![],
                    ..setup(Version::V3).1
                }
            )
            .0,
            Ok(())
        );
    }
}
