//! The VRRP defaults and settings of `global_defs`: multicast groups,
//! gratuitous ARP/NA timing, advert handling, interfaces and receive buffers.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use super::values::{
    already_set, corrected, error, int, int_word, micros, micros_word, opt_bool, sockaddr_word,
    warning, whole_seconds,
};
use super::{GlobalDefs, bare};
use crate::diagnostic::Code;
use crate::model::reader::{Cx, Keywords, seconds};
use crate::model::writer::Writer;
use crate::syntax::Node;

/// `vrrp_garp_extra_if [all] SECS`: periodic GARP/NA on the interfaces of
/// VIPs that are not the instance's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GarpExtraInterfaces {
    /// The repeat interval (1 second to 1 day).
    pub interval: Duration,
    /// `all`: every interface of the instance, not only VMACs.
    pub all: bool,
}

/// `vrrp_rx_bufs_policy`: how big the receive buffers of VRRP sockets are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxBufsPolicy {
    /// `MTU`: the interfaces' MTU times `vrrp_rx_bufs_multiplier`, summed
    /// over the instances using the socket.
    Mtu,
    /// `ADVERT`: the adverts' size times the multiplier, summed likewise.
    Advert,
    /// A size in bytes.
    Size(u32),
}

model! {
    /// VRRP defaults and process-wide VRRP settings.
    pub struct VrrpDefaults {
        /// `vrrp_mcast_group4`: the IPv4 advert group (default 224.0.0.18).
        pub mcast_group4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18),
        /// `vrrp_mcast_group6`: the IPv6 advert group (default ff02::12).
        pub mcast_group6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12),
        /// `default_interface`: the interface of static addresses without
        /// `dev` (default eth0).
        pub default_interface: Option<String> = None,
        /// `vrrp_garp_master_delay SECS`: delay of the second set of
        /// gratuitous ARPs after becoming master; 0 for none (default 5 s).
        pub garp_master_delay: Duration = Duration::from_secs(5),
        /// `vrrp_garp_master_repeat N`: gratuitous ARPs per set (default 5).
        pub garp_master_repeat: u32 = 5,
        /// `vrrp_garp_lower_prio_delay SECS`: delay of the second set after a
        /// lower priority advert while master (unset: `garp_master_delay`).
        pub garp_lower_prio_delay: Option<Duration> = None,
        /// `vrrp_garp_lower_prio_repeat N` (unset: `garp_master_repeat`).
        pub garp_lower_prio_repeat: Option<u32> = None,
        /// `vrrp_garp_master_refresh SECS`: refresh period while master; 0
        /// for none (default 0).
        pub garp_master_refresh: Duration = Duration::ZERO,
        /// `vrrp_garp_master_refresh_repeat N` (default 1).
        pub garp_master_refresh_repeat: u32 = 1,
        /// `vrrp_garp_interval SECS`: gap between gratuitous ARPs on an
        /// interface, microsecond resolution (default 0).
        pub garp_interval: Duration = Duration::ZERO,
        /// `vrrp_gna_interval SECS`: gap between unsolicited NAs (default 0).
        pub gna_interval: Duration = Duration::ZERO,
        /// `vrrp_min_garp [BOOL]`: one GARP/NA per set and no second set;
        /// keepalived applies it to the four GARP settings above that are
        /// left at their default.
        pub min_garp: bool = false,
        /// `vrrp_garp_extra_if [all] SECS` (deprecated spelling
        /// `vrrp_vmac_garp_intvl`).
        pub garp_extra_if: Option<GarpExtraInterfaces> = None,
        /// `vrrp_down_timer_adverts N`: adverts missed before backup takes
        /// over, default of instances (1-100, default 3).
        pub down_timer_adverts: u8 = 3,
        /// `vrrp_lower_prio_no_advert [BOOL]`: no advert in reply to a lower
        /// priority one (unset: on under `vrrp_strict`, off otherwise).
        pub lower_prio_no_advert: Option<bool> = None,
        /// `vrrp_higher_prio_send_advert [BOOL]`: send an advert before
        /// yielding to a higher priority master.
        pub higher_prio_send_advert: bool = false,
        /// `vrrp_check_unicast_src`: unicast adverts must come from a
        /// configured peer.
        pub check_unicast_src: bool = false,
        /// `vrrp_skip_check_adv_addr`: don't re-check the addresses of adverts
        /// from the same master.
        pub skip_check_adv_addr: bool = false,
        /// `dynamic_interfaces`: interfaces may be missing at startup.
        pub dynamic_interfaces: bool = false,
        /// `dynamic_interfaces allow_if_changes`: and may come back as a
        /// different kind of interface.
        pub allow_if_changes: bool = false,
        /// `disable_local_igmp`: stop IGMP reports for 224.0.0.0/24.
        pub disable_local_igmp: bool = false,
        /// `vrrp_rx_bufs_policy` (unset: the system default).
        pub rx_bufs_policy: Option<RxBufsPolicy> = None,
        /// `vrrp_rx_bufs_multiplier N` (default 3).
        pub rx_bufs_multiplier: u32 = 3,
        /// `vrrp_startup_delay SECS`: wait before starting the instances.
        pub startup_delay: Option<Duration> = None,
        /// `log_unknown_vrids`: log adverts for VRIDs not configured.
        pub log_unknown_vrids: bool = false,
        /// `vmac_prefix`: prefix of generated VMAC names (default "vrrp").
        pub vmac_prefix: Option<String> = None,
        /// `vmac_addr_prefix`: prefix of VMACs for VIPs off the instance's
        /// interface (default: `vmac_prefix`).
        pub vmac_addr_prefix: Option<String> = None,
    }
}

/// The largest delay keepalived's timers hold in whole seconds.
const MAX_TIMER_SECS: u64 = 4294;
/// The range of the GARP/NA intervals and of `vrrp_startup_delay`.
const MAX_MICROS_TIMER: Duration = Duration::from_micros(4_294_967_295);

fn mcast_group(cx: &mut Cx<'_>, node: &Node) -> Option<IpAddr> {
    let word = cx.single(node)?;
    let address = sockaddr_word(cx, node, word)?;
    let (family, multicast) = match address {
        IpAddr::V4(v4) => (4, v4.is_multicast()),
        IpAddr::V6(v6) => (6, v6.is_multicast()),
    };
    let wanted = if node.name().ends_with('4') { 4 } else { 6 };
    if family != wanted {
        error(
            cx,
            Code::InvalidValue,
            &word.location,
            format!(
                "'{}' needs an IPv{wanted} address, not '{}'",
                node.name(),
                word.text
            ),
        );
        None
    } else if !multicast {
        error(
            cx,
            Code::InvalidValue,
            &word.location,
            format!("'{}' {} is not a multicast address", node.name(), word.text),
        );
        None
    } else {
        Some(address)
    }
}

/// A repeat count where keepalived turns 0 into 1.
fn repeat_at_least_one(cx: &mut Cx<'_>, node: &Node) -> Option<u32> {
    let word = cx.single(node)?;
    let count = int_word(cx, node, word, 0..=i128::from(u32::MAX))?;
    if count == 0 {
        corrected(
            cx,
            &word.location,
            format!("'{}' must be at least 1; keepalived uses 1", node.name()),
        );
        return Some(1);
    }
    Some(count)
}

fn garp_extra_if(cx: &mut Cx<'_>, node: &Node, v: &mut VrrpDefaults) {
    cx.no_block(node);
    if node.name() == "vrrp_vmac_garp_intvl" {
        warning(
            cx,
            Code::Inconsistent,
            &node.keyword.location,
            "'vrrp_vmac_garp_intvl' is deprecated; use 'vrrp_garp_extra_if'".into(),
        );
    }
    let mut all = false;
    let mut interval = None;
    for word in &node.args {
        if word.text == "all" {
            all = true;
        } else {
            interval = Some(int_word(cx, node, word, 1..=86_400).map(Duration::from_secs));
            if interval == Some(None) {
                return;
            }
        }
    }
    match interval.flatten() {
        Some(interval) => v.garp_extra_if = Some(GarpExtraInterfaces { interval, all }),
        None => error(
            cx,
            Code::MissingValue,
            &node.keyword.location,
            format!(
                "'{}' needs an interval in seconds; line skipped",
                node.name()
            ),
        ),
    }
}

fn rx_bufs_policy(cx: &mut Cx<'_>, node: &Node, v: &mut VrrpDefaults) {
    cx.no_block(node);
    if node.args.is_empty() {
        cx.arg(node);
        return;
    }
    let (mut mtu, mut advert, mut size) = match v.rx_bufs_policy {
        Some(RxBufsPolicy::Mtu) => (true, false, None),
        Some(RxBufsPolicy::Advert) => (false, true, None),
        Some(RxBufsPolicy::Size(bytes)) => (false, false, Some(bytes)),
        None => (false, false, None),
    };
    for word in &node.args {
        if word.text.eq_ignore_ascii_case("MTU") {
            mtu = true;
        } else if word.text.eq_ignore_ascii_case("ADVERT") {
            advert = true;
        } else if let Some(bytes) = int_word(cx, node, word, 0..=i128::from(u32::MAX)) {
            size = Some(bytes);
        }
    }
    let location = &node.keyword.location;
    v.rx_bufs_policy = match (size, mtu, advert) {
        (Some(bytes), false, false) => Some(RxBufsPolicy::Size(bytes)),
        (Some(bytes), _, _) => {
            warning(
                cx,
                Code::Inconsistent,
                location,
                "'vrrp_rx_bufs_policy' cannot have both a size and MTU/ADVERT; the size is used"
                    .into(),
            );
            Some(RxBufsPolicy::Size(bytes))
        }
        (None, true, true) => {
            warning(
                cx,
                Code::Inconsistent,
                location,
                "'vrrp_rx_bufs_policy' cannot be both MTU and ADVERT; MTU is used".into(),
            );
            Some(RxBufsPolicy::Mtu)
        }
        (None, true, false) => Some(RxBufsPolicy::Mtu),
        (None, false, true) => Some(RxBufsPolicy::Advert),
        (None, false, false) => v.rx_bufs_policy,
    };
}

fn vmac_prefix(cx: &mut Cx<'_>, node: &Node, target: &mut Option<String>) {
    let Some(prefix) = cx.string(node) else {
        return;
    };
    if target.is_some() {
        already_set(cx, node);
    } else {
        *target = Some(prefix);
    }
}

pub(super) const KEYWORDS: &Keywords<GlobalDefs> = &[
    ("vrrp_mcast_group4", |cx, node, g| {
        if let Some(IpAddr::V4(group)) = mcast_group(cx, node) {
            g.vrrp.mcast_group4 = group;
        }
    }),
    ("vrrp_mcast_group6", |cx, node, g| {
        if let Some(IpAddr::V6(group)) = mcast_group(cx, node) {
            g.vrrp.mcast_group6 = group;
        }
    }),
    ("default_interface", |cx, node, g| {
        if let Some(name) = cx.string(node) {
            g.vrrp.default_interface = Some(name);
        }
    }),
    ("vrrp_garp_master_delay", |cx, node, g| {
        if let Some(delay) = whole_seconds(cx, node, 0..=MAX_TIMER_SECS) {
            g.vrrp.garp_master_delay = delay;
        }
    }),
    ("vrrp_garp_master_repeat", |cx, node, g| {
        if let Some(count) = repeat_at_least_one(cx, node) {
            g.vrrp.garp_master_repeat = count;
        }
    }),
    ("vrrp_garp_lower_prio_delay", |cx, node, g| {
        if let Some(delay) = whole_seconds(cx, node, 0..=MAX_TIMER_SECS) {
            g.vrrp.garp_lower_prio_delay = Some(delay);
        }
    }),
    ("vrrp_garp_lower_prio_repeat", |cx, node, g| {
        if let Some(count) = int(cx, node, 0..=i128::from(i32::MAX)) {
            g.vrrp.garp_lower_prio_repeat = Some(count);
        }
    }),
    ("vrrp_garp_master_refresh", |cx, node, g| {
        if let Some(refresh) = whole_seconds(cx, node, 0..=u64::from(u32::MAX)) {
            g.vrrp.garp_master_refresh = refresh;
        }
    }),
    ("vrrp_garp_master_refresh_repeat", |cx, node, g| {
        if let Some(count) = repeat_at_least_one(cx, node) {
            g.vrrp.garp_master_refresh_repeat = count;
        }
    }),
    ("vrrp_garp_interval", |cx, node, g| {
        if let Some(interval) = micros(cx, node, Duration::from_micros(1)..=MAX_MICROS_TIMER) {
            g.vrrp.garp_interval = interval;
        }
    }),
    ("vrrp_gna_interval", |cx, node, g| {
        if let Some(interval) = micros(cx, node, Duration::from_micros(1)..=MAX_MICROS_TIMER) {
            g.vrrp.gna_interval = interval;
        }
    }),
    ("vrrp_min_garp", |cx, node, g| {
        if let Some(on) = opt_bool(cx, node) {
            g.vrrp.min_garp = on;
        }
    }),
    ("vrrp_garp_extra_if", |cx, node, g| {
        garp_extra_if(cx, node, &mut g.vrrp)
    }),
    ("vrrp_vmac_garp_intvl", |cx, node, g| {
        garp_extra_if(cx, node, &mut g.vrrp)
    }),
    ("vrrp_down_timer_adverts", |cx, node, g| {
        if let Some(adverts) = int(cx, node, 1..=100) {
            g.vrrp.down_timer_adverts = adverts;
        }
    }),
    ("vrrp_lower_prio_no_advert", |cx, node, g| {
        if let Some(on) = opt_bool(cx, node) {
            g.vrrp.lower_prio_no_advert = Some(on);
        }
    }),
    ("vrrp_higher_prio_send_advert", |cx, node, g| {
        if let Some(on) = opt_bool(cx, node) {
            g.vrrp.higher_prio_send_advert = on;
        }
    }),
    ("vrrp_check_unicast_src", |cx, node, g| {
        g.vrrp.check_unicast_src = bare(cx, node)
    }),
    ("vrrp_skip_check_adv_addr", |cx, node, g| {
        g.vrrp.skip_check_adv_addr = bare(cx, node)
    }),
    ("dynamic_interfaces", |cx, node, g| {
        cx.no_block(node);
        cx.at_most(node, 1);
        g.vrrp.dynamic_interfaces = true;
        if let Some(option) = node.args.first() {
            if option.text == "allow_if_changes" {
                g.vrrp.allow_if_changes = true;
            } else {
                error(
                    cx,
                    Code::InvalidValue,
                    &option.location,
                    format!(
                        "'dynamic_interfaces' takes only 'allow_if_changes', not '{}'",
                        option.text
                    ),
                );
            }
        }
    }),
    ("disable_local_igmp", |cx, node, g| {
        g.vrrp.disable_local_igmp = bare(cx, node)
    }),
    ("vrrp_rx_bufs_policy", |cx, node, g| {
        rx_bufs_policy(cx, node, &mut g.vrrp)
    }),
    ("vrrp_rx_bufs_multiplier", |cx, node, g| {
        if let Some(multiplier) = int(cx, node, 1..=i128::from(u32::MAX)) {
            g.vrrp.rx_bufs_multiplier = multiplier;
        }
    }),
    ("vrrp_startup_delay", |cx, node, g| {
        let Some(word) = cx.single(node) else { return };
        if let Some(delay) =
            micros_word(cx, node, word, Duration::from_millis(1)..=MAX_MICROS_TIMER)
        {
            g.vrrp.startup_delay = Some(delay);
        }
    }),
    ("log_unknown_vrids", |cx, node, g| {
        g.vrrp.log_unknown_vrids = bare(cx, node)
    }),
    ("vmac_prefix", |cx, node, g| {
        vmac_prefix(cx, node, &mut g.vrrp.vmac_prefix)
    }),
    ("vmac_addr_prefix", |cx, node, g| {
        vmac_prefix(cx, node, &mut g.vrrp.vmac_addr_prefix)
    }),
];

pub(super) fn write(v: &VrrpDefaults, w: &mut Writer) {
    let d = VrrpDefaults::default();
    w.value_if("vrrp_mcast_group4", &v.mcast_group4, &d.mcast_group4);
    w.value_if("vrrp_mcast_group6", &v.mcast_group6, &d.mcast_group6);
    w.opt("default_interface", &v.default_interface);
    if v.garp_master_delay != d.garp_master_delay {
        w.value("vrrp_garp_master_delay", v.garp_master_delay.as_secs());
    }
    w.value_if(
        "vrrp_garp_master_repeat",
        &v.garp_master_repeat,
        &d.garp_master_repeat,
    );
    if let Some(delay) = v.garp_lower_prio_delay {
        w.value("vrrp_garp_lower_prio_delay", delay.as_secs());
    }
    w.opt("vrrp_garp_lower_prio_repeat", &v.garp_lower_prio_repeat);
    if v.garp_master_refresh != d.garp_master_refresh {
        w.value("vrrp_garp_master_refresh", v.garp_master_refresh.as_secs());
    }
    w.value_if(
        "vrrp_garp_master_refresh_repeat",
        &v.garp_master_refresh_repeat,
        &d.garp_master_refresh_repeat,
    );
    w.timer_if("vrrp_garp_interval", v.garp_interval, d.garp_interval);
    w.timer_if("vrrp_gna_interval", v.gna_interval, d.gna_interval);
    w.flag("vrrp_min_garp", v.min_garp);
    if let Some(extra) = v.garp_extra_if {
        let interval = extra.interval.as_secs().to_string();
        if extra.all {
            w.line(&["vrrp_garp_extra_if", "all", &interval]);
        } else {
            w.line(&["vrrp_garp_extra_if", &interval]);
        }
    }
    w.value_if(
        "vrrp_down_timer_adverts",
        &v.down_timer_adverts,
        &d.down_timer_adverts,
    );
    super::values::write_opt_bool(w, "vrrp_lower_prio_no_advert", v.lower_prio_no_advert);
    w.flag("vrrp_higher_prio_send_advert", v.higher_prio_send_advert);
    w.flag("vrrp_check_unicast_src", v.check_unicast_src);
    w.flag("vrrp_skip_check_adv_addr", v.skip_check_adv_addr);
    if v.allow_if_changes {
        w.line(&["dynamic_interfaces", "allow_if_changes"]);
    } else {
        w.flag("dynamic_interfaces", v.dynamic_interfaces);
    }
    w.flag("disable_local_igmp", v.disable_local_igmp);
    match v.rx_bufs_policy {
        Some(RxBufsPolicy::Mtu) => w.line(&["vrrp_rx_bufs_policy", "MTU"]),
        Some(RxBufsPolicy::Advert) => w.line(&["vrrp_rx_bufs_policy", "ADVERT"]),
        Some(RxBufsPolicy::Size(bytes)) => w.value("vrrp_rx_bufs_policy", bytes),
        None => {}
    }
    w.value_if(
        "vrrp_rx_bufs_multiplier",
        &v.rx_bufs_multiplier,
        &d.rx_bufs_multiplier,
    );
    if let Some(delay) = v.startup_delay {
        w.value("vrrp_startup_delay", seconds(delay));
    }
    w.flag("log_unknown_vrids", v.log_unknown_vrids);
    w.opt("vmac_prefix", &v.vmac_prefix);
    w.opt("vmac_addr_prefix", &v.vmac_addr_prefix);
}
