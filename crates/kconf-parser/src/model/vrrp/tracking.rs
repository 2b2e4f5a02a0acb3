//! Track lists shared by instances and sync groups: `track_interface`,
//! `track_script`, `track_file`, `track_process`, `track_bfd`, each line
//! `NAME [weight N] [reverse|noreverse]`.

use std::ops::RangeInclusive;

use crate::diagnostic::{Code, Severity};
use crate::model::reader::{Cx, located};
use crate::model::types::Located;
use crate::model::writer::Writer;
use crate::syntax::Node;

/// An interface whose state an instance or group follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInterface {
    /// The interface name.
    pub name: Located<String>,
    /// `weight N`; none (or 0) means the interface going down faults the
    /// instance.
    pub weight: Option<i32>,
    /// `reverse`: the weight applies in the other direction.
    pub reverse: bool,
}

/// A tracked script, file, process or BFD session, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackRef {
    /// The name of the `vrrp_script`, `track_file`, `vrrp_track_process` or
    /// `bfd_instance`.
    pub name: Located<String>,
    /// `weight N`; none means the tracked object's own weight.
    pub weight: Option<i32>,
    /// `reverse`: the weight applies in the other direction.
    pub reverse: bool,
    /// `noreverse`: overrides a `reverse` on the tracked object.
    pub no_reverse: bool,
}

/// Weight ranges keepalived allows (its man page; 2.2.7 corrects ±254 to
/// ±253 for interfaces and scripts with a warning).
pub(crate) const INTERFACE_WEIGHT: RangeInclusive<i32> = -253..=253;
pub(crate) const SCRIPT_WEIGHT: RangeInclusive<i32> = -253..=253;
pub(crate) const FILE_WEIGHT: RangeInclusive<i32> = -254..=254;
pub(crate) const PROCESS_WEIGHT: RangeInclusive<i32> = -254..=254;
pub(crate) const BFD_WEIGHT: RangeInclusive<i32> = -253..=253;

/// Reads the lines of a track block.
pub(crate) fn read_refs(
    cx: &mut Cx<'_>,
    node: &Node,
    range: RangeInclusive<i32>,
    out: &mut Vec<TrackRef>,
) {
    for line in block_lines(cx, node) {
        if let Some(options) = read_options(cx, node, line, range.clone()) {
            out.push(TrackRef {
                name: located(&line.keyword),
                weight: options.weight,
                reverse: options.reverse,
                no_reverse: options.no_reverse,
            });
        }
    }
}

/// Reads the lines of a `track_interface` block.
pub(crate) fn read_interfaces(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<TrackInterface>) {
    for line in block_lines(cx, node) {
        if let Some(options) = read_options(cx, node, line, INTERFACE_WEIGHT) {
            if options.no_reverse {
                cx.report(
                    Severity::Error,
                    Code::InvalidValue,
                    &line.keyword.location,
                    "track_interface entries take `reverse`, not `noreverse`".into(),
                );
                continue;
            }
            out.push(TrackInterface {
                name: located(&line.keyword),
                weight: options.weight,
                reverse: options.reverse,
            });
        }
    }
}

fn block_lines<'n>(cx: &mut Cx<'_>, node: &'n Node) -> &'n [Node] {
    cx.at_most(node, 0);
    cx.require_block(node);
    node.children()
}

struct TrackOptions {
    weight: Option<i32>,
    reverse: bool,
    no_reverse: bool,
}

/// `[weight N] [reverse|noreverse|no_reverse]` after the name.
fn read_options(
    cx: &mut Cx<'_>,
    node: &Node,
    line: &Node,
    range: RangeInclusive<i32>,
) -> Option<TrackOptions> {
    let mut weight = None;
    let mut no_reverse = false;
    let mut reverse = false;
    let mut words = line.args.iter();
    while let Some(word) = words.next() {
        match word.text.as_str() {
            "weight" => {
                let Some(value) = words.next() else {
                    cx.report(
                        Severity::Error,
                        Code::MissingValue,
                        &word.location,
                        format!("'weight' in {} needs a number", node.name()),
                    );
                    return None;
                };
                weight = Some(cx.number_word(line, value, range.clone())?);
            }
            "reverse" => reverse = true,
            "noreverse" | "no_reverse" => no_reverse = true,
            other => {
                cx.report_help(
                    Severity::Error,
                    Code::InvalidValue,
                    &word.location,
                    format!("'{other}' is not an option of a {} entry", node.name()),
                    "entries are `NAME [weight N] [reverse|noreverse]`".into(),
                );
                return None;
            }
        }
    }
    if reverse && no_reverse {
        cx.report(
            Severity::Error,
            Code::InvalidValue,
            &line.keyword.location,
            "both `reverse` and `noreverse` given".into(),
        );
        return None;
    }
    Some(TrackOptions {
        weight,
        reverse,
        no_reverse,
    })
}

/// Writes a track block.
pub(crate) fn write_refs(keyword: &str, refs: &[TrackRef], w: &mut Writer) {
    if refs.is_empty() {
        return;
    }
    w.open(&[keyword]);
    for track in refs {
        let mut words = weight_words(&track.name.value, track.weight, track.reverse);
        if track.no_reverse {
            words.push("noreverse".into());
        }
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        w.line(&refs);
    }
    w.close();
}

/// Writes a `track_interface` block.
pub(crate) fn write_interfaces(interfaces: &[TrackInterface], w: &mut Writer) {
    if interfaces.is_empty() {
        return;
    }
    w.open(&["track_interface"]);
    for track in interfaces {
        let words = weight_words(&track.name.value, track.weight, track.reverse);
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        w.line(&refs);
    }
    w.close();
}

fn weight_words(name: &str, weight: Option<i32>, reverse: bool) -> Vec<String> {
    let mut words = vec![name.to_owned()];
    if let Some(weight) = weight {
        words.push("weight".into());
        words.push(weight.to_string());
    }
    if reverse {
        words.push("reverse".into());
    }
    words
}
