//! What a reload reads and compares: the configuration parsed and planned
//! again, and which parts of the running daemon it leaves alone.
//!
//! The event loop applies the difference (daemon.rs); this module decides
//! nothing about states. The rule, as an operator expects it: what did not
//! change keeps running untouched (no transition, no advert out of turn, no
//! gratuitous ARP); a changed instance that stays on the same interface,
//! VRID, version and family is updated in place; anything else is a removed
//! instance plus a new one.

use std::path::PathBuf;

use kconf_parser::model::Config;
use kconf_parser::model::global::Fifo;
use kconf_parser::model::track::{TrackFile, TrackProcess};
use kconf_parser::model::vrrp::VrrpScript;

use crate::setup::Planned;

/// The configuration pieces trackers are started from: unchanged, the
/// running trackers (and their current results) are kept.
#[derive(Debug, Clone, PartialEq)]
struct TrackerInputs {
    scripts: Vec<VrrpScript>,
    files: Vec<TrackFile>,
    processes: Vec<TrackProcess>,
    script_user: Option<(String, Option<String>)>,
    script_security: bool,
}

impl TrackerInputs {
    fn of(config: &Config) -> Self {
        TrackerInputs {
            scripts: config.vrrp_scripts.clone(),
            files: config.track_files.clone(),
            processes: config.track_processes.clone(),
            script_user: config.global.script_user.clone(),
            script_security: config.global.enable_script_security,
        }
    }
}

/// The notify FIFOs' configuration.
#[derive(Debug, Clone, PartialEq)]
struct FifoInputs(Vec<Option<Fifo>>, Option<(String, Option<String>)>);

impl FifoInputs {
    fn of(config: &Config) -> Self {
        let n = &config.global.notification;
        FifoInputs(
            vec![n.notify_fifo.clone(), n.vrrp_notify_fifo.clone()],
            config.global.script_user.clone(),
        )
    }
}

/// Where the configuration comes from, and what the running trackers and
/// FIFOs were made from.
pub(crate) struct Source {
    path: PathBuf,
    options: kconf_parser::ParseOptions,
    trackers: TrackerInputs,
    fifos: FifoInputs,
}

/// A configuration read again, planned, and compared with the running one.
pub(crate) struct Fresh {
    pub(crate) config: Config,
    pub(crate) planned: Vec<Planned>,
    /// Warnings of the planning (unsupported options, missing scripts).
    pub(crate) problems: Vec<String>,
    /// `static_*`.
    pub(crate) statics: crate::routing::Static,
    /// The trackers must be started again.
    pub(crate) trackers_changed: bool,
    /// The FIFOs must be opened again.
    pub(crate) fifos_changed: bool,
}

impl Source {
    /// The running configuration's source.
    pub(crate) fn new(path: PathBuf, options: kconf_parser::ParseOptions, config: &Config) -> Self {
        Source {
            path,
            options,
            trackers: TrackerInputs::of(config),
            fifos: FifoInputs::of(config),
        }
    }

    /// Reads and plans the file again.
    ///
    /// # Errors
    /// The diagnostics that make it unusable; nothing has changed then.
    pub(crate) fn read(&self) -> Result<Fresh, Vec<String>> {
        let parsed = kconf_parser::parse_file(&self.path, &self.options);
        // Errors, not warnings (as the supervisor's check): a reload never
        // applies a configuration with a mistake keepalived -t reports.
        let errors = parsed.errors();
        if !errors.is_empty() || parsed.verdict() == kconf_parser::Verdict::Fatal {
            return Err(errors);
        }
        let config = parsed.config;
        let addresses = crate::setup::InterfaceAddresses::read();
        let (planned, mut problems) = crate::setup::plan(&config, |interface, ipv6| {
            addresses.primary(interface, ipv6)
        });
        let statics = crate::routing::Static::plan(
            &config,
            &mut crate::routing::Preferences::default(),
            &mut problems,
        );
        if planned.is_empty() {
            return Err(vec![
                "the new configuration has no VRRP instance vrrpd can run".to_owned(),
            ]);
        }
        let trackers_changed = TrackerInputs::of(&config) != self.trackers;
        let fifos_changed = FifoInputs::of(&config) != self.fifos;
        Ok(Fresh {
            config,
            planned,
            problems,
            statics,
            trackers_changed,
            fifos_changed,
        })
    }

    /// The reload took effect: `config` is the running one now.
    pub(crate) fn applied(&mut self, config: &Config) {
        self.trackers = TrackerInputs::of(config);
        self.fifos = FifoInputs::of(config);
    }
}

/// Whether `new` can replace `old` in the running instance: same VRID,
/// version, family, interfaces, multicast group and VMACs (the socket and
/// the links stay).
pub(crate) fn same_place(old: &Planned, new: &Planned) -> bool {
    let (a, b) = (&old.protocol, &new.protocol);
    a.vrid == b.vrid
        && a.version == b.version
        && a.primary_address.is_ipv6() == b.primary_address.is_ipv6()
        && old.interface == new.interface
        && old.advert_interface() == new.advert_interface()
        && old.group == new.group
        && old.vmac == new.vmac
        && old.address_vmacs == new.address_vmacs
        && old.source_from_interface == new.source_from_interface
}

/// The addresses of `old` that `new` no longer has (by address and
/// prefix), as a plan to remove just them.
pub(crate) fn dropped_addresses(old: &Planned, new: &Planned) -> Option<Planned> {
    let dropped: Vec<usize> = old
        .addresses
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            !new.addresses
                .iter()
                .any(|b| b.address == a.address && b.prefix_len == a.prefix_len)
        })
        .map(|(i, _)| i)
        .collect();
    let routing_changed = old.routing != new.routing;
    if dropped.is_empty() && !routing_changed {
        return None;
    }
    let mut plan = old.clone();
    plan.addresses = dropped
        .iter()
        .filter_map(|&i| old.addresses.get(i).cloned())
        .collect();
    plan.address_vmac = dropped
        .iter()
        .map(|&i| old.address_vmac.get(i).copied().flatten())
        .collect();
    if !routing_changed {
        plan.routing = crate::routing::Routing::default();
    }
    Some(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(instance_body: &str) -> Planned {
        let text = format!(
            "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n priority 150\n{instance_body}\n}}\n"
        );
        let parsed = kconf_parser::parse_str(&text, &kconf_parser::ParseOptions::default());
        let (mut planned, problems) = crate::setup::plan(&parsed.config, |name, ipv6| {
            (name == "eth0" && !ipv6).then(|| "192.0.2.1".parse().unwrap())
        });
        assert!(problems.is_empty(), "{problems:?}");
        planned.remove(0)
    }

    #[test]
    fn what_can_change_in_place() {
        let base = plan("virtual_ipaddress { 10.0.0.1/24 }");
        assert_eq!(base, plan("virtual_ipaddress { 10.0.0.1/24 }"));
        // Priority, interval, VIPs: the same socket serves.
        for body in [
            "priority 90\n virtual_ipaddress { 10.0.0.1/24 }",
            "advert_int 3\n virtual_ipaddress { 10.0.0.1/24 }",
            "virtual_ipaddress {\n 10.0.0.1/24\n 10.0.0.2/24\n }",
        ] {
            let changed = plan(body);
            assert_ne!(base, changed, "{body}");
            assert!(same_place(&base, &changed), "{body}");
        }
        // Another VRID, version or interface: a new instance.
        for body in [
            "virtual_router_id 52\n virtual_ipaddress { 10.0.0.1/24 }",
            "version 3\n virtual_ipaddress { 10.0.0.1/24 }",
            "interface eth1\n virtual_ipaddress { 10.0.0.1/24 }",
            "use_vmac\n virtual_ipaddress { 10.0.0.1/24 }",
        ] {
            assert!(!same_place(&base, &plan(body)), "{body}");
        }
    }

    #[test]
    fn only_dropped_addresses_are_removed() {
        let old = plan("virtual_ipaddress {\n 10.0.0.1/24\n 10.0.0.2/24\n 10.0.0.3/32\n }");
        let new = plan("virtual_ipaddress {\n 10.0.0.1/24\n 10.0.0.3/24\n 10.0.0.4/24\n }");
        let gone = dropped_addresses(&old, &new).unwrap();
        let addresses: Vec<String> = gone
            .addresses
            .iter()
            .map(|a| format!("{}/{}", a.address, a.prefix_len))
            .collect();
        // 10.0.0.3 changed its prefix: the /32 goes, the /24 is added.
        assert_eq!(addresses, ["10.0.0.2/24", "10.0.0.3/32"]);
        assert_eq!(gone.address_vmac.len(), 2);
        assert!(dropped_addresses(&old, &old).is_none());
    }
}
