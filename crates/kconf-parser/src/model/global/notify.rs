//! E-mail alerts, SMTP and the notify FIFOs of `global_defs`.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use super::values::{
    already_set, block_words, corrected, error, int_word, opt_bool, warning, write_opt_bool,
};
use super::{GlobalDefs, bare};
use crate::diagnostic::{Code, Severity};
use crate::model::Script;
use crate::model::reader::{Cx, Keywords, located};
use crate::model::types::Located;
use crate::model::writer::Writer;
use crate::syntax::Node;

/// The host of `smtp_server`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmtpHost {
    /// An IPv4 or IPv6 address.
    Address(IpAddr),
    /// A host name, resolved when keepalived starts.
    Name(String),
}

impl fmt::Display for SmtpHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmtpHost::Address(address) => address.fmt(f),
            SmtpHost::Name(name) => f.write_str(name),
        }
    }
}

/// `smtp_server HOST [PORT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpServer {
    /// The server's address or name.
    pub host: SmtpHost,
    /// The TCP port (default 25).
    pub port: u16,
}

/// A notify FIFO: `notify_fifo PATH [USER [GROUP]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fifo {
    /// Path of the FIFO; keepalived creates it if it does not exist.
    pub path: Located<String>,
    /// Owner of the FIFO (default: `script_user`).
    pub user: Option<String>,
    /// Group of the FIFO (default: the user's group).
    pub group: Option<String>,
}

model! {
    /// Who is told about state changes, and how.
    pub struct Notification {
        /// `notification_email { ADDRESS ... }`: where alerts are mailed.
        pub email: Vec<String> = Vec::new(),
        /// `notification_email_from`: the From: address (default
        /// keepalived@HOSTNAME).
        pub email_from: Option<String> = None,
        /// `smtp_server HOST [PORT]`: the relay alerts go through.
        pub smtp_server: Option<SmtpServer> = None,
        /// `smtp_helo_name`: the HELO name (default: the host name).
        pub smtp_helo_name: Option<String> = None,
        /// `smtp_connect_timeout SECS` (default 30 seconds).
        pub smtp_connect_timeout: Duration = Duration::from_secs(30),
        /// `smtp_alert [BOOL]`: the default for every smtp_alert (unset:
        /// alerts only where an instance or server asks for them).
        pub smtp_alert: Option<bool> = None,
        /// `smtp_alert_vrrp [BOOL]`: the default for VRRP (unset: `smtp_alert`).
        pub smtp_alert_vrrp: Option<bool> = None,
        /// `smtp_alert_checker [BOOL]`: the default for checkers (unset: `smtp_alert`).
        pub smtp_alert_checker: Option<bool> = None,
        /// `checker_log_all_failures [BOOL]`: log every failed check, not
        /// only state changes.
        pub checker_log_all_failures: bool = false,
        /// `no_email_faults`: no alerts for FAULT states.
        pub no_email_faults: bool = false,
        /// `no_checker_emails [BOOL]`: mail only when a real server is added
        /// or removed.
        pub no_checker_emails: bool = false,
        /// `rs_init_notifies [BOOL]`: notify real servers' initial state at startup.
        pub rs_init_notifies: bool = false,
        /// `vrrp_notify_priority_changes [BOOL]`: send priority changes to
        /// the notify FIFOs.
        pub vrrp_notify_priority_changes: bool = false,
        /// `notify_fifo PATH [USER [GROUP]]`: all notify events.
        pub notify_fifo: Option<Fifo> = None,
        /// `notify_fifo_script`: run to read `notify_fifo` (the FIFO's path
        /// is its last argument).
        pub notify_fifo_script: Option<Script> = None,
        /// `vrrp_notify_fifo`: VRRP events only.
        pub vrrp_notify_fifo: Option<Fifo> = None,
        /// `vrrp_notify_fifo_script`.
        pub vrrp_notify_fifo_script: Option<Script> = None,
        /// `lvs_notify_fifo`: checker events only.
        pub lvs_notify_fifo: Option<Fifo> = None,
        /// `lvs_notify_fifo_script`.
        pub lvs_notify_fifo_script: Option<Script> = None,
        /// `fifo_write_vrrp_states_on_reload`: write every instance's state
        /// to the FIFOs after a reload.
        pub fifo_write_vrrp_states_on_reload: bool = false,
    }
}

fn optional_bool(cx: &mut Cx<'_>, node: &Node, target: &mut bool) {
    if let Some(value) = opt_bool(cx, node) {
        *target = value;
    }
}

fn fifo(cx: &mut Cx<'_>, node: &Node, target: &mut Option<Fifo>) {
    cx.no_block(node);
    cx.at_most(node, 3);
    let Some(path) = cx.arg(node) else { return };
    if target.is_some() {
        already_set(cx, node);
        return;
    }
    *target = Some(Fifo {
        path: located(path),
        user: node.args.get(1).map(|w| w.text.clone()),
        group: node.args.get(2).map(|w| w.text.clone()),
    });
}

fn fifo_script(cx: &mut Cx<'_>, node: &Node, target: &mut Option<Script>) {
    let Some(script) = cx.script(node) else {
        return;
    };
    if target.is_some() {
        already_set(cx, node);
    } else {
        *target = Some(script);
    }
}

fn smtp_server(cx: &mut Cx<'_>, node: &Node, n: &mut Notification) {
    cx.no_block(node);
    cx.at_most(node, 2);
    let Some(host) = cx.arg(node) else { return };
    let port = match node.args.get(1) {
        Some(word) => match int_word(cx, node, word, 1..=i128::from(u16::MAX)) {
            Some(port) => port,
            None => return,
        },
        None => 25,
    };
    let host = match host.text.parse::<IpAddr>() {
        Ok(address) => SmtpHost::Address(address),
        Err(_) if valid_host_name(&host.text) => SmtpHost::Name(host.text.clone()),
        Err(_) => {
            error(
                cx,
                Code::InvalidValue,
                &host.location,
                format!(
                    "'smtp_server' needs an IP address or a host name, not '{}'",
                    host.text
                ),
            );
            return;
        }
    };
    n.smtp_server = Some(SmtpServer { host, port });
}

/// Letters, digits, '-', '_' and '.', as a DNS name or /etc/hosts entry has.
fn valid_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

pub(super) const KEYWORDS: &Keywords<GlobalDefs> = &[
    ("notification_email", |cx, node, g| {
        let Some(emails) = block_words(cx, node) else {
            return;
        };
        if emails.is_empty() {
            warning(
                cx,
                Code::MissingValue,
                &node.keyword.location,
                "'notification_email' lists no address".into(),
            );
        }
        g.notification
            .email
            .extend(emails.into_iter().map(|email| email.value));
    }),
    ("notification_email_from", |cx, node, g| {
        if let Some(from) = cx.string(node) {
            g.notification.email_from = Some(from);
        }
    }),
    ("smtp_server", |cx, node, g| {
        smtp_server(cx, node, &mut g.notification)
    }),
    ("smtp_helo_name", |cx, node, g| {
        // keepalived ignores the keyword without a name, silently.
        if node.args.is_empty() {
            cx.report(
                Severity::Note,
                Code::MissingValue,
                &node.keyword.location,
                "'smtp_helo_name' without a name does nothing".into(),
            );
            return;
        }
        if let Some(name) = cx.string(node) {
            g.notification.smtp_helo_name = Some(name);
        }
    }),
    ("smtp_connect_timeout", |cx, node, g| {
        let Some(word) = cx.single(node) else { return };
        let Some(secs) = int_word(cx, node, word, 0..=4294) else {
            return;
        };
        let secs = if secs == 0 {
            corrected(
                cx,
                &word.location,
                "'smtp_connect_timeout' must be at least 1; keepalived uses 1".into(),
            );
            1
        } else {
            secs
        };
        g.notification.smtp_connect_timeout = Duration::from_secs(secs);
    }),
    ("smtp_alert", |cx, node, g| {
        if let Some(on) = opt_bool(cx, node) {
            g.notification.smtp_alert = Some(on);
        }
    }),
    ("smtp_alert_vrrp", |cx, node, g| {
        if let Some(on) = opt_bool(cx, node) {
            g.notification.smtp_alert_vrrp = Some(on);
        }
    }),
    ("smtp_alert_checker", |cx, node, g| {
        if let Some(on) = opt_bool(cx, node) {
            g.notification.smtp_alert_checker = Some(on);
        }
    }),
    ("checker_log_all_failures", |cx, node, g| {
        optional_bool(cx, node, &mut g.notification.checker_log_all_failures)
    }),
    ("no_email_faults", |cx, node, g| {
        g.notification.no_email_faults = bare(cx, node)
    }),
    ("no_checker_emails", |cx, node, g| {
        optional_bool(cx, node, &mut g.notification.no_checker_emails)
    }),
    ("rs_init_notifies", |cx, node, g| {
        optional_bool(cx, node, &mut g.notification.rs_init_notifies)
    }),
    ("vrrp_notify_priority_changes", |cx, node, g| {
        optional_bool(cx, node, &mut g.notification.vrrp_notify_priority_changes)
    }),
    ("notify_fifo", |cx, node, g| {
        fifo(cx, node, &mut g.notification.notify_fifo)
    }),
    ("notify_fifo_script", |cx, node, g| {
        fifo_script(cx, node, &mut g.notification.notify_fifo_script)
    }),
    ("vrrp_notify_fifo", |cx, node, g| {
        fifo(cx, node, &mut g.notification.vrrp_notify_fifo)
    }),
    ("vrrp_notify_fifo_script", |cx, node, g| {
        fifo_script(cx, node, &mut g.notification.vrrp_notify_fifo_script)
    }),
    ("lvs_notify_fifo", |cx, node, g| {
        fifo(cx, node, &mut g.notification.lvs_notify_fifo)
    }),
    ("lvs_notify_fifo_script", |cx, node, g| {
        fifo_script(cx, node, &mut g.notification.lvs_notify_fifo_script)
    }),
    ("fifo_write_vrrp_states_on_reload", |cx, node, g| {
        g.notification.fifo_write_vrrp_states_on_reload = bare(cx, node)
    }),
];

fn write_fifo(w: &mut Writer, keyword: &str, fifo: &Option<Fifo>) {
    if let Some(fifo) = fifo {
        let mut words = vec![keyword, fifo.path.value.as_str()];
        words.extend(fifo.user.as_deref());
        words.extend(fifo.group.as_deref());
        w.line(&words);
    }
}

pub(super) fn write(n: &Notification, w: &mut Writer) {
    if !n.email.is_empty() {
        w.open(&["notification_email"]);
        for email in &n.email {
            w.line(&[email]);
        }
        w.close();
    }
    w.opt("notification_email_from", &n.email_from);
    if let Some(server) = &n.smtp_server {
        let host = server.host.to_string();
        let port = server.port.to_string();
        if server.port == 25 {
            w.line(&["smtp_server", &host]);
        } else {
            w.line(&["smtp_server", &host, &port]);
        }
    }
    w.opt("smtp_helo_name", &n.smtp_helo_name);
    if n.smtp_connect_timeout != Duration::from_secs(30) {
        w.value("smtp_connect_timeout", n.smtp_connect_timeout.as_secs());
    }
    write_opt_bool(w, "smtp_alert", n.smtp_alert);
    write_opt_bool(w, "smtp_alert_vrrp", n.smtp_alert_vrrp);
    write_opt_bool(w, "smtp_alert_checker", n.smtp_alert_checker);
    w.flag("checker_log_all_failures", n.checker_log_all_failures);
    w.flag("no_email_faults", n.no_email_faults);
    w.flag("no_checker_emails", n.no_checker_emails);
    w.flag("rs_init_notifies", n.rs_init_notifies);
    w.flag(
        "vrrp_notify_priority_changes",
        n.vrrp_notify_priority_changes,
    );
    write_fifo(w, "notify_fifo", &n.notify_fifo);
    w.script("notify_fifo_script", &n.notify_fifo_script);
    write_fifo(w, "vrrp_notify_fifo", &n.vrrp_notify_fifo);
    w.script("vrrp_notify_fifo_script", &n.vrrp_notify_fifo_script);
    write_fifo(w, "lvs_notify_fifo", &n.lvs_notify_fifo);
    w.script("lvs_notify_fifo_script", &n.lvs_notify_fifo_script);
    w.flag(
        "fifo_write_vrrp_states_on_reload",
        n.fifo_write_vrrp_states_on_reload,
    );
}

/// The man page asks for different FIFO paths; keepalived does not check,
/// so this is a note.
pub(super) fn validate(global: &GlobalDefs, cx: &mut Cx<'_>) {
    let n = &global.notification;
    let fifos = [&n.notify_fifo, &n.vrrp_notify_fifo, &n.lvs_notify_fifo];
    let fifos: Vec<&Fifo> = fifos.into_iter().flatten().collect();
    for (i, fifo) in fifos.iter().enumerate() {
        if fifos[..i]
            .iter()
            .any(|earlier| earlier.path.value == fifo.path.value)
        {
            if let Some(location) = &fifo.path.location {
                cx.report(
                    Severity::Note,
                    Code::Duplicate,
                    location,
                    format!(
                        "FIFO '{}' is used twice; the notify FIFOs should all differ",
                        fifo.path.value
                    ),
                );
            }
        }
    }
}
