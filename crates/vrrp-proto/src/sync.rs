//! Sync groups: instances that change state together (keepalived's
//! `vrrp_sync_group`). The group is a small coordinator over the members'
//! transitions; the members stay independent state machines.

use crate::instance::GroupEvent;
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

#[cfg(test)]
mod tests {
    use super::*;

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
