//! The next wake-up of many instances, and which are due, without asking
//! every instance on every wake-up: a min-heap of (deadline, instance index)
//! kept beside the instances.
//!
//! With 1,000 instances at advert_int 0.1 the daemon wakes about once a
//! millisecond for a handful of due instances; scanning all of them (twice)
//! on each wake-up was the hottest user-space code of the scale benchmark.
//!
//! It keeps no timers of its own and decides nothing: each instance's
//! `poll_timeout` stays the truth, recorded here with [`Deadlines::set`]
//! after anything that may have changed it. A heap entry whose deadline is
//! no longer the one recorded for its instance is stale and skipped.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// The recorded deadline of each instance, and a heap to find the earliest.
#[derive(Debug, Default)]
pub(crate) struct Deadlines {
    heap: BinaryHeap<Reverse<(Instant, usize)>>,
    current: Vec<Option<Instant>>,
}

impl Deadlines {
    /// Room for instances `0..count`, none with a deadline.
    pub(crate) fn new(count: usize) -> Self {
        Deadlines {
            heap: BinaryHeap::with_capacity(count),
            current: vec![None; count],
        }
    }

    /// Records instance `index`'s deadline (its `poll_timeout`). An index
    /// out of range is ignored: the daemon only passes its own indices.
    pub(crate) fn set(&mut self, index: usize, deadline: Option<Instant>) {
        let Some(slot) = self.current.get_mut(index) else {
            return;
        };
        if *slot == deadline {
            return;
        }
        *slot = deadline;
        if let Some(deadline) = deadline {
            self.heap.push(Reverse((deadline, index)));
        }
        // Stale entries leave the heap as they reach its top; a backup that
        // moves its Master_Down timer on every advert could otherwise pile
        // them up for a whole interval, so rebuild when they dominate.
        if self.heap.len() > 4 * self.current.len() + 64 {
            self.heap = self
                .current
                .iter()
                .enumerate()
                .filter_map(|(i, d)| d.map(|d| Reverse((d, i))))
                .collect();
        }
    }

    /// The earliest recorded deadline.
    pub(crate) fn next(&mut self) -> Option<Instant> {
        while let Some(&Reverse((deadline, index))) = self.heap.peek() {
            if self.is_current(deadline, index) {
                return Some(deadline);
            }
            self.heap.pop();
        }
        None
    }

    /// The instances whose deadline is at or before `now`, earliest first.
    /// Their recorded deadlines are cleared: set them again once handled.
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<usize> {
        let mut due = Vec::new();
        while let Some(&Reverse((deadline, index))) = self.heap.peek() {
            if self.is_current(deadline, index) {
                if deadline > now {
                    break;
                }
                if let Some(slot) = self.current.get_mut(index) {
                    *slot = None;
                }
                due.push(index);
            }
            self.heap.pop();
        }
        due
    }

    fn is_current(&self, deadline: Instant, index: usize) -> bool {
        self.current.get(index).copied().flatten() == Some(deadline)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ms(base: Instant, n: u64) -> Instant {
        base + Duration::from_millis(n)
    }

    #[test]
    fn earliest_first_and_only_the_due() {
        let t = Instant::now();
        let mut d = Deadlines::new(4);
        assert_eq!(d.next(), None);
        d.set(0, Some(ms(t, 30)));
        d.set(1, Some(ms(t, 10)));
        d.set(2, Some(ms(t, 20)));
        d.set(3, None);
        assert_eq!(d.next(), Some(ms(t, 10)));
        assert_eq!(d.take_due(ms(t, 20)), vec![1, 2]);
        assert_eq!(d.next(), Some(ms(t, 30)));
        assert_eq!(d.take_due(ms(t, 29)), Vec::<usize>::new());
        assert_eq!(d.take_due(ms(t, 30)), vec![0]);
        assert_eq!(d.next(), None);
    }

    #[test]
    fn a_moved_deadline_replaces_the_old_one() {
        let t = Instant::now();
        let mut d = Deadlines::new(2);
        d.set(0, Some(ms(t, 10)));
        d.set(1, Some(ms(t, 50)));
        // Instance 0 heard an advert: its timer moved later, then off.
        d.set(0, Some(ms(t, 40)));
        assert_eq!(d.next(), Some(ms(t, 40)));
        d.set(0, None);
        assert_eq!(d.next(), Some(ms(t, 50)));
        assert_eq!(d.take_due(ms(t, 100)), vec![1]);
        // Handled instances are not due again until set again.
        assert_eq!(d.take_due(ms(t, 100)), Vec::<usize>::new());
        d.set(1, Some(ms(t, 150)));
        assert_eq!(d.next(), Some(ms(t, 150)));
    }

    #[test]
    fn stale_entries_do_not_pile_up() {
        let t = Instant::now();
        let mut d = Deadlines::new(3);
        for n in 0..10_000 {
            d.set(n % 3, Some(ms(t, 1_000 + n as u64)));
        }
        assert!(
            d.heap.len() <= 4 * 3 + 64 + 1,
            "heap holds {}",
            d.heap.len()
        );
        assert_eq!(d.take_due(ms(t, 20_000)), vec![1, 2, 0]);
        assert_eq!(d.next(), None);
    }

    #[test]
    fn out_of_range_indices_are_ignored() {
        let t = Instant::now();
        let mut d = Deadlines::new(1);
        d.set(5, Some(t));
        assert_eq!(d.next(), None);
        assert_eq!(d.take_due(t), Vec::<usize>::new());
    }
}
