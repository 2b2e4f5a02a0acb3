//! Sync groups: instances that change state together (keepalived's
//! `vrrp_sync_group`). The group is a small coordinator over the members'
//! transitions; the members stay independent state machines.

use crate::instance::{GroupEvent, Instance};
use crate::output::{Reason, State};

/// A sync group over members identified by the caller's indices.
#[derive(Debug, Clone)]
pub struct SyncGroup {
    members: Vec<usize>,
    /// Members in Fault for a reason of their own (not the group's).
    own_fault: Vec<bool>,
}

impl SyncGroup {
    /// A group of these members.
    pub fn new(members: Vec<usize>) -> Self {
        let own_fault = vec![false; members.len()];
        SyncGroup { members, own_fault }
    }

    /// The members.
    pub fn members(&self) -> &[usize] {
        &self.members
    }

    /// Member `who` went from `from` to `to` for `reason`: the events the
    /// other members must get. Transitions the group itself caused do not
    /// cascade.
    pub fn on_transition(
        &mut self,
        who: usize,
        from: State,
        to: State,
        reason: &Reason,
    ) -> Vec<(usize, GroupEvent)> {
        let Some(position) = self.members.iter().position(|&m| m == who) else {
            return Vec::new();
        };
        if to == State::Fault && *reason != Reason::SyncGroup {
            self.own_fault[position] = true;
        }
        if from == State::Fault && to != State::Fault {
            self.own_fault[position] = false;
        }
        let others = self.members.iter().copied().filter(|&m| m != who);
        let event = match (from, to) {
            _ if *reason == Reason::SyncGroup && to != State::Backup => return Vec::new(),
            (_, State::Fault) => GroupEvent::Fault,
            (State::Fault, _) if !self.own_fault.contains(&true) => GroupEvent::Recovered,
            (_, State::Master) => GroupEvent::Master,
            (State::Master, State::Backup) if *reason != Reason::SyncGroup => GroupEvent::Backup,
            _ => return Vec::new(),
        };
        others.map(|m| (m, event)).collect()
    }
}

impl SyncGroup {
    /// Releases the members the group holds in Fault once no member is
    /// faulted for a reason of its own. Members that fault together each
    /// hold the others (every fault is announced to the group), so when
    /// their causes clear without a transition of their own nothing else
    /// would let them go. Call it after every input; `instance` finds a
    /// member by the caller's index.
    pub fn release<'i>(
        &mut self,
        instance: impl Fn(usize) -> Option<&'i Instance>,
    ) -> Vec<(usize, GroupEvent)> {
        let members: Vec<&Instance> = self.members.iter().filter_map(|&m| instance(m)).collect();
        if members.iter().any(|i| i.own_fault()) {
            return Vec::new();
        }
        self.own_fault.iter_mut().for_each(|f| *f = false);
        self.members
            .iter()
            .copied()
            .filter(|&m| instance(m).is_some_and(Instance::held_by_group))
            .map(|m| (m, GroupEvent::Recovered))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::InstanceConfig;

    #[test]
    fn members_faulted_together_recover_together() {
        let now = Instant::now();
        let mut members: Vec<Instance> = (1..=2)
            .map(|vrid| {
                Instance::new(InstanceConfig::new(
                    &format!("VI_{vrid}"),
                    vrid,
                    "192.0.2.1".parse().unwrap(),
                ))
            })
            .collect();
        let mut group = SyncGroup::new(vec![0, 1]);
        let settle = |members: &mut Vec<Instance>, group: &mut SyncGroup| {
            for _ in 0..8 {
                let mut events = Vec::new();
                for (index, member) in members.iter_mut().enumerate() {
                    while let Some(action) = member.poll_action() {
                        if let crate::Action::StateChanged { from, to, reason } = action {
                            events.extend(group.on_transition(index, from, to, &reason));
                        }
                    }
                }
                events.extend(group.release(|m| members.get(m)));
                if events.is_empty() {
                    return;
                }
                for (member, event) in events {
                    members[member].handle_group(now, event);
                }
            }
            panic!("the group does not settle");
        };
        for member in &mut members {
            member.handle_startup(now);
        }
        settle(&mut members, &mut group);
        // The shared interface goes down: each faults on its own, and each
        // is told the other faulted.
        for member in &mut members {
            member.handle_interface(now, false);
        }
        settle(&mut members, &mut group);
        assert!(members.iter().all(|m| m.state() == State::Fault));
        // It comes back: both must leave Fault, though neither moved first.
        let later = now + Duration::from_secs(1);
        for member in &mut members {
            member.handle_interface(later, true);
        }
        settle(&mut members, &mut group);
        assert!(
            members.iter().all(|m| m.state() == State::Backup),
            "{:?}",
            members.iter().map(Instance::state).collect::<Vec<_>>()
        );
    }

    #[test]
    fn members_follow_each_other() {
        let mut group = SyncGroup::new(vec![0, 1, 2]);
        let events = group.on_transition(1, State::Backup, State::Master, &Reason::MasterDown);
        assert_eq!(events, [(0, GroupEvent::Master), (2, GroupEvent::Master)]);
        // The members that follow do not cascade.
        assert!(
            group
                .on_transition(0, State::Backup, State::Master, &Reason::SyncGroup)
                .is_empty()
        );
        let events = group.on_transition(2, State::Master, State::Fault, &Reason::InterfaceDown);
        assert_eq!(events, [(0, GroupEvent::Fault), (1, GroupEvent::Fault)]);
        let events = group.on_transition(2, State::Fault, State::Backup, &Reason::Recovered);
        assert_eq!(
            events,
            [(0, GroupEvent::Recovered), (1, GroupEvent::Recovered)]
        );
    }

    #[test]
    fn recovery_waits_for_every_own_fault() {
        let mut group = SyncGroup::new(vec![0, 1]);
        group.on_transition(0, State::Backup, State::Fault, &Reason::InterfaceDown);
        group.on_transition(1, State::Backup, State::Fault, &Reason::TrackerDown(0));
        assert!(
            group
                .on_transition(0, State::Fault, State::Backup, &Reason::Recovered)
                .is_empty()
        );
        let events = group.on_transition(1, State::Fault, State::Backup, &Reason::Recovered);
        assert_eq!(events, [(0, GroupEvent::Recovered)]);
    }
}
