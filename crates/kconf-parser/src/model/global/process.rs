//! The processes of keepalived: their names, scheduling (nice, real-time,
//! CPU affinity, swap), automatic priority increases and the startup and
//! shutdown scripts.

use std::time::Duration;

use super::values::{already_set, corrected, int, int_word};
use super::{GlobalDefs, bare};
use crate::diagnostic::{Code, Severity};
use crate::model::Script;
use crate::model::reader::{Cx, Keywords};
use crate::model::types::Located;
use crate::model::writer::Writer;
use crate::syntax::Node;

model! {
    /// Scheduling settings of one child process (vrrp, checker or bfd).
    pub struct ChildProcess {
        /// `{vrrp,checker,bfd}_process_name`: the process name (at most 15
        /// characters; `process_names` gives the defaults keepalived_vrrp,
        /// keepalived_ipvs and keepalived_bfd).
        pub name: Option<String> = None,
        /// `*_priority N`: nice value, -20 to 19 (default 0).
        pub priority: i8 = 0,
        /// `*_no_swap`: lock the process in memory.
        pub no_swap: bool = false,
        /// `*_rt_priority N`: run with SCHED_RR at this priority (1-99).
        pub realtime_priority: Option<u8> = None,
        /// `*_cpu_affinity CPU...`: the CPUs the process may run on (empty:
        /// any).
        pub cpu_affinity: Vec<u16> = Vec::new(),
        /// `*_rlimit_rttime USECS`: RLIMIT_RTTIME under real-time scheduling
        /// (default 10000 microseconds; keepalived raises 1 to 2).
        pub rlimit_rttime: u32 = 10_000,
    }
}

model! {
    /// Process settings.
    pub struct Processes {
        /// `process_names`: name the child processes keepalived_vrrp,
        /// keepalived_ipvs and keepalived_bfd (unless named explicitly).
        pub process_names: bool = false,
        /// `process_name`: name of the parent process.
        pub process_name: Option<String> = None,
        /// The VRRP child process.
        pub vrrp: ChildProcess = ChildProcess::default(),
        /// The checker (IPVS) child process.
        pub checker: ChildProcess = ChildProcess::default(),
        /// The BFD child process.
        pub bfd: ChildProcess = ChildProcess::default(),
        /// `max_auto_priority [N]`: the highest real-time priority keepalived
        /// may raise a late process to; 0 never raises (the default), -1 also
        /// silences the startup warning, no value means 99.
        pub max_auto_priority: i8 = 0,
        /// `min_auto_priority_delay USECS`: lateness that triggers a raise
        /// (default 1 second, at most 10 seconds).
        pub min_auto_priority_delay: Duration = Duration::from_secs(1),
        /// `startup_script SCRIPT [USER [GROUP]]`: run once before the children start.
        pub startup_script: Option<Located<Script>> = None,
        /// `startup_script_timeout SECS` (1-1000, default 10).
        pub startup_script_timeout: Duration = Duration::from_secs(10),
        /// `shutdown_script SCRIPT [USER [GROUP]]`: run once after the children stop.
        pub shutdown_script: Option<Located<Script>> = None,
        /// `shutdown_script_timeout SECS` (1-1000, default 10).
        pub shutdown_script_timeout: Duration = Duration::from_secs(10),
    }
}

/// Linux process names (TASK_COMM_LEN less the NUL).
const NAME_MAX: usize = 15;
/// CPU_SETSIZE: the CPUs an affinity mask can name.
const CPU_MAX: u16 = 1023;

fn process_name(cx: &mut Cx<'_>, node: &Node, target: &mut Option<String>) {
    let Some(word) = cx.single(node) else { return };
    let mut name = word.text.clone();
    if name.len() > NAME_MAX {
        let mut end = NAME_MAX;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
        corrected(
            cx,
            &word.location,
            format!("process names have at most {NAME_MAX} characters; keepalived uses '{name}'"),
        );
    }
    *target = Some(name);
}

fn realtime_priority(cx: &mut Cx<'_>, node: &Node, child: &mut ChildProcess) {
    let Some(word) = cx.single(node) else { return };
    let Some(priority) =
        int_word::<i64>(cx, node, word, i128::from(i64::MIN)..=i128::from(i64::MAX))
    else {
        return;
    };
    let clamped = priority.clamp(1, 99);
    if clamped != priority {
        corrected(
            cx,
            &word.location,
            format!(
                "'{}' {priority} is outside 1..=99; keepalived uses {clamped}",
                node.name()
            ),
        );
    }
    child.realtime_priority = u8::try_from(clamped).ok();
}

fn cpu_affinity(cx: &mut Cx<'_>, node: &Node, child: &mut ChildProcess) {
    cx.no_block(node);
    if node.args.is_empty() {
        cx.arg(node);
        return;
    }
    let mut cpus = Vec::new();
    for word in &node.args {
        match int_word(cx, node, word, 0..=i128::from(CPU_MAX)) {
            Some(cpu) => cpus.push(cpu),
            // keepalived drops the whole set at the first bad CPU.
            None => return,
        }
    }
    child.cpu_affinity = cpus;
}

fn rlimit_rttime(cx: &mut Cx<'_>, node: &Node, child: &mut ChildProcess) {
    if node.name().ends_with("_rtime") {
        cx.report(
            Severity::Note,
            Code::Inconsistent,
            &node.keyword.location,
            format!(
                "'{}' is deprecated; use '{}ttime'",
                node.name(),
                node.name().trim_end_matches("time")
            ),
        );
    }
    if let Some(limit) = int::<u32>(cx, node, 1..=i128::from(u32::MAX)) {
        // The limit is halved for the soft limit, which must not be 0.
        child.rlimit_rttime = limit.max(2);
    }
}

fn script(cx: &mut Cx<'_>, node: &Node, target: &mut Option<Located<Script>>) {
    if target.is_some() {
        already_set(cx, node);
        return;
    }
    if let Some(script) = cx.script(node) {
        let location = node
            .args
            .first()
            .map_or(&node.keyword.location, |w| &w.location);
        *target = Some(Located::new(script, Some(location.clone())));
    }
}

fn script_timeout(cx: &mut Cx<'_>, node: &Node, target: &mut Duration) {
    if let Some(secs) = int(cx, node, 1..=1000) {
        *target = Duration::from_secs(secs);
    }
}

/// The child process a `vrrp_*`, `checker_*` or `bfd_*` keyword is about.
fn child<'g>(g: &'g mut GlobalDefs, node: &Node) -> &'g mut ChildProcess {
    let p = &mut g.processes;
    if node.name().starts_with("vrrp") {
        &mut p.vrrp
    } else if node.name().starts_with("bfd") {
        &mut p.bfd
    } else {
        &mut p.checker
    }
}

pub(super) const KEYWORDS: &Keywords<GlobalDefs> = &[
    ("process_names", |cx, node, g| {
        g.processes.process_names = bare(cx, node);
        // keepalived overwrites the three names with their defaults.
        for child in [
            &mut g.processes.vrrp,
            &mut g.processes.checker,
            &mut g.processes.bfd,
        ] {
            child.name = None;
        }
    }),
    ("process_name", |cx, node, g| {
        process_name(cx, node, &mut g.processes.process_name)
    }),
    ("vrrp_process_name", |cx, node, g| {
        process_name(cx, node, &mut g.processes.vrrp.name)
    }),
    ("checker_process_name", |cx, node, g| {
        process_name(cx, node, &mut g.processes.checker.name)
    }),
    ("lvs_process_name", |cx, node, g| {
        cx.report(
            Severity::Note,
            Code::Inconsistent,
            &node.keyword.location,
            "'lvs_process_name' is deprecated; use 'checker_process_name'".into(),
        );
        process_name(cx, node, &mut g.processes.checker.name)
    }),
    ("bfd_process_name", |cx, node, g| {
        process_name(cx, node, &mut g.processes.bfd.name)
    }),
    ("vrrp_priority", |cx, node, g| {
        if let Some(nice) = int(cx, node, -20..=19) {
            child(g, node).priority = nice;
        }
    }),
    ("checker_priority", |cx, node, g| {
        if let Some(nice) = int(cx, node, -20..=19) {
            child(g, node).priority = nice;
        }
    }),
    ("bfd_priority", |cx, node, g| {
        if let Some(nice) = int(cx, node, -20..=19) {
            child(g, node).priority = nice;
        }
    }),
    ("vrrp_no_swap", |cx, node, g| {
        child(g, node).no_swap = bare(cx, node)
    }),
    ("checker_no_swap", |cx, node, g| {
        child(g, node).no_swap = bare(cx, node)
    }),
    ("bfd_no_swap", |cx, node, g| {
        child(g, node).no_swap = bare(cx, node)
    }),
    ("vrrp_rt_priority", |cx, node, g| {
        realtime_priority(cx, node, child(g, node))
    }),
    ("checker_rt_priority", |cx, node, g| {
        realtime_priority(cx, node, child(g, node))
    }),
    ("bfd_rt_priority", |cx, node, g| {
        realtime_priority(cx, node, child(g, node))
    }),
    ("vrrp_cpu_affinity", |cx, node, g| {
        cpu_affinity(cx, node, child(g, node))
    }),
    ("checker_cpu_affinity", |cx, node, g| {
        cpu_affinity(cx, node, child(g, node))
    }),
    ("bfd_cpu_affinity", |cx, node, g| {
        cpu_affinity(cx, node, child(g, node))
    }),
    ("vrrp_rlimit_rttime", |cx, node, g| {
        rlimit_rttime(cx, node, child(g, node))
    }),
    ("checker_rlimit_rttime", |cx, node, g| {
        rlimit_rttime(cx, node, child(g, node))
    }),
    ("bfd_rlimit_rttime", |cx, node, g| {
        rlimit_rttime(cx, node, child(g, node))
    }),
    ("vrrp_rlimit_rtime", |cx, node, g| {
        rlimit_rttime(cx, node, child(g, node))
    }),
    ("checker_rlimit_rtime", |cx, node, g| {
        rlimit_rttime(cx, node, child(g, node))
    }),
    ("bfd_rlimit_rtime", |cx, node, g| {
        rlimit_rttime(cx, node, child(g, node))
    }),
    ("max_auto_priority", |cx, node, g| {
        cx.no_block(node);
        cx.at_most(node, 1);
        match node.args.first() {
            None => g.processes.max_auto_priority = 99,
            Some(word) => {
                if let Some(priority) = int_word(cx, node, word, -1..=99) {
                    g.processes.max_auto_priority = priority;
                }
            }
        }
    }),
    ("min_auto_priority_delay", |cx, node, g| {
        if let Some(micros) = int(cx, node, 1..=10_000_000) {
            g.processes.min_auto_priority_delay = Duration::from_micros(micros);
        }
    }),
    ("startup_script", |cx, node, g| {
        script(cx, node, &mut g.processes.startup_script)
    }),
    ("startup_script_timeout", |cx, node, g| {
        script_timeout(cx, node, &mut g.processes.startup_script_timeout)
    }),
    ("shutdown_script", |cx, node, g| {
        script(cx, node, &mut g.processes.shutdown_script)
    }),
    ("shutdown_script_timeout", |cx, node, g| {
        script_timeout(cx, node, &mut g.processes.shutdown_script_timeout)
    }),
];

fn write_child(prefix: &str, child: &ChildProcess, w: &mut Writer) {
    let d = ChildProcess::default();
    w.opt(&format!("{prefix}_process_name"), &child.name);
    w.value_if(&format!("{prefix}_priority"), &child.priority, &d.priority);
    w.flag(&format!("{prefix}_no_swap"), child.no_swap);
    w.opt(&format!("{prefix}_rt_priority"), &child.realtime_priority);
    if !child.cpu_affinity.is_empty() {
        let cpus: Vec<String> = child.cpu_affinity.iter().map(u16::to_string).collect();
        let keyword = format!("{prefix}_cpu_affinity");
        let mut words = vec![keyword.as_str()];
        words.extend(cpus.iter().map(String::as_str));
        w.line(&words);
    }
    w.value_if(
        &format!("{prefix}_rlimit_rttime"),
        &child.rlimit_rttime,
        &d.rlimit_rttime,
    );
}

pub(super) fn write(p: &Processes, w: &mut Writer) {
    let d = Processes::default();
    w.flag("process_names", p.process_names);
    w.opt("process_name", &p.process_name);
    write_child("vrrp", &p.vrrp, w);
    write_child("checker", &p.checker, w);
    write_child("bfd", &p.bfd, w);
    if p.max_auto_priority != d.max_auto_priority {
        w.value("max_auto_priority", p.max_auto_priority);
    }
    if p.min_auto_priority_delay != d.min_auto_priority_delay {
        w.value(
            "min_auto_priority_delay",
            p.min_auto_priority_delay.as_micros(),
        );
    }
    w.script(
        "startup_script",
        &p.startup_script.as_ref().map(|s| s.value.clone()),
    );
    if p.startup_script_timeout != d.startup_script_timeout {
        w.value("startup_script_timeout", p.startup_script_timeout.as_secs());
    }
    w.script(
        "shutdown_script",
        &p.shutdown_script.as_ref().map(|s| s.value.clone()),
    );
    if p.shutdown_script_timeout != d.shutdown_script_timeout {
        w.value(
            "shutdown_script_timeout",
            p.shutdown_script_timeout.as_secs(),
        );
    }
}
