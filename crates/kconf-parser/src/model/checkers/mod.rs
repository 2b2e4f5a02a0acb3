//! Health checkers of real servers (`HTTP_GET`, `SSL_GET`, `TCP_CHECK`,
//! `SMTP_CHECK`, `DNS_CHECK`, `MISC_CHECK`, `UDP_CHECK`, `PING_CHECK`,
//! `FILE_CHECK`, `BFD_CHECK`), and the `SSL` block.
//!
//! Every checker but FILE_CHECK and BFD_CHECK shares the schedule options
//! ([`CheckOptions`]), and every one but MISC_CHECK the connection options
//! ([`ConnectOptions`]). Unset options are inherited from the real server,
//! then the virtual server (see [`VirtualServer`](super::lvs::VirtualServer)).
//! keepalived drops a checker that lacks what it needs (a URL, a
//! `misc_path`, a `track_file`, a `name`); so do we, with a warning.

mod bfd;
mod dns;
mod file;
mod http;
mod misc;
mod options;
mod ping;
mod smtp;
mod ssl;
mod tcp;
mod udp;

use std::net::IpAddr;

pub use bfd::BfdCheck;
pub use dns::{DnsCheck, DnsQueryType};
pub use file::FileCheck;
pub use http::{HttpCheck, HttpProtocol, RegexOption, STATUS_CODES, Url};
pub use misc::{MAX_MISC_TIMEOUT, MiscCheck};
pub use options::{CheckOptions, ConnectOptions};
pub use ping::PingCheck;
pub use smtp::{DEFAULT_HELO_NAME, SmtpCheck};
pub use ssl::SslConfig;
pub use tcp::TcpCheck;
pub use udp::{MaskedByte, UdpCheck};

use super::reader::Cx;
use super::writer::Writer;
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::syntax::Node;

/// A health checker of a real server.
#[derive(Debug, Clone, PartialEq)]
pub enum Checker {
    /// `HTTP_GET`.
    HttpGet(HttpCheck),
    /// `SSL_GET`: HTTP_GET over TLS (see [`SslConfig`]).
    SslGet(HttpCheck),
    /// `TCP_CHECK`.
    Tcp(TcpCheck),
    /// `SMTP_CHECK`.
    Smtp(SmtpCheck),
    /// `DNS_CHECK`.
    Dns(DnsCheck),
    /// `MISC_CHECK`.
    Misc(MiscCheck),
    /// `UDP_CHECK`.
    Udp(UdpCheck),
    /// `PING_CHECK`.
    Ping(PingCheck),
    /// `FILE_CHECK`.
    File(FileCheck),
    /// `BFD_CHECK`.
    Bfd(BfdCheck),
}

/// Reads a checker block of the real server at `real_server`; `None` when
/// keepalived would drop it (reported).
pub(crate) fn read_checker(cx: &mut Cx<'_>, node: &Node, real_server: IpAddr) -> Option<Checker> {
    match node.name() {
        "HTTP_GET" => http::read(cx, node, real_server).map(Checker::HttpGet),
        "SSL_GET" => http::read(cx, node, real_server).map(Checker::SslGet),
        "TCP_CHECK" => tcp::read(cx, node, real_server).map(Checker::Tcp),
        "SMTP_CHECK" => smtp::read(cx, node, real_server).map(Checker::Smtp),
        "DNS_CHECK" => dns::read(cx, node, real_server).map(Checker::Dns),
        "MISC_CHECK" => misc::read(cx, node).map(Checker::Misc),
        "UDP_CHECK" => udp::read(cx, node, real_server).map(Checker::Udp),
        "PING_CHECK" => ping::read(cx, node, real_server).map(Checker::Ping),
        "FILE_CHECK" => file::read(cx, node).map(Checker::File),
        "BFD_CHECK" => bfd::read(cx, node).map(Checker::Bfd),
        _ => None,
    }
}

/// Writes a checker block.
pub(crate) fn write_checker(checker: &Checker, w: &mut Writer) {
    match checker {
        Checker::HttpGet(check) => http::write("HTTP_GET", check, w),
        Checker::SslGet(check) => http::write("SSL_GET", check, w),
        Checker::Tcp(check) => tcp::write(check, w),
        Checker::Smtp(check) => smtp::write(check, w),
        Checker::Dns(check) => dns::write(check, w),
        Checker::Misc(check) => misc::write(check, w),
        Checker::Udp(check) => udp::write(check, w),
        Checker::Ping(check) => ping::write(check, w),
        Checker::File(check) => file::write(check, w),
        Checker::Bfd(check) => bfd::write(check, w),
    }
}

/// Reads the `SSL` block.
pub(crate) fn read_ssl(cx: &mut Cx<'_>, node: &Node, out: &mut Option<SslConfig>) {
    ssl::read(cx, node, out);
}

/// Writes the `SSL` block.
pub(crate) fn write_ssl(config: &SslConfig, w: &mut Writer) {
    ssl::write(config, w);
}

/// Checks of this section that need the whole configuration: the
/// `track_file` of a FILE_CHECK and the `bfd_instance` of a BFD_CHECK must
/// exist (keepalived also wants them defined before the virtual server,
/// which the model cannot see: those blocks carry no location yet), and a
/// real server may follow a BFD instance once.
pub(crate) fn validate(config: &super::Config, cx: &mut Cx<'_>) {
    for vs in &config.virtual_servers {
        for rs in &vs.real_servers {
            let mut bfds: Vec<&str> = Vec::new();
            for checker in &rs.checkers {
                match checker {
                    Checker::File(check) => {
                        let name = &check.track_file;
                        if !config.track_files.iter().any(|t| t.name == name.value) {
                            unknown(
                                cx,
                                name.location.clone(),
                                format!(
                                    "no track_file '{}'; keepalived ignores this FILE_CHECK",
                                    name.value
                                ),
                            );
                        }
                    }
                    Checker::Bfd(check) => {
                        let name = &check.name;
                        if !config.bfd_instances.iter().any(|b| b.name == name.value) {
                            unknown(
                                cx,
                                name.location.clone(),
                                format!(
                                    "no bfd_instance '{}'; keepalived ignores this BFD_CHECK",
                                    name.value
                                ),
                            );
                        } else if bfds.contains(&name.value.as_str()) {
                            cx.diagnostics.push(Diagnostic::new(
                                Severity::Warning,
                                Code::Duplicate,
                                name.location.clone(),
                                format!("real_server {} already follows bfd_instance '{}'; keepalived ignores this BFD_CHECK", rs.ip.value, name.value),
                            ));
                        } else {
                            bfds.push(&name.value);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn unknown(cx: &mut Cx<'_>, location: Option<crate::Location>, message: String) {
    cx.diagnostics.push(
        Diagnostic::new(Severity::Warning, Code::UnknownReference, location, message)
            .with_help("define it (before the virtual_server, as keepalived requires)"),
    );
}

#[cfg(test)]
mod tests;
