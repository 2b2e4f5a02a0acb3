//! `DNS_CHECK { ... }`: the server is up when it answers a query (over UDP).

use std::fmt;
use std::net::IpAddr;

use super::options::{self, CheckOptions, CheckerBlock, ConnectOptions};
use crate::diagnostic::{Code, Severity};
use crate::model::lvs::values;
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::syntax::Node;

model! {
    /// `DNS_CHECK` (its `retry` defaults to 3 and its `delay_before_retry`
    /// to `delay_loop`).
    pub struct DnsCheck {
        /// `retry`, `delay_loop`, ...
        pub options: CheckOptions = CheckOptions::default(),
        /// `connect_ip`, `connect_port`, ...
        pub connection: ConnectOptions = ConnectOptions::default(),
        /// `type`: the query type; default SOA.
        pub query_type: DnsQueryType = DnsQueryType::Soa,
        /// `name`: the name queried (default `.`); no empty label.
        pub name: Option<String> = None,
    }
}

/// The query types keepalived knows, compared ignoring case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsQueryType {
    /// `A`.
    A,
    /// `NS`.
    Ns,
    /// `CNAME`.
    Cname,
    /// `SOA` (the default).
    Soa,
    /// `MX`.
    Mx,
    /// `TXT`.
    Txt,
    /// `AAAA`.
    Aaaa,
    /// `RRSIG`.
    Rrsig,
    /// `DNSKEY`.
    Dnskey,
}

const TYPES: &[(&str, DnsQueryType)] = &[
    ("A", DnsQueryType::A),
    ("NS", DnsQueryType::Ns),
    ("CNAME", DnsQueryType::Cname),
    ("SOA", DnsQueryType::Soa),
    ("MX", DnsQueryType::Mx),
    ("TXT", DnsQueryType::Txt),
    ("AAAA", DnsQueryType::Aaaa),
    ("RRSIG", DnsQueryType::Rrsig),
    ("DNSKEY", DnsQueryType::Dnskey),
];

impl fmt::Display for DnsQueryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(values::name_of(TYPES, *self))
    }
}

impl CheckerBlock for DnsCheck {
    fn options(&mut self) -> &mut CheckOptions {
        &mut self.options
    }
    fn connection(&mut self) -> Option<&mut ConnectOptions> {
        Some(&mut self.connection)
    }
}

/// The keywords of `DNS_CHECK` besides the shared ones.
const DNS: &Keywords<DnsCheck> = &[
    ("type", |cx, node, check| {
        let Some(word) = cx.single(node) else { return };
        let upper = word.text.to_ascii_uppercase();
        match TYPES.iter().find(|(name, _)| *name == upper) {
            Some((_, kind)) => check.query_type = *kind,
            None => {
                cx.choice_word(node, word, TYPES);
            }
        }
    }),
    ("name", |cx, node, check| {
        let Some(word) = cx.single(node) else { return };
        if check.name.is_some() {
            cx.report(
                Severity::Warning,
                Code::Duplicate,
                &word.location,
                "DNS_CHECK 'name' is already set; keepalived keeps the first".into(),
            );
            return;
        }
        let name = word.text.as_str();
        let empty_label = (name.starts_with('.') && name != ".") || name.contains("..");
        if empty_label {
            cx.report(
                Severity::Error,
                Code::InvalidValue,
                &word.location,
                format!("DNS_CHECK name '{name}' has an empty label"),
            );
            return;
        }
        check.name = Some(name.to_owned());
    }),
];

/// Reads a `DNS_CHECK` block.
pub(super) fn read(cx: &mut Cx<'_>, node: &Node, real_server: IpAddr) -> Option<DnsCheck> {
    let mut check = DnsCheck::default();
    if !options::read_block(cx, node, DNS, &mut check) {
        return None;
    }
    options::connection_usable(cx, node, &check.connection, real_server).then_some(check)
}

/// Writes a `DNS_CHECK` block.
pub(super) fn write(check: &DnsCheck, w: &mut Writer) {
    w.open(&["DNS_CHECK"]);
    options::write_connection(&check.connection, w);
    options::write_options(&check.options, w);
    if check.query_type != DnsQueryType::Soa {
        w.value("type", check.query_type);
    }
    w.opt("name", &check.name);
    w.close();
}
