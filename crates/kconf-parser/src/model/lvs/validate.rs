//! Checks of virtual servers that need the whole configuration, with the
//! verdicts of keepalived 2.2.7's `validate_check_config` (each was checked
//! with `keepalived -t`): where keepalived corrects a setting and carries on
//! we warn; where it is silent we at most add a note.

use super::forwarding::ForwardingMethod;
use super::group::{GroupEntry, VirtualServerGroup};
use super::kinds::{IpFamily, Protocol};
use super::real_server::RealServer;
use super::virtual_server::{DEFAULT_PERSISTENCE_TIMEOUT, VirtualServer, VirtualServerTarget};
use crate::diagnostic::{Code, Diagnostic, Location, Severity};
use crate::model::Config;
use crate::model::reader::Cx;

pub(super) fn validate(config: &Config, cx: &mut Cx<'_>) {
    // Sets, not pairwise scans: configurations with thousands of virtual
    // servers are common.
    let mut group_names = std::collections::HashSet::new();
    for group in &config.virtual_server_groups {
        if !group_names.insert(group.name.value.as_str()) {
            note(
                cx,
                Code::Duplicate,
                group.name.location.as_ref(),
                format!(
                    "virtual_server_group '{}' is defined twice; keepalived uses the first",
                    group.name.value
                ),
            );
        }
    }
    let mut services = std::collections::HashSet::new();
    for vs in &config.virtual_servers {
        if !services.insert(format!("{} {:?}", vs.target, vs.protocol)) {
            note(
                cx,
                Code::Duplicate,
                vs.target.location(),
                format!(
                    "virtual_server {} is defined twice with the same protocol",
                    vs.target
                ),
            );
        }
        check_virtual_server(config, vs, cx);
    }
}

/// The effective forwarding method of a server.
fn method_of(own: Option<ForwardingMethod>, vs: &VirtualServer) -> ForwardingMethod {
    own.or(vs.forwarding).unwrap_or(ForwardingMethod::Nat)
}

fn check_virtual_server(config: &Config, vs: &VirtualServer, cx: &mut Cx<'_>) {
    let at = vs.target.location();
    let group = match &vs.target {
        VirtualServerTarget::Group(name) => {
            let group = config
                .virtual_server_groups
                .iter()
                .find(|g| g.name.value == name.value);
            if group.is_none() {
                cx.diagnostics.push(
                    Diagnostic::new(
                        Severity::Note,
                        Code::UnknownReference,
                        name.location.clone(),
                        format!(
                            "no usable virtual_server_group '{}'; keepalived -t accepts this, but ignores the virtual_server when it starts",
                            name.value
                        ),
                    )
                    .with_help("define the group with at least one entry".to_owned()),
                );
            }
            group
        }
        _ => None,
    };

    let (family, live) = check_families(vs, cx);
    let entries = usable_entries(group, family);
    if live.is_empty() {
        warn(
            cx,
            Code::MissingValue,
            at,
            format!(
                "virtual_server {} has no real servers; keepalived ignores it",
                vs.target
            ),
        );
        return;
    }

    let has_fwmarks = match &vs.target {
        VirtualServerTarget::Fwmark(_) => true,
        VirtualServerTarget::Group(_) => entries
            .iter()
            .any(|e| matches!(e, GroupEntry::Fwmark { .. })),
        VirtualServerTarget::Address { .. } => false,
    };
    if vs.ha_suspend && has_fwmarks {
        warn(
            cx,
            Code::Inconsistent,
            at,
            format!(
                "virtual_server {}: ha_suspend cannot be used with fwmarks; keepalived clears it",
                vs.target
            ),
        );
    }
    check_service(vs, &entries, cx);

    if vs.scheduler.is_none() {
        warn_help(
            cx,
            Code::MissingValue,
            at,
            format!(
                "virtual_server {} has no lvs_sched; keepalived uses wlc",
                vs.target
            ),
            "add 'lvs_sched wlc' (or another scheduler)",
        );
    }

    let live = without_duplicates(vs, live, cx);
    check_forwarding(vs, &live, cx);
    check_quorum(vs, &live, cx);
    check_ports(vs, &entries, &live, cx);
}

/// The service's address family and the real servers keepalived keeps:
/// a non-tunnelled real or sorry server must have the service's family.
fn check_families<'v>(
    vs: &'v VirtualServer,
    cx: &mut Cx<'_>,
) -> (Option<IpFamily>, Vec<&'v RealServer>) {
    let at = vs.target.location();
    let mut family = match &vs.target {
        VirtualServerTarget::Address { ip, .. } => Some(IpFamily::of(ip)),
        _ => None,
    };
    if let Some(wanted) = vs.ip_family {
        match family {
            Some(actual) if actual != wanted => warn(
                cx,
                Code::Inconsistent,
                at,
                format!(
                    "virtual_server {}: ip_family {wanted} conflicts with its {actual} address; ignored",
                    vs.target
                ),
            ),
            _ => family = Some(wanted),
        }
    }
    if family.is_none() {
        family = vs.persistence_granularity.map(|g| g.family());
    }
    let mut live = Vec::new();
    for rs in &vs.real_servers {
        if method_of(rs.forwarding, vs).is_tunnel() {
            live.push(rs);
            continue;
        }
        let own = IpFamily::of(&rs.ip);
        match family {
            None => family = Some(own),
            Some(service) if service != own => {
                warn(
                    cx,
                    Code::Inconsistent,
                    rs.ip.location.as_ref(),
                    format!(
                        "real_server {} is {own} but virtual_server {} is {service}; keepalived skips the real server",
                        rs.ip.value, vs.target
                    ),
                );
                continue;
            }
            Some(_) => {}
        }
        live.push(rs);
    }
    if let Some(sorry) = &vs.sorry_server {
        let own = IpFamily::of(&sorry.ip);
        if !method_of(sorry.forwarding, vs).is_tunnel() && family.is_some_and(|f| f != own) {
            warn(
                cx,
                Code::Inconsistent,
                sorry.ip.location.as_ref(),
                format!(
                    "sorry_server {} is not the family of virtual_server {}; keepalived skips it",
                    sorry.ip.value, vs.target
                ),
            );
        }
    }
    (family, live)
}

/// Protocol, one-packet scheduling and port rules of the service itself.
fn check_service(vs: &VirtualServer, entries: &[&GroupEntry], cx: &mut Cx<'_>) {
    let at = vs.target.location();
    let group_addresses: Vec<Option<u16>> = entries
        .iter()
        .filter_map(|e| match e {
            GroupEntry::Address { port, .. } => Some(*port),
            GroupEntry::Fwmark { .. } => None,
        })
        .collect();
    let by_address = match &vs.target {
        VirtualServerTarget::Address { .. } => true,
        VirtualServerTarget::Group(_) => !group_addresses.is_empty(),
        VirtualServerTarget::Fwmark(_) => false,
    };
    let mut persistent = vs.persistence_timeout.is_some();
    if by_address {
        if vs.protocol.is_none() {
            warn_help(
                cx,
                Code::MissingValue,
                at,
                format!(
                    "virtual_server {} has no protocol; keepalived uses UDP",
                    vs.target
                ),
                "add 'protocol TCP' (or UDP, SCTP)",
            );
        }
        if vs.one_packet_scheduling && vs.protocol.is_some_and(|p| p != Protocol::Udp) {
            warn(
                cx,
                Code::Inconsistent,
                at,
                format!(
                    "virtual_server {}: one packet scheduling ('ops') needs UDP; keepalived clears it",
                    vs.target
                ),
            );
        }
        if let VirtualServerTarget::Address { port: None, .. } = vs.target {
            if !persistent {
                warn_help(
                    cx,
                    Code::Inconsistent,
                    at,
                    format!(
                        "virtual_server {} has no port, which only a persistent service may omit; keepalived sets persistence_timeout {DEFAULT_PERSISTENCE_TIMEOUT}",
                        vs.target
                    ),
                    "add the port, or 'persistence_timeout'",
                );
                persistent = true;
            }
        }
    }
    if !persistent && group_addresses.iter().any(Option::is_none) {
        warn_help(
            cx,
            Code::Inconsistent,
            at,
            format!(
                "virtual_server {}: its group has an address without a port, which only a persistent service may have; keepalived sets persistence_timeout {DEFAULT_PERSISTENCE_TIMEOUT}",
                vs.target
            ),
            "give every group address a port, or add 'persistence_timeout'",
        );
    }
    let fwmark_only = match &vs.target {
        VirtualServerTarget::Fwmark(_) => true,
        VirtualServerTarget::Group(_) => {
            group_addresses.is_empty()
                && entries
                    .iter()
                    .any(|e| matches!(e, GroupEntry::Fwmark { .. }))
        }
        VirtualServerTarget::Address { .. } => false,
    };
    if let (Some(protocol), true) = (vs.protocol, fwmark_only) {
        warn(
            cx,
            Code::Inconsistent,
            at,
            format!(
                "virtual_server {}: 'protocol {protocol}' is ignored for a fwmark service",
                vs.target
            ),
        );
    }
}

/// The entries of the group that serve this virtual server: keepalived
/// leaves out addresses and fwmarks of another family than the service's.
fn usable_entries(
    group: Option<&VirtualServerGroup>,
    family: Option<IpFamily>,
) -> Vec<&GroupEntry> {
    let Some(group) = group else {
        return Vec::new();
    };
    group
        .entries
        .iter()
        .filter(|entry| {
            let own = match entry {
                GroupEntry::Address { range, .. } => Some(range.family()),
                GroupEntry::Fwmark { family, .. } => *family,
            };
            matches!((own, family), (None, _) | (_, None)) || own == family
        })
        .collect()
}

/// Removes (with a warning) a real server that repeats an earlier one.
fn without_duplicates<'v>(
    vs: &VirtualServer,
    live: Vec<&'v RealServer>,
    cx: &mut Cx<'_>,
) -> Vec<&'v RealServer> {
    let mut kept: Vec<&RealServer> = Vec::with_capacity(live.len());
    for rs in live {
        if kept
            .iter()
            .any(|k| k.ip.value == rs.ip.value && k.port == rs.port)
        {
            warn(
                cx,
                Code::Duplicate,
                rs.ip.location.as_ref(),
                format!(
                    "real_server {} is repeated in virtual_server {}; keepalived removes the second",
                    rs.ip.value, vs.target
                ),
            );
            continue;
        }
        kept.push(rs);
    }
    kept
}

/// A server without a forwarding method when the virtual server has none
/// either (keepalived warns once and uses NAT), and a real server that is
/// also the sorry server with another inhibit setting.
fn check_forwarding(vs: &VirtualServer, live: &[&RealServer], cx: &mut Cx<'_>) {
    if vs.forwarding.is_none() {
        let rs_unset = live.iter().any(|rs| rs.forwarding.is_none());
        let sorry_unset = vs
            .sorry_server
            .as_ref()
            .is_some_and(|s| s.forwarding.is_none());
        if rs_unset || sorry_unset {
            warn_help(
                cx,
                Code::MissingValue,
                vs.target.location(),
                format!(
                    "virtual_server {} has no lvs_method; keepalived uses NAT",
                    vs.target
                ),
                "add 'lvs_method NAT' (or DR, TUN)",
            );
        }
    }
    let Some(sorry) = &vs.sorry_server else {
        return;
    };
    for rs in live {
        if rs.ip.value != sorry.ip.value || rs.port != sorry.port {
            continue;
        }
        let inhibit = rs.inhibit_on_failure.unwrap_or(vs.inhibit_on_failure);
        if inhibit != sorry.inhibit {
            warn(
                cx,
                Code::Inconsistent,
                sorry.ip.location.as_ref(),
                format!(
                    "sorry_server {} is also a real server with another inhibit_on_failure; keepalived {} sorry_server_inhibit",
                    sorry.ip.value,
                    if inhibit { "sets" } else { "clears" }
                ),
            );
        }
    }
}

/// The quorum must be reachable by the real servers' weights, and the
/// hysteresis below the quorum.
fn check_quorum(vs: &VirtualServer, live: &[&RealServer], cx: &mut Cx<'_>) {
    let at = vs.target.location();
    let total: u64 = live
        .iter()
        .map(|rs| u64::from(rs.weight.unwrap_or(vs.weight)))
        .sum();
    let mut quorum = u64::from(vs.quorum);
    if quorum > total {
        warn(
            cx,
            Code::Inconsistent,
            at,
            format!(
                "virtual_server {}: quorum {quorum} exceeds the total weight of its real servers, {total}; keepalived lowers the quorum to {total}",
                vs.target
            ),
        );
        quorum = total;
    }
    if u64::from(vs.hysteresis) >= quorum {
        warn(
            cx,
            Code::Inconsistent,
            at,
            format!(
                "virtual_server {}: hysteresis {} is not below the quorum {quorum}; keepalived lowers it",
                vs.target, vs.hysteresis
            ),
        );
    }
}

/// Unless forwarded by NAT, a server takes the service's port: keepalived
/// warns when another is given (and clears it for a fwmark service).
fn check_ports(vs: &VirtualServer, entries: &[&GroupEntry], live: &[&RealServer], cx: &mut Cx<'_>) {
    let mut servers: Vec<(&str, std::net::IpAddr, Option<u16>, Option<&Location>)> = live
        .iter()
        .filter(|rs| method_of(rs.forwarding, vs) != ForwardingMethod::Nat)
        .map(|rs| ("real_server", rs.ip.value, rs.port, rs.ip.location.as_ref()))
        .collect();
    if let Some(sorry) = &vs.sorry_server {
        if method_of(sorry.forwarding, vs) != ForwardingMethod::Nat {
            servers.push((
                "sorry_server",
                sorry.ip.value,
                sorry.port,
                sorry.ip.location.as_ref(),
            ));
        }
    }
    let mut expected: Vec<Option<u16>> = Vec::new();
    let mut fwmark = false;
    match &vs.target {
        VirtualServerTarget::Address { port, .. } => expected.push(*port),
        VirtualServerTarget::Fwmark(_) => fwmark = true,
        VirtualServerTarget::Group(_) => {
            for entry in entries {
                match entry {
                    GroupEntry::Address { port, .. } => expected.push(*port),
                    GroupEntry::Fwmark { .. } => fwmark = true,
                }
            }
        }
    }
    for (what, ip, port, at) in servers {
        let Some(port) = port else { continue };
        if fwmark {
            warn(
                cx,
                Code::Inconsistent,
                at,
                format!(
                    "{what} {ip} has port {port}, but virtual_server {} uses a fwmark; the port is ignored",
                    vs.target
                ),
            );
        }
        if expected.iter().any(|e| *e != Some(port)) {
            warn(
                cx,
                Code::Inconsistent,
                at,
                format!(
                    "{what} {ip} port {port} differs from the port of virtual_server {}; without NAT keepalived uses the virtual server's",
                    vs.target
                ),
            );
        }
    }
}

fn warn(cx: &mut Cx<'_>, code: Code, at: Option<&Location>, message: String) {
    cx.diagnostics.push(Diagnostic::new(
        Severity::Warning,
        code,
        at.cloned(),
        message,
    ));
}

fn warn_help(cx: &mut Cx<'_>, code: Code, at: Option<&Location>, message: String, help: &str) {
    cx.diagnostics
        .push(Diagnostic::new(Severity::Warning, code, at.cloned(), message).with_help(help));
}

fn note(cx: &mut Cx<'_>, code: Code, at: Option<&Location>, message: String) {
    cx.diagnostics
        .push(Diagnostic::new(Severity::Note, code, at.cloned(), message));
}
