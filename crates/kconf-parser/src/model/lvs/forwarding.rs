//! The forwarding method of a virtual, real or sorry server:
//! `lvs_method NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`
//! (`lb_kind` is an alias in a virtual server).

use std::fmt;

use super::values;
use crate::diagnostic::{Code, Severity};
use crate::model::reader::Cx;
use crate::syntax::{Node, Word};

/// How IPVS forwards packets to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForwardingMethod {
    /// `NAT`: masquerading (keepalived's default, with a warning when unset).
    Nat,
    /// `DR`: direct routing.
    DirectRouting,
    /// `TUN`: tunnelling, with its encapsulation.
    Tunnel(Tunnel),
}

/// The encapsulation of a tunnelled server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tunnel {
    /// `type`; default `ipip`.
    pub kind: TunnelKind,
    /// The checksum option; default `nocsum`. `ipip` takes none, `gre` no
    /// `remcsum`.
    pub checksum: TunnelChecksum,
}

/// `type ipip|gue port N|gre`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TunnelKind {
    /// `ipip` (the default).
    #[default]
    Ipip,
    /// `gue port N`: Generic UDP Encapsulation to UDP port N (Linux 5.2).
    Gue {
        /// The destination UDP port, 1-65535.
        port: u16,
    },
    /// `gre` (Linux 5.3).
    Gre,
}

/// The tunnel checksum option (Linux 5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TunnelChecksum {
    /// `nocsum` (the default).
    #[default]
    None,
    /// `csum`.
    Checksum,
    /// `remcsum`: remote checksum offload (`gue` only).
    Remote,
}

impl fmt::Display for ForwardingMethod {
    /// The words after `lvs_method`, as keepalived reads them back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForwardingMethod::Nat => f.write_str("NAT"),
            ForwardingMethod::DirectRouting => f.write_str("DR"),
            ForwardingMethod::Tunnel(tunnel) => {
                f.write_str("TUN")?;
                match tunnel.kind {
                    TunnelKind::Ipip => {}
                    TunnelKind::Gue { port } => write!(f, " type gue port {port}")?,
                    TunnelKind::Gre => f.write_str(" type gre")?,
                }
                match tunnel.checksum {
                    TunnelChecksum::None => Ok(()),
                    TunnelChecksum::Checksum => f.write_str(" csum"),
                    TunnelChecksum::Remote => f.write_str(" remcsum"),
                }
            }
        }
    }
}

impl ForwardingMethod {
    /// True for `TUN`: a tunnelled server may differ in address family from
    /// its virtual server.
    pub fn is_tunnel(self) -> bool {
        matches!(self, ForwardingMethod::Tunnel(_))
    }
}

/// Reads an `lvs_method` line. keepalived reads the tunnel options whatever
/// the method, and checks them the same way; with NAT or DR they have no
/// effect, which is noted.
pub(crate) fn read(cx: &mut Cx<'_>, node: &Node) -> Option<ForwardingMethod> {
    cx.no_block(node);
    let method = cx.arg(node)?;
    let base = match method.text.as_str() {
        "NAT" => ForwardingMethod::Nat,
        "DR" => ForwardingMethod::DirectRouting,
        "TUN" => ForwardingMethod::Tunnel(Tunnel::default()),
        _ => {
            cx.choice_word(node, method, &[("NAT", ()), ("DR", ()), ("TUN", ())]);
            return None;
        }
    };
    let tunnel = read_tunnel(cx, node, &node.args[1..])?;
    match base {
        ForwardingMethod::Tunnel(_) => Some(ForwardingMethod::Tunnel(tunnel)),
        other => {
            if let Some(extra) = node.args.get(1) {
                cx.report(
                    Severity::Note,
                    Code::ExtraArguments,
                    &extra.location,
                    format!(
                        "tunnel options have no effect with {method}",
                        method = method.text
                    ),
                );
            }
            Some(other)
        }
    }
}

/// The tunnel options after the method, checked as keepalived checks them.
fn read_tunnel(cx: &mut Cx<'_>, node: &Node, words: &[Word]) -> Option<Tunnel> {
    /// The tunnel types by name.
    const TYPES: &[(&str, u8)] = &[("ipip", 0), ("gue", 1), ("gre", 2)];
    let mut tunnel_type = 0u8;
    let mut port: Option<(u16, &Word)> = None;
    let mut checksum = TunnelChecksum::None;
    let mut words = words.iter();
    while let Some(word) = words.next() {
        match word.text.as_str() {
            "type" => {
                let Some(value) = words.next() else {
                    missing(cx, word, "'type' needs ipip, gue or gre");
                    return None;
                };
                tunnel_type = cx.choice_word(node, value, TYPES)?;
            }
            "port" => {
                let Some(value) = words.next() else {
                    missing(cx, word, "'port' needs the GUE port number");
                    return None;
                };
                port = Some((values::port_number(cx, node, value)?, word));
            }
            "nocsum" => checksum = TunnelChecksum::None,
            "csum" => checksum = TunnelChecksum::Checksum,
            "remcsum" => checksum = TunnelChecksum::Remote,
            _ => {
                cx.report_help(
                    Severity::Error,
                    Code::InvalidValue,
                    &word.location,
                    format!(
                        "'{}' does not take the tunnel option '{}'",
                        node.name(),
                        word.text
                    ),
                    "tunnel options are: type ipip|gue|gre, port N, nocsum, csum, remcsum".into(),
                );
                return None;
            }
        }
    }
    let kind = match (tunnel_type, port) {
        (1, Some((port, _))) => TunnelKind::Gue { port },
        (1, None) => {
            inconsistent(cx, node, &node.keyword, "a gue tunnel needs 'port N'");
            return None;
        }
        (_, Some((_, word))) => {
            inconsistent(cx, node, word, "'port' is for gue tunnels only");
            return None;
        }
        (2, None) => TunnelKind::Gre,
        _ => TunnelKind::Ipip,
    };
    match (kind, checksum) {
        (TunnelKind::Ipip, TunnelChecksum::Checksum | TunnelChecksum::Remote) => {
            inconsistent(
                cx,
                node,
                &node.keyword,
                "ipip tunnels take no checksum option",
            );
            None
        }
        (TunnelKind::Gre, TunnelChecksum::Remote) => {
            inconsistent(
                cx,
                node,
                &node.keyword,
                "gre tunnels do not support 'remcsum'",
            );
            None
        }
        _ => Some(Tunnel { kind, checksum }),
    }
}

fn missing(cx: &mut Cx<'_>, word: &Word, message: &str) {
    cx.report(
        Severity::Error,
        Code::MissingValue,
        &word.location,
        message.to_owned(),
    );
}

fn inconsistent(cx: &mut Cx<'_>, node: &Node, word: &Word, message: &str) {
    cx.report(
        Severity::Error,
        Code::Inconsistent,
        &word.location,
        format!("'{}': {message}; line skipped", node.name()),
    );
}
