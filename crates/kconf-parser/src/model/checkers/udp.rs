//! `UDP_CHECK { ... }`: send a datagram; the server is down on an ICMP
//! error, or (with `require_reply`) without a matching answer.

use std::net::IpAddr;

use super::options::{self, CheckOptions, CheckerBlock, ConnectOptions};
use crate::diagnostic::{Code, Severity};
use crate::model::lvs::values;
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::syntax::Node;

model! {
    /// `UDP_CHECK`.
    pub struct UdpCheck {
        /// `retry`, `delay_loop`, ...
        pub options: CheckOptions = CheckOptions::default(),
        /// `connect_ip`, `connect_port`, ...
        pub connection: ConnectOptions = ConnectOptions::default(),
        /// `payload HEX`: the data sent (default: random data).
        pub payload: Option<Vec<u8>> = None,
        /// `require_reply [HEX]`: a reply is needed; with a pattern (`x` for
        /// any nibble) its start must match. Unset, no reply is needed.
        pub require_reply: Option<Vec<MaskedByte>> = None,
        /// `min_reply_length N` (0-65535); default 0.
        pub min_reply_length: u16 = 0,
        /// `max_reply_length N` (0-65535); default 255.
        pub max_reply_length: u16 = 255,
    }
}

/// One octet of a reply pattern whose half-octets may be wildcards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MaskedByte {
    /// The octet (wildcard nibbles read as 0).
    pub value: u8,
    /// The bits not compared: `0xf0` and/or `0x0f` for `x` nibbles.
    pub ignore: u8,
}

impl CheckerBlock for UdpCheck {
    fn options(&mut self) -> &mut CheckOptions {
        &mut self.options
    }
    fn connection(&mut self) -> Option<&mut ConnectOptions> {
        Some(&mut self.connection)
    }
}

/// The keywords of `UDP_CHECK` besides the shared ones.
const UDP: &Keywords<UdpCheck> = &[
    ("payload", |cx, node, check| {
        cx.no_block(node);
        if node.args.is_empty() {
            cx.arg(node);
            return;
        }
        if let Some(pattern) = hex_arguments(cx, node, false) {
            check.payload = Some(pattern.iter().map(|b| b.value).collect());
        }
    }),
    ("require_reply", |cx, node, check| {
        cx.no_block(node);
        if node.args.is_empty() {
            check.require_reply = Some(Vec::new());
        } else if let Some(pattern) = hex_arguments(cx, node, true) {
            check.require_reply = Some(pattern);
        }
    }),
    ("min_reply_length", |cx, node, check| {
        if let Some(length) = values::u16_in(cx, node, 0..=u16::MAX) {
            check.min_reply_length = length;
        }
    }),
    ("max_reply_length", |cx, node, check| {
        if let Some(length) = values::u16_in(cx, node, 0..=u16::MAX) {
            check.max_reply_length = length;
        }
    }),
];

/// The words of the line read as one hex string, as keepalived joins them.
fn hex_arguments(cx: &mut Cx<'_>, node: &Node, wildcards: bool) -> Option<Vec<MaskedByte>> {
    let text: Vec<&str> = node.args.iter().map(|w| w.text.as_str()).collect();
    let parsed = parse_hex(&text.join(" "), wildcards);
    if parsed.is_none() {
        let location = node
            .args
            .first()
            .map_or(&node.keyword.location, |w| &w.location);
        cx.report_help(
            Severity::Error,
            Code::InvalidValue,
            location,
            format!("'{}' needs a hex string", node.name()),
            if wildcards {
                "use hex digits, spaces, and x for any nibble".into()
            } else {
                "use hex digits and spaces".into()
            },
        );
    }
    parsed
}

/// Reads a `UDP_CHECK` block.
pub(super) fn read(cx: &mut Cx<'_>, node: &Node, real_server: IpAddr) -> Option<UdpCheck> {
    let mut check = UdpCheck::default();
    if !options::read_block(cx, node, UDP, &mut check) {
        return None;
    }
    if !options::connection_usable(cx, node, &check.connection, real_server) {
        return None;
    }
    if check.min_reply_length > check.max_reply_length {
        cx.report(
            Severity::Warning,
            Code::Inconsistent,
            &node.keyword.location,
            format!(
                "UDP_CHECK min_reply_length {} is above max_reply_length {}; the check always fails",
                check.min_reply_length, check.max_reply_length
            ),
        );
    }
    Some(check)
}

/// Reads a hex string as keepalived's `read_hex_str` does: white space may
/// separate groups, each pair of digits is an octet and a lone digit before
/// a space is an octet of its own (`Ab12f 3` is `ab 12 0f 03`). With
/// `wildcards`, `x`/`X` stands for any nibble. `None` when a character is
/// not a hex digit or the string is empty.
pub(crate) fn parse_hex(text: &str, wildcards: bool) -> Option<Vec<MaskedByte>> {
    let nibble = |c: u8| -> Option<(u8, u8)> {
        match c {
            b'0'..=b'9' => Some((c - b'0', 0)),
            b'a'..=b'f' => Some((c - b'a' + 10, 0)),
            b'A'..=b'F' => Some((c - b'A' + 10, 0)),
            b'x' | b'X' if wildcards => Some((0, 0x0f)),
            _ => None,
        }
    };
    let is_space = |c: u8| c == b' ' || c == b'\t';
    let mut bytes = text.bytes().peekable();
    let mut out = Vec::new();
    while let Some(c) = bytes.next() {
        if is_space(c) {
            continue;
        }
        let (mut value, mut ignore) = nibble(c)?;
        if let Some(&next) = bytes.peek() {
            if !is_space(next) {
                let (low, low_ignore) = nibble(next)?;
                value = (value << 4) | low;
                ignore = (ignore << 4) | low_ignore;
                bytes.next();
            }
        }
        out.push(MaskedByte { value, ignore });
    }
    if out.is_empty() { None } else { Some(out) }
}

/// A pattern written back: two characters per octet, `x` for an ignored nibble.
pub(crate) fn write_hex(pattern: &[MaskedByte]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(pattern.len() * 2);
    for byte in pattern {
        for shift in [4u8, 0] {
            if (byte.ignore >> shift) & 0x0f == 0x0f {
                out.push('x');
            } else {
                out.push(char::from(
                    DIGITS[usize::from((byte.value >> shift) & 0x0f)],
                ));
            }
        }
    }
    out
}

/// Writes a `UDP_CHECK` block.
pub(super) fn write(check: &UdpCheck, w: &mut Writer) {
    w.open(&["UDP_CHECK"]);
    options::write_connection(&check.connection, w);
    options::write_options(&check.options, w);
    if let Some(payload) = &check.payload {
        let plain: Vec<MaskedByte> = payload
            .iter()
            .map(|&value| MaskedByte { value, ignore: 0 })
            .collect();
        w.value("payload", write_hex(&plain));
    }
    match &check.require_reply {
        Some(pattern) if pattern.is_empty() => w.line(&["require_reply"]),
        Some(pattern) => w.value("require_reply", write_hex(pattern)),
        None => {}
    }
    w.value_if("min_reply_length", &check.min_reply_length, &0);
    w.value_if("max_reply_length", &check.max_reply_length, &255);
    w.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(bytes: &[u8]) -> Vec<MaskedByte> {
        bytes
            .iter()
            .map(|&value| MaskedByte { value, ignore: 0 })
            .collect()
    }

    #[test]
    fn hex_strings_as_the_man_page_reads_them() {
        // keepalived.conf(5): "Ab12f 3 456 546443123" is "AB 12 0F 03 45 06 54 64 43 12 03".
        assert_eq!(
            parse_hex("Ab12f 3 456 546443123", false),
            Some(plain(&[
                0xab, 0x12, 0x0f, 0x03, 0x45, 0x06, 0x54, 0x64, 0x43, 0x12, 0x03
            ]))
        );
        assert_eq!(parse_hex("zz", false), None);
        assert_eq!(parse_hex("  ", false), None);
        assert_eq!(parse_hex("0x", false), None);
        assert_eq!(
            parse_hex("0aXx", true),
            Some(vec![
                MaskedByte {
                    value: 0x0a,
                    ignore: 0
                },
                MaskedByte {
                    value: 0,
                    ignore: 0xff
                }
            ])
        );
    }

    #[test]
    fn hex_patterns_write_back_as_themselves() {
        for text in ["ab120f03", "0axx", "x1f0"] {
            let pattern = parse_hex(text, true).unwrap();
            assert_eq!(write_hex(&pattern), text);
        }
        assert_eq!(write_hex(&parse_hex("f 3", false).unwrap()), "0f03");
    }
}
