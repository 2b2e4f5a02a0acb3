//! Diagnostics: what is wrong with a configuration, where, and what to do.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; does not change the exit status of a config test.
    Note,
    /// keepalived would carry on (skipping or correcting the entry); the
    /// config test still reports the file as not clean.
    Warning,
    /// The entry is rejected.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A stable name for each kind of problem, so tools and tests can match on
/// it rather than on the wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// A configuration file (the main one or a required include) cannot be read.
    FileUnreadable,
    /// `include` names a file that is already being included.
    IncludeLoop,
    /// An include pattern matched nothing.
    IncludeMissing,
    /// Includes nested deeper than the limit.
    IncludeTooDeep,
    /// Bytes that are not UTF-8.
    InvalidEncoding,
    /// A NUL byte in the text.
    NulByte,
    /// A line longer than the limit.
    LineTooLong,
    /// A quoted string without its closing quote.
    UnterminatedQuote,
    /// A `}` without its `{`.
    UnexpectedClose,
    /// A `{` that has no keyword to belong to.
    UnexpectedOpen,
    /// A `{` never closed.
    UnclosedBlock,
    /// Blocks nested deeper than the limit.
    NestingTooDeep,
    /// A malformed `$NAME=` definition.
    InvalidParameter,
    /// Parameter substitution did not terminate within the limits.
    ExpansionLimit,
    /// A malformed `~SEQ`/`~SEQx`/`~LST` generator.
    InvalidGenerator,
    /// A malformed `@ID` conditional.
    InvalidConditional,
    /// A keyword that is not known in its block.
    UnknownKeyword,
    /// A keyword that needs a value has none.
    MissingValue,
    /// A value of the wrong type or form.
    InvalidValue,
    /// A number outside its allowed range.
    OutOfRange,
    /// More values than the keyword takes.
    ExtraArguments,
    /// A keyword that needs a block has none, or one that takes none has one.
    BlockMismatch,
    /// A name that refers to nothing (a track_script without its vrrp_script, ...).
    UnknownReference,
    /// Something defined twice where once is allowed.
    Duplicate,
    /// A combination keepalived refuses or corrects.
    Inconsistent,
    /// A script security problem (keepalived's exit status 6).
    Security,
}

impl Code {
    /// The kebab-case name printed after the message, e.g. `unknown-keyword`.
    pub fn name(self) -> &'static str {
        match self {
            Code::FileUnreadable => "file-unreadable",
            Code::IncludeLoop => "include-loop",
            Code::IncludeMissing => "include-missing",
            Code::IncludeTooDeep => "include-too-deep",
            Code::InvalidEncoding => "invalid-encoding",
            Code::NulByte => "nul-byte",
            Code::LineTooLong => "line-too-long",
            Code::UnterminatedQuote => "unterminated-quote",
            Code::UnexpectedClose => "unexpected-close",
            Code::UnexpectedOpen => "unexpected-open",
            Code::UnclosedBlock => "unclosed-block",
            Code::NestingTooDeep => "nesting-too-deep",
            Code::InvalidParameter => "invalid-parameter",
            Code::ExpansionLimit => "expansion-limit",
            Code::InvalidGenerator => "invalid-generator",
            Code::InvalidConditional => "invalid-conditional",
            Code::UnknownKeyword => "unknown-keyword",
            Code::MissingValue => "missing-value",
            Code::InvalidValue => "invalid-value",
            Code::OutOfRange => "out-of-range",
            Code::ExtraArguments => "extra-arguments",
            Code::BlockMismatch => "block-mismatch",
            Code::UnknownReference => "unknown-reference",
            Code::Duplicate => "duplicate",
            Code::Inconsistent => "inconsistent",
            Code::Security => "security",
        }
    }
}

/// A position in a configuration file. Lines and columns count from 1;
/// columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file, as it was named (the main file's path, or an include's
    /// resolved path).
    pub file: Arc<Path>,
    /// Line number.
    pub line: u32,
    /// Column of the first character of the offending text.
    pub column: u32,
    /// True when the text came out of a parameter or generator expansion,
    /// so the column is one in the expanded line, not in the file.
    pub expanded: bool,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One problem found in a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How bad it is.
    pub severity: Severity,
    /// What kind of problem it is.
    pub code: Code,
    /// Where, when the problem has a place in a file.
    pub location: Option<Location>,
    /// One line saying what is wrong.
    pub message: String,
    /// What to do about it, when there is something better to say than the message.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new diagnostic with no help text.
    pub fn new(
        severity: Severity,
        code: Code,
        location: Option<Location>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            code,
            location,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The diagnostic in the `file:line:col: severity: message` form that
    /// editors and CI annotators understand, with the help on a second line.
    /// `colour` adds ANSI colours for a terminal.
    pub fn render(&self, colour: bool) -> String {
        let (on, off) = match (colour, self.severity) {
            (false, _) => ("", ""),
            (true, Severity::Error) => ("\x1b[1;31m", "\x1b[0m"),
            (true, Severity::Warning) => ("\x1b[1;33m", "\x1b[0m"),
            (true, Severity::Note) => ("\x1b[1;36m", "\x1b[0m"),
        };
        let mut text = match &self.location {
            Some(location) => format!("{location}: "),
            None => String::new(),
        };
        text.push_str(&format!(
            "{on}{}{off}: {} [{}]",
            self.severity,
            self.message,
            self.code.name()
        ));
        if self.location.as_ref().is_some_and(|l| l.expanded) {
            text.push_str(" (in expanded text)");
        }
        if let Some(help) = &self.help {
            text.push_str(&format!("\n  help: {help}"));
        }
        text
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// What a config test reports, with keepalived's exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing to report (exit 0).
    Clean,
    /// The configuration cannot be used at all: the file is missing or
    /// unreadable (keepalived's KEEPALIVED_EXIT_CONFIG, 4).
    Fatal,
    /// Problems were found (KEEPALIVED_EXIT_CONFIG_TEST, 5).
    Problems,
    /// Script security problems were found (KEEPALIVED_EXIT_CONFIG_TEST_SECURITY, 6).
    Security,
}

impl Verdict {
    /// The verdict for a set of diagnostics, ranked as keepalived ranks them.
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        let counted = diagnostics
            .iter()
            .filter(|d| d.severity >= Severity::Warning);
        let mut verdict = Verdict::Clean;
        for diagnostic in counted {
            let this = match diagnostic.code {
                Code::FileUnreadable => Verdict::Fatal,
                Code::Security => Verdict::Security,
                _ => Verdict::Problems,
            };
            verdict = match (verdict, this) {
                (Verdict::Fatal, _) | (_, Verdict::Fatal) => Verdict::Fatal,
                (Verdict::Security, _) | (_, Verdict::Security) => Verdict::Security,
                _ => Verdict::Problems,
            };
        }
        verdict
    }

    /// keepalived's exit status for this verdict.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Clean => 0,
            Verdict::Fatal => 4,
            Verdict::Problems => 5,
            Verdict::Security => 6,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Option<Location> {
        Some(Location {
            file: Arc::from(Path::new("k.conf")),
            line,
            column,
            expanded: false,
        })
    }

    #[test]
    fn renders_the_familiar_form() {
        let d = Diagnostic::new(
            Severity::Error,
            Code::OutOfRange,
            at(3, 23),
            "vrid 300 is out of range",
        )
        .with_help("use 1-255");
        assert_eq!(
            d.render(false),
            "k.conf:3:23: error: vrid 300 is out of range [out-of-range]\n  help: use 1-255"
        );
        assert!(d.render(true).contains("\x1b[1;31merror\x1b[0m"));
    }

    #[test]
    fn verdicts_follow_keepalived_exit_codes() {
        let d = |severity, code| Diagnostic::new(severity, code, None, "x");
        assert_eq!(Verdict::of(&[]).exit_code(), 0);
        assert_eq!(
            Verdict::of(&[d(Severity::Note, Code::Inconsistent)]).exit_code(),
            0
        );
        assert_eq!(
            Verdict::of(&[d(Severity::Warning, Code::UnknownKeyword)]).exit_code(),
            5
        );
        assert_eq!(
            Verdict::of(&[
                d(Severity::Warning, Code::Security),
                d(Severity::Error, Code::OutOfRange)
            ])
            .exit_code(),
            6
        );
        assert_eq!(
            Verdict::of(&[
                d(Severity::Error, Code::FileUnreadable),
                d(Severity::Warning, Code::Security)
            ])
            .exit_code(),
            4
        );
    }
}
