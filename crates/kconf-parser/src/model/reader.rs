//! Reading values out of keyword lines: numbers in ranges, booleans, timers,
//! addresses, scripts, with a diagnostic for every value that is wrong.
//!
//! Blocks are read through keyword tables ([`Keywords`]): the table is the
//! one list of what a block accepts, so dispatch and "did you mean"
//! suggestions can never disagree.

use std::fmt::Display;
use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

use super::types::{Located, Script};
use crate::diagnostic::{Code, Diagnostic, Location, Severity};
use crate::syntax::{Node, Word};

/// A handler that applies one keyword line to the block being built.
pub(crate) type Handler<T> = fn(&mut Cx<'_>, &Node, &mut T);

/// The keywords a block accepts, each with its handler.
pub(crate) type Keywords<T> = [(&'static str, Handler<T>)];

/// The reading context: where diagnostics go and how strict to be.
pub(crate) struct Cx<'d> {
    pub(crate) diagnostics: &'d mut Vec<Diagnostic>,
    pub(crate) strict: bool,
}

impl Cx<'_> {
    pub(crate) fn report(
        &mut self,
        severity: Severity,
        code: Code,
        location: &Location,
        message: String,
    ) {
        self.diagnostics.push(Diagnostic::new(
            severity,
            code,
            Some(location.clone()),
            message,
        ));
    }

    pub(crate) fn report_help(
        &mut self,
        severity: Severity,
        code: Code,
        location: &Location,
        message: String,
        help: String,
    ) {
        self.diagnostics
            .push(Diagnostic::new(severity, code, Some(location.clone()), message).with_help(help));
    }

    /// Applies every child of `node` to `target` through `keywords`; unknown
    /// keywords are reported (with a suggestion) and skipped.
    pub(crate) fn read_block<T>(
        &mut self,
        node: &Node,
        block_name: &str,
        keywords: &Keywords<T>,
        target: &mut T,
    ) {
        if !self.require_block(node) {
            return;
        }
        for child in node.children() {
            self.dispatch(child, block_name, keywords, target);
        }
    }

    /// Reports a keyword that needs a `{ }` block and has none; true when
    /// the block is there.
    pub(crate) fn require_block(&mut self, node: &Node) -> bool {
        if node.block.is_some() {
            return true;
        }
        self.report(
            Severity::Error,
            Code::BlockMismatch,
            &node.keyword.location,
            format!("'{}' needs a {{ }} block", node.name()),
        );
        false
    }

    /// Applies one keyword line through `keywords`.
    pub(crate) fn dispatch<T>(
        &mut self,
        node: &Node,
        block_name: &str,
        keywords: &Keywords<T>,
        target: &mut T,
    ) {
        match keywords.iter().find(|(name, _)| *name == node.name()) {
            Some((_, handler)) => handler(self, node, target),
            None => self.unknown_keyword(node, block_name, keywords.iter().map(|(name, _)| *name)),
        }
    }

    /// Reports an unknown keyword with the closest known one as a suggestion.
    pub(crate) fn unknown_keyword<'k>(
        &mut self,
        node: &Node,
        block_name: &str,
        known: impl Iterator<Item = &'k str>,
    ) {
        let severity = if self.strict {
            Severity::Error
        } else {
            Severity::Warning
        };
        let word = node.name();
        let message = format!("unknown keyword '{word}' in {block_name}; line skipped");
        match closest(word, known) {
            Some(suggestion) => self.report_help(
                severity,
                Code::UnknownKeyword,
                &node.keyword.location,
                message,
                format!("did you mean '{suggestion}'?"),
            ),
            None => self.report(
                severity,
                Code::UnknownKeyword,
                &node.keyword.location,
                message,
            ),
        }
    }

    /// The first argument, or a missing-value diagnostic.
    pub(crate) fn arg<'n>(&mut self, node: &'n Node) -> Option<&'n Word> {
        let word = node.args.first();
        if word.is_none() {
            self.report(
                Severity::Error,
                Code::MissingValue,
                &node.keyword.location,
                format!("'{}' needs a value", node.name()),
            );
        }
        word
    }

    /// Warns about arguments past the first `max`: keepalived ignores them
    /// silently, which hides lines merged by a lost newline.
    pub(crate) fn at_most(&mut self, node: &Node, max: usize) {
        if let Some(extra) = node.args.get(max) {
            let ignored: Vec<&str> = node.args[max..].iter().map(|w| w.text.as_str()).collect();
            self.report_help(
                Severity::Warning,
                Code::ExtraArguments,
                &extra.location,
                format!(
                    "'{}' takes {} value{}; '{}' ignored",
                    node.name(),
                    max,
                    if max == 1 { "" } else { "s" },
                    ignored.join(" ")
                ),
                "is a line break missing?".into(),
            );
        }
    }

    /// Warns when a keyword that takes no block has one.
    pub(crate) fn no_block(&mut self, node: &Node) {
        if let Some(block) = &node.block {
            self.report(
                Severity::Warning,
                Code::BlockMismatch,
                &block.open,
                format!(
                    "'{}' takes no {{ }} block; the block is ignored",
                    node.name()
                ),
            );
        }
    }

    /// A single value keyword: exactly one argument, no block.
    pub(crate) fn single<'n>(&mut self, node: &'n Node) -> Option<&'n Word> {
        self.no_block(node);
        self.at_most(node, 1);
        self.arg(node)
    }

    /// A number in `range` from the word.
    pub(crate) fn number_word<T>(
        &mut self,
        node: &Node,
        word: &Word,
        range: RangeInclusive<T>,
    ) -> Option<T>
    where
        T: FromStr + PartialOrd + Display + Copy,
    {
        let parsed = parse_number::<T>(&word.text);
        // A whole number too big for the type is out of range, not malformed.
        let out_of_type = parsed.is_none() && word.text.parse::<i128>().is_ok();
        match parsed {
            Some(value) if range.contains(&value) => Some(value),
            _ if out_of_type || parsed.is_some() => {
                self.report(
                    Severity::Error,
                    Code::OutOfRange,
                    &word.location,
                    format!(
                        "'{}' {} is outside {}..={}",
                        node.name(),
                        word.text,
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
            _ => {
                self.report(
                    Severity::Error,
                    Code::InvalidValue,
                    &word.location,
                    format!(
                        "'{}' needs a whole number, not '{}'",
                        node.name(),
                        word.text
                    ),
                );
                None
            }
        }
    }

    /// The single argument as a number in `range`.
    pub(crate) fn number<T>(&mut self, node: &Node, range: RangeInclusive<T>) -> Option<T>
    where
        T: FromStr + PartialOrd + Display + Copy,
    {
        let word = self.single(node)?;
        self.number_word(node, word, range)
    }

    /// A boolean keyword: bare means true; otherwise on/off, true/false, yes/no.
    pub(crate) fn flag(&mut self, node: &Node) -> Option<bool> {
        self.no_block(node);
        self.at_most(node, 1);
        let Some(word) = node.args.first() else {
            return Some(true);
        };
        let value = parse_bool(&word.text);
        if value.is_none() {
            self.report(
                Severity::Error,
                Code::InvalidValue,
                &word.location,
                format!(
                    "'{}' takes on/off, true/false or yes/no, not '{}'",
                    node.name(),
                    word.text
                ),
            );
        }
        value
    }

    /// A time in seconds (fractions allowed, microsecond resolution) in `range`.
    pub(crate) fn timer(
        &mut self,
        node: &Node,
        range: RangeInclusive<Duration>,
    ) -> Option<Duration> {
        let word = self.single(node)?;
        self.timer_word(node, word, range)
    }

    pub(crate) fn timer_word(
        &mut self,
        node: &Node,
        word: &Word,
        range: RangeInclusive<Duration>,
    ) -> Option<Duration> {
        match parse_seconds(&word.text) {
            Some(value) if range.contains(&value) => Some(value),
            Some(_) => {
                self.report(
                    Severity::Error,
                    Code::OutOfRange,
                    &word.location,
                    format!(
                        "'{}' {} is outside {}..={} seconds",
                        node.name(),
                        word.text,
                        seconds(*range.start()),
                        seconds(*range.end())
                    ),
                );
                None
            }
            None => {
                self.report(
                    Severity::Error,
                    Code::InvalidValue,
                    &word.location,
                    format!(
                        "'{}' needs a time in seconds, not '{}'",
                        node.name(),
                        word.text
                    ),
                );
                None
            }
        }
    }

    /// The single argument as text.
    pub(crate) fn string(&mut self, node: &Node) -> Option<String> {
        self.single(node).map(|word| word.text.clone())
    }

    /// The single argument as a name that refers to something elsewhere.
    pub(crate) fn name(&mut self, node: &Node) -> Option<Located<String>> {
        self.single(node).map(located)
    }

    /// An IP address from the word.
    pub(crate) fn ip_word(&mut self, node: &Node, word: &Word) -> Option<IpAddr> {
        let parsed = word.text.parse().ok();
        if parsed.is_none() {
            self.report(
                Severity::Error,
                Code::InvalidValue,
                &word.location,
                format!("'{}' needs an IP address, not '{}'", node.name(), word.text),
            );
        }
        parsed
    }

    /// The single argument as an IP address.
    pub(crate) fn ip(&mut self, node: &Node) -> Option<IpAddr> {
        let word = self.single(node)?;
        self.ip_word(node, word)
    }

    /// One of `choices` (matched exactly, as keepalived does), from the word.
    pub(crate) fn choice_word<T: Copy>(
        &mut self,
        node: &Node,
        word: &Word,
        choices: &[(&str, T)],
    ) -> Option<T> {
        let found = choices
            .iter()
            .find(|(name, _)| *name == word.text)
            .map(|(_, value)| *value);
        if found.is_none() {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            let help = match closest(&word.text, names.iter().copied()) {
                Some(suggestion) => format!("did you mean '{suggestion}'?"),
                None => format!("expected one of: {}", names.join(", ")),
            };
            self.report_help(
                Severity::Error,
                Code::InvalidValue,
                &word.location,
                format!("'{}' does not take '{}'", node.name(), word.text),
                help,
            );
        }
        found
    }

    /// The single argument as one of `choices`.
    pub(crate) fn choice<T: Copy>(&mut self, node: &Node, choices: &[(&str, T)]) -> Option<T> {
        let word = self.single(node)?;
        self.choice_word(node, word, choices)
    }

    /// A script line: `keyword COMMAND [USER [GROUP]]`, the command usually
    /// quoted when it has arguments.
    pub(crate) fn script(&mut self, node: &Node) -> Option<Script> {
        self.no_block(node);
        self.at_most(node, 3);
        let command = self.arg(node)?;
        if command.text.trim().is_empty() {
            self.report(
                Severity::Error,
                Code::MissingValue,
                &command.location,
                format!("'{}' needs a command", node.name()),
            );
            return None;
        }
        Some(Script {
            command: command.text.clone(),
            user: node.args.get(1).map(|w| w.text.clone()),
            group: node.args.get(2).map(|w| w.text.clone()),
            location: Some(command.location.clone()),
        })
    }

    /// The keyword lines of a block whose entries are plain words (for example
    /// `notification_email { a@b c@d }`): every word of every line.
    pub(crate) fn word_list(&mut self, node: &Node) -> Vec<Located<String>> {
        if node.block.is_none() {
            // keepalived also takes the words on the keyword's own line.
            return node.args.iter().map(located).collect();
        }
        node.children()
            .iter()
            .flat_map(|child| std::iter::once(&child.keyword).chain(&child.args))
            .map(located)
            .collect()
    }
}

/// A word's text with its location.
pub(crate) fn located(word: &Word) -> Located<String> {
    Located::new(word.text.clone(), Some(word.location.clone()))
}

/// Parses a number as keepalived does: decimal.
pub(crate) fn parse_number<T: FromStr>(text: &str) -> Option<T> {
    text.parse().ok()
}

/// `on|off|true|false|yes|no`.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Some(true),
        "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// Seconds with up to six decimals (microseconds): `3`, `0.5`, `2.71828`.
pub(crate) fn parse_seconds(text: &str) -> Option<Duration> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut micros: u32 = 0;
    for (i, digit) in fraction.bytes().take(6).enumerate() {
        micros += u32::from(digit - b'0') * 10u32.pow(5 - i as u32);
    }
    Some(Duration::new(secs, micros * 1000))
}

/// A duration as keepalived writes seconds: `1`, `0.5`, `0.000001`.
pub(crate) fn seconds(duration: Duration) -> String {
    let micros = duration.subsec_micros();
    if micros == 0 {
        duration.as_secs().to_string()
    } else {
        let fraction = format!("{micros:06}");
        format!("{}.{}", duration.as_secs(), fraction.trim_end_matches('0'))
    }
}

/// The known word closest to `word`, if it is close enough to be a typo.
pub(crate) fn closest<'k>(word: &str, known: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    let word = word.to_ascii_lowercase();
    known
        .map(|candidate| {
            let lower = candidate.to_ascii_lowercase();
            // A keyword typed without its tail (`virtual_router` for
            // `virtual_router_id`) is the likelier mistake.
            let bonus = if lower.starts_with(&word) { 0.1 } else { 0.0 };
            (strsim::jaro_winkler(&word, &lower) + bonus, candidate)
        })
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_with_microsecond_resolution() {
        assert_eq!(parse_seconds("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_seconds("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_seconds("2.71828"),
            Some(Duration::from_micros(2_718_280))
        );
        assert_eq!(parse_seconds(".25"), Some(Duration::from_millis(250)));
        assert_eq!(
            parse_seconds("1.0000019"),
            Some(Duration::from_micros(1_000_001))
        );
        for bad in ["", ".", "-1", "1s", "a", "1.2.3", "1e3"] {
            assert_eq!(parse_seconds(bad), None, "{bad}");
        }
        assert_eq!(seconds(Duration::from_micros(2_718_280)), "2.71828");
        assert_eq!(seconds(Duration::from_secs(4)), "4");
    }

    #[test]
    fn booleans() {
        for (text, value) in [
            ("on", true),
            ("YES", true),
            ("true", true),
            ("off", false),
            ("no", false),
            ("False", false),
        ] {
            assert_eq!(parse_bool(text), Some(value));
        }
        assert_eq!(parse_bool("1"), None);
    }

    #[test]
    fn suggestions_for_typos_only() {
        let known = ["virtual_router_id", "virtual_ipaddress", "priority"];
        assert_eq!(
            closest("virtual_router", known.into_iter()),
            Some("virtual_router_id")
        );
        assert_eq!(closest("priorty", known.into_iter()), Some("priority"));
        assert_eq!(closest("bogus_kw", known.into_iter()), None);
    }
}
