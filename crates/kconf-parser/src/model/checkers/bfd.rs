//! `BFD_CHECK { name NAME }`: the server follows the state of a
//! `bfd_instance`.

use crate::diagnostic::{Code, Severity};
use crate::model::Located;
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::syntax::Node;

model! {
    /// `BFD_CHECK`: only `name` and `alpha`.
    pub struct BfdCheck {
        /// `name NAME`: a `bfd_instance` defined before (required).
        pub name: Located<String> = Located::bare(String::new()),
        /// `alpha [BOOL]`: start with the check failed (default: the real server's).
        pub alpha: Option<bool> = None,
    }
}

/// The keywords of `BFD_CHECK`.
const BFD: &Keywords<BfdCheck> = &[
    ("name", |cx, node, check| {
        if let Some(name) = cx.name(node) {
            check.name = name;
        }
    }),
    ("alpha", |cx, node, check| {
        if let Some(on) = cx.flag(node) {
            check.alpha = Some(on);
        }
    }),
];

/// Reads a `BFD_CHECK` block; keepalived drops it without a name.
pub(super) fn read(cx: &mut Cx<'_>, node: &Node) -> Option<BfdCheck> {
    cx.at_most(node, 0);
    let mut check = BfdCheck::default();
    cx.read_block(node, "BFD_CHECK", BFD, &mut check);
    node.block.as_ref()?;
    if check.name.value.is_empty() {
        cx.report(
            Severity::Warning,
            Code::MissingValue,
            &node.keyword.location,
            "BFD_CHECK has no name; keepalived ignores the checker".into(),
        );
        return None;
    }
    Some(check)
}

/// Writes a `BFD_CHECK` block.
pub(super) fn write(check: &BfdCheck, w: &mut Writer) {
    w.open(&["BFD_CHECK"]);
    w.value("name", &check.name.value);
    if let Some(alpha) = check.alpha {
        crate::model::lvs::values::write_opt_bool(w, "alpha", Some(alpha));
    }
    w.close();
}
