//! One virtual router's state machine (RFC 3768 §6, RFC 5798 §6.4), with
//! keepalived's extensions: tracked objects, Fault, preempt delay,
//! gratuitous ARP timers, lower/higher priority advert options.
//!
//! Inputs are `handle_*(now, ...)`; outputs are drained with
//! [`Instance::poll_transmit`], [`Instance::poll_action`] and
//! [`Instance::poll_timeout`]. `handle_timeout` is safe to call early or
//! twice: only timers that are due fire.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::config::HmacMode;
use crate::config::{InstanceConfig, master_down_interval, skew_time};
use crate::output::{Action, Destinations, Reason, State, Transmit};
use crate::receive;
use crate::stats::Stats;
use crate::tracker::{Effect, TrackerStatus};
use crate::wire::{AdvertRepr, HmacKey, ReplayWindow, Version};

/// The instance's timers, as data (quinn-proto's habit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// Master: send the next advert.
    Advert = 0,
    /// Backup: the master is considered down.
    MasterDown = 1,
    /// Master: the delayed second gratuitous ARP burst.
    GarpDelay = 2,
    /// Master: periodic gratuitous ARP refresh.
    GarpRefresh = 3,
    /// Master: the burst after a lower priority advert.
    GarpLowerPrio = 4,
}

const TIMERS: [Timer; 5] = [
    Timer::Advert,
    Timer::MasterDown,
    Timer::GarpDelay,
    Timer::GarpRefresh,
    Timer::GarpLowerPrio,
];

/// Events a sync group sends to its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupEvent {
    /// Another member became master: follow at once.
    Master,
    /// Another member went to backup: follow.
    Backup,
    /// Another member faulted: fault too.
    Fault,
    /// The group's fault is over.
    Recovered,
}

/// A VRRP instance.
#[derive(Debug)]
pub struct Instance {
    config: InstanceConfig,
    state: State,
    reason: Reason,
    /// The master's advert interval as learned (RFC 5798 §6.1).
    master_adver_interval: Duration,
    timers: [Option<Instant>; 5],
    interface_up: bool,
    /// What each tracked object last reported.
    trackers: Vec<TrackerStatus>,
    /// `handle_startup` was called while a tracker held the instance in Init.
    startup_requested: bool,
    group_fault: bool,
    /// The preempt delay was already added to the current master-down wait.
    preempt_delay_added: bool,
    /// The master we last heard, if any.
    master: Option<(IpAddr, u8)>,
    transmits: VecDeque<Transmit>,
    actions: VecDeque<Action>,
    stats: Stats,
    /// Anti-replay state for HMAC sequences, created on first use.
    replay: Option<ReplayWindow>,
}

impl Instance {
    /// A new instance in Init. Tracked objects start up (report
    /// [`TrackerStatus::Pending`] before `handle_startup` for those that
    /// have not spoken yet); the interface starts up.
    pub fn new(config: InstanceConfig) -> Self {
        let trackers = vec![TrackerStatus::Up; config.trackers.len()];
        Instance {
            master_adver_interval: config.advert_int,
            config,
            state: State::Init,
            reason: Reason::Startup,
            timers: [None; 5],
            interface_up: true,
            trackers,
            startup_requested: false,
            group_fault: false,
            preempt_delay_added: false,
            master: None,
            transmits: VecDeque::new(),
            actions: VecDeque::new(),
            stats: Stats::default(),
            replay: None,
        }
    }

    pub(crate) fn stats_mut(&mut self) -> &mut Stats {
        &mut self.stats
    }

    pub(crate) fn replay_window(&mut self, size: u32) -> &mut ReplayWindow {
        self.replay.get_or_insert_with(|| ReplayWindow::new(size))
    }

    /// The key to sign outgoing adverts with (`wire::sign`, per destination,
    /// with a time-based sequence from `wire::next_sequence`), unless HMAC
    /// is off or receive-only.
    pub fn signing_key(&self) -> Option<&HmacKey> {
        self.config
            .hmac
            .as_ref()
            .filter(|h| h.mode != HmacMode::ReceiveOnly)
            .map(|h| &h.key)
    }

    /// The configuration.
    pub fn config(&self) -> &InstanceConfig {
        &self.config
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Why the last transition happened.
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    /// The counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The master's advert interval as learned from its adverts (VRRPv3;
    /// our own interval until one is heard).
    pub fn master_adver_interval(&self) -> Duration {
        self.master_adver_interval
    }

    /// Resets the counters (`kactl stats --clear`); nothing else changes.
    pub fn clear_stats(&mut self) {
        self.stats = Stats::default();
    }

    /// The master this instance last heard from (address, priority).
    pub fn master(&self) -> Option<(IpAddr, u8)> {
        self.master
    }

    /// The priority in force: the configured one adjusted by tracked
    /// objects' weights, within 1..=254; the address owner stays at 255.
    pub fn effective_priority(&self) -> u8 {
        if self.config.priority == 255 {
            return 255;
        }
        let mut priority = i64::from(self.config.priority);
        for effect in self.effects() {
            if let Effect::Adjust(adjustment) = effect {
                priority += adjustment;
            }
        }
        priority.clamp(1, 254) as u8
    }

    fn effects(&self) -> impl Iterator<Item = Effect> + '_ {
        self.config
            .trackers
            .iter()
            .zip(&self.trackers)
            .map(|(tracker, &status)| tracker.effect(status))
    }

    /// What tracked object `index` last reported.
    pub fn tracker_status(&self, index: usize) -> Option<TrackerStatus> {
        self.trackers.get(index).copied()
    }

    fn faulted(&self) -> Option<Reason> {
        if !self.interface_up {
            return Some(Reason::InterfaceDown);
        }
        let tracker = self.effects().position(|e| e == Effect::Fault);
        if let Some(index) = tracker {
            return Some(Reason::TrackerDown(index));
        }
        self.group_fault.then_some(Reason::SyncGroup)
    }

    /// Whether the instance is faulted for a reason of its own (its
    /// interface, a tracker), as opposed to being held in Fault by its sync
    /// group.
    pub fn own_fault(&self) -> bool {
        self.faulted().is_some_and(|r| r != Reason::SyncGroup)
    }

    /// Whether its sync group holds it in Fault (see
    /// [`crate::SyncGroup::release`]).
    pub fn held_by_group(&self) -> bool {
        self.group_fault
    }

    /// Master_Down_Interval with the current priority and learned interval.
    pub fn master_down_interval(&self) -> Duration {
        master_down_interval(
            self.config.version,
            self.effective_priority(),
            self.master_adver_interval,
            self.config.down_timer_adverts,
        )
    }

    fn skew(&self) -> Duration {
        skew_time(
            self.config.version,
            self.effective_priority(),
            self.master_adver_interval,
        )
    }

    // ---------------------------------------------------------------- inputs

    /// Starts the instance (RFC 5798 §6.4.1).
    pub fn handle_startup(&mut self, now: Instant) {
        if self.state != State::Init {
            return;
        }
        self.startup_requested = true;
        self.start(now);
    }

    /// Leaves Init, unless an unweighted tracker has not reported yet
    /// (keepalived keeps such an instance in Init until its script ran).
    fn start(&mut self, now: Instant) {
        if let Some(reason) = self.faulted() {
            self.transition(State::Fault, reason);
            return;
        }
        if self.effects().any(|e| e == Effect::Hold) {
            return;
        }
        if self.config.priority == 255 && self.config.start_as_master {
            self.become_master(now, Reason::AddressOwner);
            return;
        }
        self.transition(State::Backup, Reason::Startup);
        self.arm_master_down(now, true);
    }

    /// An advert for this instance arrived from `source` with `ttl` (the IP
    /// TTL or hop limit).
    /// Returns why the advert was dropped, if it was (it is counted either way).
    pub fn handle_advert(
        &mut self,
        now: Instant,
        source: IpAddr,
        ttl: u8,
        advert: &AdvertRepr,
    ) -> Result<(), receive::Drop> {
        receive::validate(&self.config, source, ttl, advert, &mut self.stats)?;
        self.stats.advert_rcvd += 1;
        match self.state {
            State::Backup => self.backup_receives(now, source, advert),
            State::Master => self.master_receives(now, source, advert),
            State::Init | State::Fault | State::Stop => {}
        }
        Ok(())
    }

    /// RFC 5798 §6.4.2, Backup receiving an ADVERTISEMENT.
    fn backup_receives(&mut self, now: Instant, source: IpAddr, advert: &AdvertRepr) {
        let ours = self.effective_priority();
        if advert.priority == 0 {
            // The master is leaving: take over after Skew_Time only.
            self.master = None;
            self.set_timer(Timer::MasterDown, Some(now + self.skew()));
            return;
        }
        if !self.config.preempt || advert.priority >= ours {
            self.master = Some((source, advert.priority));
            if self.config.version == Version::V3 {
                self.master_adver_interval =
                    Duration::from_millis(u64::from(advert.advert_int_cs) * 10);
            }
            self.arm_master_down(now, false);
        } else if !self.preempt_delay_added && !self.config.preempt_delay.is_zero() {
            // keepalived: a lower priority master is preempted only after
            // preempt_delay more.
            self.master = Some((source, advert.priority));
            if let Some(deadline) = self.timers[Timer::MasterDown as usize] {
                self.set_timer(
                    Timer::MasterDown,
                    Some(deadline + self.config.preempt_delay),
                );
            }
            self.preempt_delay_added = true;
        }
    }

    /// RFC 5798 §6.4.3, Master receiving an ADVERTISEMENT.
    fn master_receives(&mut self, now: Instant, source: IpAddr, advert: &AdvertRepr) {
        if self.config.priority == 255 && advert.priority != 0 && advert.priority < 255 {
            // The address owner answers nobody below it (it cannot lose).
            self.send_advert(now);
            return;
        }
        let ours = self.effective_priority();
        if advert.priority == 0 {
            self.send_advert(now);
            return;
        }
        let higher = advert.priority > ours
            || (advert.priority == ours && source > self.config.primary_address);
        if higher {
            if self.config.higher_prio_send_advert {
                self.send_advert(now);
            }
            self.master = Some((source, advert.priority));
            self.leave_master(
                now,
                State::Backup,
                Reason::HigherPriority {
                    from: source,
                    priority: advert.priority,
                },
            );
            if self.config.version == Version::V3 {
                self.master_adver_interval =
                    Duration::from_millis(u64::from(advert.advert_int_cs) * 10);
            }
            self.arm_master_down(now, false);
            return;
        }
        // A lower priority master: keepalived answers with an advert (so it
        // gives way at once) unless lower_prio_no_advert.
        if !self.config.lower_prio_no_advert {
            self.send_advert(now);
        }
        let garp = self.config.garp;
        if garp.lower_prio_repeat > 0 {
            if garp.lower_prio_delay.is_zero() {
                self.actions.push_back(Action::Gratuitous {
                    count: garp.lower_prio_repeat,
                });
            } else if self.timers[Timer::GarpLowerPrio as usize].is_none() {
                self.set_timer(Timer::GarpLowerPrio, Some(now + garp.lower_prio_delay));
            }
        }
    }

    /// Fires every timer that is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        for timer in TIMERS {
            let Some(deadline) = self.timers[timer as usize] else {
                continue;
            };
            if deadline > now {
                continue;
            }
            self.timers[timer as usize] = None;
            match (self.state, timer) {
                (State::Backup, Timer::MasterDown) => self.become_master(now, Reason::MasterDown),
                (State::Master, Timer::Advert) => self.send_advert(now),
                (State::Master, Timer::GarpDelay) => {
                    self.actions.push_back(Action::Gratuitous {
                        count: self.config.garp.master_repeat,
                    });
                }
                (State::Master, Timer::GarpRefresh) => {
                    self.actions.push_back(Action::Gratuitous {
                        count: self.config.garp.master_refresh_repeat,
                    });
                    self.set_timer(
                        Timer::GarpRefresh,
                        Some(now + self.config.garp.master_refresh),
                    );
                }
                (State::Master, Timer::GarpLowerPrio) => {
                    self.actions.push_back(Action::Gratuitous {
                        count: self.config.garp.lower_prio_repeat,
                    });
                }
                _ => {}
            }
        }
    }

    /// The instance's interface went up or down.
    pub fn handle_interface(&mut self, now: Instant, up: bool) {
        self.interface_up = up;
        self.reassess(now);
    }

    /// Tracked object `index` (into `config.trackers`) went up or down.
    pub fn handle_tracker(&mut self, now: Instant, index: usize, up: bool) {
        let status = if up {
            TrackerStatus::Up
        } else {
            TrackerStatus::Down
        };
        self.handle_tracker_status(now, index, status);
    }

    /// Tracked object `index` now reads `value` (`track_file`).
    pub fn handle_tracker_value(&mut self, now: Instant, index: usize, value: i32) {
        self.handle_tracker_status(now, index, TrackerStatus::Value(value));
    }

    /// Tracked object `index` reported `status`. A priority change takes
    /// effect from the next advert (a master) or the next master-down wait
    /// (a backup), as in keepalived; an index out of range is ignored.
    pub fn handle_tracker_status(&mut self, now: Instant, index: usize, status: TrackerStatus) {
        if let Some(slot) = self.trackers.get_mut(index) {
            *slot = status;
            self.reassess(now);
        }
    }

    /// A sync group event.
    pub fn handle_group(&mut self, now: Instant, event: GroupEvent) {
        match event {
            GroupEvent::Fault => {
                self.group_fault = true;
                self.reassess(now);
            }
            GroupEvent::Recovered => {
                self.group_fault = false;
                self.reassess(now);
            }
            GroupEvent::Master if self.state == State::Backup => {
                self.become_master(now, Reason::SyncGroup)
            }
            GroupEvent::Backup if self.state == State::Master => {
                self.leave_master(now, State::Backup, Reason::SyncGroup);
                self.arm_master_down(now, false);
            }
            _ => {}
        }
    }

    /// Applies a new configuration to a running instance (a reload). The
    /// state, the known master and the timers carry over, so an unchanged
    /// configuration causes no transition, advert or gratuitous ARP; a
    /// changed advert interval applies from the next advert, and a change of
    /// trackers or priority is judged at once (RFC 5798 rules as for any
    /// priority change). The caller gives a changed VRID, version or
    /// address family to a new instance instead.
    pub fn handle_reload(&mut self, now: Instant, config: InstanceConfig) {
        if config == self.config {
            return;
        }
        let trackers: Vec<TrackerStatus> = (0..config.trackers.len())
            .map(|i| self.trackers.get(i).copied().unwrap_or_default())
            .collect();
        let interval_changed = config.advert_int != self.config.advert_int;
        self.config = config;
        self.trackers = trackers;
        if interval_changed {
            if self.state == State::Master {
                self.set_timer(Timer::Advert, Some(now + self.config.advert_int));
            } else {
                self.master_adver_interval = self.config.advert_int;
            }
        }
        self.reassess(now);
    }

    /// Stops the instance: a master announces it with priority 0 so a backup
    /// takes over after Skew_Time (RFC 5798 §6.4.3).
    pub fn handle_shutdown(&mut self, now: Instant) {
        match self.state {
            State::Master => self.leave_master(now, State::Stop, Reason::Shutdown),
            State::Stop => {}
            _ => self.transition(State::Stop, Reason::Shutdown),
        }
        self.timers = [None; 5];
    }

    /// Goes to Fault, or out of it, after a change of the interface, the
    /// trackers or the group.
    fn reassess(&mut self, now: Instant) {
        match (self.state, self.faulted()) {
            (State::Master, Some(reason)) => self.leave_master(now, State::Fault, reason),
            (State::Backup, Some(reason)) => {
                self.timers = [None; 5];
                self.transition(State::Fault, reason);
            }
            (State::Fault, None) => {
                self.transition(State::Backup, Reason::Recovered);
                self.master_adver_interval = self.config.advert_int;
                self.arm_master_down(now, false);
            }
            (State::Init, _) if self.startup_requested => self.start(now),
            _ => {}
        }
    }

    // --------------------------------------------------------------- actions

    fn become_master(&mut self, now: Instant, reason: Reason) {
        self.timers = [None; 5];
        self.master = None;
        self.transition(State::Master, reason);
        self.stats.become_master += 1;
        self.actions.push_back(Action::InstallVirtual);
        self.send_advert(now);
        let garp = self.config.garp;
        self.actions.push_back(Action::Gratuitous {
            count: garp.master_repeat,
        });
        if !garp.master_delay.is_zero() && garp.master_repeat > 0 {
            self.set_timer(Timer::GarpDelay, Some(now + garp.master_delay));
        }
        if !garp.master_refresh.is_zero() {
            self.set_timer(Timer::GarpRefresh, Some(now + garp.master_refresh));
        }
    }

    fn leave_master(&mut self, now: Instant, to: State, reason: Reason) {
        self.timers = [None; 5];
        if to != State::Backup {
            // keepalived announces priority 0 when leaving Master other than
            // for a better master, so that a backup takes over after Skew.
            self.transmit(0);
            self.stats.pri_zero_sent += 1;
        }
        self.actions.push_back(Action::RemoveVirtual);
        self.stats.release_master += 1;
        self.transition(to, reason);
        if to == State::Backup {
            self.master_adver_interval = self.config.advert_int;
        }
        let _ = now;
    }

    fn send_advert(&mut self, now: Instant) {
        self.transmit(self.effective_priority());
        self.set_timer(Timer::Advert, Some(now + self.config.advert_int));
    }

    fn transmit(&mut self, priority: u8) {
        let advert = AdvertRepr {
            version: self.config.version,
            vrid: self.config.vrid,
            priority,
            advert_int_cs: self.config.advert_int_cs(),
            auth: self.config.auth.clone(),
            addresses: self.config.virtual_addresses.clone(),
            // Signed per destination by the daemon (the MAC covers the
            // destination address): see `Instance::signing_key`.
            hmac: None,
        };
        let destinations = if self.config.unicast_peers.is_empty() {
            Destinations::Multicast
        } else {
            Destinations::Unicast(
                self.config
                    .unicast_peers
                    .iter()
                    .map(|p| p.address)
                    .collect(),
            )
        };
        self.stats.advert_sent += 1;
        self.transmits.push_back(Transmit {
            advert,
            destinations,
        });
    }

    /// (Re)arms the master-down timer; at start-up, and once when a lower
    /// priority master is seen, keepalived adds the preempt delay.
    fn arm_master_down(&mut self, now: Instant, startup: bool) {
        let mut wait = self.master_down_interval();
        self.preempt_delay_added = false;
        if startup && self.config.preempt && !self.config.preempt_delay.is_zero() {
            wait += self.config.preempt_delay;
            self.preempt_delay_added = true;
        }
        self.set_timer(Timer::MasterDown, Some(now + wait));
    }

    fn set_timer(&mut self, timer: Timer, deadline: Option<Instant>) {
        self.timers[timer as usize] = deadline;
    }

    fn transition(&mut self, to: State, reason: Reason) {
        let from = self.state;
        self.state = to;
        self.reason = reason.clone();
        if from != to {
            self.actions
                .push_back(Action::StateChanged { from, to, reason });
        }
    }

    // --------------------------------------------------------------- outputs

    /// The next advert to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next action for the daemon.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When `handle_timeout` must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.iter().flatten().min().copied()
    }
}
