//! `track_file NAME { file PATH weight N [reverse] init_file [VALUE]
//! [overwrite] }` (and the deprecated `vrrp_track_file`): a file whose number
//! VRRP instances and real servers follow.

use super::{weight, weight_already_set, write_weight};
use crate::diagnostic::{Code, Severity};
use crate::model::global::values::{block_name, error, warning};
use crate::model::reader::{Cx, Keywords};
use crate::model::types::Weight;
use crate::model::writer::Writer;
use crate::syntax::Node;

/// `init_file [VALUE] [overwrite]` of a `track_file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrackFileInit {
    /// The value written at startup (default 0).
    pub value: i32,
    /// `overwrite`: write it even when the file exists.
    pub overwrite: bool,
}

model! {
    /// `track_file NAME { file PATH weight N [reverse] init_file [VALUE] [overwrite] }`.
    pub struct TrackFile {
        /// Name referenced by `track_file` in instances.
        pub name: String = String::new(),
        /// `file PATH`: the file whose number is read.
        pub file: String = String::new(),
        /// `weight N [reverse]`: the default weight of trackers, -254..=254
        /// (default 1; the man page's wider range is not what keepalived
        /// accepts). 0 means a non-zero value in the file is a failure.
        pub weight: Weight = Weight { value: 1, reverse: false },
        /// `init_file`: create or initialise the file at startup.
        pub init_file: Option<TrackFileInit> = None,
    }
}

/// A `track_file` while it is read: its file is required.
struct TrackFileDraft {
    file: TrackFile,
    has_file: bool,
}

fn init_file(cx: &mut Cx<'_>, node: &Node, file: &mut TrackFile) {
    cx.no_block(node);
    let mut init = TrackFileInit::default();
    for word in &node.args {
        if word
            .text
            .starts_with(|c: char| c.is_ascii_digit() || c == '-')
        {
            match word.text.parse::<i32>() {
                Ok(value) => {
                    if !(-254..=254).contains(&value) {
                        warning(
                            cx,
                            Code::OutOfRange,
                            &word.location,
                            format!(
                                "track_file {} init value {value} is outside the sensible range -254..=254",
                                file.name
                            ),
                        );
                    }
                    init.value = value;
                }
                Err(_) => {
                    error(
                        cx,
                        Code::InvalidValue,
                        &word.location,
                        format!(
                            "'init_file' needs an integer, not '{}'; 0 is used",
                            word.text
                        ),
                    );
                    init.value = 0;
                }
            }
        } else if word.text == "overwrite" {
            init.overwrite = true;
        } else {
            error(
                cx,
                Code::InvalidValue,
                &word.location,
                format!(
                    "'init_file' takes a value and 'overwrite', not '{}'",
                    word.text
                ),
            );
        }
    }
    file.init_file = Some(init);
}

const TRACK_FILE: &Keywords<TrackFileDraft> = &[
    ("file", |cx, node, draft| {
        let Some(path) = cx.string(node) else { return };
        if draft.has_file {
            warning(
                cx,
                Code::Duplicate,
                node.args
                    .first()
                    .map_or(&node.keyword.location, |w| &w.location),
                format!(
                    "track_file {} already has a file; keepalived ignores this one",
                    draft.file.name
                ),
            );
            return;
        }
        draft.file.file = path;
        draft.has_file = true;
    }),
    ("weight", |cx, node, draft| {
        // keepalived's test: a weight other than the default 1 is "set".
        if draft.file.weight.value != 1 {
            let name = format!("track_file {}", draft.file.name);
            weight_already_set(cx, node, &name);
            return;
        }
        if let Some(weight) = weight(cx, node, -254..=254) {
            draft.file.weight = weight;
        }
    }),
    ("init_file", |cx, node, draft| {
        init_file(cx, node, &mut draft.file)
    }),
];

/// Reads a `track_file`.
pub(crate) fn read_track_file(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<TrackFile>) {
    if node.name() == "vrrp_track_file" {
        cx.report(
            Severity::Note,
            Code::Inconsistent,
            &node.keyword.location,
            "'vrrp_track_file' is deprecated; use 'track_file'".into(),
        );
    }
    let Some(name) = block_name(cx, node) else {
        return;
    };
    if !cx.require_block(node) {
        return;
    }
    if out.iter().any(|file| file.name == name.text) {
        cx.report(
            Severity::Note,
            Code::Duplicate,
            &name.location,
            format!(
                "track_file {} is defined twice; trackers use the first",
                name.text
            ),
        );
    }
    let mut draft = TrackFileDraft {
        file: TrackFile {
            name: name.text.clone(),
            ..TrackFile::default()
        },
        has_file: false,
    };
    cx.read_block(node, "track_file", TRACK_FILE, &mut draft);
    if !draft.has_file {
        error(
            cx,
            Code::MissingValue,
            &name.location,
            format!(
                "track_file {} has no 'file'; keepalived ignores it",
                name.text
            ),
        );
        return;
    }
    out.push(draft.file);
}

/// Writes a `track_file`.
pub(crate) fn write_track_file(file: &TrackFile, w: &mut Writer) {
    w.open(&["track_file", &file.name]);
    w.value("file", &file.file);
    if file.weight
        != (Weight {
            value: 1,
            reverse: false,
        })
    {
        write_weight(&file.weight, w);
    }
    if let Some(init) = file.init_file {
        let value = init.value.to_string();
        let mut words = vec!["init_file", value.as_str()];
        if init.overwrite {
            words.push("overwrite");
        }
        w.line(&words);
    }
    w.close();
}
