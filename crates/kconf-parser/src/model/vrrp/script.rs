//! `vrrp_script NAME { script ... interval ... }`.

use std::time::Duration;

use crate::diagnostic::{Code, Severity};
use crate::model::reader::{Cx, Keywords, located};
use crate::model::types::{Located, Weight};
use crate::model::writer::Writer;
use crate::syntax::Node;

/// Longest interval or timeout keepalived 2.2.7 accepts for a script, in
/// whole seconds (it refuses fractions: "must be between 1 and 4294").
const MAX_SCRIPT_SECONDS: u64 = 4294;

model! {
    /// A script run periodically; instances and sync groups that track it
    /// change priority or go to FAULT with its exit status.
    pub struct VrrpScript {
        /// The name `track_script` entries use.
        pub name: Located<String> = Located::bare(String::new()),
        /// `script`: the command line to run (required).
        pub script: String = String::new(),
        /// `interval`: time between runs (default 1 s).
        pub interval: Duration = Duration::from_secs(1),
        /// `timeout`: a run taking longer has failed (default: the interval).
        pub timeout: Option<Duration> = None,
        /// `weight N [reverse]`: priority change while the script succeeds
        /// (positive) or fails (negative); 0 (default) means failure faults
        /// the instance.
        pub weight: Weight = Weight::default(),
        /// `rise`: successes needed to be up (default 1).
        pub rise: u32 = 1,
        /// `fall`: failures needed to be down (default 1).
        pub fall: u32 = 1,
        /// `user USER [GROUP]`: who runs it (default: `script_user`).
        pub user: Option<(String, Option<String>)> = None,
        /// `init_fail`: start in the failed state.
        pub init_fail: bool = false,
    }
}

const KEYWORDS: &Keywords<VrrpScript> = &[
    ("script", |cx, node, s| {
        if let Some(command) = cx.string(node) {
            s.script = command;
        }
    }),
    ("interval", |cx, node, s| {
        if let Some(value) = cx.number(node, 1..=MAX_SCRIPT_SECONDS) {
            s.interval = Duration::from_secs(value);
        }
    }),
    ("timeout", |cx, node, s| {
        s.timeout = cx
            .number(node, 1..=MAX_SCRIPT_SECONDS)
            .map(Duration::from_secs);
    }),
    ("weight", |cx, node, s| {
        if let Some(weight) = read_weight(cx, node) {
            s.weight = weight;
        }
    }),
    ("rise", |cx, node, s| {
        if let Some(value) = cx.number(node, 1..=u32::MAX) {
            s.rise = value;
        }
    }),
    ("fall", |cx, node, s| {
        if let Some(value) = cx.number(node, 1..=u32::MAX) {
            s.fall = value;
        }
    }),
    ("user", |cx, node, s| {
        cx.no_block(node);
        cx.at_most(node, 2);
        if let Some(user) = cx.arg(node) {
            s.user = Some((user.text.clone(), node.args.get(1).map(|w| w.text.clone())));
        }
    }),
    ("init_fail", |cx, node, s| {
        cx.no_block(node);
        cx.at_most(node, 0);
        s.init_fail = true;
    }),
];

/// `weight N [reverse]` with N in -253..=253.
fn read_weight(cx: &mut Cx<'_>, node: &Node) -> Option<Weight> {
    cx.no_block(node);
    cx.at_most(node, 2);
    let value = cx.arg(node)?;
    let value = cx.number_word(node, value, -253..=253)?;
    let reverse = match node.args.get(1) {
        None => false,
        Some(word) if word.text == "reverse" => true,
        Some(word) => {
            cx.report(
                Severity::Error,
                Code::InvalidValue,
                &word.location,
                format!(
                    "'weight' takes `reverse` after the number, not '{}'",
                    word.text
                ),
            );
            return None;
        }
    };
    Some(Weight { value, reverse })
}

/// Reads a `vrrp_script NAME { ... }` block.
pub(crate) fn read_vrrp_script(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<VrrpScript>) {
    cx.at_most(node, 1);
    let Some(name) = cx.arg(node) else { return };
    let mut script = VrrpScript {
        name: located(name),
        ..VrrpScript::default()
    };
    cx.read_block(node, "vrrp_script", KEYWORDS, &mut script);
    if script.script.is_empty() {
        cx.report(
            Severity::Error,
            Code::MissingValue,
            &node.keyword.location,
            format!("vrrp_script {} has no `script`; it is ignored", name.text),
        );
        return;
    }
    out.push(script);
}

/// Writes a `vrrp_script` block.
pub(crate) fn write_vrrp_script(script: &VrrpScript, w: &mut Writer) {
    let defaults = VrrpScript::default();
    w.open(&["vrrp_script", &script.name.value]);
    w.value("script", &script.script);
    w.value_if(
        "interval",
        &script.interval.as_secs(),
        &defaults.interval.as_secs(),
    );
    if let Some(timeout) = script.timeout {
        w.value("timeout", timeout.as_secs());
    }
    if script.weight != defaults.weight {
        let value = script.weight.value.to_string();
        if script.weight.reverse {
            w.line(&["weight", &value, "reverse"]);
        } else {
            w.line(&["weight", &value]);
        }
    }
    w.value_if("rise", &script.rise, &defaults.rise);
    w.value_if("fall", &script.fall, &defaults.fall);
    if let Some((user, group)) = &script.user {
        let mut words = vec!["user", user.as_str()];
        words.extend(group.as_deref());
        w.line(&words);
    }
    w.flag("init_fail", script.init_fail);
    w.close();
}
