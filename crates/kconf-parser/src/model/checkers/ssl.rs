//! The `SSL { password ca certificate key }` block: the TLS context of
//! SSL_GET checkers. Without it (or with it empty) keepalived makes a
//! default context.

use crate::diagnostic::{Code, Severity};
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::syntax::Node;

model! {
    /// The `SSL` block.
    pub struct SslConfig {
        /// `password`: of the private key.
        pub password: Option<String> = None,
        /// `ca FILE`: the CA certificates.
        pub ca: Option<String> = None,
        /// `certificate FILE`: the client certificate.
        pub certificate: Option<String> = None,
        /// `key FILE`: the client key.
        pub key: Option<String> = None,
    }
}

/// The keywords of `SSL`.
const SSL: &Keywords<SslConfig> = &[
    ("password", |cx, node, ssl| {
        set_once(cx, node, &mut ssl.password)
    }),
    ("ca", |cx, node, ssl| set_once(cx, node, &mut ssl.ca)),
    ("certificate", |cx, node, ssl| {
        set_once(cx, node, &mut ssl.certificate)
    }),
    ("key", |cx, node, ssl| set_once(cx, node, &mut ssl.key)),
];

/// A value that keepalived replaces with a warning when given twice.
fn set_once(cx: &mut Cx<'_>, node: &Node, slot: &mut Option<String>) {
    let Some(value) = cx.string(node) else { return };
    if slot.is_some() {
        cx.report(
            Severity::Warning,
            Code::Duplicate,
            &node.keyword.location,
            format!(
                "SSL '{}' is already set; keepalived replaces it",
                node.name()
            ),
        );
    }
    *slot = Some(value);
}

/// Reads the `SSL` block; a second one replaces the first, with a warning,
/// as keepalived does.
pub(super) fn read(cx: &mut Cx<'_>, node: &Node, out: &mut Option<SslConfig>) {
    cx.at_most(node, 0);
    if !cx.require_block(node) {
        return;
    }
    if out.is_some() {
        cx.report(
            Severity::Warning,
            Code::Duplicate,
            &node.keyword.location,
            "a second SSL block; keepalived replaces the first".into(),
        );
    }
    let mut ssl = SslConfig::default();
    cx.read_block(node, "SSL", SSL, &mut ssl);
    *out = Some(ssl);
}

/// Writes the `SSL` block.
pub(super) fn write(ssl: &SslConfig, w: &mut Writer) {
    w.open(&["SSL"]);
    w.opt("password", &ssl.password);
    w.opt("ca", &ssl.ca);
    w.opt("certificate", &ssl.certificate);
    w.opt("key", &ssl.key);
    w.close();
}
