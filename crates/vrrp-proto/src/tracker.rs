//! What a tracked object's last report does to an instance: a priority
//! adjustment, a fault, or (before a `vrrp_script`'s first run) holding the
//! instance in Init, with keepalived's rules at the extremes.
//!
//! This module only computes; the instance keeps the statuses and the
//! daemon decides when an object is up, down or worth a number.

use crate::config::TrackerConfig;

/// The lowest adjustment keepalived applies: a numeric tracker whose
/// value × weight reaches it faults the instance instead.
const FAULT_LEVEL: i64 = -254;
/// The highest adjustment one numeric tracker contributes.
const MAX_ADJUSTMENT: i64 = 253;
/// keepalived clamps the number read from a tracked file to this range
/// before multiplying.
const VALUE_RANGE: std::ops::RangeInclusive<i32> = -254..=254;

/// What a tracked object last reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrackerStatus {
    /// Nothing yet (a `vrrp_script` before its first result): a weighted
    /// tracker adjusts nothing, an unweighted one holds the instance in Init
    /// (keepalived waits for the script rather than guess).
    Pending,
    /// Up: a script that succeeded, an interface with carrier, a process
    /// quorum that is met.
    #[default]
    Up,
    /// Down.
    Down,
    /// A number (`track_file`): value × weight is added to the priority.
    /// With weight 0 a non-zero value is a failure.
    Value(i32),
}

/// The effect of one tracker in its current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Add this much to the configured priority (possibly 0).
    Adjust(i64),
    /// The instance must be in Fault.
    Fault,
    /// The instance must wait in Init for a first report.
    Hold,
}

impl TrackerConfig {
    /// The effect of this tracker when its object reports `status`.
    pub(crate) fn effect(&self, status: TrackerStatus) -> Effect {
        let weight = i64::from(self.weight);
        let sign = if self.reverse { -1 } else { 1 };
        match status {
            TrackerStatus::Pending if weight == 0 => Effect::Hold,
            TrackerStatus::Pending => Effect::Adjust(0),
            TrackerStatus::Up | TrackerStatus::Down => {
                let up = status == TrackerStatus::Up;
                match weight {
                    0 if up == self.reverse => Effect::Fault,
                    0 => Effect::Adjust(0),
                    // A positive weight counts while up, a negative one
                    // while down; reverse flips the sign of what counts.
                    w if (w > 0) == up => Effect::Adjust(w * sign),
                    _ => Effect::Adjust(0),
                }
            }
            TrackerStatus::Value(value) => {
                let value = i64::from(value.clamp(*VALUE_RANGE.start(), *VALUE_RANGE.end()));
                if weight == 0 {
                    return if (value != 0) != self.reverse {
                        Effect::Fault
                    } else {
                        Effect::Adjust(0)
                    };
                }
                let adjustment = value * weight * sign;
                if adjustment <= FAULT_LEVEL {
                    Effect::Fault
                } else {
                    Effect::Adjust(adjustment.min(MAX_ADJUSTMENT))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker(weight: i32, reverse: bool) -> TrackerConfig {
        TrackerConfig { weight, reverse }
    }

    #[test]
    fn boolean_weights_follow_keepalived_table() {
        use TrackerStatus::{Down, Up};
        // weight, reverse, up, down (keepalived.conf(5), track_bfd's table).
        let table = [
            (20, false, Effect::Adjust(20), Effect::Adjust(0)),
            (-20, false, Effect::Adjust(0), Effect::Adjust(-20)),
            (20, true, Effect::Adjust(-20), Effect::Adjust(0)),
            (-20, true, Effect::Adjust(0), Effect::Adjust(20)),
            (0, false, Effect::Adjust(0), Effect::Fault),
            (0, true, Effect::Fault, Effect::Adjust(0)),
        ];
        for (weight, reverse, up, down) in table {
            let t = tracker(weight, reverse);
            assert_eq!(t.effect(Up), up, "{weight} {reverse} up");
            assert_eq!(t.effect(Down), down, "{weight} {reverse} down");
        }
    }

    #[test]
    fn pending_holds_only_unweighted_trackers() {
        assert_eq!(
            tracker(0, false).effect(TrackerStatus::Pending),
            Effect::Hold
        );
        assert_eq!(
            tracker(-10, false).effect(TrackerStatus::Pending),
            Effect::Adjust(0)
        );
    }

    #[test]
    fn file_values_multiply_and_fault_at_minus_254() {
        use TrackerStatus::Value;
        assert_eq!(tracker(1, false).effect(Value(-30)), Effect::Adjust(-30));
        assert_eq!(tracker(5, false).effect(Value(10)), Effect::Adjust(50));
        assert_eq!(tracker(5, true).effect(Value(10)), Effect::Adjust(-50));
        assert_eq!(tracker(10, false).effect(Value(100)), Effect::Adjust(253));
        assert_eq!(tracker(1, false).effect(Value(-253)), Effect::Adjust(-253));
        assert_eq!(tracker(1, false).effect(Value(-254)), Effect::Fault);
        assert_eq!(tracker(2, false).effect(Value(-127)), Effect::Fault);
        // The value is clamped before multiplying: no overflow.
        assert_eq!(tracker(254, false).effect(Value(i32::MIN)), Effect::Fault);
        assert_eq!(
            tracker(254, false).effect(Value(i32::MAX)),
            Effect::Adjust(253)
        );
        // Weight 0: any non-zero value is a failure (reverse: zero is).
        assert_eq!(tracker(0, false).effect(Value(3)), Effect::Fault);
        assert_eq!(tracker(0, false).effect(Value(0)), Effect::Adjust(0));
        assert_eq!(tracker(0, true).effect(Value(0)), Effect::Fault);
        assert_eq!(tracker(0, true).effect(Value(-1)), Effect::Adjust(0));
    }

    fn instance(trackers: Vec<TrackerConfig>) -> crate::Instance {
        let mut config = crate::InstanceConfig::new("VI_1", 1, "10.0.0.1".parse().unwrap());
        config.priority = 150;
        config.trackers = trackers;
        crate::Instance::new(config)
    }

    #[test]
    fn an_unweighted_pending_tracker_holds_the_instance_in_init() {
        let now = std::time::Instant::now();
        let mut vi = instance(vec![tracker(0, false), tracker(-50, false)]);
        vi.handle_tracker_status(now, 0, TrackerStatus::Pending);
        vi.handle_tracker_status(now, 1, TrackerStatus::Pending);
        vi.handle_startup(now);
        assert_eq!(vi.state(), crate::State::Init);
        assert_eq!(vi.poll_timeout(), None);
        assert_eq!(vi.effective_priority(), 150, "pending weights add nothing");
        vi.handle_tracker(now, 1, false);
        assert_eq!(vi.state(), crate::State::Init);
        assert_eq!(vi.effective_priority(), 100);
        vi.handle_tracker(now, 0, true);
        assert_eq!(vi.state(), crate::State::Backup);
        assert!(vi.poll_timeout().is_some());

        // A first report of failure goes straight to Fault.
        let mut vi = instance(vec![tracker(0, false)]);
        vi.handle_tracker_status(now, 0, TrackerStatus::Pending);
        vi.handle_startup(now);
        vi.handle_tracker(now, 0, false);
        assert_eq!(vi.state(), crate::State::Fault);
        assert_eq!(vi.reason(), &crate::Reason::TrackerDown(0));
    }

    #[test]
    fn file_values_move_the_priority_and_fault_at_the_extreme() {
        let now = std::time::Instant::now();
        let mut vi = instance(vec![tracker(10, false)]);
        vi.handle_tracker_value(now, 0, 0);
        vi.handle_startup(now);
        assert_eq!(vi.effective_priority(), 150);
        vi.handle_tracker_value(now, 0, -6);
        assert_eq!(vi.effective_priority(), 90);
        vi.handle_tracker_value(now, 0, 50);
        assert_eq!(vi.effective_priority(), 254, "clamped to 254");
        vi.handle_tracker_value(now, 0, -30);
        assert_eq!(vi.state(), crate::State::Fault);
        vi.handle_tracker_value(now, 0, 1);
        assert_eq!(vi.state(), crate::State::Backup);
        assert_eq!(vi.effective_priority(), 160);
    }

    #[test]
    fn the_address_owner_is_never_adjusted() {
        let now = std::time::Instant::now();
        let mut vi = instance(vec![tracker(-50, false)]);
        let mut config = vi.config().clone();
        config.priority = 255;
        vi.handle_reload(now, config);
        vi.handle_tracker(now, 0, false);
        assert_eq!(vi.effective_priority(), 255);
    }
}
