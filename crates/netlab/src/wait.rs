use std::thread;
use std::time::{Duration, Instant};

use crate::Error;

/// Polls `condition` every 20 ms until it returns `Ok(true)`, an error, or
/// `timeout` passes. Returns how long it took.
///
/// The interval is short because failover tests measure sub-second takeovers
/// with it; 20 ms is well under the 100 ms resolution those tests assert.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut condition: impl FnMut() -> Result<bool, Error>,
) -> Result<Duration, Error> {
    let start = Instant::now();
    loop {
        if condition()? {
            return Ok(start.elapsed());
        }
        if start.elapsed() >= timeout {
            return Err(Error::Timeout {
                what: what.to_owned(),
                timeout,
            });
        }
        thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_when_the_condition_holds() {
        let mut calls = 0;
        wait_until("third call", Duration::from_secs(5), || {
            calls += 1;
            Ok(calls == 3)
        })
        .unwrap();
        assert_eq!(calls, 3);
    }

    #[test]
    fn times_out() {
        let err = wait_until("never", Duration::from_millis(50), || Ok(false)).unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{err}");
    }

    #[test]
    fn stops_on_error() {
        let err = wait_until("boom", Duration::from_secs(5), || {
            Err(Error::Invalid("x".into()))
        })
        .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)));
    }
}
