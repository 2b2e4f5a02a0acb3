//! `vrrp_track_process NAME { process CMD ... }`: processes VRRP instances
//! follow, counted from the kernel's process events.

use std::time::Duration;

use super::{weight, weight_already_set, write_weight};
use crate::diagnostic::{Code, Severity};
use crate::model::global::values::{block_name, error, int_word, micros_word, warning};
use crate::model::reader::{Cx, Keywords};
use crate::model::types::Weight;
use crate::model::writer::Writer;
use crate::syntax::{Node, Word};

/// `param_match`: how a process's parameters are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamMatch {
    /// `param_match` alone, or parameters given: all of them, exactly.
    Exact,
    /// `partial`: the first parameters configured match exactly.
    Partial,
    /// `initial`: like partial, and the last may be longer.
    Initial,
}

model! {
    /// `vrrp_track_process NAME { process CMD ... }`.
    pub struct TrackProcess {
        /// Name referenced by `track_process` in instances.
        pub name: String = String::new(),
        /// `process CMD [PARAM...]`: the process name (or path) to look for.
        pub process: String = String::new(),
        /// The parameters after the process name; giving any implies
        /// `full_command` and exact matching.
        pub parameters: Vec<String> = Vec::new(),
        /// `param_match [initial|partial]`.
        pub param_match: Option<ParamMatch> = None,
        /// `weight N [reverse]`, -254..=254. keepalived 2.2.7 applies 0 when
        /// unset (the man page says 1): the instance faults when the quorum
        /// is lost.
        pub weight: Weight = Weight::default(),
        /// `quorum N`: the fewest matching processes that are up (1-65535,
        /// default 1).
        pub quorum: u16 = 1,
        /// `quorum_max N`: the most (0-65535; unset: no limit; 0 means the
        /// process must not run at all).
        pub quorum_max: Option<u16> = None,
        /// `fork_delay` (or `delay`): wait after the quorum is gained before
        /// counting the process up.
        pub fork_delay: Option<Duration> = None,
        /// `terminate_delay` (or `delay`): wait after the quorum is lost
        /// before counting it down.
        pub terminate_delay: Option<Duration> = None,
        /// `full_command`: match /proc/PID/cmdline rather than the process name.
        pub full_command: bool = false,
    }
}

/// A `vrrp_track_process` while it is read: its process is required.
struct TrackProcessDraft {
    process: TrackProcess,
    has_process: bool,
}

fn process_delay(cx: &mut Cx<'_>, node: &Node, word: Option<&Word>) -> Option<Duration> {
    let word = word?;
    micros_word(
        cx,
        node,
        word,
        Duration::from_micros(1)..=Duration::from_secs(3600),
    )
}

const TRACK_PROCESS: &Keywords<TrackProcessDraft> = &[
    ("process", |cx, node, draft| {
        cx.no_block(node);
        let Some(command) = cx.arg(node) else { return };
        let p = &mut draft.process;
        if draft.has_process {
            warning(
                cx,
                Code::Duplicate,
                &command.location,
                format!(
                    "vrrp_track_process {} already has a process; keepalived ignores this one",
                    p.name
                ),
            );
            return;
        }
        draft.has_process = true;
        p.process = command.text.clone();
        p.parameters = node.args[1..].iter().map(|w| w.text.clone()).collect();
        if !p.parameters.is_empty() {
            p.param_match.get_or_insert(ParamMatch::Exact);
            p.full_command = true;
        }
    }),
    ("param_match", |cx, node, draft| {
        cx.no_block(node);
        cx.at_most(node, 1);
        let choice = match node.args.first() {
            None => Some(ParamMatch::Exact),
            Some(word) => cx.choice_word(
                node,
                word,
                &[
                    ("initial", ParamMatch::Initial),
                    ("partial", ParamMatch::Partial),
                ],
            ),
        };
        if let Some(choice) = choice {
            draft.process.param_match = Some(choice);
            draft.process.full_command = true;
        }
    }),
    ("weight", |cx, node, draft| {
        if draft.process.weight.value != 0 {
            let name = format!("vrrp_track_process {}", draft.process.name);
            weight_already_set(cx, node, &name);
            return;
        }
        if let Some(weight) = weight(cx, node, -254..=254) {
            draft.process.weight = weight;
        }
    }),
    ("quorum", |cx, node, draft| {
        let Some(word) = cx.single(node) else { return };
        let Some(quorum) = int_word(cx, node, word, 1..=i128::from(u16::MAX)) else {
            return;
        };
        let p = &mut draft.process;
        if p.quorum_max.is_some_and(|max| quorum > max) {
            error(
                cx,
                Code::Inconsistent,
                &word.location,
                format!("quorum {quorum} is above quorum_max; line skipped"),
            );
            return;
        }
        p.quorum = quorum;
    }),
    ("quorum_max", |cx, node, draft| {
        let Some(word) = cx.single(node) else { return };
        let Some(max) = int_word(cx, node, word, 0..=i128::from(u16::MAX)) else {
            return;
        };
        let p = &mut draft.process;
        // keepalived allows 0 (the process must not run) unless a quorum was set.
        if (max != 0 || p.quorum > 1) && max < p.quorum {
            error(
                cx,
                Code::Inconsistent,
                &word.location,
                format!(
                    "quorum_max {max} is below quorum {}; line skipped",
                    p.quorum
                ),
            );
            return;
        }
        p.quorum_max = Some(max);
        if max == 0 {
            p.quorum = 0;
        } else if p.quorum == 0 {
            p.quorum = 1;
        }
    }),
    ("delay", |cx, node, draft| {
        let word = cx.single(node);
        if let Some(delay) = process_delay(cx, node, word) {
            draft.process.fork_delay = Some(delay);
            draft.process.terminate_delay = Some(delay);
        }
    }),
    ("fork_delay", |cx, node, draft| {
        let word = cx.single(node);
        if let Some(delay) = process_delay(cx, node, word) {
            draft.process.fork_delay = Some(delay);
        }
    }),
    ("terminate_delay", |cx, node, draft| {
        let word = cx.single(node);
        if let Some(delay) = process_delay(cx, node, word) {
            draft.process.terminate_delay = Some(delay);
        }
    }),
    ("full_command", |cx, node, draft| {
        cx.no_block(node);
        cx.at_most(node, 0);
        draft.process.full_command = true;
    }),
];

/// Reads a `vrrp_track_process`.
pub(crate) fn read_track_process(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<TrackProcess>) {
    let Some(name) = block_name(cx, node) else {
        return;
    };
    if !cx.require_block(node) {
        return;
    }
    if out.iter().any(|process| process.name == name.text) {
        cx.report(
            Severity::Note,
            Code::Duplicate,
            &name.location,
            format!(
                "vrrp_track_process {} is defined twice; trackers use the first",
                name.text
            ),
        );
    }
    let mut draft = TrackProcessDraft {
        process: TrackProcess {
            name: name.text.clone(),
            ..TrackProcess::default()
        },
        has_process: false,
    };
    cx.read_block(node, "vrrp_track_process", TRACK_PROCESS, &mut draft);
    if !draft.has_process {
        error(
            cx,
            Code::MissingValue,
            &name.location,
            format!(
                "vrrp_track_process {} has no 'process'; keepalived ignores it",
                name.text
            ),
        );
        return;
    }
    out.push(draft.process);
}

/// Writes a `vrrp_track_process`.
pub(crate) fn write_track_process(process: &TrackProcess, w: &mut Writer) {
    w.open(&["vrrp_track_process", &process.name]);
    let mut words = vec!["process", process.process.as_str()];
    words.extend(process.parameters.iter().map(String::as_str));
    w.line(&words);
    match process.param_match {
        Some(ParamMatch::Exact) if process.parameters.is_empty() => w.line(&["param_match"]),
        Some(ParamMatch::Partial) => w.line(&["param_match", "partial"]),
        Some(ParamMatch::Initial) => w.line(&["param_match", "initial"]),
        _ => {}
    }
    if process.weight != Weight::default() {
        write_weight(&process.weight, w);
    }
    if process.quorum_max == Some(0) {
        w.line(&["quorum_max", "0"]);
    } else {
        w.value_if("quorum", &process.quorum, &1);
        w.opt("quorum_max", &process.quorum_max);
    }
    w.opt_timer("fork_delay", process.fork_delay);
    w.opt_timer("terminate_delay", process.terminate_delay);
    w.flag(
        "full_command",
        process.full_command && process.param_match.is_none() && process.parameters.is_empty(),
    );
    w.close();
}
