//! `bfd_instance` blocks: BFD sessions (RFC 5880/5881) that VRRP instances
//! (`track_bfd`) and real servers (`BFD_CHECK`) follow.
//!
//! Intervals are written in milliseconds with up to three decimals
//! (microsecond resolution). The checks keepalived makes when a block ends
//! are made here too, with its verdict: an instance without a neighbour, with
//! a source of the other address family, or with the same addresses as an
//! earlier instance is dropped.

use std::net::IpAddr;
use std::time::Duration;

use super::global::values::{
    DecimalError, block_name, error, int_word, parse_fixed, sockaddr_word, warning,
};
use super::reader::{Cx, Keywords};
use super::types::Weight;
use super::writer::Writer;
use crate::diagnostic::{Code, Severity};
use crate::syntax::Node;

model! {
    /// `bfd_instance NAME { neighbor_ip ... }`.
    pub struct BfdInstance {
        /// Name referenced by `track_bfd` and `BFD_CHECK` (at most 31 characters).
        pub name: String = String::new(),
        /// `neighbor_ip` (or `neighbour_ip`): the peer; required.
        pub neighbor_ip: Option<IpAddr> = None,
        /// `source_ip`: the local address (needed for the local port to be
        /// valid; same family as the neighbour).
        pub source_ip: Option<IpAddr> = None,
        /// `min_rx MS`: required minimum receive interval (1 ms to 4294967 ms,
        /// default 10 ms).
        pub min_rx: Duration = Duration::from_millis(10),
        /// `min_tx MS`: desired minimum transmit interval (default 10 ms).
        pub min_tx: Duration = Duration::from_millis(10),
        /// `idle_tx MS`: desired transmit interval while the session is down
        /// (1000 ms to 4294967 ms, default 1000 ms).
        pub idle_tx: Duration = Duration::from_millis(1000),
        /// `multiplier N`: packets missed before the session goes down
        /// (1-255, default 5).
        pub multiplier: u8 = 5,
        /// `passive`: wait for the peer to start the session.
        pub passive: bool = false,
        /// `ttl N` (or `hoplimit N`): outgoing TTL/hop limit, 1-255 (unset: 255
        /// for IPv4, 64 for IPv6).
        pub ttl: Option<u8> = None,
        /// `max_hops N`: how much the received TTL may have dropped (-1 to
        /// 255, default 0; 255 disables the check); at most `ttl`.
        pub max_hops: i16 = 0,
        /// `weight N [reverse]`: default weight of `track_bfd`, -253..=253
        /// (default 0: the instance faults when the session is down).
        pub weight: Weight = Weight::default(),
        /// `vrrp`: send events to the VRRP process (with `checker`: only to
        /// those named; neither: to both).
        pub vrrp: bool = false,
        /// `checker`: send events to the checker process.
        pub checker: bool = false,
    }
}

/// The longest instance name (BFD_INAME_MAX less the NUL).
const NAME_MAX: usize = 31;
/// The largest interval in milliseconds: UINT32_MAX microseconds.
const INTERVAL_MAX_MS: u64 = u32::MAX as u64 / 1000;

impl BfdInstance {
    /// The TTL (IPv4) or hop limit (IPv6) sent: `ttl`, else 255 or 64.
    pub fn effective_ttl(&self) -> u8 {
        self.ttl.unwrap_or(match self.neighbor_ip {
            Some(IpAddr::V6(_)) => 64,
            _ => 255,
        })
    }
}

/// A `bfd_instance` while it is read.
struct Draft {
    bfd: BfdInstance,
    /// keepalived drops the instance (a malformed neighbour address).
    dropped: bool,
}

/// An interval in milliseconds with microsecond resolution, within
/// `min_ms..=INTERVAL_MAX_MS`.
fn interval(cx: &mut Cx<'_>, node: &Node, min_ms: u64, sensible_ms: u64) -> Option<Duration> {
    let word = cx.single(node)?;
    let micros = match parse_fixed(&word.text, 3) {
        Ok(micros) => micros,
        Err(DecimalError::TooManyPlaces) => {
            error(
                cx,
                Code::InvalidValue,
                &word.location,
                format!(
                    "'{}' {} has more than three decimals (milliseconds to the microsecond)",
                    node.name(),
                    word.text
                ),
            );
            return None;
        }
        Err(DecimalError::Invalid) => {
            error(
                cx,
                Code::InvalidValue,
                &word.location,
                format!("'{}' needs milliseconds, not '{}'", node.name(), word.text),
            );
            return None;
        }
    };
    if !(min_ms * 1000..=INTERVAL_MAX_MS * 1000).contains(&micros) {
        error(
            cx,
            Code::OutOfRange,
            &word.location,
            format!(
                "'{}' {} is outside {min_ms}..={INTERVAL_MAX_MS} milliseconds",
                node.name(),
                word.text
            ),
        );
        return None;
    }
    if micros > sensible_ms * 1000 {
        cx.report(
            Severity::Note,
            Code::OutOfRange,
            &word.location,
            format!(
                "'{}' {} ms is more than the sensible {sensible_ms} ms",
                node.name(),
                word.text
            ),
        );
    }
    Some(Duration::from_micros(micros))
}

fn address(cx: &mut Cx<'_>, node: &Node) -> Option<IpAddr> {
    let word = cx.single(node)?;
    sockaddr_word(cx, node, word)
}

const BFD_INSTANCE: &Keywords<Draft> = &[
    ("neighbor_ip", |cx, node, d| neighbor(cx, node, d)),
    ("neighbour_ip", |cx, node, d| neighbor(cx, node, d)),
    ("source_ip", |cx, node, d| {
        if let Some(ip) = address(cx, node) {
            d.bfd.source_ip = Some(ip);
        }
    }),
    ("min_rx", |cx, node, d| {
        if let Some(interval) = interval(cx, node, 1, 1000) {
            d.bfd.min_rx = interval;
        }
    }),
    ("min_tx", |cx, node, d| {
        if let Some(interval) = interval(cx, node, 1, 1000) {
            d.bfd.min_tx = interval;
        }
    }),
    ("idle_tx", |cx, node, d| {
        if let Some(interval) = interval(cx, node, 1000, 10_000) {
            d.bfd.idle_tx = interval;
        }
    }),
    ("multiplier", |cx, node, d| {
        let Some(word) = cx.single(node) else { return };
        if let Some(multiplier) = int_word(cx, node, word, 1..=255) {
            d.bfd.multiplier = multiplier;
        }
    }),
    ("passive", |cx, node, d| {
        cx.no_block(node);
        cx.at_most(node, 0);
        d.bfd.passive = true;
    }),
    ("ttl", |cx, node, d| ttl(cx, node, d)),
    ("hoplimit", |cx, node, d| ttl(cx, node, d)),
    ("max_hops", |cx, node, d| {
        let Some(word) = cx.single(node) else { return };
        if let Some(hops) = int_word(cx, node, word, -1..=255) {
            d.bfd.max_hops = hops;
        }
    }),
    ("weight", |cx, node, d| {
        cx.no_block(node);
        cx.at_most(node, 2);
        let Some(word) = cx.arg(node) else { return };
        if let Some(value) = int_word(cx, node, word, -253..=253) {
            d.bfd.weight.value = value;
        }
        match node.args.get(1) {
            Some(option) if option.text == "reverse" => d.bfd.weight.reverse = true,
            Some(option) => error(
                cx,
                Code::InvalidValue,
                &option.location,
                format!(
                    "'weight' takes only 'reverse' after the value, not '{}'",
                    option.text
                ),
            ),
            None => {}
        }
    }),
    ("vrrp", |cx, node, d| {
        cx.no_block(node);
        cx.at_most(node, 0);
        d.bfd.vrrp = true;
    }),
    ("checker", |cx, node, d| {
        cx.no_block(node);
        cx.at_most(node, 0);
        d.bfd.checker = true;
    }),
];

fn neighbor(cx: &mut Cx<'_>, node: &Node, d: &mut Draft) {
    match address(cx, node) {
        Some(ip) => d.bfd.neighbor_ip = Some(ip),
        // keepalived drops the whole instance.
        None => d.dropped = true,
    }
}

fn ttl(cx: &mut Cx<'_>, node: &Node, d: &mut Draft) {
    let Some(word) = cx.single(node) else { return };
    if let Some(ttl) = int_word(cx, node, word, 1..=255) {
        d.bfd.ttl = Some(ttl);
    }
}

/// Reads a `bfd_instance`.
pub(crate) fn read_bfd_instance(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<BfdInstance>) {
    let Some(name) = block_name(cx, node) else {
        return;
    };
    if name.text.len() > NAME_MAX {
        error(
            cx,
            Code::InvalidValue,
            &name.location,
            format!(
                "bfd_instance name '{}' is longer than {NAME_MAX} characters; block skipped",
                name.text
            ),
        );
        return;
    }
    if out.iter().any(|bfd| bfd.name == name.text) {
        error(
            cx,
            Code::Duplicate,
            &name.location,
            format!(
                "bfd_instance {} is already defined; block skipped",
                name.text
            ),
        );
        return;
    }
    if !cx.require_block(node) {
        return;
    }
    let mut draft = Draft {
        bfd: BfdInstance {
            name: name.text.clone(),
            ..BfdInstance::default()
        },
        dropped: false,
    };
    cx.read_block(node, "bfd_instance", BFD_INSTANCE, &mut draft);
    if draft.dropped {
        return;
    }
    let mut bfd = draft.bfd;
    let Some(neighbor) = bfd.neighbor_ip else {
        error(
            cx,
            Code::MissingValue,
            &name.location,
            format!(
                "bfd_instance {} has no neighbor_ip; keepalived disables it",
                bfd.name
            ),
        );
        return;
    };
    if bfd
        .source_ip
        .is_some_and(|source| source.is_ipv4() != neighbor.is_ipv4())
    {
        error(
            cx,
            Code::Inconsistent,
            &name.location,
            format!(
                "bfd_instance {}: source_ip and neighbor_ip are of different families; keepalived disables it",
                bfd.name
            ),
        );
        return;
    }
    // keepalived's find_bfd_by_addr: a missing source matches any source.
    let same_source = |other: &BfdInstance| {
        other.source_ip.is_none() || bfd.source_ip.is_none() || other.source_ip == bfd.source_ip
    };
    if let Some(earlier) = out
        .iter()
        .find(|other| other.neighbor_ip == bfd.neighbor_ip && same_source(other))
    {
        error(
            cx,
            Code::Duplicate,
            &name.location,
            format!(
                "bfd_instance {} has the same neighbor and source as {}; keepalived ignores it",
                bfd.name, earlier.name
            ),
        );
        return;
    }
    let ttl = bfd.effective_ttl();
    // keepalived holds max_hops unsigned: -1 counts as 255 here.
    let hops = if bfd.max_hops < 0 { 255 } else { bfd.max_hops };
    if hops > i16::from(ttl) {
        warning(
            cx,
            Code::Inconsistent,
            &name.location,
            format!(
                "bfd_instance {}: max_hops {} exceeds the TTL {ttl}; keepalived uses {ttl}",
                bfd.name, bfd.max_hops
            ),
        );
        bfd.max_hops = i16::from(ttl);
    }
    out.push(bfd);
}

/// Milliseconds with up to three decimals.
fn millis(duration: Duration) -> String {
    let micros = duration.as_micros();
    let fraction = micros % 1000;
    if fraction == 0 {
        (micros / 1000).to_string()
    } else {
        let fraction = format!("{fraction:03}");
        format!("{}.{}", micros / 1000, fraction.trim_end_matches('0'))
    }
}

/// Writes a `bfd_instance`.
pub(crate) fn write_bfd_instance(instance: &BfdInstance, w: &mut Writer) {
    let d = BfdInstance::default();
    w.open(&["bfd_instance", &instance.name]);
    w.opt("neighbor_ip", &instance.neighbor_ip);
    w.opt("source_ip", &instance.source_ip);
    for (keyword, value, default) in [
        ("min_rx", instance.min_rx, d.min_rx),
        ("min_tx", instance.min_tx, d.min_tx),
        ("idle_tx", instance.idle_tx, d.idle_tx),
    ] {
        if value != default {
            w.value(keyword, millis(value));
        }
    }
    w.value_if("multiplier", &instance.multiplier, &d.multiplier);
    w.flag("passive", instance.passive);
    w.opt("ttl", &instance.ttl);
    w.value_if("max_hops", &instance.max_hops, &d.max_hops);
    if instance.weight != d.weight {
        let value = instance.weight.value.to_string();
        let mut words = vec!["weight", value.as_str()];
        if instance.weight.reverse {
            words.push("reverse");
        }
        w.line(&words);
    }
    w.flag("vrrp", instance.vrrp);
    w.flag("checker", instance.checker);
    w.close();
}

/// Checks of this section that need the whole configuration. A BFD
/// instance refers to no other block; `track_bfd` and `BFD_CHECK`, which
/// refer to it, are checked by their own sections.
pub(crate) fn validate(_config: &super::Config, _cx: &mut Cx<'_>) {}

#[cfg(test)]
mod tests {
    use super::super::global::values::testing::{parse, problems, round_trip};
    use super::*;

    #[test]
    fn defaults() {
        let parsed = parse("bfd_instance b {\n neighbor_ip 192.0.2.1\n}\n");
        assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
        let bfd = &parsed.config.bfd_instances[0];
        assert_eq!(bfd.name, "b");
        assert_eq!(
            (bfd.min_rx, bfd.min_tx, bfd.idle_tx),
            (
                Duration::from_millis(10),
                Duration::from_millis(10),
                Duration::from_secs(1)
            )
        );
        assert_eq!(
            (bfd.multiplier, bfd.ttl, bfd.effective_ttl(), bfd.max_hops),
            (5, None, 255, 0)
        );
        assert_eq!(bfd.weight, Weight::default());
        assert!(!bfd.passive && !bfd.vrrp && !bfd.checker);
    }

    #[test]
    fn every_keyword() {
        let parsed = parse(
            "bfd_instance b1 {\n neighbour_ip 2001:db8::1\n source_ip 2001:db8::2\n min_rx 3.312\n min_tx 4294967\n\
             idle_tx 2000.5\n multiplier 3\n passive\n hoplimit 10\n max_hops 10\n weight -253 reverse\n vrrp\n checker\n}\n",
        );
        assert!(problems(&parsed).is_empty(), "{:#?}", parsed.diagnostics);
        // keepalived logs that a min_tx above a second is not sensible.
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(
            (parsed.diagnostics[0].severity, parsed.diagnostics[0].code),
            (Severity::Note, Code::OutOfRange)
        );
        let bfd = &parsed.config.bfd_instances[0];
        assert_eq!(bfd.neighbor_ip, Some("2001:db8::1".parse().expect("ip")));
        assert_eq!(bfd.source_ip, Some("2001:db8::2".parse().expect("ip")));
        assert_eq!(bfd.min_rx, Duration::from_micros(3312));
        assert_eq!(bfd.min_tx, Duration::from_millis(4_294_967));
        assert_eq!(bfd.idle_tx, Duration::from_micros(2_000_500));
        assert_eq!(
            (bfd.multiplier, bfd.passive, bfd.ttl, bfd.max_hops),
            (3, true, Some(10), 10)
        );
        assert_eq!(
            bfd.weight,
            Weight {
                value: -253,
                reverse: true
            }
        );
        assert!(bfd.vrrp && bfd.checker);
    }

    #[test]
    fn values_out_of_range_point_at_the_value() {
        let parsed = parse(
            "bfd_instance b1 {\n neighbor_ip 10.0.0.1\n min_rx 0\n min_tx 1.0001\n idle_tx 999\n multiplier 0\n\
             ttl 256\n max_hops -2\n weight 300\n weight 5 bogus\n multihop\n}\n",
        );
        let bfd = &parsed.config.bfd_instances[0];
        assert_eq!(
            (bfd.min_rx, bfd.weight.value),
            (Duration::from_millis(10), 5)
        );
        assert_eq!(
            problems(&parsed),
            vec![
                (Code::OutOfRange, 3, 9),
                (Code::InvalidValue, 4, 9),
                (Code::OutOfRange, 5, 10),
                (Code::OutOfRange, 6, 13),
                (Code::OutOfRange, 7, 5),
                (Code::OutOfRange, 8, 11),
                (Code::OutOfRange, 9, 9),
                (Code::InvalidValue, 10, 11),
                (Code::UnknownKeyword, 11, 2),
            ]
        );
    }

    #[test]
    fn keepalived_drops_broken_instances() {
        let parsed = parse(
            "bfd_instance b1 {\n neighbor_ip 10.0.0.1\n}\n\
             bfd_instance b2 {\n neighbor_ip 10.0.0.1\n}\n\
             bfd_instance b3 {\n source_ip 10.0.0.5\n}\n\
             bfd_instance b4 {\n neighbor_ip 2001:db8::1\n source_ip 10.0.0.5\n}\n\
             bfd_instance abcdefghijklmnopqrstuvwxyz0123456789 {\n neighbor_ip 10.0.0.10\n}\n\
             bfd_instance b1 {\n neighbor_ip 10.0.0.11\n}\n\
             bfd_instance b6 {\n neighbor_ip 10.0.0.300\n}\n\
             bfd_instance b7 {\n neighbor_ip 10.0.0.7\n ttl 5\n max_hops 10\n}\n\
             bfd_instance b8 {\n neighbor_ip 10.0.0.7\n source_ip 10.0.0.8\n}\n\
             bfd_instance b9 {\n neighbor_ip 10.0.0.1\n source_ip 10.0.0.8\n}\n\
             bfd_instance b10 {\n neighbor_ip 10.0.0.10\n ttl 254\n max_hops -1\n}\n",
        );
        let names: Vec<&str> = parsed
            .config
            .bfd_instances
            .iter()
            .map(|b| b.name.as_str())
            .collect();
        assert_eq!(names, ["b1", "b7", "b10"]);
        assert_eq!(parsed.config.bfd_instances[1].max_hops, 5);
        assert_eq!(
            parsed.config.bfd_instances[2].max_hops, 254,
            "keepalived compares -1 as 255"
        );
        assert_eq!(
            problems(&parsed),
            vec![
                (Code::Duplicate, 4, 14),
                (Code::MissingValue, 7, 14),
                (Code::Inconsistent, 10, 14),
                (Code::InvalidValue, 14, 14),
                (Code::Duplicate, 17, 14),
                (Code::InvalidValue, 21, 14),
                (Code::Inconsistent, 23, 14),
                (Code::Duplicate, 28, 14),
                (Code::Duplicate, 32, 14),
                (Code::Inconsistent, 36, 14),
            ]
        );
    }

    #[test]
    fn addresses_read_like_inet_stosockaddr() {
        // keepalived ignores everything from a '/' on.
        let parsed =
            parse("bfd_instance b {\n neighbor_ip 10.0.0.1/32\n source_ip 10.0.0.2/junk\n}\n");
        assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
        let bfd = &parsed.config.bfd_instances[0];
        assert_eq!(
            (bfd.neighbor_ip, bfd.source_ip),
            (
                Some("10.0.0.1".parse().expect("ip")),
                Some("10.0.0.2".parse().expect("ip"))
            )
        );
    }

    #[test]
    fn bfd_instances_round_trip() {
        let config = round_trip(
            "bfd_instance plain {\n neighbor_ip 192.0.2.1\n max_hops -1\n}\n\
             bfd_instance full {\n neighbor_ip 2001:db8::1\n source_ip 2001:db8::2\n min_rx 1.5\n min_tx 25\n\
             idle_tx 1500.125\n multiplier 10\n passive\n max_hops 64\n weight 10\n checker\n}\n",
        );
        assert_eq!(
            config.bfd_instances[1].idle_tx,
            Duration::from_micros(1_500_125)
        );
        assert_eq!(millis(Duration::from_micros(500)), "0.5");
    }
}
