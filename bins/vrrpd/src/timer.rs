//! The loop's wake-up timer, on a timerfd rather than tokio's timer wheel.
//!
//! tokio rounds every deadline up to its next millisecond tick, so each
//! advert and each Master_Down expiry came 0.5–1 ms late on average:
//! measurable against keepalived (benches/vrrp-failover.sh), and at 1,000
//! instances with 100 ms adverts a steady drift. A timerfd on
//! CLOCK_MONOTONIC (the clock behind `Instant`) wakes within microseconds.
//! Should the timerfd be unavailable, tokio's sleep is used instead.

use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::{Duration, Instant};

use nix::sys::time::{TimeSpec, TimeValLike};
use nix::sys::timer::{Expiration, TimerSetTimeFlags};
use nix::sys::timerfd::{ClockId, TimerFd, TimerFlags};
use tokio::io::unix::AsyncFd;

struct Fd(TimerFd);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

/// A one-shot timer, re-armed for each wait.
pub(crate) struct WakeTimer {
    fd: Option<AsyncFd<Fd>>,
}

impl WakeTimer {
    /// A timerfd-backed timer (inside a tokio runtime).
    #[allow(
        deprecated,
        reason = "AsyncFd::new is unsound only for a descriptor that can be closed while \
                  registered; this one is owned by the AsyncFd and never handed out, and \
                  AsyncFd::register would need unsafe for the same guarantee"
    )]
    pub(crate) fn new() -> Self {
        let fd = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )
        .map_err(io::Error::from)
        .and_then(|fd| AsyncFd::new(Fd(fd)));
        match fd {
            Ok(fd) => WakeTimer { fd: Some(fd) },
            Err(err) => {
                eprintln!("vrrpd: no timerfd ({err}); timers round up to the millisecond");
                WakeTimer { fd: None }
            }
        }
    }

    /// Waits until `deadline` (forever for `None`).
    pub(crate) async fn sleep_until(&self, deadline: Option<Instant>) {
        let Some(deadline) = deadline else {
            return std::future::pending().await;
        };
        let Some(fd) = &self.fd else {
            return tokio::time::sleep_until(deadline.into()).await;
        };
        // A zero expiry would disarm the timer: a deadline already past
        // fires after a nanosecond.
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_nanos(1));
        let armed = fd.get_ref().0.set(
            Expiration::OneShot(TimeSpec::nanoseconds(
                i64::try_from(wait.as_nanos()).unwrap_or(i64::MAX),
            )),
            TimerSetTimeFlags::empty(),
        );
        if armed.is_err() {
            return tokio::time::sleep_until(deadline.into()).await;
        }
        loop {
            let Ok(mut guard) = fd.readable().await else {
                return tokio::time::sleep_until(deadline.into()).await;
            };
            match guard.try_io(|fd| fd.get_ref().0.wait().map_err(io::Error::from)) {
                Ok(_) => return,
                Err(_would_block) => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wakes_at_the_deadline_not_the_next_millisecond() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let timer = WakeTimer::new();
            assert!(timer.fd.is_some());
            let mut late = Vec::new();
            for _ in 0..20 {
                let deadline = Instant::now() + Duration::from_micros(2_300);
                timer.sleep_until(Some(deadline)).await;
                let now = Instant::now();
                assert!(now >= deadline, "woke early");
                late.push(now - deadline);
            }
            late.sort();
            // The median wake-up is well under tokio's millisecond rounding
            // (which would make this 0.7 ms late on average).
            assert!(late[10] < Duration::from_micros(500), "{late:?}");
            // A deadline in the past fires at once, and re-arming works.
            timer.sleep_until(Some(Instant::now())).await;
            timer
                .sleep_until(Some(Instant::now() - Duration::from_secs(1)))
                .await;
        });
    }
}
