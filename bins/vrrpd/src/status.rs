//! vrrpd's answers to status and stats requests: the running instances in
//! ipc-proto's schema. It reads state; it changes nothing but counters
//! (`clear`).

use std::fmt::Write as _;

use ipc_proto::{
    Counters, KeepalivedFields, TrackerStatus, VrrpInstanceStatus, VrrpState, VrrpStateEvent,
};
use kconf_parser::model::ipaddr::IpAddress;
use vrrp_proto::{Instance, State};

use crate::setup::Planned;

/// The schema's word for a state.
pub(crate) fn state_of(state: State) -> VrrpState {
    match state {
        State::Init => VrrpState::Init,
        State::Backup => VrrpState::Backup,
        State::Master => VrrpState::Master,
        State::Fault => VrrpState::Fault,
        State::Stop => VrrpState::Stop,
    }
}

/// The event that tells the supervisor where an instance stands.
pub(crate) fn event(instance: &Instance, group: Option<&str>) -> VrrpStateEvent {
    VrrpStateEvent {
        instance: instance.config().name.clone(),
        state: state_of(instance.state()),
        priority: instance.effective_priority(),
        sync_group: group.map(str::to_owned),
    }
}

/// keepalived's counters of an instance, by name.
pub(crate) fn counters(instance: &Instance) -> Counters {
    instance
        .stats()
        .counters()
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// One instance as `kactl status` shows it.
pub(crate) fn instance(
    instance: &Instance,
    planned: &Planned,
    last_transition: f64,
    group: Option<&str>,
    strict: bool,
) -> VrrpInstanceStatus {
    let config = instance.config();
    let (vips, evips): (Vec<_>, Vec<_>) = planned
        .addresses
        .iter()
        .partition(|a| config.virtual_addresses.contains(&a.address));
    let mut trackers = Vec::new();
    let names = planned
        .tracked_interfaces
        .iter()
        .map(|name| ("interface", name.as_str()))
        .chain(
            planned
                .tracked_object_names
                .iter()
                .map(|(kind, name)| (*kind, name.as_str())),
        );
    for (index, (kind, name)) in names.enumerate() {
        let weight = config.trackers.get(index).map_or(0, |t| t.weight);
        let status = match instance.tracker_status(index) {
            Some(vrrp_proto::TrackerStatus::Up) => "up".to_owned(),
            Some(vrrp_proto::TrackerStatus::Down) => "down".to_owned(),
            Some(vrrp_proto::TrackerStatus::Pending) | None => "pending".to_owned(),
            Some(vrrp_proto::TrackerStatus::Value(v)) => v.to_string(),
        };
        trackers.push(TrackerStatus {
            kind: kind.to_owned(),
            name: name.to_owned(),
            status,
            weight,
        });
    }
    let master = instance.master();
    VrrpInstanceStatus {
        iname: config.name.clone(),
        vrid: config.vrid,
        version: config.version.number(),
        family: if config.primary_address.is_ipv6() {
            "inet6"
        } else {
            "inet"
        }
        .to_owned(),
        ifp_ifname: planned.interface.clone(),
        vmac_ifname: planned.vmac.as_ref().map(|v| v.name.clone()),
        state: state_of(instance.state()),
        base_priority: config.priority,
        effective_priority: instance.effective_priority(),
        master_priority: master.map(|(_, priority)| priority),
        master_address: master.map(|(address, _)| address.to_string()),
        last_transition,
        adver_int: config.advert_int.as_secs_f64(),
        master_adver_int: instance.master_adver_interval().as_secs_f64(),
        nopreempt: !config.preempt,
        preempt_delay: config.preempt_delay.as_secs_f64(),
        accept: config.accept,
        vips: vips.into_iter().map(describe).collect(),
        evips: evips.into_iter().map(describe).collect(),
        unicast_peers: config
            .unicast_peers
            .iter()
            .map(|p| p.address.to_string())
            .collect(),
        sync_group: group.map(str::to_owned),
        trackers,
        stats: counters(instance),
        keepalived: keepalived_fields(instance, strict),
    }
}

fn keepalived_fields(instance: &Instance, strict: bool) -> KeepalivedFields {
    let config = instance.config();
    let garp = &config.garp;
    KeepalivedFields {
        // vrrpd tracks its own interface always, as keepalived without it.
        dont_track_primary: false,
        skip_check_adv_addr: config.skip_check_adv_addr,
        strict_mode: strict,
        garp_delay: garp.master_delay.as_secs_f64(),
        garp_refresh: garp.master_refresh.as_secs_f64(),
        garp_rep: garp.master_repeat,
        garp_refresh_rep: garp.master_refresh_repeat,
        garp_lower_prio_delay: garp.lower_prio_delay.as_secs_f64(),
        garp_lower_prio_rep: garp.lower_prio_repeat,
        lower_prio_no_advert: config.lower_prio_no_advert,
        higher_prio_send_advert: config.higher_prio_send_advert,
        vipset: instance.state() == State::Master,
        promote_secondaries: false,
        auth_type: match config.auth {
            vrrp_proto::wire::Auth::None => "none",
            vrrp_proto::wire::Auth::Simple(_) => "PASS",
            vrrp_proto::wire::Auth::Ah => "AH",
            vrrp_proto::wire::Auth::Unknown(_) => "unknown",
        }
        .to_owned(),
    }
}

/// An address as configured, in `ip address` words.
fn describe(address: &IpAddress) -> String {
    let mut text = format!("{}/{}", address.address, address.prefix_len);
    if let Some(dev) = &address.dev {
        let _ = write!(text, " dev {}", dev.value);
    }
    if let Some(label) = &address.label {
        let _ = write!(text, " label {label}");
    }
    if let Some(peer) = &address.peer {
        let _ = write!(text, " peer {peer}");
    }
    text
}
