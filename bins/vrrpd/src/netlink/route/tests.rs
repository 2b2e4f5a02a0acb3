use std::net::{Ipv4Addr, Ipv6Addr};

use rtnetlink::packet_core::Emitable;

use super::*;

fn routes(text: &str) -> Vec<Route> {
    let config = format!(
        "vrrp_instance V {{\n interface eth0\n virtual_router_id 5\n virtual_routes {{\n{text}\n }}\n}}\n"
    );
    let parsed = kconf_parser::parse_str(&config, &kconf_parser::ParseOptions::default());
    for diagnostic in &parsed.diagnostics {
        eprintln!("{diagnostic}");
    }
    parsed.config.vrrp_instances[0].virtual_routes.clone()
}

fn plan(text: &str) -> KernelRoute {
    let route = routes(text).into_iter().next().expect("one route");
    KernelRoute::plan(&route).unwrap()
}

fn index(name: &str) -> Option<u32> {
    match name {
        "eth0" => Some(2),
        "eth1" => Some(3),
        _ => None,
    }
}

#[test]
fn a_gateway_route_carries_every_option() {
    let route = plan(
        "10.1.0.0/16 src 10.0.0.100 via 10.0.0.254 dev eth0 table 100 metric 7 tos 0x10 \
         scope global onlink realms 1/2",
    );
    let m = route.add_message(index).unwrap();
    assert_eq!(m.header.address_family, AddressFamily::Inet);
    assert_eq!(m.header.destination_prefix_length, 16);
    assert_eq!(m.header.table, 100);
    assert_eq!(m.header.tos, 0x10);
    assert_eq!(m.header.protocol, RouteProtocol::KeepAlived);
    assert_eq!(m.header.scope, RouteScope::Universe);
    assert_eq!(m.header.kind, RouteType::Unicast);
    assert!(m.header.flags.contains(RouteFlags::Onlink));
    assert_eq!(
        m.attributes,
        vec![
            RouteAttribute::Destination(RouteAddress::Inet(Ipv4Addr::new(10, 1, 0, 0))),
            RouteAttribute::PrefSource(RouteAddress::Inet(Ipv4Addr::new(10, 0, 0, 100))),
            RouteAttribute::Gateway(RouteAddress::Inet(Ipv4Addr::new(10, 0, 0, 254))),
            RouteAttribute::Priority(7),
            RouteAttribute::Realm(RouteRealm {
                source: 1,
                destination: 2
            }),
            RouteAttribute::Oif(2),
        ]
    );
    assert_eq!(route.text, "10.1.0.0/16 table 100");
    // The delete keeps the explicit scope.
    assert_eq!(
        route.delete_message(index).unwrap().header.scope,
        RouteScope::Universe
    );
}

#[test]
fn scopes_default_as_ip_route_does() {
    let direct = plan("10.2.0.0/16 dev eth0");
    let add = direct.add_message(index).unwrap();
    assert_eq!(add.header.scope, RouteScope::Link);
    assert_eq!(add.header.table, 254);
    // Deleting matches any scope.
    assert_eq!(
        direct.delete_message(index).unwrap().header.scope,
        RouteScope::NoWhere
    );
    let blackhole = plan("blackhole 10.3.0.0/16");
    let m = blackhole.add_message(index).unwrap();
    assert_eq!(m.header.kind, RouteType::BlackHole);
    assert_eq!(m.header.scope, RouteScope::Universe);
    assert_eq!(
        blackhole.delete_message(index).unwrap().header.scope,
        RouteScope::Universe
    );
    for (text, kind) in [
        ("unreachable 10.4.0.0/16", RouteType::Unreachable),
        ("prohibit 10.5.0.0/16", RouteType::Prohibit),
        ("throw 10.6.0.0/16 table 100", RouteType::Throw),
    ] {
        assert_eq!(plan(text).add_message(index).unwrap().header.kind, kind);
    }
    let local = plan("local 10.7.0.1 dev eth0");
    assert_eq!(
        local.add_message(index).unwrap().header.scope,
        RouteScope::Host
    );
}

#[test]
fn ipv6_and_cross_family_gateways() {
    let route = plan(
        "2001:db8:1::/48 from 2001:db8:9::/64 via fe80::1 dev eth0 pref high expires 300 metric 1024",
    );
    let m = route.add_message(index).unwrap();
    assert_eq!(m.header.address_family, AddressFamily::Inet6);
    assert_eq!(m.header.source_prefix_length, 64);
    assert!(
        m.attributes
            .contains(&RouteAttribute::Gateway(RouteAddress::Inet6(
                "fe80::1".parse().unwrap()
            )))
    );
    assert!(
        m.attributes
            .contains(&RouteAttribute::Source(RouteAddress::Inet6(
                "2001:db8:9::".parse().unwrap()
            )))
    );
    assert!(
        m.attributes
            .contains(&RouteAttribute::Preference(RoutePreference::High))
    );
    assert!(m.attributes.contains(&RouteAttribute::Expires(300)));
    // `via inet6 IP` names the family of the gateway.
    let route = plan("2001:db8:2::/48 via inet6 fe80::2 dev eth0");
    let m = route.add_message(index).unwrap();
    assert!(
        m.attributes
            .contains(&RouteAttribute::Gateway(RouteAddress::Inet6(
                "fe80::2".parse().unwrap()
            )))
    );
    // keepalived 2.2.7 refuses to mix families in one line, but a model
    // built otherwise gets RTA_VIA for a gateway of the other family.
    let mut route = routes("10.8.0.0/16 via 10.0.0.1 dev eth0").pop().unwrap();
    route.via = Some("fe80::2".parse().unwrap());
    let m = KernelRoute::plan(&route)
        .unwrap()
        .add_message(index)
        .unwrap();
    assert_eq!(m.header.address_family, AddressFamily::Inet);
    assert!(m.attributes.contains(&RouteAttribute::Via(RouteVia::Inet6(
        "fe80::2".parse::<Ipv6Addr>().unwrap()
    ))));
    // `default` of an IPv6 line is ::/0, with no RTA_DST.
    let route = plan("default via 2001:db8::1 dev eth1");
    let m = route.add_message(index).unwrap();
    assert_eq!(m.header.address_family, AddressFamily::Inet6);
    assert!(
        !m.attributes
            .iter()
            .any(|a| matches!(a, RouteAttribute::Destination(_)))
    );
}

#[test]
fn metrics_with_locks_and_units() {
    let route = plan(
        "10.9.0.0/16 dev eth0 mtu lock 1400 advmss 1360 hoplimit 9 rtt 100 rttvar 2s rto_min lock 5ms \
         window 1000 cwnd 10 ssthresh 5 reordering 4 initcwnd 20 initrwnd 30 features ecn \
         quickack 1 congctl lock cubic fastopen_no_cookie 1",
    );
    let m = route.add_message(index).unwrap();
    let metrics = m
        .attributes
        .iter()
        .find_map(|a| match a {
            RouteAttribute::Metrics(metrics) => Some(metrics.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        metrics,
        vec![
            // mtu (2), rto_min (13) and congctl (16) are locked.
            RouteMetric::Lock((1 << 2) | (1 << 13) | (1 << 16)),
            RouteMetric::Mtu(1400),
            RouteMetric::Window(1000),
            RouteMetric::Rtt(800),     // 100 ms in 1/8 ms
            RouteMetric::RttVar(8000), // 2 s in 1/4 ms
            RouteMetric::SsThresh(5),
            RouteMetric::Cwnd(10),
            RouteMetric::Advmss(1360),
            RouteMetric::Reordering(4),
            RouteMetric::Hoplimit(9),
            RouteMetric::InitCwnd(20),
            RouteMetric::Features(1),
            RouteMetric::RtoMin(5),
            RouteMetric::InitRwnd(30),
            RouteMetric::QuickAck(1),
            RouteMetric::CcAlgo("cubic".into()),
            RouteMetric::FastopenNoCookie(1),
        ]
    );
}

#[test]
fn multipath_nexthops() {
    let route = plan(
        "10.10.0.0/16 table 200 nexthop via 10.0.0.1 dev eth0 weight 2 nexthop via 10.0.1.1 dev eth1 onlink",
    );
    let m = route.add_message(index).unwrap();
    let hops = m
        .attributes
        .iter()
        .find_map(|a| match a {
            RouteAttribute::MultiPath(hops) => Some(hops.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(hops.len(), 2);
    assert_eq!((hops[0].hops, hops[0].interface_index), (1, 2));
    assert_eq!(
        hops[0].attributes,
        vec![RouteAttribute::Gateway(RouteAddress::Inet(Ipv4Addr::new(
            10, 0, 0, 1
        )))]
    );
    assert_eq!((hops[1].hops, hops[1].interface_index), (0, 3));
    assert!(hops[1].flags.contains(RouteNextHopFlags::Onlink));
    assert_eq!(m.header.scope, RouteScope::Universe);
    assert_eq!(route.interfaces().collect::<Vec<_>>(), ["eth0", "eth1"]);
}

#[test]
fn modes_set_the_request_flags() {
    let flags = |text: &str| plan(text).add_flags();
    let base = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
    assert_eq!(flags("10.11.0.0/16 dev eth0"), base);
    assert_eq!(flags("10.11.0.0/16 dev eth0 add"), base | NLM_F_EXCL);
    assert_eq!(flags("10.11.0.0/16 dev eth0 append"), base | NLM_F_APPEND);
}

#[test]
fn what_no_request_carries_is_refused() {
    for text in [
        "10.12.0.0/16 dev eth0 vrf blue",
        "10.12.0.0/16 dev eth0 encap mpls 100",
    ] {
        let route = routes(text).pop().expect(text);
        let err = KernelRoute::plan(&route).unwrap_err();
        assert!(err.contains("cannot be expressed"), "{err}");
    }
    let route = plan("10.13.0.0/16 dev eth9");
    assert_eq!(
        route.add_message(index).unwrap_err(),
        "interface eth9 does not exist"
    );
}

#[test]
fn emitted_bytes_are_the_kernel_layout() {
    let route = plan("10.1.0.0/16 via 10.0.0.254 table 100 metric 7");
    let m = route.add_message(index).unwrap();
    let mut buffer = vec![0xa5; m.buffer_len()];
    m.emit(&mut buffer);
    assert_eq!(
        buffer,
        [
            2, 16, 0, 0, // AF_INET, dst_len 16, src_len 0, tos 0
            100, 18, 0, 1, // table 100, RTPROT_KEEPALIVED, RT_SCOPE_UNIVERSE, RTN_UNICAST
            0, 0, 0, 0, // flags
            8, 0, 1, 0, 10, 1, 0, 0, // RTA_DST 10.1.0.0
            8, 0, 5, 0, 10, 0, 0, 254, // RTA_GATEWAY 10.0.0.254
            8, 0, 6, 0, 7, 0, 0, 0, // RTA_PRIORITY 7
        ]
    );
}
