use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::*;
use crate::diagnostic::{Code, Severity};
use crate::model::global::values::testing::{parse, problems, round_trip};
use crate::model::reader::Cx;
use crate::model::track::TrackGroup;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("test address")
}

fn prefix(text: &str) -> Prefix {
    let (address, len) = text.split_once('/').expect("test prefix");
    Prefix {
        address: ip(address),
        len: len.parse().expect("test prefix length"),
    }
}

#[test]
fn address_options() {
    let parsed = parse(
        "static_ipaddress {\n\
         192.0.2.1\n\
         192.0.2.2/24 brd + dev eth0 scope link label eth0:1\n\
         192.0.2.3/24 broadcast 192.0.2.127 dev eth0 home -nodad mngtmpaddr noprefixroute autojoin no_track\n\
         192.0.2.4 dev eth0 peer 192.0.2.5 preferred_lft 0\n\
         2001:db8::1/64 dev eth0 preferred_lft forever\n\
         }\n",
    );
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let a = &parsed.config.static_addresses;
    assert_eq!(
        (
            a[0].address,
            a[0].prefix_len,
            a[0].dev.as_ref().map(|d| d.as_str())
        ),
        (ip("192.0.2.1"), 32, None)
    );
    assert_eq!(a[1].broadcast, Some(Broadcast::HostBitsSet));
    assert_eq!(
        (a[1].scope.clone(), a[1].label.as_deref()),
        (Some(RtId::Number(253)), Some("eth0:1"))
    );
    assert_eq!(
        a[2].broadcast,
        Some(Broadcast::Address(Ipv4Addr::new(192, 0, 2, 127)))
    );
    assert!(
        a[2].home
            && a[2].no_dad
            && a[2].mngtmpaddr
            && a[2].noprefixroute
            && a[2].autojoin
            && a[2].no_track
    );
    assert_eq!(
        (a[3].peer, a[3].preferred_lft),
        (Some(ip("192.0.2.5")), Some(PreferredLifetime::Seconds(0)))
    );
    assert_eq!(
        (a[4].prefix_len, a[4].preferred_lft),
        (64, Some(PreferredLifetime::Forever))
    );
}

#[test]
fn address_problems_follow_keepalived() {
    let parsed = parse(
        "static_ipaddress {\n\
         10.1.1.3/33 dev eth0\n\
         10.1.1.5/24 dev eth0 brd - peer 10.1.1.9/24\n\
         10.1.1.6/24 dev eth0 peer 10.1.1.10\n\
         2001:db8::1/64 dev eth0 scope link label foo\n\
         2001:db8::2/64 dev eth0 brd 1.2.3.4\n\
         10.1.1.9/24 dev eth0 preferred_lft -1\n\
         10.1.1.12/24 dev eth0 label abcdefghijklmnopq\n\
         10.1.1.17/24 dev eth0 dev eth0\n\
         10.1.1.18/24 dev\n\
         10.1.1.19/31 dev eth0 brd +\n\
         1.2.3/24 dev eth0\n\
         10.1.1.20/24 dev eth0 use_vmac\n\
         10.1.1.21/24 dev eth0 bogus\n\
         10.1.1.22/0x10 dev eth0\n\
         }\n",
    );
    let kept: Vec<String> = parsed
        .config
        .static_addresses
        .iter()
        .map(|a| format!("{}/{}", a.address, a.prefix_len))
        .collect();
    assert_eq!(
        kept,
        [
            "10.1.1.3/32",
            "10.1.1.5/24",
            "10.1.1.6/32",
            "2001:db8::1/64",
            "10.1.1.9/24",
            "10.1.1.19/31",
            "10.1.1.20/24",
            "10.1.1.21/24",
            "10.1.1.22/32",
        ]
    );
    let a = &parsed.config.static_addresses;
    assert_eq!((a[3].scope.clone(), a[3].label.clone()), (None, None));
    assert_eq!(a[5].broadcast, None);
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::OutOfRange, 2, 10),
            (Code::InvalidValue, 3, 33),
            (Code::Inconsistent, 4, 1),
            (Code::Inconsistent, 5, 1),
            (Code::Inconsistent, 5, 1),
            (Code::InvalidValue, 6, 25),
            (Code::InvalidValue, 7, 36),
            (Code::InvalidValue, 8, 29),
            (Code::Duplicate, 9, 23),
            (Code::MissingValue, 10, 14),
            (Code::Inconsistent, 11, 23),
            (Code::InvalidValue, 12, 1),
            (Code::UnknownKeyword, 13, 23),
            (Code::UnknownKeyword, 14, 23),
            (Code::InvalidValue, 15, 11),
        ]
    );
}

#[test]
fn virtual_addresses_take_use_vmac_not_track_group() {
    let node = crate::syntax::Node {
        keyword: word("virtual_ipaddress", 1, 1),
        args: Vec::new(),
        block: Some(crate::syntax::Block {
            open: location(1, 19),
            children: vec![crate::syntax::Node {
                keyword: word("10.9.9.9/24", 2, 1),
                args: vec![
                    word("use_vmac", 2, 13),
                    word("track_group", 2, 22),
                    word("TG", 2, 34),
                ],
                block: None,
            }],
        }),
    };
    let mut diagnostics = Vec::new();
    let mut out = Vec::new();
    read_addresses(
        &mut Cx {
            diagnostics: &mut diagnostics,
            strict: false,
        },
        &node,
        &mut out,
    );
    assert!(out[0].use_vmac);
    assert_eq!(out[0].track_group, None);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(
        (
            diagnostics[0].code,
            diagnostics[0].location.as_ref().map(|l| l.column)
        ),
        (Code::UnknownKeyword, Some(22))
    );
}

fn location(line: u32, column: u32) -> crate::diagnostic::Location {
    crate::diagnostic::Location {
        file: std::sync::Arc::from(std::path::Path::new("/k.conf")),
        line,
        column,
        expanded: false,
    }
}

fn word(text: &str, line: u32, column: u32) -> crate::syntax::Word {
    crate::syntax::Word {
        text: text.into(),
        location: location(line, column),
    }
}

#[test]
fn routes_from_the_man_page() {
    let parsed = parse(
        "static_routes {\n\
         192.168.2.0/24 via 192.168.1.100 dev eth0\n\
         192.168.100.0/24 table 6909 nexthop via 192.168.101.1 dev wlan0 onlink weight 1 nexthop via 192.168.101.2 dev wlan0 onlink weight 2\n\
         192.168.200.0/24 dev p33p1.2 table 6909 tos 0x04 protocol bird scope link priority 12 mtu 1000 hoplimit 100 advmss 101 rtt 102 rttvar 103 reordering 104 window 105 cwnd 106 ssthresh lock 107 realms 1/0x14 rto_min 108 initcwnd 109 initrwnd 110 features ecn add no_track\n\
         2001:470:69e9:1:2::4 dev p33p1.2 table 6909 tos 0x04 scope link priority 12 mtu 1000 hoplimit 100 append fastopen_no_cookie 1\n\
         }\n",
    );
    // The multipath route has no 'dev' of its own: keepalived cannot track it.
    assert_eq!(problems(&parsed), vec![(Code::Inconsistent, 3, 1)]);
    let r = &parsed.config.static_routes;
    assert_eq!(
        (
            r[0].to,
            r[0].via,
            r[0].dev.as_ref().map(|d| d.as_str()),
            r[0].no_track
        ),
        (
            prefix("192.168.2.0/24"),
            Some(ip("192.168.1.100")),
            Some("eth0"),
            false
        )
    );
    assert_eq!(r[1].table, Some(RtId::Number(6909)));
    assert!(r[1].no_track, "keepalived stops tracking it");
    assert_eq!(r[1].nexthops.len(), 2);
    assert_eq!(
        r[1].nexthops[1],
        Nexthop {
            via: Some(ip("192.168.101.2")),
            dev: Some(crate::model::Located::bare("wlan0".into())),
            weight: Some(2),
            onlink: true,
            realms: None,
            encap: Vec::new()
        }
    );
    let big = &r[2];
    assert_eq!(
        (big.tos.clone(), big.protocol.clone(), big.scope.clone()),
        (
            Some(RtId::Number(4)),
            Some(RtId::Number(12)),
            Some(RtId::Number(253))
        )
    );
    assert_eq!(
        (
            big.metric,
            big.hoplimit,
            big.window,
            big.initcwnd,
            big.initrwnd
        ),
        (Some(12), Some(100), Some(105), Some(109), Some(110))
    );
    assert_eq!(
        big.mtu,
        Some(RouteMetric {
            value: 1000,
            lock: false
        })
    );
    assert_eq!(
        big.ssthresh,
        Some(RouteMetric {
            value: 107,
            lock: true
        })
    );
    assert_eq!(
        big.rtt,
        Some(RouteMetric {
            value: Duration::from_millis(102),
            lock: false
        })
    );
    assert_eq!(
        big.realms,
        Some(Realms {
            from: Some(RtId::Number(1)),
            to: RtId::Number(0x14)
        })
    );
    assert!(big.features_ecn);
    assert_eq!(big.mode, AddMode::Add);
    assert_eq!(
        (r[3].to, r[3].mode, r[3].fastopen_no_cookie),
        (
            prefix("2001:470:69e9:1:2::4/128"),
            AddMode::Append,
            Some(true)
        )
    );
}

#[test]
fn route_problems_follow_keepalived() {
    let parsed = parse(
        "static_routes {\n\
         10.2.0.0/16 via 10.0.0.1\n\
         10.3.0.0/16 dev eth0 protocol bird\n\
         10.4.0.0/16 dev eth0 proto static\n\
         inet6 default via fe80::1 dev eth0\n\
         default via fe80::1 dev eth0\n\
         10.5.0.0/16 via 10.0.0.1 or 10.0.0.2 dev eth0\n\
         10.6.0.0/16 dev eth0 gw 10.0.0.1\n\
         10.7.0.0/16 dev eth0 nexthop via 10.0.0.1 weight 0\n\
         10.8.0.0/16 dev eth0 nexthop via 10.0.0.1 weight 1 bogus\n\
         10.9.0.0/16 dev eth0 hoplimit 256\n\
         10.10.0.0/16 dev eth0 rtt 0.5\n\
         10.11.0.0/16 dev eth0 rtt 1.5s rto_min 200us\n\
         10.12.0.0/16 from 10.0.0.0/8 dev eth0\n\
         10.13.0.0/16 dev eth0 pref high\n\
         10.14.0.0/16 dev eth0 inet6\n\
         via 10.0.0.1 dev eth0\n\
         10.15.0.0/16 dev eth0 table small\n\
         }\n",
    );
    let routes: Vec<String> = parsed
        .config
        .static_routes
        .iter()
        .map(|r| r.to.to_string())
        .collect();
    assert_eq!(
        routes,
        [
            "10.2.0.0/16",
            "10.3.0.0/16",
            "::/0",
            "::/0",
            "10.5.0.0/16",
            "10.6.0.0/16",
            "10.7.0.0/16",
            "10.8.0.0/16",
            "10.15.0.0/16"
        ]
    );
    let r = &parsed.config.static_routes;
    assert!(r[0].no_track);
    assert_eq!(
        r[1].protocol, None,
        "keepalived resets the protocol of a tracked route"
    );
    assert_eq!(
        r[4].nexthops.iter().map(|h| h.via).collect::<Vec<_>>(),
        [Some(ip("10.0.0.1")), Some(ip("10.0.0.2"))]
    );
    assert_eq!(r[7].nexthops.len(), 1);
    assert_eq!(r[8].table, Some(RtId::Name("small".into())));
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::Inconsistent, 2, 1),
            (Code::Inconsistent, 3, 31),
            (Code::UnknownKeyword, 4, 22),
            (Code::Inconsistent, 5, 1),
            (Code::Inconsistent, 7, 26),
            (Code::Inconsistent, 8, 22),
            (Code::OutOfRange, 9, 50),
            (Code::InvalidValue, 10, 52),
            (Code::OutOfRange, 11, 31),
            (Code::InvalidValue, 12, 27),
            (Code::InvalidValue, 13, 40),
            (Code::Inconsistent, 14, 19),
            (Code::Inconsistent, 15, 23),
            (Code::Inconsistent, 16, 23),
            (Code::MissingValue, 17, 1),
        ]
    );
    // A table name other than iproute2's own is the host's business.
    let note = parsed
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Note)
        .expect("note");
    assert_eq!(note.code, Code::UnknownReference);
}

#[test]
fn rules_from_the_man_page() {
    let parsed = parse(
        "static_rules {\n\
         from 192.168.2.0/24 table 1 preference 1\n\
         to 192.168.2.0/24 table 1 preference 2\n\
         from 192.168.28.0/24 to 192.168.29.0/26 table 5 iif eth0 oif eth0 tos 22 fwmark 24/12 preference 39 realms 30/20\n\
         to 1:2:3:4:5:6:7:0/112 from 7:6:5:4:3:2::/96 table 6908 uidrange 10000-19999 preference 40\n\
         to 1:2:3:4:6:6:7:0/112 from 8:6:5:4:3:2::/96 l3mdev protocol 12 ipproto UDP sport 10-20 dport 20-30 preference 41 no_track\n\
         from all goto 50 preference 45\n\
         not from 10.0.0.0/8 lookup main priority 49 suppress_prefixlength 0\n\
         table 5 preference 0x3b unreachable\n\
         }\n",
    );
    assert_eq!(problems(&parsed), vec![(Code::Inconsistent, 9, 25)]);
    let r = &parsed.config.static_rules;
    assert_eq!(
        (r[0].from, r[0].action.clone(), r[0].preference),
        (
            Some(prefix("192.168.2.0/24")),
            RuleAction::Table(RtId::Number(1)),
            Some(1)
        )
    );
    assert_eq!(
        (r[2].iif.as_deref(), r[2].oif.as_deref(), r[2].tos.clone()),
        (Some("eth0"), Some("eth0"), Some(RtId::Number(22)))
    );
    assert_eq!((r[2].fwmark, r[2].fwmask), (Some(24), Some(12)));
    assert_eq!(
        r[2].realms,
        Some(Realms {
            from: Some(RtId::Number(30)),
            to: RtId::Number(20)
        })
    );
    assert_eq!(
        (r[3].family, r[3].uid_range),
        (Family::Inet6, Some((10000, 19999)))
    );
    assert_eq!(
        (r[4].action.clone(), r[4].protocol, r[4].ip_proto),
        (RuleAction::L3mdev, Some(12), Some(17))
    );
    assert_eq!(
        (r[4].sport, r[4].dport),
        (
            Some(PortRange { start: 10, end: 20 }),
            Some(PortRange { start: 20, end: 30 })
        )
    );
    assert_eq!(
        (r[5].from, r[5].action.clone()),
        (None, RuleAction::Goto(50))
    );
    assert!(r[6].not);
    assert_eq!(
        (r[6].action.clone(), r[6].suppress_prefixlength),
        (RuleAction::Table(RtId::Number(254)), Some(0))
    );
    assert_eq!(r.len(), 7, "two actions: keepalived drops the rule");
}

#[test]
fn rule_problems_follow_keepalived() {
    let parsed = parse(
        "static_rules {\n\
         from 192.168.2.0/24 table 1\n\
         from 10.0.0.0/8 ip_proto UDP table 5 preference 2\n\
         from 10.0.0.0/8 table 5 preference 3 dport 20\n\
         inet6 from all table 100 preference 4\n\
         from 10.0.0.0/8 table 0 preference 5\n\
         from 10.0.0.0/8 goto 40 preference 53\n\
         from 10.0.0.0/8 preference 55\n\
         from 10.0.0.0/8 nop realms 1 preference 56\n\
         from 10.0.0.0/8 table 5 preference 1 protocol 12\n\
         from 10.0.0.0/8 table 5 preference 6 fwmark -1\n\
         from 10.0.0.0/8 table 5 preference 7 uidrange 5\n\
         from 10.0.0.0/8 table 5 preference 8 ipproto bogus\n\
         from 10.0.0.0/8 table 5 preference 9 tos 256\n\
         from 10.0.0.0/8 table 5 preference 10 realms 5/6/7\n\
         from 10.0.0.0/8 table 5 preference 4294967296\n\
         from 10.0.0.0/8 table 5 preference 11 type unicast\n\
         from 10.0.0.0/8 table 5 preference 12 track_group TG\n\
         }\n",
    );
    let kept: Vec<Option<u32>> = parsed
        .config
        .static_rules
        .iter()
        .map(|r| r.preference)
        .collect();
    assert_eq!(kept, [None, Some(3), Some(4), Some(1), Some(8), Some(12)]);
    assert_eq!(parsed.config.static_rules[2].family, Family::Inet6);
    assert_eq!(parsed.config.static_rules[3].protocol, None);
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::MissingValue, 2, 1),
            (Code::UnknownKeyword, 3, 17),
            (Code::UnknownKeyword, 3, 17),
            (Code::InvalidValue, 4, 44),
            (Code::Inconsistent, 5, 1),
            (Code::InvalidValue, 6, 23),
            (Code::Inconsistent, 7, 1),
            (Code::MissingValue, 8, 1),
            (Code::Inconsistent, 9, 21),
            (Code::Inconsistent, 10, 47),
            (Code::InvalidValue, 11, 45),
            (Code::InvalidValue, 12, 47),
            (Code::InvalidValue, 13, 46),
            (Code::OutOfRange, 14, 42),
            (Code::InvalidValue, 15, 46),
            (Code::InvalidValue, 16, 36),
            (Code::InvalidValue, 17, 44),
            (Code::Inconsistent, 18, 1),
        ]
    );
}

#[test]
fn track_groups_of_static_lines_must_exist() {
    let parsed = parse(
        "static_ipaddress {\n 10.0.0.1/24 dev eth0 track_group TG\n}\n\
         static_routes {\n 10.1.0.0/16 dev eth0 track_group NOPE\n}\n\
         static_rules {\n from 10.0.0.0/8 table 5 preference 1 iif eth0 track_group TG\n}\n",
    );
    let mut config = parsed.config;
    config.track_groups.push(TrackGroup {
        name: "TG".into(),
        instances: Vec::new(),
    });
    let mut diagnostics = Vec::new();
    validate(
        &config,
        &mut Cx {
            diagnostics: &mut diagnostics,
            strict: false,
        },
    );
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(
        (d.severity, d.code),
        (Severity::Warning, Code::UnknownReference)
    );
    assert_eq!(
        d.location.as_ref().map(|l| (l.line, l.column)),
        Some((5, 35))
    );
}

#[test]
fn static_blocks_round_trip() {
    let config = round_trip(
        "static_ipaddress {\n\
         192.0.2.1\n\
         192.0.2.2/24 brd - dev eth0 scope 200 label \"eth0:a b\"\n\
         192.0.2.3/25 broadcast 192.0.2.127 dev eth0 home -nodad mngtmpaddr noprefixroute autojoin no_track preferred_lft 30\n\
         192.0.2.4 dev eth0 peer 192.0.2.5\n\
         2001:db8::1/64 dev eth0 preferred_lft forever\n\
         }\n\
         static_routes {\n\
         default via 192.0.2.254 dev eth0\n\
         default6 via fe80::1 dev eth0 metric 5\n\
         blackhole 198.51.100.0/24 dev eth0 table main\n\
         unicast 198.51.101.0/24 src 192.0.2.1 dev eth0 scope link protocol keepalived tos AF11 onlink\n\
         198.51.102.0/24 dev eth0 mtu lock 1400 advmss 1360 rtt lock 5s rttvar 100 reordering 3 window 10 cwnd lock 10\n\
         198.51.103.0/24 dev eth0 ssthresh 20 realms cosmos/5 rto_min 200 initcwnd 10 initrwnd 20 features ecn quickack 1\n\
         198.51.104.0/24 dev eth0 congctl lock cubic ttl-propagate disabled fastopen_no_cookie 0 vrf blue append\n\
         2001:db8:1::/64 from 2001:db8::/32 dev eth0 pref medium expires 300 no_track\n\
         2001:db8:2::/64 dev eth0 pref 3 add\n\
         198.51.105.0/24 dev eth0 encap ip id 5 dst 10.0.0.1 ttl 4\n\
         198.51.106.0/24 dev eth0 nexthop via 192.0.2.10 dev eth0 weight 3 nexthop via 192.0.2.11 dev eth1 onlink realms 7\n\
         }\n\
         static_rules {\n\
         from 192.0.2.0/24 table 100 preference 100\n\
         not to 198.51.100.0/24 tos 0x10 fwmark 0x10/0xff preference 101 realms 2 suppress_prefixlength 8 suppress_ifgroup 3 lookup local\n\
         iif eth0 oif eth1 tunnel-id 7 uidrange 1000-2000 protocol 18 ipproto tcp sport 1-1024 dport 80-80 preference 102 table 5\n\
         from 2001:db8::/32 preference 103 l3mdev\n\
         preference 104 goto 200\n\
         preference 105 nop no_track\n\
         preference 106 blackhole\n\
         preference 107 type unreachable\n\
         preference 108 prohibit inet6\n\
         from default6 preference 109 table 7\n\
         }\n",
    );
    assert_eq!(config.static_routes[1].to, Prefix::any(true));
    assert_eq!(config.static_rules[8].family, Family::Inet6);
    assert_eq!(
        config.static_routes[9].encap,
        ["ip", "id", "5", "dst", "10.0.0.1", "ttl", "4"]
    );
}

#[test]
fn vrrp_instance_lines_write_back() {
    // The VRRP section writes its lists with these functions.
    let parsed = parse(
        "static_ipaddress {\n 10.0.0.1/24 dev eth0 track_group TG\n}\n\
         static_routes {\n 10.1.0.0/16 via 10.0.0.254 dev eth0\n}\n\
         static_rules {\n from 10.0.0.0/8 table 5 preference 1\n}\n",
    );
    let mut w = crate::model::writer::Writer::default();
    write_addresses("virtual_ipaddress", &parsed.config.static_addresses, &mut w);
    write_routes("virtual_routes", &parsed.config.static_routes, &mut w);
    write_rules("virtual_rules", &parsed.config.static_rules, &mut w);
    assert_eq!(
        w.finish(),
        "virtual_ipaddress {\n    10.0.0.1/24 dev eth0 track_group TG\n}\n\
         virtual_routes {\n    10.1.0.0/16 via 10.0.0.254 dev eth0\n}\n\
         virtual_rules {\n    from 10.0.0.0/8 preference 1 table 5\n}\n"
    );
}
