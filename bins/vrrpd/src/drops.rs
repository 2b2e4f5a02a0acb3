//! What reaches the log when received packets are dropped: a flood of
//! garbage must not become a flood of log lines.
//!
//! Per subject (an instance, or a socket for packets no instance takes) and
//! per cause, the first [`FIRST`] drops of a burst are logged in full, in
//! keepalived-like words ("(VI_1) ignoring advert from 10.0.0.9: bad
//! checksum (...)"); the rest are only counted, and one summary line per
//! [`WINDOW`] says how many were ("(VI_1) 312 more adverts ignored in the
//! last 10 s: bad checksum"). A window without a drop ends the burst, so the
//! next one is logged in full again.
//!
//! It does not count for statistics: exact counters stay in vrrp-proto's
//! [`Stats`] (per instance) and [`RouterStats`] (per socket, kept here
//! because no instance owns those packets). It never reads the clock:
//! callers pass `now`, and [`DropLog`] returns its lines, so tests drive it
//! on a virtual clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use vrrp_proto::wire::WireError;
use vrrp_proto::{Drop, PacketError, RouterStats, Stats};

use crate::socket::Received;

/// Drops logged in full at the start of a burst, per subject and cause.
pub(crate) const FIRST: u32 = 3;
/// At most one summary line per subject and cause in this long.
pub(crate) const WINDOW: Duration = Duration::from_secs(10);

/// Whose drop it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Subject {
    /// The running instance with this index.
    Instance(usize),
    /// The socket with this index (packets no instance took).
    Socket(usize),
}

/// Why a packet was ignored: the unit of rate limiting, so that one noisy
/// cause cannot hide another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Cause {
    Truncated,
    BadVersion,
    BadType,
    BadChecksum,
    LengthMismatch,
    Malformed,
    Hmac,
    Replay,
    Ttl,
    OtherVersion,
    VridMismatch,
    AuthType,
    AuthTypeMismatch,
    AuthFailure,
    Interval,
    AddressList,
    UnicastSource,
    /// No instance on the socket runs the advert's VRID.
    UnknownVrid,
    /// Too short to carry a VRID.
    Runt,
}

impl Cause {
    pub(crate) fn of(err: &PacketError) -> Cause {
        match err {
            PacketError::Malformed(err) => match err {
                WireError::Truncated => Cause::Truncated,
                WireError::BadVersion(_) => Cause::BadVersion,
                WireError::BadType(_) => Cause::BadType,
                WireError::BadChecksum { .. } => Cause::BadChecksum,
                WireError::AddressCountMismatch { .. } => Cause::LengthMismatch,
                _ => Cause::Malformed,
            },
            PacketError::Hmac(_) => Cause::Hmac,
            PacketError::Replay(_) => Cause::Replay,
            PacketError::Dropped(drop) => match drop {
                Drop::Ttl => Cause::Ttl,
                Drop::Version => Cause::OtherVersion,
                Drop::Vrid => Cause::VridMismatch,
                Drop::AuthType => Cause::AuthType,
                Drop::AuthTypeMismatch => Cause::AuthTypeMismatch,
                Drop::AuthFailure => Cause::AuthFailure,
                Drop::Interval => Cause::Interval,
                Drop::AddressList => Cause::AddressList,
                Drop::UnicastSource => Cause::UnicastSource,
            },
        }
    }

    /// The words both the full lines and the summaries use, so one grep
    /// finds a cause's lines.
    pub(crate) fn words(self) -> &'static str {
        match self {
            Cause::Truncated => "truncated",
            Cause::BadVersion => "unsupported VRRP version",
            Cause::BadType => "unknown packet type",
            Cause::BadChecksum => "bad checksum",
            Cause::LengthMismatch => "length does not match the address count",
            Cause::Malformed => "malformed",
            Cause::Hmac => "HMAC check failed",
            Cause::Replay => "HMAC sequence replayed",
            Cause::Ttl => "wrong TTL",
            Cause::OtherVersion => "other VRRP version",
            Cause::VridMismatch => "VRID mismatch",
            Cause::AuthType => "invalid authentication type",
            Cause::AuthTypeMismatch => "authentication type mismatch",
            Cause::AuthFailure => "wrong password",
            Cause::Interval => "advert interval mismatch",
            Cause::AddressList => "virtual address list mismatch",
            Cause::UnicastSource => "not from a unicast peer",
            Cause::UnknownVrid => "unknown VRID",
            Cause::Runt => "too short for a VRRP header",
        }
    }
}

/// The full line's details after the cause's words, when there are any.
fn details(err: &PacketError, received: &Received) -> String {
    match err {
        PacketError::Malformed(WireError::Truncated) => {
            format!(" ({} bytes)", received.payload.len())
        }
        PacketError::Malformed(WireError::BadChecksum { expected, found }) => {
            format!(" (computed {expected:#06x}, packet has {found:#06x})")
        }
        PacketError::Malformed(
            err @ (WireError::BadVersion(_)
            | WireError::BadType(_)
            | WireError::AddressCountMismatch { .. }),
        ) => format!(" ({err})"),
        PacketError::Malformed(err) => format!(": {err}"),
        PacketError::Hmac(err) => format!(" ({err})"),
        PacketError::Replay(err) => format!(" ({err})"),
        PacketError::Dropped(Drop::Ttl) => format!(" ({})", received.ttl),
        PacketError::Dropped(Drop::Version) => match received.payload.first() {
            Some(byte) => format!(" ({})", byte >> 4),
            None => String::new(),
        },
        PacketError::Dropped(_) => String::new(),
    }
}

/// One subject and cause: where its burst stands.
#[derive(Debug)]
struct Entry {
    name: String,
    /// When the current window started.
    since: Instant,
    /// When it ends: a summary is due if drops were suppressed, else the
    /// burst is over.
    until: Instant,
    /// Lines logged in full in this burst.
    full: u32,
    /// Drops not logged since `since`.
    suppressed: u64,
}

impl Entry {
    fn summary(&self, cause: Cause, now: Instant) -> String {
        let secs = now.saturating_duration_since(self.since).as_secs_f64();
        let plural = if self.suppressed == 1 { "" } else { "s" };
        format!(
            "({}) {} more advert{plural} ignored in the last {secs:.0} s: {}",
            self.name,
            self.suppressed,
            cause.words()
        )
    }
}

/// The rate limiter, as data: drops in, log lines out.
#[derive(Debug, Default)]
pub(crate) struct DropLog {
    entries: HashMap<(Subject, Cause), Entry>,
}

impl DropLog {
    /// A packet of `subject` (called `name` in the log) was dropped for
    /// `cause`; `line` makes its full line, only called if it is logged.
    /// Returns the lines to log now: an overdue summary first, if any.
    pub(crate) fn record(
        &mut self,
        now: Instant,
        subject: Subject,
        name: &str,
        cause: Cause,
        line: impl FnOnce() -> String,
    ) -> Vec<String> {
        let mut lines = Vec::new();
        let key = (subject, cause);
        let over = match self.entries.get_mut(&key) {
            Some(entry) if entry.until <= now => Self::close_window(entry, cause, now, &mut lines),
            _ => false,
        };
        if over {
            self.entries.remove(&key);
        }
        let entry = self.entries.entry(key).or_insert_with(|| Entry {
            name: name.to_owned(),
            since: now,
            until: now + WINDOW,
            full: 0,
            suppressed: 0,
        });
        if entry.full < FIRST {
            entry.full += 1;
            lines.push(line());
        } else {
            entry.suppressed += 1;
        }
        lines
    }

    /// Ends `entry`'s window at `now`: logs its summary and opens the next
    /// window, or says (true) that the burst is over.
    fn close_window(
        entry: &mut Entry,
        cause: Cause,
        now: Instant,
        lines: &mut Vec<String>,
    ) -> bool {
        if entry.suppressed == 0 {
            return true;
        }
        lines.push(entry.summary(cause, now));
        entry.suppressed = 0;
        entry.since = now;
        entry.until = now + WINDOW;
        false
    }

    /// When [`DropLog::handle_timeout`] has something to do.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.entries.values().map(|e| e.until).min()
    }

    /// Closes the windows that ended by `now`; returns the summaries.
    /// Safe to call early or twice.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Vec<String> {
        let mut lines = Vec::new();
        self.entries.retain(|(_, cause), entry| {
            entry.until > now || !Self::close_window(entry, *cause, now, &mut lines)
        });
        lines.sort();
        lines
    }

    /// Every pending summary now, whatever the windows (at exit, so that
    /// the log accounts for every drop).
    pub(crate) fn flush(&mut self, now: Instant) -> Vec<String> {
        let mut lines: Vec<String> = self
            .entries
            .drain()
            .filter(|(_, e)| e.suppressed > 0)
            .map(|((_, cause), e)| e.summary(cause, now))
            .collect();
        lines.sort();
        lines
    }
}

/// The daemon's side: counts what no instance counts, and prints what
/// [`DropLog`] lets through.
#[derive(Debug, Default)]
pub(crate) struct Drops {
    log: DropLog,
    /// By socket index.
    sockets: HashMap<usize, RouterStats>,
    /// keepalived's `log_unknown_vrids`: unknown VRIDs are counted always,
    /// logged only when asked.
    log_unknown_vrids: bool,
}

impl Drops {
    pub(crate) fn new(log_unknown_vrids: bool) -> Self {
        Drops {
            log_unknown_vrids,
            ..Drops::default()
        }
    }

    fn socket_stats(&mut self, socket: usize) -> &mut RouterStats {
        self.sockets.entry(socket).or_default()
    }

    /// The counters of socket `socket`.
    pub(crate) fn socket_counters(&self, socket: usize) -> RouterStats {
        self.sockets.get(&socket).copied().unwrap_or_default()
    }

    /// Every socket's counters summed, by name (`vrid_err`, `packet_err`).
    pub(crate) fn totals(&self) -> ipc_proto::Counters {
        let mut totals = ipc_proto::Counters::new();
        for stats in self.sockets.values() {
            for (name, value) in stats.counters() {
                *totals.entry(name.to_owned()).or_default() += value;
            }
        }
        totals
    }

    /// Resets the sockets' counters (`kactl stats --clear`).
    pub(crate) fn clear_counters(&mut self) {
        self.sockets.clear();
    }

    /// Instance `index` (`name`) dropped `received` with `err` (vrrp-proto
    /// counted it already).
    pub(crate) fn instance_dropped(
        &mut self,
        now: Instant,
        index: usize,
        name: &str,
        received: &Received,
        err: &PacketError,
    ) {
        let cause = Cause::of(err);
        let lines = self
            .log
            .record(now, Subject::Instance(index), name, cause, || {
                format!(
                    "({name}) ignoring advert from {}: {}{}",
                    received.source,
                    cause.words(),
                    details(err, received)
                )
            });
        print(lines);
    }

    /// Socket `socket` (`label`: its interface) got an advert for `vrid`,
    /// which none of its instances runs.
    pub(crate) fn unknown_vrid(
        &mut self,
        now: Instant,
        socket: usize,
        label: &str,
        vrid: u8,
        source: IpAddr,
    ) {
        self.socket_stats(socket).vrid_err += 1;
        if !self.log_unknown_vrids {
            return;
        }
        let lines = self.log.record(
            now,
            Subject::Socket(socket),
            label,
            Cause::UnknownVrid,
            || format!("({label}) ignoring advert from {source}: unknown VRID {vrid}"),
        );
        print(lines);
    }

    /// Socket `socket` got a packet too short to carry a VRID.
    pub(crate) fn runt(&mut self, now: Instant, socket: usize, label: &str, received: &Received) {
        self.socket_stats(socket).packet_err += 1;
        let lines = self
            .log
            .record(now, Subject::Socket(socket), label, Cause::Runt, || {
                format!(
                    "({label}) ignoring packet from {}: {} ({} bytes)",
                    received.source,
                    Cause::Runt.words(),
                    received.payload.len()
                )
            });
        print(lines);
    }

    /// When [`Drops::handle_timeout`] is due.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.log.poll_timeout()
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        print(self.log.handle_timeout(now));
    }

    /// Logs the pending summaries (at exit).
    pub(crate) fn flush(&mut self, now: Instant) {
        print(self.log.flush(now));
    }
}

fn print(lines: Vec<String>) {
    for line in lines {
        eprintln!("{line}");
    }
}

/// One line with the counters that are not zero, so an operator (and the
/// lab tests) can read them at exit until the control socket serves them.
pub(crate) fn counters_line(name: &str, counters: &[(&str, u64)]) -> String {
    let mut line = format!("({name}) counters:");
    let mut any = false;
    for (counter, value) in counters.iter().filter(|(_, v)| *v != 0) {
        line.push_str(&format!(" {counter}={value}"));
        any = true;
    }
    if !any {
        line.push_str(" all zero");
    }
    line
}

/// The counters line of an instance's [`Stats`].
pub(crate) fn instance_counters(name: &str, stats: &Stats) -> String {
    counters_line(name, &stats.counters())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: Instant, millis: u64) -> Instant {
        start + Duration::from_millis(millis)
    }

    fn drop_at(log: &mut DropLog, now: Instant, cause: Cause) -> Vec<String> {
        log.record(now, Subject::Instance(0), "VI_1", cause, || {
            format!("(VI_1) ignoring advert from 10.0.0.9: {}", cause.words())
        })
    }

    #[test]
    fn a_flood_logs_the_first_drops_then_one_summary_per_window() {
        let start = Instant::now();
        let mut log = DropLog::default();
        let mut lines = Vec::new();
        // 1000 bad checksums a second for 25 s, with the timer served as
        // the daemon serves it (whenever it is due).
        for tick in 0..25_000u64 {
            let now = at(start, tick);
            if log.poll_timeout().is_some_and(|t| t <= now) {
                lines.extend(log.handle_timeout(now));
            }
            lines.extend(drop_at(&mut log, now, Cause::BadChecksum));
        }
        lines.extend(log.flush(at(start, 25_000)));
        let full = lines
            .iter()
            .filter(|l| l.contains("ignoring advert"))
            .count();
        assert_eq!(full, FIRST as usize, "{lines:#?}");
        let summaries: Vec<&String> = lines.iter().filter(|l| l.contains("more")).collect();
        // Two whole windows and the rest at exit.
        assert_eq!(summaries.len(), 3, "{summaries:#?}");
        assert_eq!(
            summaries[0],
            "(VI_1) 9997 more adverts ignored in the last 10 s: bad checksum"
        );
        assert_eq!(
            summaries[1],
            "(VI_1) 10000 more adverts ignored in the last 10 s: bad checksum"
        );
        assert_eq!(
            summaries[2],
            "(VI_1) 5000 more adverts ignored in the last 5 s: bad checksum"
        );
        // Every drop is accounted for: full lines plus summed summaries.
        let summed: u64 = summaries
            .iter()
            .map(|l| l.split(' ').nth(1).unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(summed + u64::from(FIRST), 25_000);
        assert_eq!(log.poll_timeout(), None);
    }

    #[test]
    fn causes_and_subjects_are_limited_separately() {
        let start = Instant::now();
        let mut log = DropLog::default();
        for _ in 0..10 {
            assert!(drop_at(&mut log, start, Cause::BadChecksum).len() <= 1);
        }
        // A new cause is logged although another one floods.
        assert_eq!(drop_at(&mut log, start, Cause::Ttl).len(), 1);
        let other = log.record(
            start,
            Subject::Instance(1),
            "VI_2",
            Cause::BadChecksum,
            || "(VI_2) ignoring advert from 10.0.0.9: bad checksum".into(),
        );
        assert_eq!(other.len(), 1);
        let socket = log.record(
            start,
            Subject::Socket(0),
            "eth0",
            Cause::BadChecksum,
            || "(eth0) ...".into(),
        );
        assert_eq!(socket.len(), 1);
        // Only the flooded cause has a summary.
        let summaries = log.handle_timeout(start + WINDOW);
        assert_eq!(
            summaries,
            ["(VI_1) 7 more adverts ignored in the last 10 s: bad checksum"]
        );
    }

    #[test]
    fn a_quiet_window_ends_the_burst() {
        let start = Instant::now();
        let mut log = DropLog::default();
        for _ in 0..5 {
            drop_at(&mut log, start, Cause::AuthFailure);
        }
        assert_eq!(log.poll_timeout(), Some(start + WINDOW));
        // Early calls do nothing.
        assert!(log.handle_timeout(at(start, 9_999)).is_empty());
        assert_eq!(log.handle_timeout(start + WINDOW).len(), 1);
        // A window with no drop: the burst is over, nothing is logged...
        assert!(log.handle_timeout(start + 2 * WINDOW).is_empty());
        assert_eq!(log.poll_timeout(), None);
        // ...and the next drop is logged in full again.
        let lines = drop_at(&mut log, start + 3 * WINDOW, Cause::AuthFailure);
        assert_eq!(
            lines,
            ["(VI_1) ignoring advert from 10.0.0.9: wrong password"]
        );
    }

    #[test]
    fn an_overdue_summary_comes_before_the_next_line() {
        let start = Instant::now();
        let mut log = DropLog::default();
        for _ in 0..4 {
            drop_at(&mut log, start, Cause::Ttl);
        }
        // The timer was not served (a busy loop); the next drop logs the
        // summary first, with the real length of the window.
        let lines = drop_at(&mut log, at(start, 12_000), Cause::Ttl);
        assert_eq!(
            lines,
            ["(VI_1) 1 more advert ignored in the last 12 s: wrong TTL"]
        );
        assert_eq!(
            log.flush(at(start, 13_000)),
            ["(VI_1) 1 more advert ignored in the last 1 s: wrong TTL"]
        );
    }

    fn received(payload: &[u8], ttl: u8) -> Received {
        Received {
            source: "10.0.0.9".parse().unwrap(),
            destination: "224.0.0.18".parse().unwrap(),
            ttl,
            payload: payload.to_vec(),
        }
    }

    #[test]
    fn full_lines_say_why_in_keepalived_like_words() {
        let cases = [
            (
                PacketError::Malformed(WireError::BadChecksum {
                    expected: 0x1234,
                    found: 0xbeef,
                }),
                "bad checksum (computed 0x1234, packet has 0xbeef)",
            ),
            (
                PacketError::Malformed(WireError::Truncated),
                "truncated (3 bytes)",
            ),
            (PacketError::Dropped(Drop::Ttl), "wrong TTL (64)"),
            (
                PacketError::Dropped(Drop::Version),
                "other VRRP version (3)",
            ),
            (PacketError::Dropped(Drop::AuthFailure), "wrong password"),
        ];
        for (err, words) in cases {
            let cause = Cause::of(&err);
            let line = format!(
                "{}{}",
                cause.words(),
                details(&err, &received(&[0x31, 1, 2], 64))
            );
            assert_eq!(line, words);
        }
    }

    #[test]
    fn socket_counters_count_what_no_instance_takes() {
        let now = Instant::now();
        let mut drops = Drops::new(false);
        drops.unknown_vrid(now, 1, "eth0", 77, "10.0.0.9".parse().unwrap());
        drops.unknown_vrid(now, 1, "eth0", 78, "10.0.0.9".parse().unwrap());
        drops.runt(now, 1, "eth0", &received(&[0x21], 255));
        assert_eq!(
            drops.socket_counters(1),
            RouterStats {
                vrid_err: 2,
                packet_err: 1
            }
        );
        assert_eq!(drops.socket_counters(0), RouterStats::default());
        // Unknown VRIDs are not logged unless asked for; runts are.
        assert_eq!(drops.log.entries.len(), 1);
    }

    #[test]
    fn counters_lines_list_what_is_not_zero() {
        let stats = Stats {
            packet_err: 4,
            chk_err: 1,
            ..Stats::default()
        };
        assert_eq!(
            instance_counters("VI_1", &stats),
            "(VI_1) counters: packet_err=4 chk_err=1"
        );
        assert_eq!(
            instance_counters("VI_1", &Stats::default()),
            "(VI_1) counters: all zero"
        );
    }
}
