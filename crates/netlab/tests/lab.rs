//! The lab's own proof: hosts on a segment reach each other over IPv4 and
//! IPv6, faults do what they say, and teardown leaves nothing behind.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::Path;
use std::time::Duration;

use netlab::{Host, Lab, Segment};

struct Pair {
    lab: Lab,
    lan: Segment,
    a: Host,
    b: Host,
    a_port: netlab::Port,
    b_port: netlab::Port,
}

fn pair(test: &str) -> Option<Pair> {
    let lab = Lab::for_test(test, &["ping"])?;
    let lan = lab.segment("lan").unwrap();
    let a = lab.host("a").unwrap();
    let b = lab.host("b").unwrap();
    let a_port = lan
        .attach(&a, "eth0", &["10.0.0.1/24", "fd00::1/64"])
        .unwrap();
    let b_port = lan
        .attach(&b, "eth0", &["10.0.0.2/24", "fd00::2/64"])
        .unwrap();
    Some(Pair {
        lab,
        lan,
        a,
        b,
        a_port,
        b_port,
    })
}

/// A datagram channel from host `from` to `to_addr` on host `to`, with the
/// sockets opened inside each host's namespace.
fn udp_channel(from: &Host, to: &Host, to_addr: &str) -> (UdpSocket, UdpSocket) {
    let rx = to.in_netns(|| UdpSocket::bind(to_addr)).unwrap().unwrap();
    rx.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let tx = from
        .in_netns(|| UdpSocket::bind("0.0.0.0:0"))
        .unwrap()
        .unwrap();
    tx.connect(to_addr).unwrap();
    (tx, rx)
}

/// Sends `count` datagrams and counts how many arrive. A receiver thread
/// drains the socket meanwhile, so only the lab, never a full socket buffer,
/// can drop a datagram.
fn deliver(tx: &UdpSocket, rx: &UdpSocket, count: usize) -> usize {
    std::thread::scope(|scope| {
        let receiver = scope.spawn(|| {
            let mut buf = [0u8; 16];
            let mut received = 0;
            while rx.recv(&mut buf).is_ok() {
                received += 1;
            }
            received
        });
        for i in 0..count {
            tx.send(&(i as u32).to_be_bytes()).unwrap();
            if i % 20 == 19 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        receiver.join().unwrap()
    })
}

#[test]
fn hosts_reach_each_other_over_ipv4_and_ipv6() {
    let Some(p) = pair("reach") else { return };
    p.a.run(&["ping", "-c1", "-W2", "10.0.0.2"]).unwrap();
    p.a.run(&["ping", "-c1", "-W2", "fd00::2"]).unwrap();

    // A TCP exchange from closures running inside each namespace.
    let listener =
        p.b.in_netns(|| TcpListener::bind("[fd00::2]:7000"))
            .unwrap()
            .unwrap();
    let server = std::thread::spawn(move || {
        let (mut conn, peer) = listener.accept().unwrap();
        conn.write_all(peer.ip().to_string().as_bytes()).unwrap();
    });
    let seen_as =
        p.a.in_netns(|| {
            let mut conn = TcpStream::connect("[fd00::2]:7000")?;
            let mut text = String::new();
            conn.read_to_string(&mut text)?;
            std::io::Result::Ok(text)
        })
        .unwrap()
        .unwrap();
    server.join().unwrap();
    assert_eq!(seen_as, "fd00::1");

    let addresses = p.a.addresses().unwrap();
    assert!(addresses.iter().any(|a| a.interface == "eth0"
        && a.address.to_string() == "10.0.0.1"
        && a.prefix_len == 24));
    assert!(p.a.has_address("fd00::1".parse().unwrap()).unwrap());
    assert!(!p.a.has_address("10.0.0.2".parse().unwrap()).unwrap());
}

#[test]
fn a_cut_stops_traffic_and_a_heal_restores_it() {
    let Some(p) = pair("cut") else { return };
    let (tx, rx) = udp_channel(&p.a, &p.b, "10.0.0.2:9000");
    assert_eq!(deliver(&tx, &rx, 10), 10, "before the cut");

    p.lan.cut(&p.a_port).unwrap();
    assert_eq!(
        deliver(&tx, &rx, 10),
        0,
        "during the cut:\n{}",
        p.lan.ruleset().unwrap()
    );
    assert!(
        p.b.run(&["ping", "-c1", "-W1", "10.0.0.1"]).is_err(),
        "the cut is both ways"
    );
    let link = p.a.run_stdout(&["ip", "link", "show", "eth0"]).unwrap();
    assert!(
        !link.contains("NO-CARRIER"),
        "a cut keeps the carrier: {link}"
    );

    p.lan.heal(&p.a_port).unwrap();
    assert_eq!(deliver(&tx, &rx, 10), 10, "after the heal");
}

#[test]
fn loss_drops_about_the_given_fraction() {
    let Some(p) = pair("loss") else { return };
    let (tx, rx) = udp_channel(&p.a, &p.b, "10.0.0.2:9001");
    assert_eq!(deliver(&tx, &rx, 5), 5, "warm-up resolves ARP");

    p.lan.set_loss(&p.a_port, 0.3).unwrap();
    let received = deliver(&tx, &rx, 1000);
    // 700 expected; the bounds are over 6 standard deviations (about 14.5).
    assert!(
        (600..=800).contains(&received),
        "received {received} of 1000 at 30% loss"
    );

    p.lan.set_loss(&p.a_port, 0.0).unwrap();
    assert_eq!(deliver(&tx, &rx, 200), 200, "no loss once removed");
    assert!(p.lan.set_loss(&p.a_port, 1.5).is_err());
}

#[test]
fn a_partition_separates_groups_but_not_their_members() {
    let Some(p) = pair("partition") else { return };
    let c = p.lab.host("c").unwrap();
    let c_port = p.lan.attach(&c, "eth0", &["10.0.0.3/24"]).unwrap();
    p.lan
        .partition(&[&p.a_port], &[&p.b_port, &c_port])
        .unwrap();

    let (a_to_b, b_rx) = udp_channel(&p.a, &p.b, "10.0.0.2:9002");
    let (c_to_b, b_rx2) = udp_channel(&c, &p.b, "10.0.0.2:9003");
    assert_eq!(deliver(&a_to_b, &b_rx, 5), 0, "a is partitioned from b");
    assert_eq!(
        deliver(&c_to_b, &b_rx2, 5),
        5,
        "b and c are on the same side"
    );

    p.lan.heal_all().unwrap();
    p.a.run(&["ping", "-c1", "-W2", "10.0.0.2"]).unwrap();
    // A fresh channel: the old one's datagrams waited in a's ARP queue and
    // are delivered by the heal.
    let (a_to_b, b_rx) = udp_channel(&p.a, &p.b, "10.0.0.2:9004");
    assert_eq!(deliver(&a_to_b, &b_rx, 5), 5, "healed");
}

#[test]
fn port_down_takes_the_carrier_away() {
    let Some(p) = pair("port-down") else { return };
    p.lan.set_port_up(&p.b_port, false).unwrap();
    netlab::wait_until("b to lose its carrier", Duration::from_secs(3), || {
        Ok(p.b
            .run_stdout(&["ip", "link", "show", "eth0"])?
            .contains("NO-CARRIER"))
    })
    .unwrap();
    assert!(p.a.run(&["ping", "-c1", "-W1", "10.0.0.2"]).is_err());
    p.lan.set_port_up(&p.b_port, true).unwrap();
    netlab::wait_until("b to reach a again", Duration::from_secs(5), || {
        Ok(p.b.run(&["ping", "-c1", "-W1", "10.0.0.1"]).is_ok())
    })
    .unwrap();

    // The host side can be taken down too.
    p.b.set_link("eth0", false).unwrap();
    assert!(p.a.run(&["ping", "-c1", "-W1", "10.0.0.2"]).is_err());
}

#[test]
fn ports_of_another_segment_are_refused() {
    let Some(p) = pair("foreign-port") else {
        return;
    };
    let other = p.lab.segment("other").unwrap();
    assert!(matches!(
        other.cut(&p.a_port),
        Err(netlab::Error::Invalid(_))
    ));
    assert!(matches!(
        p.lab.host("bad name"),
        Err(netlab::Error::Invalid(_))
    ));
}

#[test]
fn dropping_a_host_kills_its_processes_and_deletes_its_namespace() {
    let Some(lab) = Lab::for_test("teardown", &["sleep"]) else {
        return;
    };
    let host = lab.host("h").unwrap();
    let namespace = format!("/run/netns/{}", host.namespace());
    let mut sleeper = host.spawn("sleeper", &["sleep", "1000"]).unwrap();
    let pid = sleeper.pid();
    assert!(sleeper.is_running());
    assert!(host.pids().contains(&pid));
    // A second process the lab does not hold a handle to.
    host.run(&["sh", "-c", "sleep 1000 >/dev/null 2>&1 &"])
        .unwrap();
    assert_eq!(host.pids().len(), 2);

    drop(host);
    assert!(!Path::new(&namespace).exists(), "{namespace} survived");
    assert!(!sleeper.is_running(), "the spawned process survived");
}

#[test]
fn process_helpers() {
    let Some(lab) = Lab::for_test("process", &["sh"]) else {
        return;
    };
    let host = lab.host("h").unwrap();
    let mut talker = host
        .spawn(
            "talker",
            &[
                "sh",
                "-c",
                "echo ready; trap 'echo bye; exit 0' TERM; while :; do sleep 0.05; done",
            ],
        )
        .unwrap();
    talker
        .wait_for_log("ready", Duration::from_secs(5))
        .unwrap();
    let mark = talker.log_mark();
    assert!(
        talker
            .wait_for_log_after(mark, "ready", Duration::from_millis(100))
            .is_err()
    );
    let status = talker.terminate(Duration::from_secs(5)).unwrap();
    assert!(status.success(), "{status}");
    assert!(talker.log().contains("bye"));

    let mut quitter = host.spawn("quitter", &["sh", "-c", "exit 3"]).unwrap();
    let err = quitter
        .wait_for_log("never", Duration::from_secs(5))
        .unwrap_err();
    assert!(err.to_string().contains("exited"), "{err}");

    let path = host.write_file("note.txt", "hello").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello");
    assert!(path.starts_with(lab.dir()));
}

#[test]
fn a_new_lab_sweeps_namespaces_left_by_dead_runs() {
    if netlab::Prerequisites::skip("sweep", &[]) {
        return;
    }
    // pid 4194304 is beyond the largest pid_max Linux allows minus one, so no
    // live process owns this name.
    let stale = "nl4194304x0-stale";
    std::process::Command::new("ip")
        .args(["netns", "add", stale])
        .status()
        .unwrap();
    assert!(Path::new("/run/netns").join(stale).exists());
    let _lab = Lab::new("sweep").unwrap();
    assert!(
        !Path::new("/run/netns").join(stale).exists(),
        "the stale namespace was not swept"
    );
}
