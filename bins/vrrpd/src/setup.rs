//! From keepalived.conf's model to the protocol library's instance
//! configuration, with keepalived's rules for what inherits from
//! `global_defs`.

use std::net::IpAddr;

use kconf_parser::model::Config;
use kconf_parser::model::ipaddr::IpAddress;
use kconf_parser::model::vrrp::{
    AuthType, HmacMode as ConfHmacMode, State as ConfState, SyncGroup, VrrpInstance,
};
use vrrp_proto::wire::{Auth, HmacKey, Version};
use vrrp_proto::{GarpConfig, HmacConfig, HmacMode, InstanceConfig, Peer, TrackerConfig};

/// One instance ready to run: the protocol configuration and what the
/// daemon needs around it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Planned {
    /// The protocol configuration.
    pub(crate) protocol: InstanceConfig,
    /// The interface adverts go out on.
    pub(crate) interface: String,
    /// The multicast group of its adverts (`vrrp_mcast_group4`/`6`).
    pub(crate) group: IpAddr,
    /// The source address is the interface's own (no `unicast_src_ip` or
    /// `mcast_src_ip`): found again if the interface is re-created.
    pub(crate) source_from_interface: bool,
    /// `virtual_ipaddress` and `virtual_ipaddress_excluded`, with their options.
    pub(crate) addresses: Vec<IpAddress>,
    /// The interface behind each of `protocol.trackers`, in order
    /// (`track_interface`).
    pub(crate) tracked_interfaces: Vec<String>,
    /// The script, file or process behind each of `protocol.trackers` after
    /// the interfaces, in order.
    pub(crate) tracked_objects: Vec<crate::track::TrackerId>,
    /// The kind and name of each of `tracked_objects`, for status reports.
    pub(crate) tracked_object_names: Vec<(&'static str, String)>,
    /// Notify scripts.
    pub(crate) notify: crate::notify::Notify,
    /// `virtual_routes` and `virtual_rules`, installed while master.
    pub(crate) routing: crate::routing::Routing,
    /// `use_vmac`.
    pub(crate) vmac: Option<crate::vmac::VmacPlan>,
    /// `use_vmac_addr` and the VIPs' own `use_vmac`: further VMACs.
    pub(crate) address_vmacs: Vec<crate::vmac_addr::AddressVmac>,
    /// For each of `addresses`, the index of its VMAC in `address_vmacs`.
    pub(crate) address_vmac: Vec<Option<usize>>,
}

impl Planned {
    /// The interface VIPs without `dev` go on: the VMAC, if any.
    pub(crate) fn vip_interface(&self) -> &str {
        self.vmac.as_ref().map_or(&self.interface, |v| &v.name)
    }

    /// The interface the address at `index` of `addresses` goes on: its
    /// address VMAC, else its own `dev`, else [`vip_interface`](Self::vip_interface).
    pub(crate) fn address_interface(&self, index: usize) -> &str {
        if let Some(vmac) = self
            .address_vmac
            .get(index)
            .copied()
            .flatten()
            .and_then(|v| self.address_vmacs.get(v))
        {
            return &vmac.plan.name;
        }
        self.addresses
            .get(index)
            .and_then(|a| a.dev.as_ref())
            .map_or(self.vip_interface(), |dev| dev.value.as_str())
    }

    /// Whether `interface` is one of the instance's VMACs.
    pub(crate) fn is_vmac(&self, interface: &str) -> bool {
        self.vmac.as_ref().is_some_and(|v| v.name == interface)
            || self.address_vmacs.iter().any(|v| v.plan.name == interface)
    }

    /// The interface adverts go out on: the VMAC unless `vmac_xmit_base`.
    pub(crate) fn advert_interface(&self) -> &str {
        match &self.vmac {
            Some(vmac) if !vmac.xmit_base => &vmac.name,
            _ => &self.interface,
        }
    }
}

/// The address adverts of an instance on `interface` go out from: its
/// first IPv4 address, or for IPv6 the link-local one (RFC 5798 §5.1.2.1; a
/// global address would not be recognised by keepalived as the master).
pub(crate) fn interface_address(interface: &str, ipv6: bool) -> Option<IpAddr> {
    InterfaceAddresses::read().primary(interface, ipv6)
}

/// Every interface's advert source address of each family, from one
/// `getifaddrs`: planning N instances asks N times, and each `getifaddrs`
/// dumps every link and address of the namespace, so asking the kernel each
/// time made a reload of 200 instances spend most of its time in those dumps.
#[derive(Debug, Default)]
pub(crate) struct InterfaceAddresses {
    /// (interface, IPv6?) → the first such address `getifaddrs` lists.
    first: std::collections::HashMap<(String, bool), IpAddr>,
}

impl InterfaceAddresses {
    /// The addresses now; empty (every lookup `None`, as a failed
    /// `getifaddrs` made [`interface_address`] answer) if they cannot be read.
    pub(crate) fn read() -> Self {
        let mut first = std::collections::HashMap::new();
        let Ok(addresses) = nix::ifaddrs::getifaddrs() else {
            return Self { first };
        };
        for entry in addresses {
            let Some(address) = entry.address else {
                continue;
            };
            let found = match (address.as_sockaddr_in(), address.as_sockaddr_in6()) {
                (Some(v4), _) => (false, IpAddr::V4(v4.ip())),
                (_, Some(v6)) if v6.ip().is_unicast_link_local() => (true, IpAddr::V6(v6.ip())),
                _ => continue,
            };
            first
                .entry((entry.interface_name, found.0))
                .or_insert(found.1);
        }
        Self { first }
    }

    /// What [`interface_address`] answers, without asking the kernel again.
    pub(crate) fn primary(&self, interface: &str, ipv6: bool) -> Option<IpAddr> {
        self.first.get(&(interface.to_owned(), ipv6)).copied()
    }
}

/// Plans every instance it can run; the others come back as messages.
/// `primary` finds an interface's primary address of a family.
pub(crate) fn plan(
    config: &Config,
    primary: impl Fn(&str, bool) -> Option<IpAddr>,
) -> (Vec<Planned>, Vec<String>) {
    let mut planned = Vec::new();
    let mut problems = Vec::new();
    // Looked up once (it may ask the user database), not per instance.
    let default_user = default_script_user(config);
    // Rules without a preference are numbered static ones first, as
    // keepalived reads them; main.rs plans (and reports) the static ones.
    let mut preferences = crate::routing::Preferences::default();
    crate::routing::Static::plan(config, &mut preferences, &mut Vec::new());
    let refused = crate::track::script::refused(config);
    let refused_scripts: Vec<usize> = refused.iter().map(|(i, _)| *i).collect();
    problems.extend(refused.into_iter().map(|(_, why)| why));
    for vi in &config.vrrp_instances {
        for missing in unsupported(vi) {
            problems.push(format!(
                "({}) {missing} is not supported by this build yet and is ignored",
                vi.name.value
            ));
        }
        match plan_one(config, vi, &primary, &default_user) {
            Ok(mut p) => {
                p.routing = crate::routing::Routing::plan(
                    &vi.name.value,
                    &vi.virtual_routes,
                    &vi.virtual_rules,
                    &mut preferences,
                    &mut problems,
                );
                let group = group_of(config, &vi.name.value);
                let (trackers, objects, notes) =
                    crate::track::plan(config, vi, group, &refused_scripts);
                p.protocol.trackers.extend(trackers);
                p.tracked_object_names = objects.iter().map(|id| id.describe(config)).collect();
                p.tracked_objects = objects;
                problems.extend(
                    notes
                        .into_iter()
                        .map(|note| format!("({}) {note}", vi.name.value)),
                );
                // keepalived ignores the weights of a sync group's members'
                // trackers (any failure faults the member, and so the group)
                // unless the group says sync_group_tracking_weight.
                if group.is_some_and(|g| !g.sync_group_tracking_weight) {
                    for tracker in &mut p.protocol.trackers {
                        tracker.weight = 0;
                    }
                }
                planned.push(p);
            }
            Err(message) => problems.push(format!(
                "({}) {message}; instance not started",
                vi.name.value
            )),
        }
    }
    (planned, problems)
}

/// Keywords the protocol library handles but this daemon does not wire up
/// yet; each is reported so that nobody relies on it unknowingly.
fn unsupported(vi: &VrrpInstance) -> Vec<&'static str> {
    let checks: [(&'static str, bool); 1] = [("track_bfd", !vi.track_bfd.is_empty())];
    checks
        .into_iter()
        .filter(|(_, used)| *used)
        .map(|(name, _)| name)
        .collect()
}

fn plan_one(
    config: &Config,
    vi: &VrrpInstance,
    primary: &impl Fn(&str, bool) -> Option<IpAddr>,
    default_user: &crate::notify::RunAs,
) -> Result<Planned, String> {
    let global = &config.global;
    let defaults = &global.vrrp;
    let vrid = vi.virtual_router_id.ok_or("no virtual_router_id")?;
    let interface = vi
        .interface
        .as_ref()
        .map(|i| i.value.clone())
        .ok_or("no interface")?;
    let ipv6 = vi.native_ipv6
        || vi
            .virtual_ipaddress
            .first()
            .is_some_and(|a| a.address.is_ipv6());
    let source_from_interface = vi.unicast_src_ip.or(vi.mcast_src_ip).is_none();
    let source = vi
        .unicast_src_ip
        .or(vi.mcast_src_ip)
        .or_else(|| primary(&interface, ipv6));
    // No address yet (the interface is missing, or not configured yet): the
    // instance waits in FAULT and takes the address when it appears.
    let source = source.unwrap_or(if ipv6 {
        IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
    });

    let mut protocol = InstanceConfig::new(&vi.name.value, vrid, source);
    protocol.version = match (ipv6, vi.version.unwrap_or(global.vrrp_version)) {
        (true, _) | (_, 3) => Version::V3,
        _ => Version::V2,
    };
    protocol.priority = vi.priority;
    protocol.advert_int = vi.advert_int;
    protocol.start_as_master = vi.state == ConfState::Master;
    protocol.preempt = !vi.nopreempt;
    protocol.preempt_delay = vi.preempt_delay;
    protocol.down_timer_adverts = vi.down_timer_adverts;
    protocol.virtual_addresses = vi.virtual_ipaddress.iter().map(|a| a.address).collect();
    protocol.unicast_peers = vi
        .unicast_peer
        .iter()
        .map(|peer| Peer {
            address: peer.address,
            // keepalived checks a unicast peer's TTL only when a window is set.
            min_ttl: peer.min_ttl.unwrap_or(0),
            max_ttl: peer.max_ttl.unwrap_or(255),
        })
        .collect();
    protocol.check_unicast_src = vi.check_unicast_src
        || defaults.check_unicast_src
        || vi
            .unicast_peer
            .iter()
            .any(|p| p.min_ttl.is_some() || p.max_ttl.is_some());
    protocol.auth = match &vi.authentication {
        Some(auth) if protocol.version == Version::V2 => match auth.auth_type {
            AuthType::Pass => Auth::simple(auth.auth_pass.as_bytes()),
            AuthType::Ah => Auth::Ah,
        },
        _ => Auth::None,
    };
    let strict = vi.strict_mode.unwrap_or(global.vrrp_strict);
    protocol.accept = vi.accept.unwrap_or(!strict);
    protocol.lower_prio_no_advert = vi
        .lower_prio_no_advert
        .or(defaults.lower_prio_no_advert)
        .unwrap_or(false);
    protocol.higher_prio_send_advert = vi
        .higher_prio_send_advert
        .unwrap_or(defaults.higher_prio_send_advert);
    protocol.skip_check_adv_addr = vi
        .skip_check_adv_addr
        .unwrap_or(defaults.skip_check_adv_addr);
    protocol.garp = GarpConfig {
        master_delay: vi.garp_master_delay.unwrap_or(defaults.garp_master_delay),
        master_repeat: vi.garp_master_repeat.unwrap_or(defaults.garp_master_repeat),
        master_refresh: vi
            .garp_master_refresh
            .unwrap_or(defaults.garp_master_refresh),
        master_refresh_repeat: vi
            .garp_master_refresh_repeat
            .unwrap_or(defaults.garp_master_refresh_repeat),
        lower_prio_delay: vi
            .garp_lower_prio_delay
            .or(defaults.garp_lower_prio_delay)
            .unwrap_or_default(),
        lower_prio_repeat: vi
            .garp_lower_prio_repeat
            .or(defaults.garp_lower_prio_repeat)
            .unwrap_or(0),
    };
    protocol.hmac = vi.auth_hmac.as_ref().map(|h| HmacConfig {
        key: HmacKey::new(h.key_id, h.secret.as_bytes()),
        mode: match h.mode {
            ConfHmacMode::Enforce => HmacMode::Enforce,
            ConfHmacMode::Permissive => HmacMode::Permissive,
            ConfHmacMode::ReceiveOnly => HmacMode::ReceiveOnly,
        },
        replay_window: h.replay_window,
    });
    // track_interface: weight 0 (the default) faults the instance while the
    // interface is down; keepalived ignores tracking its own interface.
    // A sync group's track_interface applies to each member.
    let group = group_of(config, &vi.name.value);
    let group_tracked = group.map(|g| g.track_interface.as_slice()).unwrap_or(&[]);
    let mut tracked_interfaces = Vec::new();
    for track in vi
        .track_interface
        .iter()
        .chain(group_tracked)
        .filter(|t| t.name.value != interface)
    {
        protocol.trackers.push(TrackerConfig {
            weight: track.weight.unwrap_or(0),
            reverse: track.reverse,
        });
        tracked_interfaces.push(track.name.value.clone());
    }
    let addresses = vi
        .virtual_ipaddress
        .iter()
        .chain(&vi.virtual_ipaddress_excluded)
        .cloned()
        .collect();
    let notify = crate::notify::Notify::of(config, vi, default_user.clone());
    let vmac = crate::vmac::plan(vi, vrid, ipv6, defaults.vmac_prefix.as_deref())?;
    let addresses: Vec<IpAddress> = addresses;
    let (address_vmacs, address_vmac) = crate::vmac_addr::plan(
        &interface,
        ipv6,
        vi.use_vmac_addr,
        vrid,
        defaults
            .vmac_addr_prefix
            .as_deref()
            .or(defaults.vmac_prefix.as_deref())
            .unwrap_or("vrrp"),
        &addresses,
    );
    let group = if ipv6 {
        IpAddr::V6(defaults.mcast_group6)
    } else {
        IpAddr::V4(defaults.mcast_group4)
    };
    Ok(Planned {
        group,
        source_from_interface,
        protocol,
        interface,
        addresses,
        tracked_interfaces,
        tracked_objects: Vec::new(),
        tracked_object_names: Vec::new(),
        notify,
        routing: crate::routing::Routing::default(),
        vmac,
        address_vmacs,
        address_vmac,
    })
}

/// The sync group `instance` belongs to, if any.
fn group_of<'c>(config: &'c Config, instance: &str) -> Option<&'c SyncGroup> {
    config
        .sync_groups
        .iter()
        .find(|g| g.group.iter().any(|m| m.value == instance))
}

/// A sync group ready to run: its members as indices into the planned
/// instances.
#[derive(Debug, Clone)]
pub(crate) struct PlannedGroup {
    pub(crate) name: String,
    pub(crate) members: Vec<usize>,
    pub(crate) notify: crate::notify::Notify,
}

/// Plans the sync groups over the instances that will run; a member that
/// does not run is reported, and the group runs with the others.
pub(crate) fn plan_groups(
    config: &Config,
    planned: &[Planned],
) -> (Vec<PlannedGroup>, Vec<String>) {
    let mut groups = Vec::new();
    let mut problems = Vec::new();
    let default_user = default_script_user(config);
    for group in &config.sync_groups {
        let mut members = Vec::new();
        for member in &group.group {
            match planned.iter().position(|p| p.protocol.name == member.value) {
                Some(index) => members.push(index),
                None => problems.push(format!(
                    "vrrp_sync_group {}: member {} is not running; the group runs without it",
                    group.name.value, member.value
                )),
            }
        }
        if members.is_empty() {
            continue;
        }
        groups.push(PlannedGroup {
            name: group.name.value.clone(),
            members,
            notify: crate::notify::Notify::of_group(config, group, default_user.clone()),
        });
    }
    (groups, problems)
}

/// Who runs scripts that name no user: script_user, else
/// keepalived_script if that user exists, else root (`None`).
/// (keepalived's rule, shared with `keepalived-rs -t`: kconf-parser's
/// `script_security::default_user`, with script_user's group).
pub(crate) fn default_script_user(config: &Config) -> crate::notify::RunAs {
    let script_user = config.global.script_user.as_ref();
    let name = script_user.map(|(user, _)| user.as_str());
    let user = kconf_parser::script_security::default_user(
        name,
        &kconf_parser::script_security::ThisHost,
    )?;
    let group = script_user.and_then(|(_, group)| group.clone());
    Some((user.to_owned(), group))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn one_snapshot_of_the_addresses_answers_as_asking_the_kernel_each_time() {
        // Loopback is in every namespace and always has 127.0.0.1 first.
        let addresses = InterfaceAddresses::read();
        assert_eq!(
            addresses.primary("lo", false),
            Some(IpAddr::from([127, 0, 0, 1]))
        );
        assert_eq!(
            addresses.primary("lo", false),
            interface_address("lo", false)
        );
        // Loopback has no link-local IPv6 address, and no such interface
        // has anything.
        assert_eq!(addresses.primary("lo", true), None);
        assert_eq!(addresses.primary("no-such-if0", false), None);
    }

    fn plan_text(text: &str) -> (Vec<Planned>, Vec<String>) {
        let parsed = kconf_parser::parse_str(text, &kconf_parser::ParseOptions::default());
        plan(&parsed.config, |name, ipv6| {
            (name == "eth0" && !ipv6).then(|| "192.0.2.1".parse().unwrap())
        })
    }

    #[test]
    fn keepalived_inheritance_rules() {
        let (planned, problems) = plan_text(
            "global_defs {\n vrrp_garp_master_repeat 3\n vrrp_version 3\n}\n\
             vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 150\n advert_int 0.5\n nopreempt\n\
             unicast_peer {\n  192.0.2.2 min_ttl 250\n }\n virtual_ipaddress {\n  192.0.2.100/24 label eth0:1\n }\n}\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let p = &planned[0];
        assert_eq!(p.interface, "eth0");
        assert_eq!(p.protocol.version, Version::V3);
        assert_eq!((p.protocol.vrid, p.protocol.priority), (51, 150));
        assert_eq!(p.protocol.advert_int, Duration::from_millis(500));
        assert!(!p.protocol.preempt);
        assert_eq!(p.protocol.garp.master_repeat, 3);
        assert_eq!(
            p.protocol.primary_address,
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(p.protocol.unicast_peers[0].min_ttl, 250);
        assert!(p.protocol.check_unicast_src);
        assert_eq!(p.addresses[0].label.as_deref(), Some("eth0:1"));
    }

    #[test]
    fn unsupported_keywords_are_reported_not_ignored_silently() {
        let (planned, problems) = plan_text(
            "vrrp_script chk {\n script /bin/true\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 5\n track_script {\n  chk\n }\n track_bfd {\n  b\n }\n notify_master /bin/true\n}\n",
        );
        assert_eq!(planned.len(), 1);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("track_bfd is not supported")),
            "{problems:?}"
        );
        assert!(
            !problems.iter().any(|p| p.contains("track_script")),
            "{problems:?}"
        );
        // The script's tracker follows the instance's own entries.
        assert_eq!(planned[0].protocol.trackers.len(), 1);
        assert_eq!(
            planned[0].tracked_objects,
            [crate::track::TrackerId::Script(0)]
        );
    }

    #[test]
    fn routes_rules_and_vmacs_are_planned() {
        let (planned, problems) = plan_text(
            "vrrp_instance V {\n interface eth0\n virtual_router_id 51\n use_vmac\n\
             virtual_routes {\n  10.1.0.0/16 via 192.0.2.254 dev eth0\n  10.2.0.0/16 dev eth0 vrf red\n }\n\
             virtual_rules {\n  from 10.1.0.0/16 table 100 preference 50\n }\n}\n",
        );
        let p = &planned[0];
        assert_eq!(p.routing.routes.len(), 1);
        assert_eq!(p.routing.rules.len(), 1);
        assert_eq!(
            (p.vip_interface(), p.advert_interface()),
            ("vrrp.51", "vrrp.51")
        );
        assert!(
            problems
                .iter()
                .any(|m| m.starts_with("(V) route 10.2.0.0/16: 'vrf'")),
            "{problems:?}"
        );
        assert!(
            !problems.iter().any(|m| m.contains("not supported")),
            "{problems:?}"
        );
    }

    #[test]
    fn an_interface_without_an_address_leaves_the_source_to_find_later() {
        let (planned, problems) =
            plan_text("vrrp_instance V {\n interface eth9\n virtual_router_id 5\n}\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert!(planned[0].protocol.primary_address.is_unspecified());
        let (planned, _) = plan_text(
            "vrrp_instance V {\n interface eth9\n virtual_router_id 5\n unicast_src_ip 192.0.2.9\n}\n",
        );
        assert_eq!(
            planned[0].protocol.primary_address,
            "192.0.2.9".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn the_multicast_group_comes_from_global_defs() {
        let (planned, _) =
            plan_text("vrrp_instance V {\n interface eth0\n virtual_router_id 5\n}\n");
        assert_eq!(planned[0].group, "224.0.0.18".parse::<IpAddr>().unwrap());
        let (planned, _) = plan_text(
            "global_defs {\n vrrp_mcast_group4 239.1.2.3\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 5\n}\n",
        );
        assert_eq!(planned[0].group, "239.1.2.3".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn what_cannot_run_is_reported() {
        let (planned, problems) = plan_text("vrrp_instance V {\n virtual_router_id 5\n}\n");
        assert!(planned.is_empty());
        assert!(problems[0].contains("no interface"), "{problems:?}");
    }
}
