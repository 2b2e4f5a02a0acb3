//! A simulated LAN: N virtual routers on one segment, a virtual clock, and
//! adverts delivered to every other router with a configurable delay, loss,
//! duplication and partitions. Deterministic: the same seed gives the same
//! run.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use vrrp_proto::{
    Action, GroupEvent, Instance, InstanceConfig, Reason, State, SyncGroup, Transmit,
};

/// xorshift64*, for loss and duplication.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64 <= probability
    }
}

/// One router: its address and its instances.
pub struct Router {
    pub address: IpAddr,
    pub instances: Vec<Instance>,
    pub groups: Vec<SyncGroup>,
    /// Instances holding their virtual addresses.
    pub holding: Vec<bool>,
    pub up: bool,
}

/// A state change seen on the LAN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub at: Duration,
    pub router: usize,
    pub instance: usize,
    pub from: State,
    pub to: State,
    pub reason: Reason,
}

pub struct Lan {
    pub start: Instant,
    pub now: Instant,
    pub routers: Vec<Router>,
    /// (delivery time, sequence) -> (to router, from address, advert).
    in_flight: BTreeMap<(Instant, u64), (usize, IpAddr, vrrp_proto::Transmit)>,
    sequence: u64,
    pub delay: Duration,
    pub loss: f64,
    pub duplication: f64,
    /// Routers that cannot reach each other: `partition[a][b]`.
    blocked: Vec<Vec<bool>>,
    rng: Rng,
    pub changes: Vec<Change>,
    pub sent: u64,
}

impl Lan {
    pub fn new(seed: u64) -> Self {
        let start = Instant::now();
        Lan {
            start,
            now: start,
            routers: Vec::new(),
            in_flight: BTreeMap::new(),
            sequence: 0,
            delay: Duration::from_micros(100),
            loss: 0.0,
            duplication: 0.0,
            blocked: Vec::new(),
            rng: Rng::new(seed),
            changes: Vec::new(),
            sent: 0,
        }
    }

    /// Adds a router with these instances (not started).
    pub fn add(&mut self, address: &str, configs: Vec<InstanceConfig>) -> usize {
        let address: IpAddr = address.parse().unwrap();
        let instances: Vec<Instance> = configs.into_iter().map(Instance::new).collect();
        let holding = vec![false; instances.len()];
        self.routers.push(Router {
            address,
            instances,
            groups: Vec::new(),
            holding,
            up: true,
        });
        for row in &mut self.blocked {
            row.push(false);
        }
        self.blocked.push(vec![false; self.routers.len()]);
        self.routers.len() - 1
    }

    /// Starts every instance of every router.
    pub fn start_all(&mut self) {
        for r in 0..self.routers.len() {
            self.start(r);
        }
    }

    pub fn start(&mut self, router: usize) {
        let now = self.now;
        self.routers[router].up = true;
        for i in 0..self.routers[router].instances.len() {
            self.routers[router].instances[i].handle_startup(now);
        }
        self.drain(router);
    }

    /// Cuts the power: no priority 0, nothing more from this router.
    pub fn crash(&mut self, router: usize) {
        self.routers[router].up = false;
        self.in_flight
            .retain(|_, (to, from, _)| *to != router && *from != self.routers[router].address);
    }

    /// A clean stop: priority 0 adverts go out.
    pub fn shutdown(&mut self, router: usize) {
        let now = self.now;
        for i in 0..self.routers[router].instances.len() {
            self.routers[router].instances[i].handle_shutdown(now);
        }
        self.drain(router);
        self.routers[router].up = false;
    }

    /// Replaces a router's instances with fresh ones and starts them (a
    /// restart after a crash or shutdown).
    pub fn restart(&mut self, router: usize) {
        let configs: Vec<InstanceConfig> = self.routers[router]
            .instances
            .iter()
            .map(|i| i.config().clone())
            .collect();
        self.routers[router].instances = configs.into_iter().map(Instance::new).collect();
        self.routers[router].holding = vec![false; self.routers[router].instances.len()];
        self.start(router);
    }

    pub fn partition(&mut self, left: &[usize], right: &[usize]) {
        for &a in left {
            for &b in right {
                self.blocked[a][b] = true;
                self.blocked[b][a] = true;
            }
        }
    }

    pub fn heal(&mut self) {
        for row in &mut self.blocked {
            row.iter_mut().for_each(|b| *b = false);
        }
    }

    pub fn tracker(&mut self, router: usize, instance: usize, tracker: usize, up: bool) {
        let now = self.now;
        self.routers[router].instances[instance].handle_tracker(now, tracker, up);
        self.drain(router);
    }

    pub fn interface(&mut self, router: usize, instance: usize, up: bool) {
        let now = self.now;
        self.routers[router].instances[instance].handle_interface(now, up);
        self.drain(router);
    }

    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Moves outputs of `router`'s instances onto the wire and into the log,
    /// and forwards sync group events.
    fn drain(&mut self, router: usize) {
        let now = self.now;
        let mut pending: Vec<(usize, GroupEvent)> = Vec::new();
        loop {
            for i in 0..self.routers[router].instances.len() {
                while let Some(transmit) = self.routers[router].instances[i].poll_transmit() {
                    self.send(router, transmit);
                }
                while let Some(action) = self.routers[router].instances[i].poll_action() {
                    match action {
                        Action::InstallVirtual => self.routers[router].holding[i] = true,
                        Action::RemoveVirtual => self.routers[router].holding[i] = false,
                        Action::Gratuitous { .. } => {}
                        Action::StateChanged { from, to, reason } => {
                            for group in &mut self.routers[router].groups {
                                pending.extend(group.on_transition(i, from, to, &reason));
                            }
                            let at = self.elapsed();
                            self.changes.push(Change {
                                at,
                                router,
                                instance: i,
                                from,
                                to,
                                reason,
                            });
                        }
                    }
                }
            }
            if pending.is_empty() {
                break;
            }
            for (member, event) in pending.drain(..) {
                self.routers[router].instances[member].handle_group(now, event);
            }
        }
    }

    fn send(&mut self, from: usize, transmit: Transmit) {
        if !self.routers[from].up {
            return;
        }
        self.sent += 1;
        let source = self.routers[from].address;
        for to in 0..self.routers.len() {
            if to == from || self.blocked[from][to] || self.rng.chance(self.loss) {
                continue;
            }
            let copies = if self.rng.chance(self.duplication) {
                2
            } else {
                1
            };
            for _ in 0..copies {
                self.sequence += 1;
                self.in_flight.insert(
                    (self.now + self.delay, self.sequence),
                    (to, source, transmit.clone()),
                );
            }
        }
    }

    fn next_event(&self) -> Option<Instant> {
        let delivery = self.in_flight.keys().next().map(|(at, _)| *at);
        let timeout = self
            .routers
            .iter()
            .filter(|r| r.up)
            .flat_map(|r| r.instances.iter().filter_map(Instance::poll_timeout))
            .min();
        [delivery, timeout].into_iter().flatten().min()
    }

    /// Runs until `duration` has passed on the virtual clock, jumping from
    /// event to event.
    pub fn run_for(&mut self, duration: Duration) {
        let end = self.now + duration;
        while let Some(next) = self.next_event() {
            if next > end {
                break;
            }
            self.now = next;
            while let Some((&key, _)) = self.in_flight.iter().next() {
                if key.0 > self.now {
                    break;
                }
                let Some((to, source, transmit)) = self.in_flight.remove(&key) else {
                    break;
                };
                if !self.routers[to].up {
                    continue;
                }
                for i in 0..self.routers[to].instances.len() {
                    if self.routers[to].instances[i].config().vrid == transmit.advert.vrid {
                        // Drops are counted in the instance's stats.
                        let _ = self.routers[to].instances[i].handle_advert(
                            self.now,
                            source,
                            255,
                            &transmit.advert,
                        );
                    }
                }
                self.drain(to);
            }
            for r in 0..self.routers.len() {
                if !self.routers[r].up {
                    continue;
                }
                for i in 0..self.routers[r].instances.len() {
                    self.routers[r].instances[i].handle_timeout(self.now);
                }
                self.drain(r);
            }
        }
        self.now = end;
    }

    /// Routers whose instance `instance` is Master, among those that are up.
    pub fn masters(&self, instance: usize) -> Vec<usize> {
        (0..self.routers.len())
            .filter(|&r| {
                self.routers[r].up && self.routers[r].instances[instance].state() == State::Master
            })
            .collect()
    }

    /// The first time, after `since`, that `router`'s instance entered `to`.
    pub fn entered(
        &self,
        router: usize,
        instance: usize,
        to: State,
        since: Duration,
    ) -> Option<Duration> {
        self.changes
            .iter()
            .find(|c| c.router == router && c.instance == instance && c.to == to && c.at >= since)
            .map(|c| c.at)
    }
}

/// A VRRPv3 instance for the tests: VRID 51, one VIP.
pub fn config(name: &str, address: &str, priority: u8) -> InstanceConfig {
    let mut config = InstanceConfig::new(name, 51, address.parse().unwrap());
    config.priority = priority;
    config.virtual_addresses = vec!["10.0.0.100".parse().unwrap()];
    config.garp.master_delay = Duration::ZERO;
    config
}
