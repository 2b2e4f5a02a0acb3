//! Tracked objects other than interfaces: `vrrp_script`, `track_file` and
//! `vrrp_track_process`. Each object is watched once, however many
//! instances track it, by a task that sends [`Event`]s (its id and new
//! status); the event loop hands an event to every instance that tracks the
//! object, at the index setup planned, and vrrp-proto applies the weight.
//!
//! This module does not decide priorities or states (vrrp-proto does), and
//! does not track BFD sessions (there is no bfdd yet).

mod file;
mod process;
pub(crate) mod script;

use std::time::Instant;

use kconf_parser::model::Config;
use kconf_parser::model::Weight;
use kconf_parser::model::vrrp::{SyncGroup, TrackRef, VrrpInstance};
use tokio::sync::mpsc;
use vrrp_proto::{Instance, TrackerConfig, TrackerStatus};

use crate::setup::Planned;

/// A tracked object, by its index in the configuration's list of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum TrackerId {
    /// `config.vrrp_scripts[i]`.
    Script(usize),
    /// `config.track_files[i]`.
    File(usize),
    /// `config.track_processes[i]`.
    Process(usize),
}

impl TrackerId {
    /// Its kind and name, for status reports (`("script", "chk_nginx")`).
    pub(crate) fn describe(self, config: &Config) -> (&'static str, String) {
        let name = match self {
            TrackerId::Script(i) => config.vrrp_scripts.get(i).map(|s| s.name.value.clone()),
            TrackerId::File(i) => config.track_files.get(i).map(|f| f.name.clone()),
            TrackerId::Process(i) => config.track_processes.get(i).map(|p| p.name.clone()),
        };
        let kind = match self {
            TrackerId::Script(_) => "script",
            TrackerId::File(_) => "file",
            TrackerId::Process(_) => "process",
        };
        (kind, name.unwrap_or_default())
    }
}

/// A tracked object's new status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    pub(crate) id: TrackerId,
    pub(crate) status: TrackerStatus,
}

/// The tracker entries of one instance, after its `track_interface` ones,
/// with the object behind each; problems come back as messages.
pub(crate) fn plan(
    config: &Config,
    vi: &VrrpInstance,
    group: Option<&SyncGroup>,
    refused_scripts: &[usize],
) -> (Vec<TrackerConfig>, Vec<TrackerId>, Vec<String>) {
    let mut problems = Vec::new();
    let mut found: Vec<(TrackerId, &TrackRef, Weight)> = Vec::new();
    // A sync group's trackers apply to each of its members.
    let from_group = |refs: fn(&SyncGroup) -> &[TrackRef]| group.map(refs).unwrap_or(&[]);
    for reference in vi
        .track_script
        .iter()
        .chain(from_group(|g| &g.track_script))
    {
        let name = &reference.name.value;
        match config
            .vrrp_scripts
            .iter()
            .position(|s| &s.name.value == name)
        {
            Some(i) if refused_scripts.contains(&i) => {
                problems.push(format!("track script {name} is disabled; not tracked"));
            }
            Some(i) => found.push((
                TrackerId::Script(i),
                reference,
                config.vrrp_scripts[i].weight,
            )),
            None => problems.push(format!("track script {name} not found; ignored")),
        }
    }
    for reference in vi.track_file.iter().chain(from_group(|g| &g.track_file)) {
        let name = &reference.name.value;
        match config.track_files.iter().position(|f| &f.name == name) {
            Some(i) => found.push((TrackerId::File(i), reference, config.track_files[i].weight)),
            None => problems.push(format!("track file {name} not found; ignored")),
        }
    }
    for reference in vi
        .track_process
        .iter()
        .chain(from_group(|g| &g.track_process))
    {
        let name = &reference.name.value;
        match config.track_processes.iter().position(|p| &p.name == name) {
            Some(i) => found.push((
                TrackerId::Process(i),
                reference,
                config.track_processes[i].weight,
            )),
            None => problems.push(format!("track process {name} not found; ignored")),
        }
    }
    let mut trackers = Vec::new();
    let mut ids = Vec::new();
    for (id, reference, weight) in found {
        if ids.contains(&id) {
            problems.push(format!(
                "duplicate tracker {}; ignored",
                reference.name.value
            ));
            continue;
        }
        trackers.push(TrackerConfig {
            weight: reference.weight.unwrap_or(weight.value),
            // The reference's reverse/noreverse overrides the object's.
            reverse: !reference.no_reverse && (reference.reverse || weight.reverse),
        });
        ids.push(id);
    }
    (trackers, ids, problems)
}

/// The running watchers and the events they send.
pub(crate) struct Trackers {
    initial: Vec<Event>,
    events: mpsc::UnboundedReceiver<Event>,
    /// Kept so that `next` waits (rather than ends) when nothing is tracked.
    _sender: mpsc::UnboundedSender<Event>,
    /// The watchers, stopped when a reload replaces them.
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Drop for Trackers {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Trackers {
    /// Starts watching every object some planned instance tracks (inside
    /// the tokio runtime). Files are initialised and read, and processes
    /// counted, before this returns, so instances start with their status.
    pub(crate) fn start(config: &Config, planned: &[Planned]) -> Self {
        let mut used: Vec<TrackerId> = planned
            .iter()
            .flat_map(|p| p.tracked_objects.iter().copied())
            .collect();
        used.sort();
        used.dedup();
        let (sender, events) = mpsc::unbounded_channel();
        let mut initial = Vec::new();
        let mut processes = Vec::new();
        let mut tasks = Vec::new();
        for id in used {
            match id {
                TrackerId::Script(i) => {
                    if let Some(s) = config.vrrp_scripts.get(i) {
                        let spec = script::Spec::of(config, s);
                        initial.push(Event {
                            id,
                            status: spec.initial_status(),
                        });
                        tasks.push(
                            tokio::spawn(script::watch(id, spec, sender.clone())).abort_handle(),
                        );
                    }
                }
                TrackerId::File(i) => {
                    if let Some(f) = config.track_files.get(i) {
                        let value = file::prepare(f);
                        initial.push(Event {
                            id,
                            status: TrackerStatus::Value(value),
                        });
                        tasks.push(
                            tokio::spawn(file::watch(id, f.clone(), value, sender.clone()))
                                .abort_handle(),
                        );
                    }
                }
                TrackerId::Process(i) => {
                    if let Some(p) = config.track_processes.get(i) {
                        processes.push((id, process::Tracked::new(p)));
                    }
                }
            }
        }
        if !processes.is_empty() {
            let table = process::snapshot();
            for (id, tracked) in &mut processes {
                let up = tracked.start(&table);
                initial.push(Event {
                    id: *id,
                    status: if up {
                        TrackerStatus::Up
                    } else {
                        TrackerStatus::Down
                    },
                });
            }
            tasks.push(tokio::spawn(process::watch(processes, sender.clone())).abort_handle());
        }
        Trackers {
            initial,
            events,
            _sender: sender,
            tasks,
        }
    }

    /// The statuses known before the instances start.
    pub(crate) fn initial(&self) -> &[Event] {
        &self.initial
    }

    /// The next change.
    pub(crate) async fn next(&mut self) -> Option<Event> {
        self.events.recv().await
    }
}

/// Hands `event` to every instance that tracks its object, logging
/// priority changes as keepalived does.
pub(crate) fn apply<'a>(
    running: impl Iterator<Item = (&'a mut Instance, &'a Planned)>,
    event: Event,
) {
    let now = Instant::now();
    for (instance, planned) in running {
        let first = planned.tracked_interfaces.len();
        for (i, id) in planned.tracked_objects.iter().enumerate() {
            if *id != event.id {
                continue;
            }
            let before = instance.effective_priority();
            instance.handle_tracker_status(now, first + i, event.status);
            let after = instance.effective_priority();
            if before != after {
                eprintln!(
                    "({}) Changing effective priority from {before} to {after}",
                    instance.config().name
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_take_the_object_weight_unless_overridden() {
        let text = "vrrp_script chk {\n script /bin/true\n weight -20 reverse\n}\n\
             track_file f {\n file /tmp/x\n weight 3\n}\n\
             vrrp_track_process p {\n process sleep\n}\n\
             vrrp_instance V {\n interface eth0\n virtual_router_id 5\n\
             track_script {\n  chk\n  chk weight 5\n }\n track_file {\n  f weight 2 reverse\n }\n\
             track_process {\n  p noreverse\n }\n}\n";
        let parsed = kconf_parser::parse_str(text, &kconf_parser::ParseOptions::default());
        let vi = &parsed.config.vrrp_instances[0];
        let (trackers, ids, problems) = plan(&parsed.config, vi, None, &[]);
        assert_eq!(
            ids,
            [
                TrackerId::Script(0),
                TrackerId::File(0),
                TrackerId::Process(0)
            ]
        );
        assert_eq!(
            trackers,
            [
                TrackerConfig {
                    weight: -20,
                    reverse: true
                },
                TrackerConfig {
                    weight: 2,
                    reverse: true
                },
                TrackerConfig {
                    weight: 0,
                    reverse: false
                },
            ]
        );
        assert!(problems[0].contains("duplicate"), "{problems:?}");
        let (_, ids, problems) = plan(&parsed.config, vi, None, &[0]);
        assert_eq!(ids, [TrackerId::File(0), TrackerId::Process(0)]);
        assert!(problems[0].contains("disabled"), "{problems:?}");
    }
}
