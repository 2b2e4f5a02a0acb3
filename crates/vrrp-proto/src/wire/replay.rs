//! Anti-replay for HMAC sequence numbers: a sliding window as in IPsec (RFC
//! 4303 §3.4.3), so that reordered packets still pass while copies do not.

/// Accepts a sequence number above every one seen so far, or one of the
/// `size - 1` just below the highest that has not been seen yet; rejects the
/// rest. Feed it only sequence numbers whose MAC [`crate::wire::verify`]
/// accepted, or a forger could move the window.
///
/// A fresh window accepts any first number: after a restart the receiver
/// cannot tell an old packet from a new one, which is what the time-based
/// sequence numbers of [`crate::wire::next_sequence`] let the state machine
/// check against its own clock if it wants to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayWindow {
    size: u32,
    /// The highest sequence number accepted so far.
    highest: Option<u64>,
    /// Bit `i` set: `highest - i` was accepted (bit 0 is `highest` itself).
    seen: u64,
}

/// Why a [`ReplayWindow`] rejected a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// This sequence number was accepted before.
    #[error("sequence {sequence} replayed")]
    Replayed {
        /// The rejected number.
        sequence: u64,
    },
    /// Older than the window reaches.
    #[error("sequence {sequence} too old (highest {highest}, window {size})")]
    TooOld {
        /// The rejected number.
        sequence: u64,
        /// The highest accepted so far.
        highest: u64,
        /// The window's size.
        size: u32,
    },
}

impl ReplayWindow {
    /// The largest window.
    pub const MAX_SIZE: u32 = 64;

    /// A window of `size` sequence numbers (clamped to 1..=64). With 1, only
    /// strictly increasing numbers pass.
    pub fn new(size: u32) -> ReplayWindow {
        ReplayWindow {
            size: size.clamp(1, Self::MAX_SIZE),
            highest: None,
            seen: 0,
        }
    }

    /// The window's size.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// The highest sequence number accepted so far.
    pub fn highest(&self) -> Option<u64> {
        self.highest
    }

    /// Whether `sequence` would be accepted, without recording it.
    pub fn check(&self, sequence: u64) -> Result<(), ReplayError> {
        let Some(highest) = self.highest else {
            return Ok(());
        };
        if sequence > highest {
            return Ok(());
        }
        let behind = highest - sequence;
        if behind >= u64::from(self.size) {
            return Err(ReplayError::TooOld {
                sequence,
                highest,
                size: self.size,
            });
        }
        if self.seen & (1 << behind) != 0 {
            return Err(ReplayError::Replayed { sequence });
        }
        Ok(())
    }

    /// Checks `sequence` and, if it passes, records it.
    pub fn accept(&mut self, sequence: u64) -> Result<(), ReplayError> {
        self.check(sequence)?;
        match self.highest {
            Some(highest) if sequence <= highest => self.seen |= 1 << (highest - sequence),
            Some(highest) => {
                let ahead = sequence - highest;
                self.seen = if ahead >= 64 { 0 } else { self.seen << ahead };
                self.seen |= 1;
                self.highest = Some(sequence);
            }
            None => {
                self.seen = 1;
                self.highest = Some(sequence);
            }
        }
        Ok(())
    }

    /// Forgets everything (after a key change, say).
    pub fn reset(&mut self) {
        self.highest = None;
        self.seen = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_and_reordered_pass_once() {
        let mut window = ReplayWindow::new(4);
        assert_eq!(window.accept(100), Ok(()));
        assert_eq!(
            window.accept(100),
            Err(ReplayError::Replayed { sequence: 100 })
        );
        assert_eq!(window.accept(103), Ok(()));
        // 101 and 102 were skipped: late but inside the window.
        assert_eq!(window.check(102), Ok(()));
        assert_eq!(window.accept(101), Ok(()));
        assert_eq!(
            window.accept(101),
            Err(ReplayError::Replayed { sequence: 101 })
        );
        assert_eq!(
            window.accept(99),
            Err(ReplayError::TooOld {
                sequence: 99,
                highest: 103,
                size: 4
            })
        );
        assert_eq!(window.accept(102), Ok(()));
        assert_eq!(window.highest(), Some(103));
    }

    #[test]
    fn size_one_is_strictly_increasing() {
        let mut window = ReplayWindow::new(0);
        assert_eq!(window.size(), 1);
        window.accept(5).unwrap();
        assert!(window.accept(5).is_err());
        assert!(window.accept(4).is_err());
        window.accept(6).unwrap();
    }

    #[test]
    fn big_jumps_clear_the_bitmap() {
        let mut window = ReplayWindow::new(64);
        window.accept(0).unwrap();
        window.accept(1_000).unwrap();
        assert!(window.accept(0).is_err());
        window.accept(999).unwrap();
        window.accept(u64::MAX).unwrap();
        assert!(window.accept(u64::MAX).is_err());
        window.accept(u64::MAX - 63).unwrap();
        assert!(window.accept(u64::MAX - 64).is_err());
        window.reset();
        window.accept(0).unwrap();
    }

    #[test]
    fn matches_a_set_model() {
        // Against a brute-force model over a pseudo-random walk.
        let mut window = ReplayWindow::new(8);
        let mut accepted = std::collections::BTreeSet::new();
        let mut state = 12345u64;
        for _ in 0..5_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let sequence = (state >> 33) % 200;
            let highest = accepted.iter().next_back().copied();
            let model_ok = match highest {
                None => true,
                Some(h) => sequence > h || (h - sequence < 8 && !accepted.contains(&sequence)),
            };
            assert_eq!(window.accept(sequence).is_ok(), model_ok, "{sequence}");
            if model_ok {
                accepted.insert(sequence);
            }
        }
    }
}
