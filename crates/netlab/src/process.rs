//! A long-running program inside a lab host.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::{Error, wait_until};

/// A process started with [`crate::Host::spawn`]. It is killed (SIGKILL) and
/// reaped when dropped, unless it already exited.
#[derive(Debug)]
pub struct Process {
    label: String,
    child: Child,
    log: PathBuf,
}

impl Process {
    pub(crate) fn new(label: String, child: Child, log: PathBuf) -> Self {
        Process { label, child, log }
    }

    /// The process id (in the root pid namespace; the lab shares it).
    pub fn pid(&self) -> i32 {
        // Linux pids fit in pid_t by definition.
        self.child.id() as i32
    }

    /// Sends `signal` to the process.
    pub fn signal(&self, signal: Signal) -> Result<(), Error> {
        kill(Pid::from_raw(self.pid()), signal)
            .map_err(|errno| Error::io(format!("sending {signal} to {}", self.label), errno.into()))
    }

    /// Whether the process is still running (it is reaped if it exited).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM and waits up to `grace` for the process to exit, then
    /// kills it. Returns how it exited.
    pub fn terminate(&mut self, grace: Duration) -> Result<ExitStatus, Error> {
        if self.is_running() {
            self.signal(Signal::SIGTERM)?;
            let exited = wait_until(&format!("{} to exit", self.label), grace, || {
                Ok(!self.is_running())
            });
            if exited.is_err() {
                self.kill()?;
            }
        }
        self.wait()
    }

    /// Kills the process with SIGKILL, as a crash or power loss would, and
    /// reaps it.
    pub fn kill(&mut self) -> Result<ExitStatus, Error> {
        if self.is_running() {
            self.signal(Signal::SIGKILL)?;
        }
        self.wait()
    }

    fn wait(&mut self) -> Result<ExitStatus, Error> {
        self.child
            .wait()
            .map_err(|source| Error::io(format!("waiting for {}", self.label), source))
    }

    /// The path of the process's combined stdout/stderr log.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The log so far.
    pub fn log(&self) -> String {
        fs::read(&self.log)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// The current length of the log, to wait for lines written after now
    /// with [`Process::wait_for_log_after`].
    pub fn log_mark(&self) -> usize {
        self.log().len()
    }

    /// Waits until the log contains `needle`, failing early if the process
    /// exits first. Returns how long it took.
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) -> Result<Duration, Error> {
        self.wait_for_log_after(0, needle, timeout)
    }

    /// Like [`Process::wait_for_log`], but only looks at what was logged after
    /// `mark` (from [`Process::log_mark`]).
    pub fn wait_for_log_after(
        &mut self,
        mark: usize,
        needle: &str,
        timeout: Duration,
    ) -> Result<Duration, Error> {
        let what = format!("'{needle}' in the log of {}", self.label);
        let result = wait_until(&what, timeout, || {
            if self
                .log()
                .get(mark..)
                .is_some_and(|new| new.contains(needle))
            {
                return Ok(true);
            }
            if !self.is_running() {
                return Err(Error::Invalid(format!(
                    "{} exited before logging '{needle}'; log:\n{}",
                    self.label,
                    self.log()
                )));
            }
            Ok(false)
        });
        result.map_err(|err| match err {
            Error::Timeout { .. } => Error::Invalid(format!("{err}; log so far:\n{}", self.log())),
            other => other,
        })
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}
