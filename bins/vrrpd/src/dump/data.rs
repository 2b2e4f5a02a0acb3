//! `keepalived.data` (SIGUSR1): the global settings, each VRRP instance and
//! each sync group, one `Name = value` per line, indented as keepalived
//! 2.2.7 writes them (observed in the lab, see docs/DUMPS.md).
//!
//! It writes only what vrrpd knows: no `Wantstate`, fds, socket pool or
//! interface table (keepalived's internals), and fewer global lines.

use std::fmt::Write as _;
use std::net::IpAddr;

use kconf_parser::model::Config;
use kconf_parser::model::ipaddr::{IpAddress, RtId};
use vrrp_proto::State;
use vrrp_proto::wire::{Auth, Version};

use super::{InstanceView, Settings, Snapshot};

/// keepalived's words for true/false in the data file.
fn bool_word(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

fn enabled(value: bool) -> &'static str {
    if value { "enabled" } else { "disabled" }
}

/// The "Global definitions" section (what vrrpd knows of it).
pub(super) fn global_section(config: &Config) -> String {
    let g = &config.global;
    let v = &g.vrrp;
    let mut out = String::from("------< Global definitions >------\n");
    let namespace = g.daemon.net_namespace.as_deref().unwrap_or("(default)");
    let _ = writeln!(out, " Network namespace = {namespace}");
    if let Some(instance) = &g.daemon.instance {
        let _ = writeln!(out, " Instance name = {instance}");
    }
    let router_id = g.router_id.clone().unwrap_or_else(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_default()
    });
    let _ = writeln!(out, " Router ID = {router_id}");
    if g.config.data_use_instance {
        out.push_str(" Use instance name in data dumps\n");
    }
    let default_interface = v.default_interface.as_deref().unwrap_or("eth0");
    let _ = writeln!(out, " Default interface = {default_interface}");
    let _ = writeln!(out, " VRRP IPv4 mcast group = {}", v.mcast_group4);
    let _ = writeln!(out, " VRRP IPv6 mcast group = {}", v.mcast_group6);
    let delay = v.garp_master_delay.as_secs();
    let _ = writeln!(out, " Gratuitous ARP delay = {delay}");
    let _ = writeln!(out, " Gratuitous ARP repeat = {}", v.garp_master_repeat);
    let _ = writeln!(
        out,
        " Gratuitous ARP refresh timer = {}",
        v.garp_master_refresh.as_secs()
    );
    let _ = writeln!(
        out,
        " Gratuitous ARP refresh repeat = {}",
        v.garp_master_refresh_repeat
    );
    // Unset, they take the master's values (as the VRRP process shows them).
    let _ = writeln!(
        out,
        " Gratuitous ARP lower priority delay = {}",
        v.garp_lower_prio_delay.map_or(delay, |d| d.as_secs())
    );
    let _ = writeln!(
        out,
        " Gratuitous ARP lower priority repeat = {}",
        v.garp_lower_prio_repeat.unwrap_or(v.garp_master_repeat)
    );
    let _ = writeln!(out, " Num adverts before down = {}", v.down_timer_adverts);
    let _ = writeln!(
        out,
        " Send advert after receive lower priority advert = {}",
        bool_word(!v.lower_prio_no_advert.unwrap_or(false))
    );
    let _ = writeln!(
        out,
        " Send advert after receive higher priority advert = {}",
        bool_word(v.higher_prio_send_advert)
    );
    let _ = writeln!(
        out,
        " Gratuitous ARP interval = {:.6}",
        v.garp_interval.as_secs_f64()
    );
    let _ = writeln!(
        out,
        " Gratuitous NA interval = {:.6}",
        v.gna_interval.as_secs_f64()
    );
    let _ = writeln!(out, " VRRP default protocol version = {}", g.vrrp_version);
    let _ = writeln!(
        out,
        " VRRP check unicast_src = {}",
        bool_word(v.check_unicast_src)
    );
    let _ = writeln!(
        out,
        " VRRP skip check advert addresses = {}",
        bool_word(v.skip_check_adv_addr)
    );
    let _ = writeln!(out, " VRRP strict mode = {}", bool_word(g.vrrp_strict));
    out
}

/// The whole file.
pub(super) fn render(settings: &Settings, snapshot: &Snapshot<'_>) -> String {
    let mut out = settings.global.clone();
    out.push_str("------< VRRP Topology >------\n");
    for view in &snapshot.instances {
        instance(&mut out, settings, view);
    }
    if !snapshot.groups.is_empty() {
        out.push_str("------< VRRP Sync groups >------\n");
        for group in &snapshot.groups {
            let _ = writeln!(
                out,
                " VRRP Sync Group = {}, {}",
                group.name,
                group.state.as_str()
            );
            let count = |state| group.members.iter().filter(|(_, s)| *s == state).count();
            let _ = writeln!(
                out,
                "   Num member fault {}, num member init {}",
                count(State::Fault),
                count(State::Init)
            );
            out.push_str("   VRRP member instances :\n");
            for (name, _) in &group.members {
                let _ = writeln!(out, "     {name}");
            }
        }
    }
    out
}

/// `1796155309.811121 (Tue Dec  1 20:01:49.811121 2026)`, as keepalived
/// writes a time.
pub(super) fn timestamp(unix: f64, offset: time::UtcOffset) -> String {
    let micros = (unix * 1e6).round() as i128;
    let local = time::OffsetDateTime::from_unix_timestamp_nanos(micros * 1000)
        .map(|t| t.to_offset(offset))
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[weekday repr:short] [month repr:short] [day padding:space] [hour]:[minute]:[second].[subsecond digits:6] [year]"
            ))
            .ok()
        })
        .unwrap_or_default();
    format!("{unix:.6} ({local})")
}

fn instance(out: &mut String, settings: &Settings, view: &InstanceView<'_>) {
    let instance = view.instance;
    let config = instance.config();
    let planned = view.planned;
    let _ = writeln!(out, " VRRP Instance = {}", config.name);
    let _ = writeln!(out, "   VRRP Version = {}", config.version.number());
    if let Some(group) = view.group {
        let _ = writeln!(out, "   Sync group = {group}");
    }
    let _ = writeln!(out, "   State = {}", instance.state().as_str());
    let unicast = !config.unicast_peers.is_empty();
    if unicast {
        out.push_str("   Flags:\n     Using unicast\n");
    } else {
        out.push_str("   Flags: none\n");
    }
    let _ = writeln!(
        out,
        "   Last transition = {}",
        timestamp(view.since, settings.utc_offset)
    );
    let _ = writeln!(
        out,
        "   Master down timer = {} usecs",
        instance.master_down_interval().as_micros()
    );
    let _ = writeln!(out, "   Interface = {}", planned.interface);
    if let Some(vmac) = &planned.vmac {
        let _ = writeln!(out, "   VMAC interface = {}", vmac.name);
    }
    let _ = writeln!(out, "   Using src_ip = {}", config.primary_address);
    if !unicast {
        let _ = writeln!(out, "   Multicast address {}", planned.group);
    }
    let garp = &config.garp;
    let _ = writeln!(
        out,
        "   Gratuitous ARP delay = {}",
        garp.master_delay.as_secs()
    );
    let _ = writeln!(out, "   Gratuitous ARP repeat = {}", garp.master_repeat);
    let _ = writeln!(
        out,
        "   Gratuitous ARP refresh = {}",
        garp.master_refresh.as_secs()
    );
    let _ = writeln!(
        out,
        "   Gratuitous ARP refresh repeat = {}",
        garp.master_refresh_repeat
    );
    let _ = writeln!(
        out,
        "   Gratuitous ARP lower priority delay = {}",
        garp.lower_prio_delay.as_secs()
    );
    let _ = writeln!(
        out,
        "   Gratuitous ARP lower priority repeat = {}",
        garp.lower_prio_repeat
    );
    let _ = writeln!(out, "   Down timer adverts = {}", config.down_timer_adverts);
    let _ = writeln!(
        out,
        "   Send advert after receive lower priority advert = {}",
        bool_word(!config.lower_prio_no_advert)
    );
    let _ = writeln!(
        out,
        "   Send advert after receive higher priority advert = {}",
        bool_word(config.higher_prio_send_advert)
    );
    let _ = writeln!(out, "   Virtual Router ID = {}", config.vrid);
    let _ = writeln!(out, "   Priority = {}", config.priority);
    let effective = instance.effective_priority();
    let _ = writeln!(out, "   Effective priority = {effective}");
    let _ = writeln!(out, "   Total priority = {effective}");
    match config.version {
        Version::V2 => {
            let _ = writeln!(
                out,
                "   Advert interval = {} sec",
                config.advert_int.as_secs()
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "   Advert interval = {} milli-sec",
                config.advert_int.as_millis()
            );
        }
    }
    let _ = writeln!(out, "   Accept = {}", enabled(config.accept));
    let _ = writeln!(out, "   Preempt = {}", enabled(config.preempt));
    if !config.preempt_delay.is_zero() {
        let _ = writeln!(
            out,
            "   Preempt delay = {} secs",
            config.preempt_delay.as_secs()
        );
    }
    if config.version == Version::V2 {
        match &config.auth {
            Auth::None => out.push_str("   Authentication type = none\n"),
            Auth::Simple(data) => {
                // keepalived shows the password (the file is root's, 0600).
                let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                let password = String::from_utf8_lossy(data.get(..end).unwrap_or(&[]));
                out.push_str("   Authentication type = SIMPLE_PASSWORD\n");
                let _ = writeln!(out, "   Password = {password}");
            }
            Auth::Ah => out.push_str("   Authentication type = IPSEC_AH\n"),
            Auth::Unknown(n) => {
                let _ = writeln!(out, "   Authentication type = {n}");
            }
        }
    }
    let set = instance.state() == State::Master;
    let (vips, evips): (Vec<_>, Vec<_>) = planned
        .addresses
        .iter()
        .enumerate()
        .partition(|(_, a)| config.virtual_addresses.contains(&a.address));
    if !vips.is_empty() {
        let _ = writeln!(out, "   Virtual IP ({}):", vips.len());
        for (index, address) in &vips {
            let _ = writeln!(
                out,
                "     {}",
                vip(address, planned.address_interface(*index), set)
            );
        }
    }
    if !evips.is_empty() {
        out.push_str("   Virtual IP Excluded :\n");
        for (index, address) in &evips {
            let _ = writeln!(
                out,
                "     {}",
                vip(address, planned.address_interface(*index), set)
            );
        }
    }
    if unicast {
        out.push_str("   Unicast TTL = 255\n");
        let _ = writeln!(
            out,
            "   Check unicast src : {}",
            if config.check_unicast_src {
                "yes"
            } else {
                "no"
            }
        );
        out.push_str("   Unicast Peer :\n");
        for peer in &config.unicast_peers {
            let _ = writeln!(
                out,
                "     {} min_ttl {} max_ttl {}",
                peer.address, peer.min_ttl, peer.max_ttl
            );
        }
    }
    trackers(out, view);
}

/// The tracked objects, by kind, with their weights.
fn trackers(out: &mut String, view: &InstanceView<'_>) {
    let config = view.instance.config();
    let planned = view.planned;
    let weight = |index: usize| config.trackers.get(index).map_or(0, |t| t.weight);
    if !planned.tracked_interfaces.is_empty() {
        out.push_str("   Tracked interfaces :\n");
        for (index, name) in planned.tracked_interfaces.iter().enumerate() {
            let _ = writeln!(out, "     {name} weight {}", weight(index));
        }
    }
    let first = planned.tracked_interfaces.len();
    for (kind, heading, separator) in [
        ("script", "Tracked scripts", ""),
        ("file", "Tracked files", ","),
        ("process", "Tracked processes", ","),
    ] {
        let of_kind: Vec<_> = planned
            .tracked_object_names
            .iter()
            .enumerate()
            .filter(|(_, (k, _))| *k == kind)
            .collect();
        if of_kind.is_empty() {
            continue;
        }
        let _ = writeln!(out, "   {heading} :");
        for (offset, (_, name)) in of_kind {
            let _ = writeln!(
                out,
                "     {name}{separator} weight {}",
                weight(first + offset)
            );
        }
    }
}

/// `10.9.0.100/24 dev veth0 scope global set`, keepalived's line of a VIP.
pub(super) fn vip(address: &IpAddress, interface: &str, set: bool) -> String {
    let scope = match &address.scope {
        Some(RtId::Number(0)) => "global".to_owned(),
        Some(RtId::Number(253)) => "link".to_owned(),
        Some(RtId::Number(254)) => "host".to_owned(),
        Some(RtId::Number(200)) => "site".to_owned(),
        Some(RtId::Number(n)) => n.to_string(),
        Some(RtId::Name(name)) => name.clone(),
        None => match address.address {
            IpAddr::V6(v6) if v6.is_unicast_link_local() => "link".to_owned(),
            _ => "global".to_owned(),
        },
    };
    let mut line = format!(
        "{}/{} dev {interface} scope {scope}",
        address.address, address.prefix_len
    );
    if set {
        line.push_str(" set");
    }
    line
}
