//! The firewall keepalived drives: nftables tables for VRRP (`no_accept`,
//! VMAC filtering) and for IPVS fwmarks, and the legacy iptables keywords.

use super::values::{already_set, error, int, warning};
use super::{GlobalDefs, bare};
use crate::diagnostic::Code;
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::syntax::Node;

/// `vrrp_iptables [IN_CHAIN [OUT_CHAIN]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IptablesChains {
    /// Chain for inbound filtering (default INPUT).
    pub input: String,
    /// Chain for outbound filtering (default OUTPUT when no chain is named,
    /// none when only the input chain is).
    pub output: Option<String>,
}

model! {
    /// nftables and iptables settings.
    pub struct Firewall {
        /// `nftables [TABLE]`: use nftables for VRRP, in TABLE (default
        /// "keepalived" when the keyword is given without a name).
        pub nftables: Option<String> = None,
        /// `nftables_priority N`: priority of keepalived's base chains
        /// (default -1).
        pub nftables_priority: i32 = -1,
        /// `nftables_counters`: add counters to the rules.
        pub nftables_counters: bool = false,
        /// `nftables_ifindex`: key link-local sets by ifindex.
        pub nftables_ifindex: bool = false,
        /// `nftables_ipvs [TABLE]`: set IPVS fwmarks with nftables, in TABLE
        /// (default "keepalived_ipvs").
        pub nftables_ipvs: Option<String> = None,
        /// `nftables_ipvs_priority N` (default -1).
        pub nftables_ipvs_priority: i32 = -1,
        /// `nftables_ipvs_start_fwmark N`: the first fwmark allocated to a
        /// virtual server group (default 1000).
        pub nftables_ipvs_start_fwmark: u32 = 1000,
        /// `vrrp_iptables`: legacy; keepalived 2.2.7 built for nftables uses
        /// nftables (table "keepalived") instead, as keepalived-rs does.
        pub iptables: Option<IptablesChains> = None,
        /// `vrrp_ipsets [NAME ...]`: legacy ipset names, unused with nftables.
        pub ipsets: Option<Vec<String>> = None,
    }
}

/// nftables refuses table names of 256 characters or more.
const NFT_TABLE_MAX: usize = 255;

fn table(cx: &mut Cx<'_>, node: &Node, target: &mut Option<String>, default: &str) {
    cx.no_block(node);
    cx.at_most(node, 1);
    if target.is_some() {
        already_set(cx, node);
        return;
    }
    match node.args.first() {
        Some(name) if name.text.len() > NFT_TABLE_MAX => error(
            cx,
            Code::InvalidValue,
            &name.location,
            format!(
                "'{}' table name is longer than {NFT_TABLE_MAX} characters",
                node.name()
            ),
        ),
        Some(name) => *target = Some(name.text.clone()),
        None => *target = Some(default.to_owned()),
    }
}

pub(super) const KEYWORDS: &Keywords<GlobalDefs> = &[
    ("nftables", |cx, node, g| {
        table(cx, node, &mut g.firewall.nftables, "keepalived")
    }),
    ("nftables_priority", |cx, node, g| {
        if let Some(priority) = int(cx, node, i128::from(i32::MIN)..=i128::from(i32::MAX)) {
            g.firewall.nftables_priority = priority;
        }
    }),
    ("nftables_counters", |cx, node, g| {
        g.firewall.nftables_counters = bare(cx, node)
    }),
    ("nftables_ifindex", |cx, node, g| {
        g.firewall.nftables_ifindex = bare(cx, node)
    }),
    ("nftables_ipvs", |cx, node, g| {
        table(cx, node, &mut g.firewall.nftables_ipvs, "keepalived_ipvs")
    }),
    ("nftables_ipvs_priority", |cx, node, g| {
        if let Some(priority) = int(cx, node, i128::from(i32::MIN)..=i128::from(i32::MAX)) {
            g.firewall.nftables_ipvs_priority = priority;
        }
    }),
    ("nftables_ipvs_start_fwmark", |cx, node, g| {
        if let Some(mark) = int(cx, node, 1..=i128::from(u32::MAX)) {
            g.firewall.nftables_ipvs_start_fwmark = mark;
        }
    }),
    ("vrrp_iptables", |cx, node, g| {
        cx.no_block(node);
        cx.at_most(node, 2);
        if g.firewall.iptables.is_some() {
            already_set(cx, node);
            return;
        }
        let chains = match node.args.as_slice() {
            [] => IptablesChains {
                input: "INPUT".into(),
                output: Some("OUTPUT".into()),
            },
            [input, rest @ ..] => IptablesChains {
                input: input.text.clone(),
                output: rest.first().map(|w| w.text.clone()),
            },
        };
        g.firewall.iptables = Some(chains);
        warning(
            cx,
            Code::Inconsistent,
            &node.keyword.location,
            "'vrrp_iptables' is legacy: keepalived built for nftables, like keepalived-rs, uses nftables table 'keepalived' instead".into(),
        );
    }),
    ("vrrp_ipsets", |cx, node, g| {
        cx.no_block(node);
        cx.at_most(node, 5);
        g.firewall.ipsets = Some(node.args.iter().map(|w| w.text.clone()).collect());
        warning(
            cx,
            Code::UnknownKeyword,
            &node.keyword.location,
            "'vrrp_ipsets' is ignored: it only applies to iptables, and keepalived built for nftables does not know it".into(),
        );
    }),
];

pub(super) fn write(f: &Firewall, w: &mut Writer) {
    let d = Firewall::default();
    w.opt("nftables", &f.nftables);
    w.value_if(
        "nftables_priority",
        &f.nftables_priority,
        &d.nftables_priority,
    );
    w.flag("nftables_counters", f.nftables_counters);
    w.flag("nftables_ifindex", f.nftables_ifindex);
    w.opt("nftables_ipvs", &f.nftables_ipvs);
    w.value_if(
        "nftables_ipvs_priority",
        &f.nftables_ipvs_priority,
        &d.nftables_ipvs_priority,
    );
    w.value_if(
        "nftables_ipvs_start_fwmark",
        &f.nftables_ipvs_start_fwmark,
        &d.nftables_ipvs_start_fwmark,
    );
    if let Some(chains) = &f.iptables {
        let mut words = vec!["vrrp_iptables", chains.input.as_str()];
        words.extend(chains.output.as_deref());
        w.line(&words);
    }
    if let Some(sets) = &f.ipsets {
        let mut words = vec!["vrrp_ipsets"];
        words.extend(sets.iter().map(String::as_str));
        w.line(&words);
    }
}
