//! `vrrp_instance NAME { ... }`: one virtual router.

use std::net::IpAddr;
use std::time::Duration;

use super::group::write_opt_bool;
use super::tracking::{self, TrackInterface, TrackRef};
use crate::diagnostic::{Code, Severity};
use crate::model::ipaddr::{self, IpAddress, Route, Rule};
use crate::model::reader::{Cx, Keywords, located};
use crate::model::types::{Located, Script};
use crate::model::writer::Writer;
use crate::syntax::Node;

/// The state an instance starts in (`state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    /// `MASTER`: take over at once if the address owner, else after the
    /// usual master-down wait.
    Master,
    /// `BACKUP` (the default).
    #[default]
    Backup,
}

/// `auth_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthType {
    /// `PASS`: a clear-text password of up to 8 bytes.
    Pass,
    /// `AH`: IPsec AH (deprecated by RFC 3768).
    Ah,
}

/// `authentication { auth_type ... auth_pass ... }` (VRRPv2 only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    /// `auth_type`.
    pub auth_type: AuthType,
    /// `auth_pass`: keepalived uses the first 8 bytes.
    pub auth_pass: String,
}

/// How strictly `auth_hmac` is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HmacMode {
    /// `enforce` (the default): sign, and drop adverts without a valid MAC.
    #[default]
    Enforce,
    /// `permissive`: sign, accept adverts without a valid MAC (counted).
    Permissive,
    /// `receive-only`: do not sign; check MACs that are present.
    ReceiveOnly,
}

model! {
    /// `auth_hmac { ... }`: keepalived-rs's HMAC-SHA256 trailer on adverts
    /// (both VRRP versions). keepalived 2.2.7 peers reject signed adverts, so
    /// use it between keepalived-rs routers, rolling out with
    /// `receive-only`, then `permissive`, then `enforce`.
    pub struct AuthHmac {
        /// `key_id` (0-255, default 1): sent with each advert so keys can rotate.
        pub key_id: u8 = 1,
        /// `secret`: the shared key (required).
        pub secret: String = String::new(),
        /// `mode enforce|permissive|receive-only` (default enforce).
        pub mode: HmacMode = HmacMode::Enforce,
        /// `replay_window` (1-64, default 32): out-of-order adverts accepted.
        pub replay_window: u32 = 32,
    }
}

/// One `unicast_peer` line: `IP [min_ttl N] [max_ttl N]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnicastPeer {
    /// The peer's address.
    pub address: IpAddr,
    /// Adverts from this peer with a lower TTL / hop limit are dropped.
    pub min_ttl: Option<u8>,
    /// Adverts from this peer with a higher TTL / hop limit are dropped.
    pub max_ttl: Option<u8>,
}

/// `use_vmac [NAME] [MAC]`: a macvlan carrying the virtual router MAC.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vmac {
    /// Interface name (default `vrrp.<VRID>`).
    pub name: Option<String>,
    /// MAC address, 5 or 6 octets (default 00:00:5e:00:01:<VRID>).
    pub mac: Option<String>,
}

/// `use_ipvlan` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpvlanMode {
    /// `bridge` (the default).
    #[default]
    Bridge,
    /// `private`.
    Private,
    /// `vepa`.
    Vepa,
}

/// `use_ipvlan [NAME] [IP] [bridge|private|vepa]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ipvlan {
    /// Interface name.
    pub name: Option<String>,
    /// Address (with optional prefix) to put on it.
    pub address: Option<String>,
    /// Mode flags.
    pub mode: Option<IpvlanMode>,
}

/// `old_unicast_checksum [never]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OldChecksum {
    /// Use the pre-1.3.6 VRRPv3 unicast checksum.
    Use,
    /// Never use it, not even when a peer is seen using it.
    Never,
}

model! {
    /// A VRRP instance: one virtual router on one interface.
    ///
    /// Options documented as "default: global ..." are `None` when the
    /// instance does not set them, so the global_defs value applies.
    pub struct VrrpInstance {
        /// The instance's name (in logs, notify scripts and sync groups).
        pub name: Located<String> = Located::bare(String::new()),
        /// `state`: initial state (default BACKUP).
        pub state: State = State::Backup,
        /// `interface`: where adverts are sent and received.
        pub interface: Option<Located<String>> = None,
        /// `vrf`: the VRF to use for unicast without an interface.
        pub vrf: Option<String> = None,
        /// `use_vmac`.
        pub use_vmac: Option<Vmac> = None,
        /// `use_vmac_addr`: a VMAC for each interface with VIPs.
        pub use_vmac_addr: bool = false,
        /// `vmac_xmit_base`: send and receive adverts on the base interface.
        pub vmac_xmit_base: bool = false,
        /// `use_ipvlan`.
        pub use_ipvlan: Option<Ipvlan> = None,
        /// `native_ipv6` (deprecated: the VIPs decide the family).
        pub native_ipv6: bool = false,
        /// `dont_track_primary`: ignore faults of the instance's own interface.
        pub dont_track_primary: bool = false,
        /// `track_interface`.
        pub track_interface: Vec<TrackInterface> = Vec::new(),
        /// `track_script`.
        pub track_script: Vec<TrackRef> = Vec::new(),
        /// `track_file`.
        pub track_file: Vec<TrackRef> = Vec::new(),
        /// `track_process`.
        pub track_process: Vec<TrackRef> = Vec::new(),
        /// `track_bfd`.
        pub track_bfd: Vec<TrackRef> = Vec::new(),
        /// `mcast_src_ip`: source address of adverts (default: the
        /// interface's primary address).
        pub mcast_src_ip: Option<IpAddr> = None,
        /// `unicast_src_ip`: the same, for unicast.
        pub unicast_src_ip: Option<IpAddr> = None,
        /// `mcast_dst_ip`: another multicast group (default 224.0.0.18 /
        /// ff02::12, or the global vrrp_mcast_group4/6).
        pub mcast_dst_ip: Option<IpAddr> = None,
        /// `track_src_ip`: FAULT if the source address goes away.
        pub track_src_ip: bool = false,
        /// `version`: VRRP version (default: global vrrp_version; IPv6 is always 3).
        pub version: Option<u8> = None,
        /// `check_unicast_src`: only accept adverts from configured peers.
        pub check_unicast_src: bool = false,
        /// `unicast_peer { ... }`: send adverts to these instead of multicast.
        pub unicast_peer: Vec<UnicastPeer> = Vec::new(),
        /// `unicast_fault_no_peer`: FAULT rather than multicast without peers.
        pub unicast_fault_no_peer: bool = false,
        /// `unicast_ttl`: TTL / hop limit of unicast adverts (default 255).
        pub unicast_ttl: Option<u8> = None,
        /// `old_unicast_checksum [never]`.
        pub old_unicast_checksum: Option<OldChecksum> = None,
        /// `garp_master_delay`: delay of the second GARP burst after
        /// becoming master (default: global, 5 s).
        pub garp_master_delay: Option<Duration> = None,
        /// `garp_master_repeat`: GARPs per burst (default: global, 5).
        pub garp_master_repeat: Option<u32> = None,
        /// `garp_lower_prio_delay` (default: global).
        pub garp_lower_prio_delay: Option<Duration> = None,
        /// `garp_lower_prio_repeat` (default: global).
        pub garp_lower_prio_repeat: Option<u32> = None,
        /// `garp_master_refresh`: period of repeated GARPs while master
        /// (default: global, 0 = off).
        pub garp_master_refresh: Option<Duration> = None,
        /// `garp_master_refresh_repeat` (default: global, 1).
        pub garp_master_refresh_repeat: Option<u32> = None,
        /// `garp_extra_if [all] SECS`: periodic GARPs on the VIPs' other
        /// interfaces (0 = off).
        pub garp_extra_if: Option<(bool, Duration)> = None,
        /// `down_timer_adverts`: adverts missed before master down (default 3).
        pub down_timer_adverts: u32 = 3,
        /// `lower_prio_no_advert` (default: global vrrp_lower_priority_dont_send_advert).
        pub lower_prio_no_advert: Option<bool> = None,
        /// `higher_prio_send_advert` (default: global vrrp_higher_prio_send_advert).
        pub higher_prio_send_advert: Option<bool> = None,
        /// `virtual_router_id`: 1 to 255 (required).
        pub virtual_router_id: Option<u8> = None,
        /// `priority`: 1 to 255, 255 being the address owner (default 100).
        pub priority: u8 = 100,
        /// `advert_int`: advertisement interval (default 1 s; whole seconds
        /// for VRRPv2, centiseconds up to 40.95 s for VRRPv3).
        pub advert_int: Duration = Duration::from_secs(1),
        /// `authentication { ... }`.
        pub authentication: Option<Authentication> = None,
        /// `auth_hmac { ... }` (keepalived-rs extension).
        pub auth_hmac: Option<AuthHmac> = None,
        /// `virtual_ipaddress { ... }`.
        pub virtual_ipaddress: Vec<IpAddress> = Vec::new(),
        /// `virtual_ipaddress_excluded { ... }`: VIPs not sent in adverts.
        pub virtual_ipaddress_excluded: Vec<IpAddress> = Vec::new(),
        /// `promote_secondaries`.
        pub promote_secondaries: bool = false,
        /// `virtual_routes { ... }`.
        pub virtual_routes: Vec<Route> = Vec::new(),
        /// `virtual_rules { ... }`.
        pub virtual_rules: Vec<Rule> = Vec::new(),
        /// `accept` (true) / `no_accept` (false) (default: accept unless
        /// strict mode).
        pub accept: Option<bool> = None,
        /// `nopreempt` (`preempt` clears it).
        pub nopreempt: bool = false,
        /// `preempt_delay`: 0 to 1000 s (default 0).
        pub preempt_delay: Duration = Duration::ZERO,
        /// `skip_check_adv_addr` (default: global vrrp_skip_check_adv_addr).
        pub skip_check_adv_addr: Option<bool> = None,
        /// `strict_mode` (default: global vrrp_strict).
        pub strict_mode: Option<bool> = None,
        /// `debug`: 0 to 4 (not used by keepalived).
        pub debug: Option<u8> = None,
        /// `notify_master`.
        pub notify_master: Option<Script> = None,
        /// `notify_backup`.
        pub notify_backup: Option<Script> = None,
        /// `notify_fault`.
        pub notify_fault: Option<Script> = None,
        /// `notify_stop`.
        pub notify_stop: Option<Script> = None,
        /// `notify_deleted [SCRIPT]`.
        pub notify_deleted: bool = false,
        /// The script given with `notify_deleted`.
        pub notify_deleted_script: Option<Script> = None,
        /// `notify`: every transition, with 4 extra arguments.
        pub notify: Option<Script> = None,
        /// `notify_master_rx_lower_pri`.
        pub notify_master_rx_lower_pri: Option<Script> = None,
        /// `notify_priority_changes`.
        pub notify_priority_changes: Option<bool> = None,
        /// `smtp_alert` (default: global smtp_alert_vrrp / smtp_alert).
        pub smtp_alert: Option<bool> = None,
        /// `kernel_rx_buf_size`.
        pub kernel_rx_buf_size: Option<u64> = None,
        /// `linkbeat_use_polling` (deprecated: use linkbeat_interfaces).
        pub linkbeat_use_polling: bool = false,
    }
}

/// A keyword that takes no value and sets a flag.
macro_rules! set_flag {
    ($field:ident) => {
        |cx, node, vi| {
            cx.no_block(node);
            cx.at_most(node, 0);
            vi.$field = true;
        }
    };
}

/// A keyword with an optional on/off value.
macro_rules! opt_bool {
    ($field:ident) => {
        |cx, node, vi| vi.$field = cx.flag(node)
    };
}

/// A notify script keyword.
macro_rules! script {
    ($field:ident) => {
        |cx, node, vi| vi.$field = cx.script(node)
    };
}

const MAX_GARP_DELAY: Duration = Duration::from_secs(u32::MAX as u64 / 1_000_000);

const KEYWORDS: &Keywords<VrrpInstance> = &[
    ("state", |cx, node, vi| {
        if let Some(state) = cx.choice(
            node,
            &[("MASTER", State::Master), ("BACKUP", State::Backup)],
        ) {
            vi.state = state;
        }
    }),
    ("interface", |cx, node, vi| vi.interface = cx.name(node)),
    ("vrf", |cx, node, vi| vi.vrf = cx.string(node)),
    ("use_vmac", |cx, node, vi| {
        cx.no_block(node);
        cx.at_most(node, 2);
        let mut vmac = Vmac::default();
        for word in &node.args {
            if looks_like_mac(&word.text) {
                vmac.mac = Some(word.text.clone());
            } else {
                vmac.name = Some(word.text.clone());
            }
        }
        vi.use_vmac = Some(vmac);
    }),
    ("use_vmac_addr", set_flag!(use_vmac_addr)),
    ("vmac_xmit_base", set_flag!(vmac_xmit_base)),
    ("use_ipvlan", |cx, node, vi| {
        cx.no_block(node);
        cx.at_most(node, 3);
        let mut ipvlan = Ipvlan::default();
        for word in &node.args {
            let mode = [
                ("bridge", IpvlanMode::Bridge),
                ("private", IpvlanMode::Private),
                ("vepa", IpvlanMode::Vepa),
            ]
            .iter()
            .find(|(name, _)| *name == word.text)
            .map(|(_, mode)| *mode);
            if let Some(mode) = mode {
                ipvlan.mode = Some(mode);
            } else if word
                .text
                .split('/')
                .next()
                .is_some_and(|a| a.parse::<IpAddr>().is_ok())
            {
                ipvlan.address = Some(word.text.clone());
            } else {
                ipvlan.name = Some(word.text.clone());
            }
        }
        vi.use_ipvlan = Some(ipvlan);
    }),
    ("native_ipv6", set_flag!(native_ipv6)),
    ("dont_track_primary", |cx, node, vi| {
        vi.dont_track_primary = cx.flag(node).unwrap_or(true)
    }),
    ("track_interface", |cx, node, vi| {
        tracking::read_interfaces(cx, node, &mut vi.track_interface)
    }),
    ("track_script", |cx, node, vi| {
        tracking::read_refs(cx, node, tracking::SCRIPT_WEIGHT, &mut vi.track_script)
    }),
    ("track_file", |cx, node, vi| {
        tracking::read_refs(cx, node, tracking::FILE_WEIGHT, &mut vi.track_file)
    }),
    ("track_process", |cx, node, vi| {
        tracking::read_refs(cx, node, tracking::PROCESS_WEIGHT, &mut vi.track_process)
    }),
    ("track_bfd", |cx, node, vi| {
        tracking::read_refs(cx, node, tracking::BFD_WEIGHT, &mut vi.track_bfd)
    }),
    ("mcast_src_ip", |cx, node, vi| vi.mcast_src_ip = cx.ip(node)),
    ("unicast_src_ip", |cx, node, vi| {
        vi.unicast_src_ip = cx.ip(node)
    }),
    ("mcast_dst_ip", |cx, node, vi| vi.mcast_dst_ip = cx.ip(node)),
    ("track_src_ip", set_flag!(track_src_ip)),
    ("version", |cx, node, vi| {
        vi.version = cx.number(node, 2..=3)
    }),
    ("check_unicast_src", set_flag!(check_unicast_src)),
    ("unicast_peer", |cx, node, vi| {
        read_unicast_peers(cx, node, &mut vi.unicast_peer)
    }),
    ("unicast_fault_no_peer", set_flag!(unicast_fault_no_peer)),
    ("unicast_ttl", |cx, node, vi| {
        vi.unicast_ttl = cx.number(node, 0..=255)
    }),
    ("old_unicast_checksum", |cx, node, vi| {
        cx.no_block(node);
        cx.at_most(node, 1);
        vi.old_unicast_checksum = match node.args.first() {
            None => Some(OldChecksum::Use),
            Some(word) => cx.choice_word(node, word, &[("never", OldChecksum::Never)]),
        };
    }),
    ("garp_master_delay", |cx, node, vi| {
        vi.garp_master_delay = cx.timer(node, Duration::ZERO..=MAX_GARP_DELAY)
    }),
    ("garp_master_repeat", |cx, node, vi| {
        vi.garp_master_repeat = cx.number(node, 0..=u32::MAX)
    }),
    ("garp_lower_prio_delay", |cx, node, vi| {
        vi.garp_lower_prio_delay = cx.timer(node, Duration::ZERO..=MAX_GARP_DELAY)
    }),
    ("garp_lower_prio_repeat", |cx, node, vi| {
        vi.garp_lower_prio_repeat = cx.number(node, 0..=u32::MAX)
    }),
    ("garp_master_refresh", |cx, node, vi| {
        vi.garp_master_refresh = cx.timer(node, Duration::ZERO..=MAX_GARP_DELAY)
    }),
    ("garp_master_refresh_repeat", |cx, node, vi| {
        vi.garp_master_refresh_repeat = cx.number(node, 0..=u32::MAX)
    }),
    ("garp_extra_if", |cx, node, vi| {
        cx.no_block(node);
        cx.at_most(node, 2);
        let all = node.args.first().is_some_and(|w| w.text == "all");
        let Some(delay) = node.args.get(usize::from(all)) else {
            cx.report(
                Severity::Error,
                Code::MissingValue,
                &node.keyword.location,
                "'garp_extra_if' needs a time in seconds".into(),
            );
            return;
        };
        if let Some(delay) = cx.timer_word(node, delay, Duration::ZERO..=MAX_GARP_DELAY) {
            vi.garp_extra_if = Some((all, delay));
        }
    }),
    ("down_timer_adverts", |cx, node, vi| {
        if let Some(value) = cx.number(node, 1..=100) {
            vi.down_timer_adverts = value;
        }
    }),
    ("lower_prio_no_advert", opt_bool!(lower_prio_no_advert)),
    (
        "higher_prio_send_advert",
        opt_bool!(higher_prio_send_advert),
    ),
    ("virtual_router_id", |cx, node, vi| {
        vi.virtual_router_id = cx.number(node, 1..=255)
    }),
    ("priority", |cx, node, vi| {
        if let Some(value) = cx.number(node, 1..=255) {
            vi.priority = value;
        }
    }),
    ("advert_int", |cx, node, vi| {
        if let Some(value) = cx.timer(node, Duration::from_millis(10)..=Duration::from_secs(255)) {
            vi.advert_int = value;
        }
    }),
    ("authentication", |cx, node, vi| {
        read_authentication(cx, node, vi)
    }),
    ("auth_hmac", |cx, node, vi| read_auth_hmac(cx, node, vi)),
    ("virtual_ipaddress", |cx, node, vi| {
        ipaddr::read_addresses(cx, node, &mut vi.virtual_ipaddress)
    }),
    ("virtual_ipaddress_excluded", |cx, node, vi| {
        ipaddr::read_addresses(cx, node, &mut vi.virtual_ipaddress_excluded)
    }),
    ("promote_secondaries", set_flag!(promote_secondaries)),
    ("virtual_routes", |cx, node, vi| {
        ipaddr::read_routes(cx, node, &mut vi.virtual_routes)
    }),
    ("virtual_rules", |cx, node, vi| {
        ipaddr::read_rules(cx, node, &mut vi.virtual_rules)
    }),
    ("accept", |cx, node, vi| {
        cx.no_block(node);
        cx.at_most(node, 0);
        vi.accept = Some(true);
    }),
    ("no_accept", |cx, node, vi| {
        cx.no_block(node);
        cx.at_most(node, 0);
        vi.accept = Some(false);
    }),
    ("nopreempt", set_flag!(nopreempt)),
    ("preempt", |cx, node, vi| {
        cx.no_block(node);
        cx.at_most(node, 0);
        vi.nopreempt = false;
    }),
    ("preempt_delay", |cx, node, vi| {
        if let Some(value) = cx.timer(node, Duration::ZERO..=Duration::from_secs(1000)) {
            vi.preempt_delay = value;
        }
    }),
    ("skip_check_adv_addr", opt_bool!(skip_check_adv_addr)),
    ("strict_mode", opt_bool!(strict_mode)),
    ("debug", |cx, node, vi| vi.debug = cx.number(node, 0..=4)),
    ("notify_master", script!(notify_master)),
    ("notify_backup", script!(notify_backup)),
    ("notify_fault", script!(notify_fault)),
    ("notify_stop", script!(notify_stop)),
    ("notify_deleted", |cx, node, vi| {
        vi.notify_deleted = true;
        if !node.args.is_empty() {
            vi.notify_deleted_script = cx.script(node);
        }
    }),
    ("notify", script!(notify)),
    (
        "notify_master_rx_lower_pri",
        script!(notify_master_rx_lower_pri),
    ),
    (
        "notify_priority_changes",
        opt_bool!(notify_priority_changes),
    ),
    ("smtp_alert", opt_bool!(smtp_alert)),
    ("kernel_rx_buf_size", |cx, node, vi| {
        vi.kernel_rx_buf_size = cx.number(node, 0..=u64::MAX)
    }),
    ("linkbeat_use_polling", set_flag!(linkbeat_use_polling)),
    ("lvs_sync_daemon_interface", |cx, node, _| {
        // keepalived 2.2.7 still reads it, with the same advice.
        cx.report_help(
            Severity::Warning,
            Code::Inconsistent,
            &node.keyword.location,
            "lvs_sync_daemon_interface in a vrrp_instance is deprecated and ignored".into(),
            "use `lvs_sync_daemon INTERFACE INSTANCE` in global_defs".into(),
        );
    }),
];

fn looks_like_mac(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    (parts.len() == 5 || parts.len() == 6)
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

const AUTH_KEYWORDS: &Keywords<(Option<AuthType>, Option<String>)> = &[
    ("auth_type", |cx, node, auth| {
        auth.0 = cx.choice(node, &[("PASS", AuthType::Pass), ("AH", AuthType::Ah)]);
    }),
    ("auth_pass", |cx, node, auth| {
        if let Some(pass) = cx.single(node) {
            if pass.text.len() > 8 {
                cx.report_help(
                    Severity::Warning,
                    Code::InvalidValue,
                    &pass.location,
                    format!(
                        "auth_pass is {} bytes; only the first 8 are used",
                        pass.text.len()
                    ),
                    "VRRPv2 carries 8 bytes of password; shorten it so that every peer agrees"
                        .into(),
                );
            }
            auth.1 = Some(pass.text.clone());
        }
    }),
];

const HMAC_KEYWORDS: &Keywords<AuthHmac> = &[
    ("key_id", |cx, node, h| {
        if let Some(id) = cx.number(node, 0..=255) {
            h.key_id = id;
        }
    }),
    ("secret", |cx, node, h| {
        if let Some(secret) = cx.string(node) {
            h.secret = secret;
        }
    }),
    ("mode", |cx, node, h| {
        let modes = [
            ("enforce", HmacMode::Enforce),
            ("permissive", HmacMode::Permissive),
            ("receive-only", HmacMode::ReceiveOnly),
        ];
        if let Some(mode) = cx.choice(node, &modes) {
            h.mode = mode;
        }
    }),
    ("replay_window", |cx, node, h| {
        if let Some(size) = cx.number(node, 1..=64) {
            h.replay_window = size;
        }
    }),
];

fn read_auth_hmac(cx: &mut Cx<'_>, node: &Node, vi: &mut VrrpInstance) {
    cx.at_most(node, 0);
    let mut hmac = AuthHmac::default();
    cx.read_block(node, "auth_hmac", HMAC_KEYWORDS, &mut hmac);
    if hmac.secret.is_empty() {
        cx.report(
            Severity::Error,
            Code::MissingValue,
            &node.keyword.location,
            "auth_hmac needs a `secret`; block ignored".into(),
        );
        return;
    }
    vi.auth_hmac = Some(hmac);
}

fn read_authentication(cx: &mut Cx<'_>, node: &Node, vi: &mut VrrpInstance) {
    cx.at_most(node, 0);
    let mut auth = (None, None);
    cx.read_block(node, "authentication", AUTH_KEYWORDS, &mut auth);
    match auth {
        (Some(auth_type), pass) => {
            vi.authentication = Some(Authentication {
                auth_type,
                auth_pass: pass.unwrap_or_default(),
            });
        }
        (None, _) => cx.report(
            Severity::Error,
            Code::MissingValue,
            &node.keyword.location,
            "authentication needs `auth_type PASS` or `auth_type AH`; block ignored".into(),
        ),
    }
}

fn read_unicast_peers(cx: &mut Cx<'_>, node: &Node, peers: &mut Vec<UnicastPeer>) {
    cx.at_most(node, 0);
    if !cx.require_block(node) {
        return;
    }
    for line in node.children() {
        let Some(address) = cx.ip_word(line, &line.keyword) else {
            continue;
        };
        let mut peer = UnicastPeer {
            address,
            min_ttl: None,
            max_ttl: None,
        };
        let mut words = line.args.iter();
        let mut ok = true;
        while let Some(option) = words.next() {
            let slot = match option.text.as_str() {
                "min_ttl" => &mut peer.min_ttl,
                "max_ttl" => &mut peer.max_ttl,
                other => {
                    cx.report_help(
                        Severity::Error,
                        Code::InvalidValue,
                        &option.location,
                        format!("'{other}' is not an option of a unicast peer"),
                        "peers are `IP [min_ttl N] [max_ttl N]`".into(),
                    );
                    ok = false;
                    break;
                }
            };
            match words.next() {
                Some(value) => match cx.number_word(line, value, 0..=255) {
                    Some(ttl) => *slot = Some(ttl),
                    None => ok = false,
                },
                None => {
                    cx.report(
                        Severity::Error,
                        Code::MissingValue,
                        &option.location,
                        format!("'{}' needs a number", option.text),
                    );
                    ok = false;
                }
            }
        }
        if let (Some(min), Some(max)) = (peer.min_ttl, peer.max_ttl) {
            if min > max {
                cx.report(
                    Severity::Warning,
                    Code::Inconsistent,
                    &line.keyword.location,
                    format!("unicast peer {address}: min_ttl {min} > max_ttl {max}, so every advert from it is dropped"),
                );
            }
        }
        if ok {
            peers.push(peer);
        }
    }
}

/// Reads a `vrrp_instance NAME { ... }` block.
pub(crate) fn read_vrrp_instance(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<VrrpInstance>) {
    cx.at_most(node, 1);
    let Some(name) = cx.arg(node) else { return };
    let mut instance = VrrpInstance {
        name: located(name),
        ..VrrpInstance::default()
    };
    cx.read_block(node, "vrrp_instance", KEYWORDS, &mut instance);
    // Lists grow to 4 entries on the first push; most hold one or two.
    for list in [
        &mut instance.virtual_ipaddress,
        &mut instance.virtual_ipaddress_excluded,
    ] {
        list.shrink_to_fit();
    }
    instance.track_script.shrink_to_fit();
    instance.track_interface.shrink_to_fit();
    instance.unicast_peer.shrink_to_fit();
    out.push(instance);
}

/// Writes a `vrrp_instance` block.
pub(crate) fn write_vrrp_instance(vi: &VrrpInstance, w: &mut Writer) {
    let d = VrrpInstance::default();
    w.open(&["vrrp_instance", &vi.name.value]);
    if vi.state == State::Master {
        w.line(&["state", "MASTER"]);
    }
    w.opt_name("interface", &vi.interface);
    w.opt("vrf", &vi.vrf);
    if let Some(vmac) = &vi.use_vmac {
        let mut words = vec!["use_vmac"];
        words.extend(vmac.name.as_deref());
        words.extend(vmac.mac.as_deref());
        w.line(&words);
    }
    w.flag("use_vmac_addr", vi.use_vmac_addr);
    w.flag("vmac_xmit_base", vi.vmac_xmit_base);
    if let Some(ipvlan) = &vi.use_ipvlan {
        let mut words = vec!["use_ipvlan"];
        words.extend(ipvlan.name.as_deref());
        words.extend(ipvlan.address.as_deref());
        words.extend(ipvlan.mode.map(|m| match m {
            IpvlanMode::Bridge => "bridge",
            IpvlanMode::Private => "private",
            IpvlanMode::Vepa => "vepa",
        }));
        w.line(&words);
    }
    w.flag("native_ipv6", vi.native_ipv6);
    w.flag("dont_track_primary", vi.dont_track_primary);
    tracking::write_interfaces(&vi.track_interface, w);
    tracking::write_refs("track_script", &vi.track_script, w);
    tracking::write_refs("track_file", &vi.track_file, w);
    tracking::write_refs("track_process", &vi.track_process, w);
    tracking::write_refs("track_bfd", &vi.track_bfd, w);
    w.opt("mcast_src_ip", &vi.mcast_src_ip);
    w.opt("unicast_src_ip", &vi.unicast_src_ip);
    w.opt("mcast_dst_ip", &vi.mcast_dst_ip);
    w.flag("track_src_ip", vi.track_src_ip);
    w.opt("version", &vi.version);
    w.flag("check_unicast_src", vi.check_unicast_src);
    if !vi.unicast_peer.is_empty() {
        w.open(&["unicast_peer"]);
        for peer in &vi.unicast_peer {
            let mut words = vec![peer.address.to_string()];
            if let Some(ttl) = peer.min_ttl {
                words.extend(["min_ttl".to_owned(), ttl.to_string()]);
            }
            if let Some(ttl) = peer.max_ttl {
                words.extend(["max_ttl".to_owned(), ttl.to_string()]);
            }
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            w.line(&refs);
        }
        w.close();
    }
    w.flag("unicast_fault_no_peer", vi.unicast_fault_no_peer);
    w.opt("unicast_ttl", &vi.unicast_ttl);
    match vi.old_unicast_checksum {
        Some(OldChecksum::Use) => w.line(&["old_unicast_checksum"]),
        Some(OldChecksum::Never) => w.line(&["old_unicast_checksum", "never"]),
        None => {}
    }
    w.opt_timer("garp_master_delay", vi.garp_master_delay);
    w.opt("garp_master_repeat", &vi.garp_master_repeat);
    w.opt_timer("garp_lower_prio_delay", vi.garp_lower_prio_delay);
    w.opt("garp_lower_prio_repeat", &vi.garp_lower_prio_repeat);
    w.opt_timer("garp_master_refresh", vi.garp_master_refresh);
    w.opt("garp_master_refresh_repeat", &vi.garp_master_refresh_repeat);
    if let Some((all, delay)) = vi.garp_extra_if {
        let delay = crate::model::reader::seconds(delay);
        if all {
            w.line(&["garp_extra_if", "all", &delay]);
        } else {
            w.line(&["garp_extra_if", &delay]);
        }
    }
    w.value_if(
        "down_timer_adverts",
        &vi.down_timer_adverts,
        &d.down_timer_adverts,
    );
    write_opt_bool(w, "lower_prio_no_advert", vi.lower_prio_no_advert);
    write_opt_bool(w, "higher_prio_send_advert", vi.higher_prio_send_advert);
    w.opt("virtual_router_id", &vi.virtual_router_id);
    w.value_if("priority", &vi.priority, &d.priority);
    w.timer_if("advert_int", vi.advert_int, d.advert_int);
    if let Some(auth) = &vi.authentication {
        w.open(&["authentication"]);
        w.line(&[
            "auth_type",
            if auth.auth_type == AuthType::Pass {
                "PASS"
            } else {
                "AH"
            },
        ]);
        w.value("auth_pass", &auth.auth_pass);
        w.close();
    }
    if let Some(hmac) = &vi.auth_hmac {
        let defaults = AuthHmac::default();
        w.open(&["auth_hmac"]);
        w.value_if("key_id", &hmac.key_id, &defaults.key_id);
        w.value("secret", &hmac.secret);
        let mode = match hmac.mode {
            HmacMode::Enforce => "enforce",
            HmacMode::Permissive => "permissive",
            HmacMode::ReceiveOnly => "receive-only",
        };
        w.value("mode", mode);
        w.value_if(
            "replay_window",
            &hmac.replay_window,
            &defaults.replay_window,
        );
        w.close();
    }
    ipaddr::write_addresses("virtual_ipaddress", &vi.virtual_ipaddress, w);
    ipaddr::write_addresses(
        "virtual_ipaddress_excluded",
        &vi.virtual_ipaddress_excluded,
        w,
    );
    w.flag("promote_secondaries", vi.promote_secondaries);
    ipaddr::write_routes("virtual_routes", &vi.virtual_routes, w);
    ipaddr::write_rules("virtual_rules", &vi.virtual_rules, w);
    match vi.accept {
        Some(true) => w.line(&["accept"]),
        Some(false) => w.line(&["no_accept"]),
        None => {}
    }
    w.flag("nopreempt", vi.nopreempt);
    w.timer_if("preempt_delay", vi.preempt_delay, d.preempt_delay);
    write_opt_bool(w, "skip_check_adv_addr", vi.skip_check_adv_addr);
    write_opt_bool(w, "strict_mode", vi.strict_mode);
    w.opt("debug", &vi.debug);
    w.script("notify_master", &vi.notify_master);
    w.script("notify_backup", &vi.notify_backup);
    w.script("notify_fault", &vi.notify_fault);
    w.script("notify_stop", &vi.notify_stop);
    if vi.notify_deleted {
        match &vi.notify_deleted_script {
            Some(_) => w.script("notify_deleted", &vi.notify_deleted_script),
            None => w.line(&["notify_deleted"]),
        }
    }
    w.script("notify", &vi.notify);
    w.script("notify_master_rx_lower_pri", &vi.notify_master_rx_lower_pri);
    write_opt_bool(w, "notify_priority_changes", vi.notify_priority_changes);
    write_opt_bool(w, "smtp_alert", vi.smtp_alert);
    w.opt("kernel_rx_buf_size", &vi.kernel_rx_buf_size);
    w.flag("linkbeat_use_polling", vi.linkbeat_use_polling);
    w.close();
}
