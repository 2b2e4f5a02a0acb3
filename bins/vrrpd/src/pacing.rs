//! Pacing of gratuitous ARPs and unsolicited neighbour advertisements:
//! keepalived's `vrrp_garp_interval` / `vrrp_gna_interval` (global) and
//! `garp_group { garp_interval gna_interval interface | interfaces }`, the
//! least delay between two announcements on one interface, or on a set of
//! interfaces behind one switch.
//!
//! [`Schedule`] is the pure part: bursts and the time in, the frames due and
//! the next wake-up out, no clock and no sockets, so its timing is tested
//! with made-up instants. ARPs and NAs keep separate timelines ("lanes"), as
//! keepalived keeps `garp_interval` and `gna_interval` apart. A lane sends
//! its bursts round-robin (every address once, then again), and a new burst
//! for an address that is still pending replaces the old one's count rather
//! than adding to it, so repeated transitions never pile frames up.
//!
//! [`Pacer`] is the I/O part: a tokio task owning the schedule and the packet
//! sockets, fed through a channel, so the event loop never waits for a
//! paced burst. It does not decide when to announce (vrrp-proto's `garp_*`
//! timers do) nor build frames (garp.rs does).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use kconf_parser::model::Config;
use tokio::sync::mpsc;

use crate::garp::GarpSender;

/// The configured delays: global, and per `garp_group`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Intervals {
    /// `vrrp_garp_interval`.
    pub(crate) arp: Duration,
    /// `vrrp_gna_interval`.
    pub(crate) na: Duration,
    /// Each `garp_group`: its interfaces and its own delays (`None`: the
    /// global one).
    pub(crate) groups: Vec<GroupIntervals>,
}

/// One `garp_group`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GroupIntervals {
    pub(crate) interfaces: Vec<String>,
    pub(crate) arp: Option<Duration>,
    pub(crate) na: Option<Duration>,
}

impl Intervals {
    /// The delays keepalived.conf sets.
    pub(crate) fn of(config: &Config) -> Self {
        Intervals {
            arp: config.global.vrrp.garp_interval,
            na: config.global.vrrp.gna_interval,
            groups: config
                .garp_groups
                .iter()
                .map(|g| GroupIntervals {
                    interfaces: g
                        .interface
                        .iter()
                        .cloned()
                        .chain(g.interfaces.iter().map(|i| i.value.clone()))
                        .collect(),
                    arp: g.garp_interval,
                    na: g.gna_interval,
                })
                .collect(),
        }
    }

    /// The lane an announcement of `family` on `interface` waits in, and
    /// that lane's delay. An interface in no group has a lane of its own
    /// with the global delay.
    fn lane(&self, interface: &str, family: Family) -> (LaneKey, Duration) {
        let group = self
            .groups
            .iter()
            .position(|g| g.interfaces.iter().any(|i| i == interface));
        match (group, family) {
            (Some(g), Family::Arp) => (
                LaneKey::Group(g, family),
                self.groups.get(g).and_then(|g| g.arp).unwrap_or(self.arp),
            ),
            (Some(g), Family::Na) => (
                LaneKey::Group(g, family),
                self.groups.get(g).and_then(|g| g.na).unwrap_or(self.na),
            ),
            (None, Family::Arp) => (LaneKey::Interface(interface.to_owned(), family), self.arp),
            (None, Family::Na) => (LaneKey::Interface(interface.to_owned(), family), self.na),
        }
    }
}

/// Gratuitous ARP (IPv4) or unsolicited NA (IPv6): paced apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Family {
    Arp,
    Na,
}

impl Family {
    fn of(address: IpAddr) -> Self {
        if address.is_ipv6() {
            Family::Na
        } else {
            Family::Arp
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LaneKey {
    /// The index of a `garp_group`.
    Group(usize, Family),
    /// An interface in no group.
    Interface(String, Family),
}

/// One announcement: `address` on `interface` (index `ifindex`), for the
/// instance `owner` (named in error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) owner: String,
    pub(crate) interface: String,
    pub(crate) ifindex: u32,
    pub(crate) address: IpAddr,
}

impl Frame {
    fn same_target(&self, other: &Frame) -> bool {
        self.interface == other.interface && self.address == other.address
    }
}

#[derive(Debug)]
struct Pending {
    frame: Frame,
    remaining: u32,
}

#[derive(Debug)]
struct Lane {
    interval: Duration,
    /// The earliest time the next frame may go (in the past: at once).
    next: Instant,
    queue: VecDeque<Pending>,
}

/// The pending announcements and when each lane may send next.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    intervals: Intervals,
    lanes: HashMap<LaneKey, Lane>,
}

impl Schedule {
    pub(crate) fn new(intervals: Intervals) -> Self {
        Schedule {
            intervals,
            lanes: HashMap::new(),
        }
    }

    /// Queues `count` announcements of each frame. A frame whose address is
    /// still pending on that interface gets the new count in its old place.
    pub(crate) fn burst(&mut self, now: Instant, frames: Vec<Frame>, count: u32) {
        if count == 0 {
            return;
        }
        for frame in frames {
            let (key, interval) = self
                .intervals
                .lane(&frame.interface, Family::of(frame.address));
            let lane = self.lanes.entry(key).or_insert_with(|| Lane {
                interval,
                next: now,
                queue: VecDeque::new(),
            });
            match lane.queue.iter_mut().find(|p| p.frame.same_target(&frame)) {
                Some(pending) => {
                    pending.remaining = count;
                    pending.frame = frame;
                }
                None => lane.queue.push_back(Pending {
                    frame,
                    remaining: count,
                }),
            }
        }
    }

    /// Drops what is pending for `address` on `interface` (the instance
    /// let the address go: announcing it now would pull traffic to a host
    /// that no longer holds it).
    pub(crate) fn cancel(&mut self, interface: &str, address: IpAddr) {
        for lane in self.lanes.values_mut() {
            lane.queue
                .retain(|p| !(p.frame.interface == interface && p.frame.address == address));
        }
    }

    /// The frames due at `now`, in sending order; each lane's next frame
    /// then waits for its interval.
    #[must_use]
    pub(crate) fn poll(&mut self, now: Instant) -> Vec<Frame> {
        let mut due = Vec::new();
        for lane in self.lanes.values_mut() {
            while lane.next <= now {
                let Some(mut pending) = lane.queue.pop_front() else {
                    break;
                };
                due.push(pending.frame.clone());
                pending.remaining = pending.remaining.saturating_sub(1);
                if pending.remaining > 0 {
                    lane.queue.push_back(pending);
                }
                if !lane.interval.is_zero() {
                    lane.next = now + lane.interval;
                }
            }
        }
        due
    }

    /// When [`poll`](Self::poll) has something to send next, if anything is
    /// pending.
    #[must_use]
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.lanes
            .values()
            .filter(|lane| !lane.queue.is_empty())
            .map(|lane| lane.next)
            .min()
    }
}

enum Command {
    Burst(Vec<Frame>, u32),
    Cancel(Vec<(String, IpAddr)>),
}

/// The task that sends paced announcements; dropping the handle ends it.
#[derive(Debug)]
pub(crate) struct Pacer {
    commands: mpsc::UnboundedSender<Command>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Pacer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Pacer {
    /// Spawns the task on the current tokio runtime.
    pub(crate) fn start(intervals: Intervals) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(receiver, Schedule::new(intervals)));
        Pacer { commands, task }
    }

    /// Announces each frame `count` times, paced.
    pub(crate) fn burst(&self, frames: Vec<Frame>, count: u32) {
        // The task only ends when this handle drops.
        let _ = self.commands.send(Command::Burst(frames, count));
    }

    /// Drops pending announcements of these (interface, address) pairs.
    pub(crate) fn cancel(&self, targets: Vec<(String, IpAddr)>) {
        let _ = self.commands.send(Command::Cancel(targets));
    }
}

async fn run(mut commands: mpsc::UnboundedReceiver<Command>, mut schedule: Schedule) {
    // Packet sockets by interface, reopened when the index changes (a VMAC
    // deleted and made again).
    let mut senders: HashMap<String, GarpSender> = HashMap::new();
    loop {
        let wake = schedule.poll_timeout();
        let sleep = async {
            match wake {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            command = commands.recv() => match command {
                Some(Command::Burst(frames, count)) => schedule.burst(Instant::now(), frames, count),
                Some(Command::Cancel(targets)) => {
                    for (interface, address) in targets {
                        schedule.cancel(&interface, address);
                    }
                }
                None => return,
            },
            () = sleep => {}
        }
        for frame in schedule.poll(Instant::now()) {
            send(&mut senders, &frame);
        }
    }
}

fn send(senders: &mut HashMap<String, GarpSender>, frame: &Frame) {
    let stale = senders
        .get(&frame.interface)
        .is_some_and(|s| s.ifindex() != frame.ifindex);
    if stale {
        senders.remove(&frame.interface);
    }
    if !senders.contains_key(&frame.interface) {
        match GarpSender::open(frame.ifindex, &frame.interface) {
            Ok(sender) => {
                senders.insert(frame.interface.clone(), sender);
            }
            Err(err) => {
                eprintln!(
                    "({}) cannot send gratuitous ARP on {}: {err}",
                    frame.owner, frame.interface
                );
                return;
            }
        }
    }
    let Some(sender) = senders.get(&frame.interface) else {
        return;
    };
    let result = match frame.address {
        IpAddr::V4(vip) => sender.send_arp(vip),
        IpAddr::V6(vip) => sender.send_na(vip, None),
    };
    if let Err(err) = result {
        eprintln!(
            "({}) gratuitous ARP for {} failed: {err}",
            frame.owner, frame.address
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(interface: &str, address: &str) -> Frame {
        Frame {
            owner: "VI_1".into(),
            interface: interface.into(),
            ifindex: 2,
            address: address.parse().unwrap(),
        }
    }

    fn addresses(frames: &[Frame]) -> Vec<String> {
        frames.iter().map(|f| f.address.to_string()).collect()
    }

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn without_an_interval_a_burst_goes_at_once_round_robin() {
        let mut schedule = Schedule::new(Intervals::default());
        let t0 = Instant::now();
        schedule.burst(
            t0,
            vec![frame("eth0", "10.0.0.1"), frame("eth0", "10.0.0.2")],
            3,
        );
        let due = schedule.poll(t0);
        assert_eq!(
            addresses(&due),
            [
                "10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2"
            ]
        );
        assert!(schedule.poll(t0).is_empty());
        assert_eq!(schedule.poll_timeout(), None);
    }

    #[test]
    fn an_interval_spaces_the_frames_of_one_interface() {
        let intervals = Intervals {
            arp: 200 * MS,
            ..Default::default()
        };
        let mut schedule = Schedule::new(intervals);
        let t0 = Instant::now();
        schedule.burst(
            t0,
            vec![frame("eth0", "10.0.0.1"), frame("eth0", "10.0.0.2")],
            2,
        );
        let mut sent = Vec::new();
        let mut now = t0;
        while let Some(wake) = schedule.poll_timeout() {
            now = now.max(wake);
            for f in schedule.poll(now) {
                sent.push((now - t0, f.address.to_string()));
            }
        }
        assert_eq!(
            sent,
            [
                (Duration::ZERO, "10.0.0.1".to_owned()),
                (200 * MS, "10.0.0.2".to_owned()),
                (400 * MS, "10.0.0.1".to_owned()),
                (600 * MS, "10.0.0.2".to_owned()),
            ]
        );
        // Early or repeated polls send nothing before the interval.
        schedule.burst(now, vec![frame("eth0", "10.0.0.3")], 2);
        assert_eq!(schedule.poll_timeout(), Some(now + 200 * MS));
        assert!(schedule.poll(now + 199 * MS).is_empty());
        assert_eq!(addresses(&schedule.poll(now + 200 * MS)), ["10.0.0.3"]);
        // A poll that comes late still leaves a full interval after it.
        assert!(schedule.poll(now + 500 * MS).len() == 1);
        assert_eq!(schedule.poll_timeout(), None);
        schedule.burst(now, vec![frame("eth0", "10.0.0.3")], 1);
        assert_eq!(schedule.poll_timeout(), Some(now + 700 * MS));
    }

    #[test]
    fn arps_and_nas_and_interfaces_have_their_own_timelines() {
        let intervals = Intervals {
            arp: 100 * MS,
            na: 300 * MS,
            ..Default::default()
        };
        let mut schedule = Schedule::new(intervals);
        let t0 = Instant::now();
        schedule.burst(
            t0,
            vec![
                frame("eth0", "10.0.0.1"),
                frame("eth1", "10.0.1.1"),
                frame("eth0", "fd00::1"),
            ],
            2,
        );
        let mut first = addresses(&schedule.poll(t0));
        first.sort();
        assert_eq!(first, ["10.0.0.1", "10.0.1.1", "fd00::1"]);
        assert_eq!(schedule.poll_timeout(), Some(t0 + 100 * MS));
        let mut second = addresses(&schedule.poll(t0 + 100 * MS));
        second.sort();
        assert_eq!(second, ["10.0.0.1", "10.0.1.1"]);
        assert_eq!(schedule.poll_timeout(), Some(t0 + 300 * MS));
        assert_eq!(addresses(&schedule.poll(t0 + 300 * MS)), ["fd00::1"]);
    }

    #[test]
    fn a_garp_group_shares_one_timeline_and_overrides_the_global_delay() {
        let intervals = Intervals {
            arp: 10 * MS,
            na: 10 * MS,
            groups: vec![GroupIntervals {
                interfaces: vec!["eth0".into(), "eth1".into()],
                arp: Some(250 * MS),
                na: None,
            }],
        };
        let mut schedule = Schedule::new(intervals);
        let t0 = Instant::now();
        schedule.burst(
            t0,
            vec![
                frame("eth0", "10.0.0.1"),
                frame("eth1", "10.0.1.1"),
                frame("eth0", "fd00::1"),
                frame("eth0", "fd00::2"),
            ],
            1,
        );
        let mut first = addresses(&schedule.poll(t0));
        first.sort();
        assert_eq!(first, ["10.0.0.1", "fd00::1"]);
        // NAs in the group fall back to the global gna interval.
        assert_eq!(addresses(&schedule.poll(t0 + 10 * MS)), ["fd00::2"]);
        assert!(schedule.poll(t0 + 249 * MS).is_empty());
        assert_eq!(addresses(&schedule.poll(t0 + 250 * MS)), ["10.0.1.1"]);
    }

    #[test]
    fn a_new_burst_replaces_a_pending_one_and_cancel_drops_it() {
        let intervals = Intervals {
            arp: 100 * MS,
            ..Default::default()
        };
        let mut schedule = Schedule::new(intervals);
        let t0 = Instant::now();
        schedule.burst(t0, vec![frame("eth0", "10.0.0.1")], 5);
        assert_eq!(schedule.poll(t0).len(), 1);
        // 4 pending; a new burst of 5 makes it 5, not 9.
        schedule.burst(t0, vec![frame("eth0", "10.0.0.1")], 5);
        let mut count = 0;
        let mut now = t0;
        while let Some(wake) = schedule.poll_timeout() {
            now = wake;
            count += schedule.poll(now).len();
        }
        assert_eq!(count, 5);
        schedule.burst(now, vec![frame("eth0", "10.0.0.1")], 5);
        schedule.cancel("eth0", "10.0.0.1".parse().unwrap());
        assert_eq!(schedule.poll_timeout(), None);
        assert!(schedule.poll(now + Duration::from_secs(1)).is_empty());
        // A zero count asks for nothing.
        schedule.burst(now, vec![frame("eth0", "10.0.0.9")], 0);
        assert_eq!(schedule.poll_timeout(), None);
    }

    #[test]
    fn intervals_come_from_the_configuration() {
        let text = "global_defs {\n vrrp_garp_interval 0.2\n vrrp_gna_interval 0.3\n}\n\
                    garp_group {\n garp_interval 1\n interfaces {\n  eth1\n  eth2\n }\n}\n\
                    garp_group {\n gna_interval 0.5\n interface eth3\n}\n";
        let parsed = kconf_parser::parse_str(text, &kconf_parser::ParseOptions::default());
        let intervals = Intervals::of(&parsed.config);
        assert_eq!((intervals.arp, intervals.na), (200 * MS, 300 * MS));
        assert_eq!(
            intervals.lane("eth2", Family::Arp),
            (LaneKey::Group(0, Family::Arp), Duration::from_secs(1))
        );
        assert_eq!(
            intervals.lane("eth2", Family::Na),
            (LaneKey::Group(0, Family::Na), 300 * MS)
        );
        assert_eq!(
            intervals.lane("eth3", Family::Na),
            (LaneKey::Group(1, Family::Na), 500 * MS)
        );
        assert_eq!(
            intervals.lane("eth0", Family::Arp),
            (LaneKey::Interface("eth0".into(), Family::Arp), 200 * MS)
        );
    }
}
