use std::io;
use std::time::Duration;

/// What went wrong while building or driving a lab.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A command ran but exited unsuccessfully.
    #[error("`{command}` failed ({status}): {stderr}")]
    Command {
        /// The command line, for the reader.
        command: String,
        /// How it exited.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// A command could not be started at all.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// Why it did not start.
        #[source]
        source: io::Error,
    },
    /// A file or directory operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What the lab was doing.
        what: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Entering a network namespace failed.
    #[error("entering network namespace {namespace}: {source}")]
    Setns {
        /// The namespace.
        namespace: String,
        /// The error from `setns(2)`.
        #[source]
        source: nix::Error,
    },
    /// A condition did not become true in time.
    #[error("timed out after {timeout:?} waiting for {what}")]
    Timeout {
        /// The condition.
        what: String,
        /// How long the lab waited.
        timeout: Duration,
    },
    /// Something the lab needs is not on this machine.
    #[error("prerequisite missing: {0}")]
    Missing(String),
    /// The caller asked for something the lab cannot do.
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl Error {
    pub(crate) fn io(what: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}
