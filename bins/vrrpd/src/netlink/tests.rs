//! The netlink layer against a real kernel, inside netlab namespaces: every
//! socket is opened on a thread inside the lab host, and every check of the
//! result goes through `ip` run in that host, independently of our code.

use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use futures::StreamExt;

use super::*;

const EVENT_TIMEOUT: Duration = Duration::from_secs(5);

/// A lab with host `a` plugged into segment `lan` as eth0 with 10.0.0.1/24
/// and fd00::1/64. The segment is returned too: dropping it unplugs eth0.
fn lab(test: &str) -> Option<(netlab::Lab, netlab::Segment, netlab::Host, netlab::Port)> {
    let lab = netlab::Lab::for_test(test, &[])?;
    let lan = lab.segment("lan").unwrap();
    let host = lab.host("a").unwrap();
    let port = lan
        .attach(&host, "eth0", &["10.0.0.1/24", "fd00::1/64"])
        .unwrap();
    Some((lab, lan, host, port))
}

/// Runs `test` on a current-thread runtime on a thread inside `host`, so the
/// netlink sockets it opens are the host's.
fn in_host<T: Send, F: Future<Output = T>>(
    host: &netlab::Host,
    test: impl FnOnce() -> F + Send,
) -> T {
    host.in_netns(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(test())
    })
    .unwrap()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// The `ip -o addr` line of `address` on the host, if it has one.
fn addr_line(host: &netlab::Host, address: &str) -> Option<String> {
    let listing = host.run_stdout(&["ip", "-o", "addr", "show"]).unwrap();
    let needle = format!(" {address}/");
    listing
        .lines()
        .find(|line| line.contains(&needle))
        .map(str::to_owned)
}

/// The next event `wanted` accepts, within [`EVENT_TIMEOUT`].
async fn next_matching(events: &mut Events, wanted: impl Fn(&Event) -> bool) -> Event {
    let found = tokio::time::timeout(EVENT_TIMEOUT, async {
        while let Some(event) = events.next().await {
            if wanted(&event) {
                return Some(event);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the event stream ended"),
        Err(_) => panic!("no matching event within {EVENT_TIMEOUT:?}"),
    }
}

#[test]
fn looks_up_links_and_addresses() {
    let Some((_lab, _lan, host, _port)) = lab("nl-lookup") else {
        return;
    };
    let expected_index: u32 = host
        .run_stdout(&["cat", "/sys/class/net/eth0/ifindex"])
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    in_host(&host, || async {
        let netlink = Netlink::new().await.unwrap();
        let index = netlink.link_index("eth0").await.unwrap();
        assert_eq!(index, Some(expected_index));
        assert_eq!(netlink.link_index("lo").await.unwrap(), Some(1));
        assert_eq!(netlink.link_index("nosuch0").await.unwrap(), None);
        assert_eq!(
            netlink.link_index("much-too-long-name").await.unwrap(),
            None
        );
        assert_eq!(netlink.link_index("").await.unwrap(), None);

        assert!(netlink.link_is_up(expected_index).await.unwrap());
        assert!(matches!(
            netlink.link_is_up(9999).await,
            Err(NetlinkError::NoSuchLink { index: 9999 })
        ));

        let addresses = netlink.addresses(expected_index).await.unwrap();
        assert!(addresses.contains(&(ip("10.0.0.1"), 24)), "{addresses:?}");
        assert!(addresses.contains(&(ip("fd00::1"), 64)), "{addresses:?}");
        assert!(
            addresses.iter().all(|(a, _)| *a != ip("127.0.0.1")),
            "another interface's address: {addresses:?}"
        );

        // A VIP in the same subnet is secondary and never the source.
        let vip = VirtualAddress::new(expected_index, ip("10.0.0.100"), 24);
        netlink.add_address(&vip).await.unwrap();
        assert_eq!(
            netlink
                .primary_address(expected_index, IpFamily::V4)
                .await
                .unwrap(),
            Some(ip("10.0.0.1"))
        );
        assert_eq!(
            netlink
                .primary_address(expected_index, IpFamily::V6)
                .await
                .unwrap(),
            Some(ip("fd00::1"))
        );
        let link_local = netlink.link_local_address(expected_index).await.unwrap();
        assert!(
            matches!(link_local, Some(IpAddr::V6(a)) if a.segments()[0] == 0xfe80),
            "{link_local:?}"
        );
        assert_eq!(
            netlink.primary_address(1, IpFamily::V4).await.unwrap(),
            None
        );
    });
}

#[test]
fn adds_and_removes_an_ipv4_vip_idempotently() {
    let Some((_lab, _lan, host, _port)) = lab("nl-vip4") else {
        return;
    };
    in_host(&host, || async {
        let netlink = Netlink::new().await.unwrap();
        let index = netlink.link_index("eth0").await.unwrap().unwrap();
        let vip = VirtualAddress {
            broadcast: Some("10.0.0.255".parse().unwrap()),
            label: Some("eth0:vip".into()),
            ..VirtualAddress::new(index, ip("10.0.0.100"), 24)
        };

        netlink.add_address(&vip).await.unwrap();
        let line = addr_line(&host, "10.0.0.100").expect("the VIP is on eth0");
        assert!(
            line.contains("inet 10.0.0.100/24 brd 10.0.0.255 scope global secondary eth0:vip"),
            "{line}"
        );
        netlink.add_address(&vip).await.unwrap();
        assert_eq!(addr_line(&host, "10.0.0.100").as_deref(), Some(&*line));

        netlink.remove_address(&vip).await.unwrap();
        assert_eq!(addr_line(&host, "10.0.0.100"), None);
        netlink.remove_address(&vip).await.unwrap();
        assert!(host.has_address(ip("10.0.0.1")).unwrap(), "primary kept");

        // Without brd, none is set (as `ip addr add` does); /32 works too.
        let host_vip = VirtualAddress::new(index, ip("192.168.7.7"), 32);
        netlink.add_address(&host_vip).await.unwrap();
        let line = addr_line(&host, "192.168.7.7").unwrap();
        assert!(
            line.contains("inet 192.168.7.7/32 scope global eth0"),
            "{line}"
        );
        netlink.remove_address(&host_vip).await.unwrap();

        // A point-to-point address with a link scope.
        let ptp = VirtualAddress {
            peer: Some(ip("10.0.0.200")),
            scope: Some(253),
            ..VirtualAddress::new(index, ip("10.0.0.150"), 32)
        };
        netlink.add_address(&ptp).await.unwrap();
        netlink.add_address(&ptp).await.unwrap();
        // `ip` prints it as `10.0.0.150 peer 10.0.0.200/32`, without a
        // prefix on the local address.
        let line = host
            .run_stdout(&["ip", "-o", "addr", "show", "dev", "eth0"])
            .unwrap();
        assert!(
            line.contains("inet 10.0.0.150 peer 10.0.0.200/32 scope link eth0"),
            "{line}"
        );
        netlink.remove_address(&ptp).await.unwrap();
        netlink.remove_address(&ptp).await.unwrap();
        assert!(!host.has_address(ip("10.0.0.150")).unwrap());

        // A kernel refusal comes back with its errno and context.
        let error = netlink
            .add_address(&VirtualAddress::new(9999, ip("10.9.9.9"), 24))
            .await
            .unwrap_err();
        assert_eq!(error.errno(), Some(libc::ENODEV), "{error}");
        assert!(error.to_string().contains("interface 9999"), "{error}");
        // Removing from an interface that does not exist: nothing to remove.
        netlink
            .remove_address(&VirtualAddress::new(9999, ip("10.9.9.9"), 24))
            .await
            .unwrap();
    });
}

#[test]
fn adds_an_ipv6_vip_without_dad() {
    let Some((_lab, _lan, host, _port)) = lab("nl-vip6") else {
        return;
    };
    in_host(&host, || async {
        let netlink = Netlink::new().await.unwrap();
        let index = netlink.link_index("eth0").await.unwrap().unwrap();
        let vip = VirtualAddress {
            no_dad: true,
            ..VirtualAddress::new(index, ip("fd00::100"), 64)
        };
        netlink.add_address(&vip).await.unwrap();
        netlink.add_address(&vip).await.unwrap();
        let line = addr_line(&host, "fd00::100").expect("the VIP is on eth0");
        assert!(
            line.contains("inet6 fd00::100/64 scope global nodad"),
            "{line}"
        );
        assert!(!line.contains("tentative"), "{line}");

        // preferred_lft 0: present but deprecated, never a source address.
        let deprecated = VirtualAddress {
            no_dad: true,
            preferred_lft: Some(0),
            ..VirtualAddress::new(index, ip("fd00::200"), 64)
        };
        netlink.add_address(&deprecated).await.unwrap();
        let line = addr_line(&host, "fd00::200").unwrap();
        assert!(line.contains("deprecated"), "{line}");
        assert!(line.contains("preferred_lft 0sec"), "{line}");

        for vip in [&vip, &deprecated] {
            netlink.remove_address(vip).await.unwrap();
            netlink.remove_address(vip).await.unwrap();
        }
        assert_eq!(addr_line(&host, "fd00::100"), None);
        assert_eq!(addr_line(&host, "fd00::200"), None);
    });
}

#[test]
fn observes_link_down_and_up() {
    let Some((_lab, _lan, host, _port)) = lab("nl-linkev") else {
        return;
    };
    in_host(&host, || async {
        let netlink = Netlink::new().await.unwrap();
        let index = netlink.link_index("eth0").await.unwrap().unwrap();
        let mut events = netlink.watch().await.unwrap();

        host.set_link("eth0", false).unwrap();
        // Wait for the "down" itself: a late notification of the attach may come first.
        let down = next_matching(
            &mut events,
            |e| matches!(e, Event::Link(l) if l.index == index && !l.up),
        )
        .await;
        assert_eq!(
            down,
            Event::Link(LinkEvent {
                index,
                name: "eth0".into(),
                up: false,
                deleted: false
            })
        );
        assert!(!netlink.link_is_up(index).await.unwrap());

        host.set_link("eth0", true).unwrap();
        // Carrier may come a moment after IFF_UP: wait for the event that
        // has both.
        next_matching(
            &mut events,
            |e| matches!(e, Event::Link(l) if l.index == index && l.up && l.name == "eth0"),
        )
        .await;
        assert!(netlink.link_is_up(index).await.unwrap());
    });
}

#[test]
fn observes_lost_carrier_and_deleted_links() {
    let Some((_lab, lan, host, port)) = lab("nl-carrier") else {
        return;
    };
    in_host(&host, || async {
        let netlink = Netlink::new().await.unwrap();
        let index = netlink.link_index("eth0").await.unwrap().unwrap();
        let mut events = netlink.watch().await.unwrap();

        // The switch end goes down: eth0 stays IFF_UP but loses carrier.
        lan.set_port_up(&port, false).unwrap();
        let lost = next_matching(
            &mut events,
            |e| matches!(e, Event::Link(l) if l.index == index && !l.up),
        )
        .await;
        assert!(
            matches!(&lost, Event::Link(l) if !l.up && !l.deleted),
            "{lost:?}"
        );
        assert!(!netlink.link_is_up(index).await.unwrap());
        let admin = host
            .run_stdout(&["ip", "-o", "link", "show", "eth0"])
            .unwrap();
        assert!(
            admin.contains("NO-CARRIER") && admin.contains(",UP"),
            "{admin}"
        );
        lan.set_port_up(&port, true).unwrap();
        next_matching(
            &mut events,
            |e| matches!(e, Event::Link(l) if l.index == index && l.up),
        )
        .await;

        // Unplugging the segment deletes the veth pair, eth0 with it.
        drop(lan);
        let gone = next_matching(&mut events, |e| matches!(e, Event::Link(l) if l.deleted)).await;
        assert!(
            matches!(&gone, Event::Link(l) if l.index == index && !l.up && l.name == "eth0"),
            "{gone:?}"
        );
        assert_eq!(netlink.link_index("eth0").await.unwrap(), None);
    });
}

/// True for an address event about `address`: the kernel also sends
/// RTM_NEWADDR for addresses already there (an IPv6 address refreshed just
/// after its link came up), so tests pick theirs out.
fn is_about(event: &Event, address: &str) -> bool {
    matches!(event, Event::Address(a) if a.address == ip(address))
}

#[test]
fn observes_address_removal_by_others() {
    let Some((_lab, _lan, host, _port)) = lab("nl-addrev") else {
        return;
    };
    in_host(&host, || async {
        let netlink = Netlink::new().await.unwrap();
        let index = netlink.link_index("eth0").await.unwrap().unwrap();
        let mut events = netlink.watch().await.unwrap();
        let vip = VirtualAddress::new(index, ip("10.0.0.100"), 24);
        netlink.add_address(&vip).await.unwrap();
        let added = next_matching(&mut events, |e| is_about(e, "10.0.0.100")).await;
        assert_eq!(
            added,
            Event::Address(AddressEvent {
                index,
                address: ip("10.0.0.100"),
                prefix_len: 24,
                added: true
            })
        );

        host.run(&["ip", "addr", "del", "10.0.0.100/24", "dev", "eth0"])
            .unwrap();
        let removed = next_matching(&mut events, |e| is_about(e, "10.0.0.100")).await;
        assert_eq!(
            removed,
            Event::Address(AddressEvent {
                index,
                address: ip("10.0.0.100"),
                prefix_len: 24,
                added: false
            })
        );

        host.run(&[
            "ip",
            "-6",
            "addr",
            "add",
            "fd00::5/64",
            "dev",
            "eth0",
            "nodad",
        ])
        .unwrap();
        host.run(&["ip", "-6", "addr", "del", "fd00::5/64", "dev", "eth0"])
            .unwrap();
        let removed = next_matching(
            &mut events,
            |e| matches!(e, Event::Address(a) if a.address == ip("fd00::5") && !a.added),
        )
        .await;
        assert!(matches!(removed, Event::Address(a) if a.index == index && a.prefix_len == 64));
    });
}
