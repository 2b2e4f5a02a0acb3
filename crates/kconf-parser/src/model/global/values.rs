//! Value readers that `global_defs`, the track blocks, `bfd_instance` and
//! the address/route/rule lines share, beyond the generic ones of `reader`:
//! keepalived's strict decimals (an error past the allowed decimal places,
//! where `reader::parse_seconds` truncates), whole seconds, block names and
//! the "already set" rule.
//!
//! These are generic enough to live in `reader`; they are kept here while
//! that file has another owner.

use std::ops::RangeInclusive;
use std::time::Duration;

use crate::diagnostic::{Code, Location, Severity};
use crate::model::reader::{Cx, seconds};
use crate::syntax::{Node, Word};

/// Why a decimal number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecimalError {
    /// Not a plain unsigned decimal number.
    Invalid,
    /// More fractional digits than the resolution allows.
    TooManyPlaces,
}

/// Parses an unsigned decimal (`12`, `12.5`, `.5`) with at most `places`
/// fractional digits into a count of `10^-places` units, as keepalived's
/// `read_decimal_unsigned_strvec` does.
pub(crate) fn parse_fixed(text: &str, places: u32) -> Result<u64, DecimalError> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(DecimalError::Invalid);
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecimalError::Invalid);
    }
    if fraction.len() > places as usize {
        return Err(DecimalError::TooManyPlaces);
    }
    let scale = 10u64.checked_pow(places).ok_or(DecimalError::Invalid)?;
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| DecimalError::Invalid)?
    };
    let mut units = whole.checked_mul(scale).ok_or(DecimalError::Invalid)?;
    let mut digit_scale = scale;
    for digit in fraction.bytes() {
        digit_scale /= 10;
        units = units
            .checked_add(u64::from(digit - b'0') * digit_scale)
            .ok_or(DecimalError::Invalid)?;
    }
    Ok(units)
}

/// A time in seconds with microsecond resolution from `word`; more than six
/// decimals is an error, as in keepalived.
pub(crate) fn micros_word(
    cx: &mut Cx<'_>,
    node: &Node,
    word: &Word,
    range: RangeInclusive<Duration>,
) -> Option<Duration> {
    match parse_fixed(&word.text, 6) {
        Ok(micros) => {
            let value = Duration::from_micros(micros);
            if range.contains(&value) {
                return Some(value);
            }
            cx.report(
                Severity::Error,
                Code::OutOfRange,
                &word.location,
                format!(
                    "'{}' {} is outside {}..={} seconds; line skipped",
                    node.name(),
                    word.text,
                    seconds(*range.start()),
                    seconds(*range.end())
                ),
            );
        }
        Err(DecimalError::TooManyPlaces) => cx.report_help(
            Severity::Error,
            Code::InvalidValue,
            &word.location,
            format!(
                "'{}' {} has more than six decimal places; line skipped",
                node.name(),
                word.text
            ),
            "times are in seconds with microsecond resolution".into(),
        ),
        Err(DecimalError::Invalid) => cx.report(
            Severity::Error,
            Code::InvalidValue,
            &word.location,
            format!(
                "'{}' needs a time in seconds, not '{}'",
                node.name(),
                word.text
            ),
        ),
    }
    None
}

/// The single argument as a time in seconds with microsecond resolution.
pub(crate) fn micros(
    cx: &mut Cx<'_>,
    node: &Node,
    range: RangeInclusive<Duration>,
) -> Option<Duration> {
    let word = cx.single(node)?;
    micros_word(cx, node, word, range)
}

/// The single argument as whole seconds in `range`.
pub(crate) fn whole_seconds(
    cx: &mut Cx<'_>,
    node: &Node,
    range: RangeInclusive<u64>,
) -> Option<Duration> {
    cx.number(node, range).map(Duration::from_secs)
}

/// An integer in `range` from `word`. It is parsed wide, so that a value
/// beyond the target type is reported out of range rather than not a number.
pub(crate) fn int_word<T: TryFrom<i128>>(
    cx: &mut Cx<'_>,
    node: &Node,
    word: &Word,
    range: RangeInclusive<i128>,
) -> Option<T> {
    let value = cx.number_word::<i128>(node, word, range)?;
    T::try_from(value).ok()
}

/// The single argument as an integer in `range` (see [`int_word`]).
pub(crate) fn int<T: TryFrom<i128>>(
    cx: &mut Cx<'_>,
    node: &Node,
    range: RangeInclusive<i128>,
) -> Option<T> {
    let word = cx.single(node)?;
    int_word(cx, node, word, range)
}

/// Reports that a value was corrected (keepalived carries on with another value).
pub(crate) fn corrected(cx: &mut Cx<'_>, location: &Location, message: String) {
    cx.report(Severity::Warning, Code::OutOfRange, location, message);
}

/// Reports a second occurrence of a keyword that keepalived takes only once,
/// keeping the first value.
pub(crate) fn already_set(cx: &mut Cx<'_>, node: &Node) {
    let location = node
        .args
        .first()
        .map_or(&node.keyword.location, |word| &word.location);
    cx.report(
        Severity::Warning,
        Code::Duplicate,
        location,
        format!(
            "'{}' is already set; keepalived keeps the first one and ignores this line",
            node.name()
        ),
    );
}

/// Reports an error at `location`.
pub(crate) fn error(cx: &mut Cx<'_>, code: Code, location: &Location, message: String) {
    cx.report(Severity::Error, code, location, message);
}

/// Reports a warning at `location`.
pub(crate) fn warning(cx: &mut Cx<'_>, code: Code, location: &Location, message: String) {
    cx.report(Severity::Warning, code, location, message);
}

/// The name of a named block (`track_group NAME {`): exactly one word. A
/// block without one is skipped, as keepalived does.
pub(crate) fn block_name<'n>(cx: &mut Cx<'_>, node: &'n Node) -> Option<&'n Word> {
    match node.args.as_slice() {
        [name] => Some(name),
        [] => {
            error(
                cx,
                Code::MissingValue,
                &node.keyword.location,
                format!("'{}' needs a name; block skipped", node.name()),
            );
            None
        }
        [_, extra, ..] => {
            error(
                cx,
                Code::ExtraArguments,
                &extra.location,
                format!(
                    "'{}' takes one name, not several; block skipped",
                    node.name()
                ),
            );
            None
        }
    }
}

/// A keyword with an optional boolean: bare means true, otherwise exactly
/// `true|on|yes|false|off|no` (keepalived's `check_true_false` is case
/// sensitive, unlike `reader::parse_bool`).
pub(crate) fn opt_bool(cx: &mut Cx<'_>, node: &Node) -> Option<bool> {
    cx.no_block(node);
    cx.at_most(node, 1);
    let Some(word) = node.args.first() else {
        return Some(true);
    };
    match word.text.as_str() {
        "true" | "on" | "yes" => Some(true),
        "false" | "off" | "no" => Some(false),
        _ => {
            error(
                cx,
                Code::InvalidValue,
                &word.location,
                format!(
                    "'{}' takes true/false, on/off or yes/no (lower case), not '{}'",
                    node.name(),
                    word.text
                ),
            );
            None
        }
    }
}

/// The words of a `{ }` block of plain words (`group { VI_1 VI_2 }`). keepalived
/// takes none on the keyword's own line.
pub(crate) fn block_words(
    cx: &mut Cx<'_>,
    node: &Node,
) -> Option<Vec<crate::model::types::Located<String>>> {
    if node.block.is_none() {
        error(
            cx,
            Code::BlockMismatch,
            &node.keyword.location,
            format!("'{}' needs a {{ }} block of names", node.name()),
        );
        return None;
    }
    cx.at_most(node, 0);
    Some(cx.word_list(node))
}

/// An IP address as keepalived's `inet_stosockaddr` reads it: anything
/// from a '/' on is ignored (`10.0.0.1/32` is 10.0.0.1).
pub(crate) fn sockaddr_word(cx: &mut Cx<'_>, node: &Node, word: &Word) -> Option<std::net::IpAddr> {
    let text = word
        .text
        .split_once('/')
        .map_or(word.text.as_str(), |(address, _)| address);
    let parsed = text.parse().ok();
    if parsed.is_none() {
        error(
            cx,
            Code::InvalidValue,
            &word.location,
            format!("'{}' needs an IP address, not '{}'", node.name(), word.text),
        );
    }
    parsed
}

/// Writes a keyword with an optional boolean (`keyword` alone when true,
/// `keyword off` when false).
pub(crate) fn write_opt_bool(
    w: &mut crate::model::writer::Writer,
    keyword: &str,
    value: Option<bool>,
) {
    match value {
        Some(true) => w.line(&[keyword]),
        Some(false) => w.line(&[keyword, "off"]),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_decimals() {
        assert_eq!(parse_fixed("3", 3), Ok(3000));
        assert_eq!(parse_fixed("3.312", 3), Ok(3312));
        assert_eq!(parse_fixed(".5", 6), Ok(500_000));
        assert_eq!(parse_fixed("0.000001", 6), Ok(1));
        assert_eq!(parse_fixed("1.0001", 3), Err(DecimalError::TooManyPlaces));
        for bad in ["", ".", "-1", "1e3", "a", "1.2.3", "99999999999999999999"] {
            assert_eq!(parse_fixed(bad, 6), Err(DecimalError::Invalid), "{bad}");
        }
    }
}

/// Helpers for the tests of every section.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

    use crate::diagnostic::{Code, Severity};
    use crate::model::{Config, write_config};
    use crate::{MemoryResolver, ParseOptions, Parsed};

    /// Parses `text` as /k.conf.
    pub(crate) fn parse(text: &str) -> Parsed {
        crate::parse_str_with(
            text,
            Path::new("/k.conf"),
            &ParseOptions::default(),
            &MemoryResolver::new(),
        )
    }

    /// The warnings and errors as (code, line, column).
    pub(crate) fn problems(parsed: &Parsed) -> Vec<(Code, u32, u32)> {
        parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity >= Severity::Warning)
            .map(|d| {
                let (line, column) = d.location.as_ref().map_or((0, 0), |l| (l.line, l.column));
                (d.code, line, column)
            })
            .collect()
    }

    /// Parses `text`, which must have no warning or error, writes it back,
    /// parses that and checks that both models are equal and that the
    /// written text raises nothing the original did not (notes included).
    pub(crate) fn round_trip(text: &str) -> Config {
        let first = parse(text);
        assert!(problems(&first).is_empty(), "{:#?}", first.diagnostics);
        let written = write_config(&first.config);
        let second = parse(&written);
        let messages = |parsed: &Parsed| {
            parsed
                .diagnostics
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(messages(&second), messages(&first), "{written}");
        assert_eq!(second.config, first.config, "{written}");
        first.config
    }
}
