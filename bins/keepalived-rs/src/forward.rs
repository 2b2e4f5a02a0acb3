//! Passing the dump signals on to the daemons, as keepalived's parent does:
//! SIGUSR1 (data), SIGUSR2 (stats) and SIGJSON (SIGRTMIN+2, JSON); and
//! catching keepalived's STATS_CLEAR (SIGRTMAX-1), which the supervisor
//! turns into a stats-clear request over the control socket (a daemon
//! would die of the signal).
//!
//! It only sends; the daemons write the files. It does not write
//! keepalived's `keepalived_parent.data` (see docs/DUMPS.md).

use std::io;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// The dump signals the supervisor catches (their default action would
/// terminate it).
pub(crate) struct DumpSignals {
    data: Signal,
    stats: Signal,
    json: Signal,
    clear: Signal,
}

impl DumpSignals {
    /// Installs the handlers (inside a tokio runtime).
    pub(crate) fn install() -> io::Result<Self> {
        Ok(DumpSignals {
            data: signal(SignalKind::user_defined1())?,
            stats: signal(SignalKind::user_defined2())?,
            json: signal(SignalKind::from_raw(json_signal()))?,
            clear: signal(SignalKind::from_raw(stats_clear_signal()))?,
        })
    }

    /// The next dump signal caught: its number.
    pub(crate) async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.data.recv() => libc::SIGUSR1,
            _ = self.stats.recv() => libc::SIGUSR2,
            _ = self.json.recv() => json_signal(),
            _ = self.clear.recv() => stats_clear_signal(),
        }
    }
}

fn json_signal() -> i32 {
    libc::SIGRTMIN() + 2
}

/// keepalived's STATS_CLEAR.
pub(crate) fn stats_clear_signal() -> i32 {
    libc::SIGRTMAX() - 1
}

/// Sends signal `number` to process `pid`.
pub(crate) fn send(pid: u32, number: i32) -> io::Result<()> {
    let pid = i32::try_from(pid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // The only signals sent here are the three above, to our own child.
    #[allow(unsafe_code)]
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    let result = unsafe { libc::kill(pid, number) };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_keepalived_s_signal_number() {
        assert_eq!(json_signal(), 36);
        assert_eq!(Some(json_signal()), crate::cli::signal_number("JSON"));
        assert_eq!(stats_clear_signal(), 63);
        assert_eq!(
            Some(stats_clear_signal()),
            crate::cli::signal_number("STATS_CLEAR")
        );
    }

    #[test]
    fn send_reports_a_missing_process() {
        // PID 0x7ffffffe is far above pid_max: no such process.
        let err = send(0x7fff_fffe, libc::SIGUSR1).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ESRCH));
        assert!(send(u32::MAX, libc::SIGUSR1).is_err());
    }
}
