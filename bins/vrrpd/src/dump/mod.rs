//! keepalived's signal dumps of the VRRP process: SIGUSR1 writes
//! `keepalived.data`, SIGUSR2 `keepalived.stats`, SIGJSON (SIGRTMIN+2)
//! `keepalived.json`, in `$TMPDIR` (default /tmp), in keepalived's layout
//! and field names so that what operators grep and parse keeps working.
//!
//! The daemon hands a [`Snapshot`] (borrowed views of the running
//! instances and sync groups) to [`write`]; rendering is pure (data.rs,
//! stats.rs, json.rs) and writing goes through safe.rs (no symlink
//! following, 0600, atomic rename). A dump that cannot be written is
//! logged, never fatal.
//!
//! It does not write keepalived's sections about things vrrpd does not
//! have (socket pool fds, the interface table, SNMP/D-Bus, the checker and
//! BFD processes' `_check`/`_bfd` files), nor `keepalived_parent.data`.
//! keepalived 2.2.7 knows no `*_dump_file` or `json_version` keyword, so
//! neither does our parser (`keepalived -t` parity); the JSON version is
//! vrrpd's `--json-version` flag. See docs/DUMPS.md.

mod data;
mod json;
mod safe;
mod stats;

use std::io;
use std::path::PathBuf;

use kconf_parser::model::Config;
use tokio::signal::unix::{Signal, SignalKind, signal};
use vrrp_proto::{Instance, State};

use crate::setup::Planned;

pub(crate) use safe::write_file;

/// Which dump a signal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// SIGUSR1: `keepalived.data`.
    Data,
    /// SIGUSR2: `keepalived.stats`.
    Stats,
    /// SIGRTMIN+2: `keepalived.json`.
    Json,
}

/// The dump signals. Installed with the stop signals, first thing at start:
/// the default action of SIGUSR1, SIGUSR2 and real-time signals is to
/// terminate the process.
pub(crate) struct Signals {
    data: Signal,
    stats: Signal,
    json: Signal,
}

impl Signals {
    /// Installs the handlers (inside a tokio runtime).
    pub(crate) fn install() -> io::Result<Self> {
        Ok(Signals {
            data: signal(SignalKind::user_defined1())?,
            stats: signal(SignalKind::user_defined2())?,
            json: signal(SignalKind::from_raw(json_signal()))?,
        })
    }

    /// The next dump asked for.
    pub(crate) async fn next(&mut self) -> Kind {
        tokio::select! {
            _ = self.data.recv() => Kind::Data,
            _ = self.stats.recv() => Kind::Stats,
            _ = self.json.recv() => Kind::Json,
        }
    }
}

/// keepalived's SIGJSON: SIGRTMIN+2 (36 with glibc).
pub(crate) fn json_signal() -> i32 {
    libc::SIGRTMIN() + 2
}

/// The layout of keepalived.json.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum JsonVersion {
    /// keepalived 2.2.7's: an array of `{"data": ..., "stats": ...}`.
    #[default]
    V1,
    /// Later keepalived's `json_version 2`: `{"vrrp": [...], "track_process": [...]}`.
    V2,
}

impl JsonVersion {
    /// From vrrpd's `--json-version`.
    pub(crate) fn from_number(n: u8) -> Option<Self> {
        match n {
            1 => Some(JsonVersion::V1),
            2 => Some(JsonVersion::V2),
            _ => None,
        }
    }
}

/// A `vrrp_track_process` as the v2 JSON describes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrackedProcess {
    pub(crate) name: String,
    pub(crate) process: String,
    pub(crate) param_match: &'static str,
    pub(crate) quorum: u16,
    pub(crate) weight: i32,
    pub(crate) terminate_delay: f64,
    pub(crate) fork_delay: f64,
    pub(crate) full_command: bool,
}

/// What the dumps need from the configuration, taken once (and again on a
/// reload).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Where the files go: `$TMPDIR`, else /tmp (as keepalived).
    pub(crate) dir: PathBuf,
    /// `keepalived.data`, or `keepalived.INSTANCE.data` with
    /// `data_use_instance` and a top-level `instance`.
    pub(crate) data_name: String,
    pub(crate) json_version: JsonVersion,
    /// The "Global definitions" lines, rendered once.
    pub(crate) global: String,
    pub(crate) processes: Vec<TrackedProcess>,
    /// `vrrp_strict`.
    pub(crate) strict: bool,
    /// For the local time in "Last transition = ... (local time)".
    pub(crate) utc_offset: time::UtcOffset,
}

impl Settings {
    /// The settings for `config`, with `$TMPDIR` as the environment says.
    pub(crate) fn of(config: &Config, json_version: JsonVersion) -> Self {
        let dir = std::env::var_os("TMPDIR")
            .filter(|d| !d.is_empty())
            .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
        let instance = config.global.daemon.instance.as_deref();
        let data_name = match instance {
            Some(name) if config.global.config.data_use_instance => {
                format!("keepalived.{name}.data")
            }
            _ => "keepalived.data".to_owned(),
        };
        let processes = config
            .track_processes
            .iter()
            .map(|p| TrackedProcess {
                name: p.name.clone(),
                process: p.process.clone(),
                param_match: match p.param_match {
                    None => "none",
                    Some(kconf_parser::model::track::ParamMatch::Exact) => "full",
                    Some(kconf_parser::model::track::ParamMatch::Partial) => "partial",
                    Some(kconf_parser::model::track::ParamMatch::Initial) => "initial",
                },
                quorum: p.quorum,
                weight: p.weight.value,
                terminate_delay: p.terminate_delay.map_or(0.0, |d| d.as_secs_f64()),
                fork_delay: p.fork_delay.map_or(0.0, |d| d.as_secs_f64()),
                full_command: p.full_command,
            })
            .collect();
        Settings {
            dir,
            data_name,
            json_version,
            global: data::global_section(config),
            processes,
            strict: config.global.vrrp_strict,
            utc_offset: time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC),
        }
    }

    /// The file a dump goes to.
    pub(crate) fn file_name(&self, kind: Kind) -> &str {
        match kind {
            Kind::Data => &self.data_name,
            Kind::Stats => "keepalived.stats",
            Kind::Json => "keepalived.json",
        }
    }
}

/// One running instance, as the dumps see it.
pub(crate) struct InstanceView<'a> {
    pub(crate) instance: &'a Instance,
    pub(crate) planned: &'a Planned,
    /// Unix time of the last state change (0: none yet).
    pub(crate) since: f64,
    pub(crate) group: Option<&'a str>,
}

/// One sync group.
pub(crate) struct GroupView<'a> {
    pub(crate) name: &'a str,
    pub(crate) state: State,
    /// Its members' names and states.
    pub(crate) members: Vec<(&'a str, State)>,
}

/// Everything a dump shows, borrowed from the event loop.
pub(crate) struct Snapshot<'a> {
    pub(crate) instances: Vec<InstanceView<'a>>,
    pub(crate) groups: Vec<GroupView<'a>>,
}

/// The text of a dump.
pub(crate) fn render(kind: Kind, settings: &Settings, snapshot: &Snapshot<'_>) -> String {
    match kind {
        Kind::Data => data::render(settings, snapshot),
        Kind::Stats => stats::render(snapshot),
        Kind::Json => json::render(settings, snapshot),
    }
}

/// Writes a dump where `settings` says, logging as keepalived does; a
/// failure is logged and the daemon goes on.
pub(crate) fn write(kind: Kind, settings: &Settings, snapshot: &Snapshot<'_>) {
    let what = match kind {
        Kind::Data => "data",
        Kind::Stats => "stats",
        Kind::Json => "as json",
    };
    eprintln!(
        "Printing VRRP {what} for process({}) on signal",
        std::process::id()
    );
    let text = render(kind, settings, snapshot);
    let name = settings.file_name(kind);
    if let Err(err) = write_file(&settings.dir, name, text.as_bytes()) {
        eprintln!("vrrpd: dump not written: {err}");
    }
}

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;
