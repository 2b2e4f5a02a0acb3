//! `MISC_CHECK { ... }`: run a program; it exits 0 when the server is up.

use super::options::{self, CheckOptions, CheckerBlock, ConnectOptions};
use crate::diagnostic::{Code, Severity};
use crate::model::Script;
use crate::model::lvs::values;
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::syntax::{Node, quote_word};

/// The longest `misc_timeout`: `UINT_MAX` microseconds in whole seconds.
pub const MAX_MISC_TIMEOUT: u32 = u32::MAX / 1_000_000;

model! {
    /// `MISC_CHECK` (its `retry` defaults to 0). It has the schedule
    /// options but no connection.
    pub struct MiscCheck {
        /// `retry`, `delay_loop`, ...
        pub options: CheckOptions = CheckOptions::default(),
        /// `misc_path COMMAND` (required) with `user USER [GROUP]`.
        pub script: Script = Script::new(""),
        /// `misc_timeout SECONDS` (0-4294): how long the program may run
        /// (default, and 0: `delay_loop`).
        pub timeout: Option<u32> = None,
        /// `misc_dynamic`: exit status 2-255 sets the weight to status - 2;
        /// default off.
        pub dynamic: bool = false,
    }
}

impl CheckerBlock for MiscCheck {
    fn options(&mut self) -> &mut CheckOptions {
        &mut self.options
    }
    fn connection(&mut self) -> Option<&mut ConnectOptions> {
        None
    }
}

/// The keywords of `MISC_CHECK` besides the shared ones.
const MISC: &Keywords<MiscCheck> = &[
    ("misc_path", |cx, node, check| {
        cx.no_block(node);
        // keepalived takes the rest of the line: one quoted command line, or
        // the program and its arguments as separate words.
        let command = match node.args.as_slice() {
            [] => {
                cx.arg(node);
                return;
            }
            [one] => one.text.clone(),
            words => {
                let quoted: Vec<String> = words.iter().map(|w| quote_word(&w.text)).collect();
                quoted.join(" ")
            }
        };
        if command.trim().is_empty() {
            cx.report(
                Severity::Error,
                Code::MissingValue,
                &node.keyword.location,
                "'misc_path' needs a command".into(),
            );
            return;
        }
        check.script.command = command;
        check.script.location = node.args.first().map(|w| w.location.clone());
    }),
    ("misc_timeout", |cx, node, check| {
        if let Some(timeout) = values::u32_in(cx, node, 0..=MAX_MISC_TIMEOUT) {
            check.timeout = Some(timeout);
        }
    }),
    ("misc_dynamic", |cx, node, check| {
        check.dynamic = values::bare_flag(cx, node)
    }),
    ("user", |cx, node, check| {
        cx.no_block(node);
        cx.at_most(node, 2);
        let Some(user) = cx.arg(node) else { return };
        check.script.user = Some(user.text.clone());
        check.script.group = node.args.get(1).map(|w| w.text.clone());
    }),
];

/// Reads a `MISC_CHECK` block; keepalived drops it without `misc_path`.
pub(super) fn read(cx: &mut Cx<'_>, node: &Node) -> Option<MiscCheck> {
    let mut check = MiscCheck::default();
    if !options::read_block(cx, node, MISC, &mut check) {
        return None;
    }
    if check.script.command.is_empty() {
        cx.report_help(
            Severity::Warning,
            Code::MissingValue,
            &node.keyword.location,
            "MISC_CHECK has no misc_path; keepalived ignores the checker".into(),
            "add 'misc_path \"/path/to/check args\"'".into(),
        );
        return None;
    }
    Some(check)
}

/// Writes a `MISC_CHECK` block.
pub(super) fn write(check: &MiscCheck, w: &mut Writer) {
    w.open(&["MISC_CHECK"]);
    options::write_options(&check.options, w);
    w.value("misc_path", &check.script.command);
    if let Some(user) = &check.script.user {
        match &check.script.group {
            Some(group) => w.line(&["user", user, group]),
            None => w.line(&["user", user]),
        }
    }
    values::write_opt(w, "misc_timeout", check.timeout);
    w.flag("misc_dynamic", check.dynamic);
    w.close();
}
