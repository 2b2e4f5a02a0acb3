//! `SMTP_CHECK { ... }`: the server is up when it greets and answers HELO.

use std::net::IpAddr;

use super::options::{self, CheckOptions, CheckerBlock, ConnectOptions};
use crate::diagnostic::{Code, Severity};
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::syntax::Node;

/// The HELO name keepalived sends by default.
pub const DEFAULT_HELO_NAME: &str = "smtpchecker.keepalived.org";

model! {
    /// `SMTP_CHECK`.
    pub struct SmtpCheck {
        /// `retry`, `delay_loop`, ... (also when written inside a `host` block).
        pub options: CheckOptions = CheckOptions::default(),
        /// `connect_ip`, `connect_port`, ...
        pub connection: ConnectOptions = ConnectOptions::default(),
        /// `helo_name NAME` (default `smtpchecker.keepalived.org`).
        pub helo_name: Option<String> = None,
        /// The deprecated `host { connect_ip ... }` blocks: keepalived makes
        /// one more checker per host, with the same other settings.
        pub hosts: Vec<ConnectOptions> = Vec::new(),
    }
}

impl CheckerBlock for SmtpCheck {
    fn options(&mut self) -> &mut CheckOptions {
        &mut self.options
    }
    fn connection(&mut self) -> Option<&mut ConnectOptions> {
        Some(&mut self.connection)
    }
}

/// A `host` block: its own connection, the checker's schedule.
struct Host<'a> {
    connection: ConnectOptions,
    options: &'a mut CheckOptions,
}

impl CheckerBlock for Host<'_> {
    fn options(&mut self) -> &mut CheckOptions {
        self.options
    }
    fn connection(&mut self) -> Option<&mut ConnectOptions> {
        Some(&mut self.connection)
    }
}

/// The keywords of `SMTP_CHECK` besides the shared ones.
const SMTP: &Keywords<SmtpCheck> = &[
    ("helo_name", |cx, node, check| {
        if let Some(name) = cx.string(node) {
            check.helo_name = Some(name);
        }
    }),
    ("host", |cx, node, check| {
        cx.report_help(
            Severity::Note,
            Code::InvalidValue,
            &node.keyword.location,
            "the SMTP_CHECK 'host' block is deprecated".into(),
            "write one SMTP_CHECK per host instead".into(),
        );
        let mut host = Host {
            connection: ConnectOptions::default(),
            options: &mut check.options,
        };
        if options::read_block(cx, node, &[], &mut host) {
            let connection = host.connection;
            check.hosts.push(connection);
        }
    }),
];

/// Reads an `SMTP_CHECK` block.
pub(super) fn read(cx: &mut Cx<'_>, node: &Node, real_server: IpAddr) -> Option<SmtpCheck> {
    let mut check = SmtpCheck::default();
    if !options::read_block(cx, node, SMTP, &mut check) {
        return None;
    }
    let usable = |cx: &mut Cx<'_>, connection: &ConnectOptions| {
        options::connection_usable(cx, node, connection, real_server)
    };
    let hosts = std::mem::take(&mut check.hosts);
    check.hosts = hosts.into_iter().filter(|host| usable(cx, host)).collect();
    usable(cx, &check.connection).then_some(check)
}

/// Writes an `SMTP_CHECK` block.
pub(super) fn write(check: &SmtpCheck, w: &mut Writer) {
    w.open(&["SMTP_CHECK"]);
    options::write_connection(&check.connection, w);
    options::write_options(&check.options, w);
    w.opt("helo_name", &check.helo_name);
    for host in &check.hosts {
        w.open(&["host"]);
        options::write_connection(host, w);
        w.close();
    }
    w.close();
}
