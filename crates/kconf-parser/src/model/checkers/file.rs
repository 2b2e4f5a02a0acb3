//! `FILE_CHECK { track_file NAME weight N [reverse] }`: the server's weight
//! follows a number read from a `track_file`.

use crate::diagnostic::{Code, Severity};
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::model::{Located, Weight};
use crate::syntax::Node;

/// The largest `weight` magnitude (`IPVS_WEIGHT_LIMIT`).
const MAX_WEIGHT: i32 = i32::MAX;

model! {
    /// `FILE_CHECK`: none of the shared options. keepalived 2.2.7 has no
    /// `dynamic` keyword here, although the man page shows one.
    pub struct FileCheck {
        /// `track_file NAME`: a `track_file` block defined before (required).
        pub track_file: Located<String> = Located::bare(String::new()),
        /// `weight N [reverse|noreverse]`, -2147483647 to 2147483647: the
        /// multiplier of the file's value (default: the track_file's weight).
        pub weight: Option<Weight> = None,
    }
}

/// The keywords of `FILE_CHECK`.
const FILE: &Keywords<FileCheck> = &[
    ("track_file", |cx, node, check| {
        if let Some(name) = cx.name(node) {
            check.track_file = name;
        }
    }),
    ("weight", |cx, node, check| {
        cx.no_block(node);
        cx.at_most(node, 2);
        let Some(word) = cx.arg(node) else { return };
        let limit = i64::from(MAX_WEIGHT);
        let Some(value) = cx.number_word(node, word, -limit..=limit) else {
            return;
        };
        let Ok(value) = i32::try_from(value) else {
            return;
        };
        let reverse = match node.args.get(1) {
            None => false,
            Some(word) => {
                match cx.choice_word(node, word, &[("reverse", true), ("noreverse", false)]) {
                    Some(reverse) => reverse,
                    None => return,
                }
            }
        };
        check.weight = Some(Weight { value, reverse });
    }),
];

/// Reads a `FILE_CHECK` block; keepalived drops it without `track_file`.
pub(super) fn read(cx: &mut Cx<'_>, node: &Node) -> Option<FileCheck> {
    cx.at_most(node, 0);
    let mut check = FileCheck::default();
    cx.read_block(node, "FILE_CHECK", FILE, &mut check);
    node.block.as_ref()?;
    if check.track_file.value.is_empty() {
        cx.report(
            Severity::Warning,
            Code::MissingValue,
            &node.keyword.location,
            "FILE_CHECK has no track_file; keepalived ignores the checker".into(),
        );
        return None;
    }
    Some(check)
}

/// Writes a `FILE_CHECK` block.
pub(super) fn write(check: &FileCheck, w: &mut Writer) {
    w.open(&["FILE_CHECK"]);
    w.value("track_file", &check.track_file.value);
    let weight = Writer::weight_words(&check.weight);
    if !weight.is_empty() {
        let words: Vec<&str> = weight.iter().map(String::as_str).collect();
        w.line(&words);
    }
    w.close();
}
