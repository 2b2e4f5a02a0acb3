//! FRR bfdd and BIRD as BFD peers of each other: the lab's BFD judges agree
//! on session state and follow link faults within the detection time.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use netlab::peers::bird::{BfdConfig, Bird};
use netlab::peers::frr::{BfdPeer, Frr};

/// Timers both sides use: 100 ms intervals, multiplier 3, so 300 ms
/// detection time.
const INTERVAL: Duration = Duration::from_millis(100);
const MULTIPLIER: u8 = 3;
/// Allowance for noticing a state change: polling vtysh/birdc on a loaded
/// 2-core machine. Kept below the 3 s detection time of the default 1 s
/// timers, so a peer that ignored the configured timers would fail.
const OBSERVATION_SLACK: Duration = Duration::from_millis(1500);
/// Sessions start at the 1 s slow rate of a Down session (RFC 5880 §6.8.3).
const UP_TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn frr_and_bird_bfd_sessions_follow_a_cut_link() {
    let Some(lab) =
        netlab::Lab::for_test("frr_bird_bfd", &["bfdd", "zebra", "bird", "birdc", "vtysh"])
    else {
        return;
    };
    let ip = |text: &str| -> IpAddr { text.parse().unwrap() };
    let lan = lab.segment("lan").unwrap();
    let a = lab.host("a").unwrap();
    let b = lab.host("b").unwrap();
    let a_eth0 = lan
        .attach(&a, "eth0", &["10.0.0.1/24", "fd00::1/64"])
        .unwrap();
    lan.attach(&b, "eth0", &["10.0.0.2/24", "fd00::2/64"])
        .unwrap();
    // (FRR's address, BIRD's address) for one IPv4 and one IPv6 session.
    let sessions = [
        (ip("10.0.0.1"), ip("10.0.0.2")),
        (ip("fd00::1"), ip("fd00::2")),
    ];

    let peers: Vec<BfdPeer> = sessions
        .iter()
        .map(|&(frr_ip, bird_ip)| {
            BfdPeer::new(bird_ip)
                .local_address(frr_ip)
                .interface("eth0")
                .timers(INTERVAL, INTERVAL, MULTIPLIER)
        })
        .collect();
    let detection = peers[0].detection_time();
    let mut frr = Frr::start_bfd(&a, &peers).unwrap();
    let mut bird_config = BfdConfig::new("10.0.0.2".parse().unwrap())
        .interface("eth0", INTERVAL, INTERVAL, MULTIPLIER);
    for &(frr_ip, bird_ip) in &sessions {
        bird_config = bird_config.neighbor(frr_ip, "eth0", bird_ip);
    }
    let mut bird = Bird::start_bfd(&b, &bird_config).unwrap();

    let wait_up = |frr: &mut Frr<'_>, bird: &mut Bird<'_>, phase: &str| {
        let start = Instant::now();
        for &(frr_ip, bird_ip) in &sessions {
            frr.wait_for_peer_up(bird_ip, UP_TIMEOUT).unwrap();
            bird.wait_for_peer_up(frr_ip, UP_TIMEOUT).unwrap();
        }
        eprintln!(
            "{phase}: all sessions Up on both sides after {:?}",
            start.elapsed()
        );
    };
    wait_up(&mut frr, &mut bird, "start");

    let cut = Instant::now();
    lan.cut(&a_eth0).unwrap();
    let deadline = detection + OBSERVATION_SLACK;
    for &(frr_ip, bird_ip) in &sessions {
        let left = || deadline.saturating_sub(cut.elapsed());
        frr.wait_for_peer_down(bird_ip, left()).unwrap();
        bird.wait_for_peer_down(frr_ip, left()).unwrap();
    }
    let down = cut.elapsed();
    eprintln!("cut: all sessions Down on both sides after {down:?} (detection time {detection:?})");
    assert!(
        down <= deadline,
        "Down after {down:?}, allowed {deadline:?}"
    );

    lan.heal(&a_eth0).unwrap();
    wait_up(&mut frr, &mut bird, "heal");
}
