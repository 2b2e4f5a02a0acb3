//! VRRP checks across blocks, with keepalived 2.2.7's verdicts (each
//! message below was compared with what `keepalived -t` says) and clearer
//! words.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::instance::{State, VrrpInstance};
use crate::diagnostic::{Code, Location, Severity};
use crate::model::Config;
use crate::model::reader::{Cx, seconds};

pub(crate) fn validate(config: &Config, cx: &mut Cx<'_>) {
    let mut names = HashSet::new();
    for instance in &config.vrrp_instances {
        if !names.insert(instance.name.value.as_str()) {
            warn(
                cx,
                Code::Duplicate,
                instance.name.location.as_ref(),
                format!(
                    "vrrp_instance {} is defined twice; the second is ignored",
                    instance.name.value
                ),
            );
            continue;
        }
        check_instance(config, instance, cx);
    }
    check_vrids(config, cx);
    check_sync_groups(config, cx);
}

fn warn(cx: &mut Cx<'_>, code: Code, location: Option<&Location>, message: String) {
    report(cx, Severity::Warning, code, location, message);
}

fn report(
    cx: &mut Cx<'_>,
    severity: Severity,
    code: Code,
    location: Option<&Location>,
    message: String,
) {
    cx.diagnostics.push(crate::Diagnostic::new(
        severity,
        code,
        location.cloned(),
        message,
    ));
}

/// The VRRP version an instance runs: its own, else IPv6 forces 3, else the
/// global default.
pub(crate) fn effective_version(config: &Config, instance: &VrrpInstance) -> u8 {
    instance.version.unwrap_or(config.global.vrrp_version)
}

fn is_strict(config: &Config, instance: &VrrpInstance) -> bool {
    instance.strict_mode.unwrap_or(config.global.vrrp_strict)
}

fn check_instance(config: &Config, vi: &VrrpInstance, cx: &mut Cx<'_>) {
    let name = &vi.name.value;
    let at = vi.name.location.as_ref();
    if vi.virtual_router_id.is_none() {
        report(
            cx,
            Severity::Error,
            Code::MissingValue,
            at,
            format!("vrrp_instance {name} has no virtual_router_id (1-255); it cannot run"),
        );
    }
    if vi.interface.is_none() && vi.unicast_peer.is_empty() {
        warn(
            cx,
            Code::MissingValue,
            at,
            format!(
                "vrrp_instance {name} has no interface and no unicast_peer: there is nowhere to send adverts"
            ),
        );
    }
    if vi.virtual_ipaddress.is_empty() {
        warn(
            cx,
            Code::MissingValue,
            at,
            format!("vrrp_instance {name} has no virtual_ipaddress; at least one is sensible"),
        );
    }
    if vi.nopreempt && vi.state == State::Master {
        warn(
            cx,
            Code::Inconsistent,
            at,
            format!(
                "vrrp_instance {name}: nopreempt does not work with `state MASTER`; it is cleared"
            ),
        );
    }

    if let Some(auth) = &vi.authentication {
        if auth.auth_type == super::AuthType::Ah && vi.state == State::Master {
            warn(
                cx,
                Code::Inconsistent,
                at,
                format!(
                    "vrrp_instance {name}: `state MASTER` cannot be used with AH authentication; it starts as BACKUP"
                ),
            );
        }
    }
    if let Some(own) = &vi.interface {
        for track in vi
            .track_interface
            .iter()
            .filter(|t| t.name.value == own.value)
        {
            warn(
                cx,
                Code::Inconsistent,
                track.name.location.as_ref(),
                format!(
                    "vrrp_instance {name} tracks its own interface {}; ignored (the instance follows it anyway)",
                    own.value
                ),
            );
        }
    }

    let version = effective_version(config, vi);
    check_advert_int(vi, version, cx);
    if vi.authentication.is_some() && version == 3 {
        warn(
            cx,
            Code::Inconsistent,
            at,
            format!(
                "vrrp_instance {name}: VRRPv3 has no authentication; the authentication block is ignored"
            ),
        );
    }
    if is_strict(config, vi) {
        if vi.state == State::Master && vi.priority != 255 {
            warn(
                cx,
                Code::Inconsistent,
                at,
                format!(
                    "vrrp_instance {name}: strict mode allows `state MASTER` only for the address owner (priority 255)"
                ),
            );
        }
        if vi.authentication.is_some() && version == 2 {
            warn(
                cx,
                Code::Inconsistent,
                at,
                format!(
                    "vrrp_instance {name}: strict mode does not allow authentication; it is ignored"
                ),
            );
        }
        if vi.accept == Some(true) && version == 2 {
            warn(
                cx,
                Code::Inconsistent,
                at,
                format!(
                    "vrrp_instance {name}: `accept` with VRRPv2 does not comply with RFC 3768 in strict mode; it is reset"
                ),
            );
        }
    }

    let tracked: [(&str, &[super::TrackRef], Vec<&str>); 4] = [
        (
            "vrrp_script",
            &vi.track_script,
            config
                .vrrp_scripts
                .iter()
                .map(|s| s.name.value.as_str())
                .collect(),
        ),
        (
            "track_file",
            &vi.track_file,
            config.track_files.iter().map(|f| f.name.as_str()).collect(),
        ),
        (
            "vrrp_track_process",
            &vi.track_process,
            config
                .track_processes
                .iter()
                .map(|p| p.name.as_str())
                .collect(),
        ),
        (
            "bfd_instance",
            &vi.track_bfd,
            config
                .bfd_instances
                .iter()
                .map(|b| b.name.as_str())
                .collect(),
        ),
    ];
    for (kind, refs, known) in tracked {
        for track in refs {
            if !known.contains(&track.name.value.as_str()) {
                let mut diagnostic = crate::Diagnostic::new(
                    Severity::Warning,
                    Code::UnknownReference,
                    track.name.location.clone(),
                    format!(
                        "vrrp_instance {name} tracks {kind} '{}', which is not defined; ignored",
                        track.name.value
                    ),
                );
                if let Some(suggestion) =
                    crate::model::reader::closest(&track.name.value, known.iter().copied())
                {
                    diagnostic = diagnostic.with_help(format!("did you mean '{suggestion}'?"));
                }
                cx.diagnostics.push(diagnostic);
            }
        }
    }
}

/// VRRPv2 counts whole seconds; VRRPv3 counts centiseconds up to 40.95 s.
fn check_advert_int(vi: &VrrpInstance, version: u8, cx: &mut Cx<'_>) {
    let name = &vi.name.value;
    let at = vi.name.location.as_ref();
    let interval = vi.advert_int;
    if version == 2 && interval.subsec_nanos() != 0 {
        warn(
            cx,
            Code::InvalidValue,
            at,
            format!(
                "vrrp_instance {name}: VRRPv2 advert_int must be whole seconds; {} is rounded",
                seconds(interval)
            ),
        );
    } else if version == 3 {
        if interval > Duration::from_millis(40_950) {
            warn(
                cx,
                Code::OutOfRange,
                at,
                format!(
                    "vrrp_instance {name}: VRRPv3 advert_int {} is over 40.95 s; 40.95 s is used",
                    seconds(interval)
                ),
            );
        } else if interval.as_micros() % 10_000 != 0 {
            warn(
                cx,
                Code::InvalidValue,
                at,
                format!(
                    "vrrp_instance {name}: VRRPv3 advert_int {} is not a whole number of centiseconds; it is rounded",
                    seconds(interval)
                ),
            );
        }
    }
}

/// One VRID per interface and address family (multicast), as the wire can
/// only tell instances apart by VRID.
fn check_vrids(config: &Config, cx: &mut Cx<'_>) {
    let mut seen: HashMap<(String, u8, bool), &str> = HashMap::new();
    for vi in &config.vrrp_instances {
        let (Some(interface), Some(vrid)) = (&vi.interface, vi.virtual_router_id) else {
            continue;
        };
        if !vi.unicast_peer.is_empty() || vi.mcast_dst_ip.is_some() {
            // Unicast peers or another group separate the instances.
            continue;
        }
        let ipv6 = vi.native_ipv6
            || vi
                .virtual_ipaddress
                .first()
                .is_some_and(|a| a.address.is_ipv6());
        let key = (interface.value.clone(), vrid, ipv6);
        match seen.get(&key) {
            Some(first) => report(
                cx,
                Severity::Error,
                Code::Duplicate,
                vi.name.location.as_ref(),
                format!(
                    "vrrp_instance {} and {first} both use VRID {vrid} for {} on {}; adverts cannot tell them apart",
                    vi.name.value,
                    if ipv6 { "IPv6" } else { "IPv4" },
                    interface.value
                ),
            ),
            None => {
                seen.insert(key, vi.name.value.as_str());
            }
        }
    }
}

fn check_sync_groups(config: &Config, cx: &mut Cx<'_>) {
    let instances: HashMap<&str, &VrrpInstance> = config
        .vrrp_instances
        .iter()
        .map(|vi| (vi.name.value.as_str(), vi))
        .collect();
    let mut owner: HashMap<&str, &str> = HashMap::new();
    for group in &config.sync_groups {
        let name = &group.name.value;
        let mut members = 0;
        for member in &group.group {
            let Some(instance) = instances.get(member.value.as_str()) else {
                let mut diagnostic = crate::Diagnostic::new(
                    Severity::Warning,
                    Code::UnknownReference,
                    member.location.clone(),
                    format!(
                        "vrrp_sync_group {name} names vrrp_instance '{}', which is not defined; ignored",
                        member.value
                    ),
                );
                if let Some(suggestion) =
                    crate::model::reader::closest(&member.value, instances.keys().copied())
                {
                    diagnostic = diagnostic.with_help(format!("did you mean '{suggestion}'?"));
                }
                cx.diagnostics.push(diagnostic);
                continue;
            };
            if let Some(other) = owner.get(member.value.as_str()) {
                warn(
                    cx,
                    Code::Duplicate,
                    member.location.as_ref(),
                    format!(
                        "vrrp_instance {} is already in sync group {other}; an instance can be in one group only",
                        member.value
                    ),
                );
                continue;
            }
            owner.insert(member.value.as_str(), name.as_str());
            members += 1;
            if !group.sync_group_tracking_weight {
                let weighted = instance.track_script.iter().filter(|t| {
                    let script_weight = config
                        .vrrp_scripts
                        .iter()
                        .find(|s| s.name.value == t.name.value)
                        .map_or(0, |s| s.weight.value);
                    t.weight.unwrap_or(script_weight) != 0
                });
                for track in weighted {
                    warn(
                        cx,
                        Code::Inconsistent,
                        track.name.location.as_ref(),
                        format!(
                            "vrrp_instance {} is in sync group {name}, so the weight of tracked script {} is ignored (set sync_group_tracking_weight in the group to keep it)",
                            member.value, track.name.value
                        ),
                    );
                }
            }
        }
        match members {
            0 => warn(
                cx,
                Code::MissingValue,
                group.name.location.as_ref(),
                format!("vrrp_sync_group {name} has no existing member; it is removed"),
            ),
            1 => warn(
                cx,
                Code::Inconsistent,
                group.name.location.as_ref(),
                format!(
                    "vrrp_sync_group {name} has a single member; a sync group needs two or more to do anything"
                ),
            ),
            _ => {}
        }
    }
}
