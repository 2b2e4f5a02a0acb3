//! `virtual_rules` and `static_rules` lines as `RTM_NEWRULE` and
//! `RTM_DELRULE` requests.
//!
//! A rule names its interfaces (`iif`, `oif`) rather than their indices, so
//! [`KernelRule::plan`] builds the whole message once, at start; the same
//! message adds and deletes (the kernel deletes the rule that matches every
//! attribute given). Names of tables, realms and groups that this host's
//! iproute2 files do not know are errors there, reported with the instance.
//!
//! It does not pick preferences: a rule without one gets it from the
//! planner, as keepalived numbers them.

use std::net::IpAddr;

use kconf_parser::model::ipaddr::{Family, Prefix, Rule, RuleAction as ConfAction};
use netlink_packet_route::AddressFamily;
use netlink_packet_route::IpProtocol;
use netlink_packet_route::route::{RouteProtocol, RouteRealm};
use netlink_packet_route::rule::{
    RuleAction, RuleAttribute, RuleFlags, RuleMessage, RulePortRange, RuleUidRange,
};

use super::names::{NameFile, resolve};
use super::route::RTPROT_KEEPALIVED;

/// A rule ready to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KernelRule {
    /// The rule as messages name it: `from 10.0.0.0/24 lookup 100`.
    pub(crate) text: String,
    /// The request; `RTM_NEWRULE` and `RTM_DELRULE` carry the same one.
    pub(crate) message: RuleMessage,
}

impl KernelRule {
    /// Builds the request of `rule` with `preference` (the rule's own, or
    /// the one the planner gave it).
    pub(crate) fn plan(rule: &Rule, preference: u32) -> Result<KernelRule, String> {
        let v6 = rule.family == Family::Inet6;
        let mut message = RuleMessage::default();
        let mut text = String::new();
        message.header.family = if v6 {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        if rule.not {
            message.header.flags |= RuleFlags::Invert;
            text.push_str("not ");
        }
        let attributes = &mut message.attributes;
        attributes.push(RuleAttribute::Priority(preference));
        if let Some(from) = selector(rule.from) {
            message.header.src_len = from.len;
            attributes.push(RuleAttribute::Source(from.address));
            text.push_str(&format!("from {from} "));
        }
        if let Some(to) = selector(rule.to) {
            message.header.dst_len = to.len;
            attributes.push(RuleAttribute::Destination(to.address));
            text.push_str(&format!("to {to} "));
        }
        if let Some(tos) = &rule.tos {
            message.header.tos = resolve(tos, NameFile::DsField)?;
        }
        if let Some(mark) = rule.fwmark {
            attributes.push(RuleAttribute::FwMark(mark));
            text.push_str(&format!("fwmark {mark:#x} "));
        }
        if let Some(mask) = rule.fwmask {
            attributes.push(RuleAttribute::FwMask(mask));
        }
        if let Some(realms) = &rule.realms {
            let to = resolve(&realms.to, NameFile::Realms)?;
            let from = match &realms.from {
                Some(from) => resolve(from, NameFile::Realms)?,
                None => 0,
            };
            attributes.push(RuleAttribute::Realm(RouteRealm {
                source: u16::from(from),
                destination: u16::from(to),
            }));
        }
        if let Some(length) = rule.suppress_prefixlength {
            attributes.push(RuleAttribute::SuppressPrefixLen(length));
        }
        if let Some(group) = &rule.suppress_ifgroup {
            attributes.push(RuleAttribute::SuppressIfGroup(resolve(
                group,
                NameFile::Groups,
            )?));
        }
        if let Some(iif) = &rule.iif {
            attributes.push(RuleAttribute::Iifname(iif.clone()));
            text.push_str(&format!("iif {iif} "));
        }
        if let Some(oif) = &rule.oif {
            attributes.push(RuleAttribute::Oifname(oif.clone()));
            text.push_str(&format!("oif {oif} "));
        }
        if let Some(id) = rule.tunnel_id {
            attributes.push(RuleAttribute::TunId(id));
        }
        if let Some((start, end)) = rule.uid_range {
            attributes.push(RuleAttribute::UidRange(RuleUidRange { start, end }));
        }
        // A tracked rule carries keepalived's protocol, as keepalived marks it.
        let protocol = rule
            .protocol
            .or((!rule.no_track).then_some(RTPROT_KEEPALIVED));
        if let Some(protocol) = protocol {
            attributes.push(RuleAttribute::Protocol(RouteProtocol::from(protocol)));
        }
        if let Some(ip_proto) = rule.ip_proto {
            attributes.push(RuleAttribute::IpProtocol(IpProtocol::from(i32::from(
                ip_proto,
            ))));
        }
        if let Some(ports) = rule.sport {
            attributes.push(RuleAttribute::SourcePortRange(RulePortRange {
                start: ports.start,
                end: ports.end,
            }));
        }
        if let Some(ports) = rule.dport {
            attributes.push(RuleAttribute::DestinationPortRange(RulePortRange {
                start: ports.start,
                end: ports.end,
            }));
        }
        let action = match &rule.action {
            ConfAction::Table(table) => {
                let table = resolve(table, NameFile::Tables)?;
                text.push_str(&format!("lookup {table}"));
                // As `ip rule` does: a table above 255 does not fit the header.
                match u8::try_from(table) {
                    Ok(small) => message.header.table = small,
                    Err(_) => message.attributes.push(RuleAttribute::Table(table)),
                }
                RuleAction::ToTable
            }
            ConfAction::Goto(target) => {
                message.attributes.push(RuleAttribute::Goto(*target));
                text.push_str(&format!("goto {target}"));
                RuleAction::Goto
            }
            ConfAction::Nop => {
                text.push_str("nop");
                RuleAction::Nop
            }
            ConfAction::Blackhole => {
                text.push_str("blackhole");
                RuleAction::Blackhole
            }
            ConfAction::Unreachable => {
                text.push_str("unreachable");
                RuleAction::Unreachable
            }
            ConfAction::Prohibit => {
                text.push_str("prohibit");
                RuleAction::Prohibit
            }
            ConfAction::L3mdev => {
                message.attributes.push(RuleAttribute::L3MDev(true));
                text.push_str("l3mdev");
                RuleAction::ToTable
            }
        };
        message.header.action = action;
        Ok(KernelRule {
            text: format!("{text} pref {preference}"),
            message,
        })
    }
}

/// A `from`/`to` that selects something: `all` (or a /0 of the unspecified
/// address) selects everything and sends no attribute.
fn selector(prefix: Option<Prefix>) -> Option<Prefix> {
    prefix.filter(|p| {
        p.len > 0
            || !match p.address {
                IpAddr::V4(v4) => v4.is_unspecified(),
                IpAddr::V6(v6) => v6.is_unspecified(),
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<Rule> {
        let config = format!(
            "vrrp_instance V {{\n interface eth0\n virtual_router_id 5\n virtual_rules {{\n{text}\n }}\n}}\n"
        );
        let parsed = kconf_parser::parse_str(&config, &kconf_parser::ParseOptions::default());
        parsed.config.vrrp_instances[0].virtual_rules.clone()
    }

    fn plan(text: &str) -> KernelRule {
        let rule = rules(text).into_iter().next().expect("one rule");
        KernelRule::plan(&rule, rule.preference.unwrap_or(16384)).unwrap()
    }

    #[test]
    fn every_selector_is_an_attribute() {
        let rule = plan(
            "from 10.0.0.0/24 to 192.0.2.0/25 tos 0x10 fwmark 0x20/0xff preference 100 realms 3/4 \
             iif eth0 oif eth1 tunnel-id 7 uidrange 1000-2000 protocol 99 ipproto tcp \
             sport 1000-1010 dport 80-80 table 100 no_track",
        );
        let m = &rule.message;
        assert_eq!(m.header.family, AddressFamily::Inet);
        assert_eq!((m.header.src_len, m.header.dst_len), (24, 25));
        assert_eq!(m.header.tos, 0x10);
        assert_eq!(m.header.table, 100);
        assert_eq!(m.header.action, RuleAction::ToTable);
        assert_eq!(
            m.attributes,
            vec![
                RuleAttribute::Priority(100),
                RuleAttribute::Source("10.0.0.0".parse().unwrap()),
                RuleAttribute::Destination("192.0.2.0".parse().unwrap()),
                RuleAttribute::FwMark(0x20),
                RuleAttribute::FwMask(0xff),
                RuleAttribute::Realm(RouteRealm {
                    source: 3,
                    destination: 4
                }),
                RuleAttribute::Iifname("eth0".into()),
                RuleAttribute::Oifname("eth1".into()),
                RuleAttribute::TunId(7),
                RuleAttribute::UidRange(RuleUidRange {
                    start: 1000,
                    end: 2000
                }),
                RuleAttribute::Protocol(RouteProtocol::from(99)),
                RuleAttribute::IpProtocol(IpProtocol::Tcp),
                RuleAttribute::SourcePortRange(RulePortRange {
                    start: 1000,
                    end: 1010
                }),
                RuleAttribute::DestinationPortRange(RulePortRange { start: 80, end: 80 }),
            ]
        );
        assert!(
            rule.text.starts_with("from 10.0.0.0/24 to 192.0.2.0/25"),
            "{}",
            rule.text
        );
    }

    #[test]
    fn actions_and_big_tables() {
        let rule = plan("from all table 1000 preference 5 no_track");
        assert_eq!(rule.message.header.table, 0);
        assert_eq!(
            rule.message.attributes,
            vec![RuleAttribute::Priority(5), RuleAttribute::Table(1000)]
        );
        let rule = plan("to 10.9.0.0/16 goto 300 preference 200");
        assert_eq!(rule.message.header.action, RuleAction::Goto);
        assert!(rule.message.attributes.contains(&RuleAttribute::Goto(300)));
        assert!(
            rule.message
                .attributes
                .contains(&RuleAttribute::Protocol(RouteProtocol::KeepAlived)),
            "a tracked rule carries keepalived's protocol"
        );
        let rule = plan("not from 10.1.0.0/16 prohibit preference 9");
        assert_eq!(rule.message.header.action, RuleAction::Prohibit);
        assert!(rule.message.header.flags.contains(RuleFlags::Invert));
        let rule = plan("l3mdev preference 1000");
        assert_eq!(rule.message.header.action, RuleAction::ToTable);
        assert!(
            rule.message
                .attributes
                .contains(&RuleAttribute::L3MDev(true))
        );
        let rule = plan(
            "from 10.0.0.0/8 suppress_prefixlength 0 suppress_ifgroup 5 table main preference 1",
        );
        assert!(
            rule.message
                .attributes
                .contains(&RuleAttribute::SuppressPrefixLen(0))
        );
        assert!(
            rule.message
                .attributes
                .contains(&RuleAttribute::SuppressIfGroup(5))
        );
        let rule = plan("from fd00::/64 table 100 preference 3");
        assert_eq!(rule.message.header.family, AddressFamily::Inet6);
        assert_eq!(rule.message.header.src_len, 64);
    }

    #[test]
    fn emitted_bytes_are_the_kernel_layout() {
        use rtnetlink::packet_core::Emitable;
        let rule = plan("from 10.0.0.0/24 table 100 preference 100 no_track");
        let mut buffer = vec![0xa5; rule.message.buffer_len()];
        rule.message.emit(&mut buffer);
        assert_eq!(
            buffer,
            [
                2, 0, 24, 0, // family AF_INET, dst_len 0, src_len 24, tos 0
                100, 0, 0, 1, // table 100, two reserved bytes, FR_ACT_TO_TBL
                0, 0, 0, 0, // flags
                8, 0, 6, 0, 100, 0, 0, 0, // FRA_PRIORITY 100
                8, 0, 2, 0, 10, 0, 0, 0, // FRA_SRC 10.0.0.0
            ]
        );
    }

    #[test]
    fn unknown_names_are_errors() {
        let mut rule = rules("from 10.0.0.0/24 table 100 preference 1")
            .pop()
            .unwrap();
        rule.action = ConfAction::Table(kconf_parser::model::ipaddr::RtId::Name(
            "nowhere-table".into(),
        ));
        let err = KernelRule::plan(&rule, 1).unwrap_err();
        assert!(err.contains("nowhere-table"), "{err}");
    }
}
