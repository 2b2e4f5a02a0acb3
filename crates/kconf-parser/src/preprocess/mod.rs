//! From files to logical lines, as keepalived reads them: comments removed,
//! `include`s followed, `@ID` conditionals applied, `$NAME=` parameters
//! defined and substituted, `~SEQ`/`~LST` generators unrolled.
//!
//! keepalived looks for `include` before conditionals and parameters (its
//! man page says so), and substitutes parameters at use time, so a value can
//! change between uses. Both orders are kept here.

mod generators;
pub(crate) mod params;

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use params::{BuiltinContext, ParamValue, Random, SubstError, SubstLimits};

use crate::diagnostic::{Code, Diagnostic, Location, Severity};
use crate::resolver::{Resolver, expand_braces};
use crate::{Limits, ParseOptions};

/// One line ready for the lexer, with where it came from.
#[derive(Debug, Clone)]
pub(crate) struct LogicalLine {
    pub(crate) text: String,
    pub(crate) file: Arc<Path>,
    pub(crate) line: u32,
    /// Column in the physical line where `text` starts, less one.
    pub(crate) column_offset: u32,
    /// The text came out of a substitution or generator.
    pub(crate) expanded: bool,
}

impl LogicalLine {
    pub(crate) fn location(&self, column: u32) -> Location {
        Location {
            file: self.file.clone(),
            line: self.line,
            column: self.column_offset.saturating_add(column),
            expanded: self.expanded,
        }
    }
}

/// The include keywords, recognised as the first word of a line.
pub(crate) const INCLUDE_KEYWORDS: &[&str] = &[
    "include", "includet", "includer", "includem", "includew", "includeb", "includea",
];

/// Where a physical line is, for diagnostics and for `${_PWD}`.
#[derive(Clone)]
struct Origin {
    file: Arc<Path>,
    line: u32,
    column_offset: u32,
    expanded: bool,
}

impl Origin {
    fn location(&self, column: u32) -> Location {
        Location {
            file: self.file.clone(),
            line: self.line,
            column: self.column_offset.saturating_add(column),
            expanded: self.expanded,
        }
    }

    fn shifted(&self, chars: usize) -> Origin {
        let mut origin = self.clone();
        origin.column_offset = origin
            .column_offset
            .saturating_add(u32::try_from(chars).unwrap_or(u32::MAX));
        origin
    }

    fn expanded(&self) -> Origin {
        Origin {
            expanded: true,
            ..self.clone()
        }
    }
}

/// A `$NAME= \` definition still collecting its lines.
struct PendingDefinition {
    name: String,
    lines: Vec<String>,
}

/// Where logical lines go as they are produced.
pub(crate) trait LineSink {
    fn line(&mut self, line: LogicalLine);
}

pub(crate) struct Preprocessor<'a> {
    sink: &'a mut dyn LineSink,
    options: &'a ParseOptions,
    resolver: &'a dyn Resolver,
    params: HashMap<String, ParamValue>,
    random: Random,
    /// Identities of the files being read, outermost first, for loop detection.
    include_stack: Vec<(PathBuf, Arc<Path>)>,
    pending: Option<PendingDefinition>,
    emitted_lines: usize,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Every file read, in order.
    pub(crate) files: Vec<Arc<Path>>,
    output_bytes: usize,
    limit_reported: bool,
}

impl<'a> Preprocessor<'a> {
    pub(crate) fn new(
        options: &'a ParseOptions,
        resolver: &'a dyn Resolver,
        sink: &'a mut dyn LineSink,
    ) -> Self {
        Preprocessor {
            sink,
            options,
            resolver,
            params: HashMap::new(),
            random: Random::new(options.random_seed),
            include_stack: Vec::new(),
            pending: None,
            emitted_lines: 0,
            diagnostics: Vec::new(),
            files: Vec::new(),
            output_bytes: 0,
            limit_reported: false,
        }
    }

    fn limits(&self) -> &Limits {
        &self.options.limits
    }

    fn report(
        &mut self,
        severity: Severity,
        code: Code,
        location: Option<Location>,
        message: String,
    ) {
        self.diagnostics
            .push(Diagnostic::new(severity, code, location, message));
    }

    /// Reads the main file. A missing main file is fatal, as it is for
    /// keepalived's daemons (its `-t` wrongly passes it).
    pub(crate) fn read_main(&mut self, path: &Path) {
        match self.resolver.open(path) {
            Ok(mut reader) => self.read_stream(path, &mut reader),
            Err(err) => self.report(
                Severity::Error,
                Code::FileUnreadable,
                None,
                format!("cannot read configuration file {}: {err}", path.display()),
            ),
        }
    }

    /// Reads `bytes` as the contents of `path`.
    pub(crate) fn read_text(&mut self, path: &Path, bytes: &[u8]) {
        self.read_stream(path, &mut std::io::Cursor::new(bytes));
    }

    /// Reads `path`'s contents line by line from `reader`: only one line is
    /// held at a time, and at most `max_line_len + 1` bytes of it.
    fn read_stream(&mut self, path: &Path, reader: &mut dyn BufRead) {
        let file: Arc<Path> = Arc::from(path);
        self.files.push(file.clone());
        self.include_stack
            .push((self.resolver.identity(path), file.clone()));
        let mut line = Vec::new();
        let max = self.limits().max_line_len;
        let mut number: u32 = 0;
        loop {
            number = number.saturating_add(1);
            let origin = Origin {
                file: file.clone(),
                line: number,
                column_offset: 0,
                expanded: false,
            };
            let length = match read_line_bounded(reader, &mut line, max) {
                Ok(Some(length)) => length,
                Ok(None) => break,
                Err(err) => {
                    self.report(
                        Severity::Error,
                        Code::FileUnreadable,
                        Some(origin.location(1)),
                        format!(
                            "reading {} failed: {err}; the rest of the file is ignored",
                            path.display()
                        ),
                    );
                    break;
                }
            };
            if !self.physical_line(&line, length, &origin) {
                break;
            }
        }
        if let Some(pending) = self.pending.take() {
            // A trailing `\` on the last line: keep what was collected.
            self.params.insert(
                pending.name,
                ParamValue {
                    lines: pending.lines,
                },
            );
        }
        self.include_stack.pop();
    }

    /// Handles one physical line. Returns false once the output limit is hit.
    fn physical_line(&mut self, raw: &[u8], length: usize, origin: &Origin) -> bool {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if length > self.limits().max_line_len {
            self.report(
                Severity::Error,
                Code::LineTooLong,
                Some(origin.location(1)),
                format!(
                    "line of {} bytes is longer than the limit of {} bytes; skipped",
                    length,
                    self.limits().max_line_len
                ),
            );
            return true;
        }
        let code = strip_comment(raw);
        if let Some(position) = code.iter().position(|&b| b == 0) {
            self.report(
                Severity::Error,
                Code::NulByte,
                Some(origin.location(column_of(code, position))),
                "NUL byte in the configuration; line skipped".into(),
            );
            return true;
        }
        let text = match std::str::from_utf8(code) {
            Ok(text) => text,
            Err(err) => {
                self.report(
                    Severity::Error,
                    Code::InvalidEncoding,
                    Some(origin.location(column_of(code, err.valid_up_to()))),
                    "bytes that are not UTF-8 outside a comment; line skipped".into(),
                );
                return true;
            }
        };
        let text = text.trim_end();

        if let Some(pending) = &mut self.pending {
            let (content, continues) = split_continuation(text);
            if !content.trim().is_empty() {
                pending.lines.push(content.to_owned());
            }
            if !continues {
                if let Some(done) = self.pending.take() {
                    self.params
                        .insert(done.name, ParamValue { lines: done.lines });
                }
            }
            return true;
        }

        let trimmed = text.trim_start();
        if trimmed.is_empty() {
            return true;
        }
        if let Some((keyword, rest)) = split_first_word(trimmed) {
            if INCLUDE_KEYWORDS.contains(&keyword) {
                let before_pattern = &text[..text.len() - rest.trim_start().len()];
                let origin = origin.shifted(before_pattern.chars().count());
                self.include(keyword, rest.trim(), &origin);
                return !self.limit_reported;
            }
        }
        self.logical(text, origin, 0);
        !self.limit_reported
    }

    /// Conditionals, definitions, generators and substitution on one line of
    /// text. `depth` counts nested expansions.
    fn logical(&mut self, text: &str, origin: &Origin, depth: usize) {
        if self.limit_reported {
            return;
        }
        if depth > self.limits().max_expansion_depth {
            self.report(
                Severity::Error,
                Code::ExpansionLimit,
                Some(origin.location(1)),
                format!(
                    "expansions nested deeper than {} levels; line skipped",
                    self.limits().max_expansion_depth
                ),
            );
            return;
        }
        let trimmed = text.trim_start();
        if trimmed.is_empty() {
            return;
        }
        let indent_chars = text[..text.len() - trimmed.len()].chars().count();
        let origin = &origin.shifted(indent_chars);

        // `@ID line` and `@^ID line`.
        if let Some(conditional) = trimmed.strip_prefix('@') {
            let (negated, rest) = match conditional.strip_prefix('^') {
                Some(rest) => (true, rest),
                None => (false, conditional),
            };
            let id_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let id = &rest[..id_len];
            if id.is_empty() {
                self.report(
                    Severity::Error,
                    Code::InvalidConditional,
                    Some(origin.location(1)),
                    "'@' must be followed directly by a config id".into(),
                );
                return;
            }
            if (id == self.options.config_id) != negated {
                let consumed = trimmed.len() - rest[id_len..].len();
                self.logical(
                    &rest[id_len..],
                    &origin.shifted(trimmed[..consumed].chars().count()),
                    depth,
                );
            }
            return;
        }

        // `$NAME=VALUE`, possibly starting a multi-line definition.
        if trimmed.starts_with('$') && trimmed.contains('=') {
            if let Some((name, value)) = parse_definition(trimmed) {
                let (content, continues) = split_continuation(value);
                if continues {
                    let mut lines = Vec::new();
                    if !content.trim().is_empty() {
                        lines.push(content.trim().to_owned());
                    }
                    self.pending = Some(PendingDefinition {
                        name: name.to_owned(),
                        lines,
                    });
                } else {
                    self.params.insert(
                        name.to_owned(),
                        ParamValue {
                            lines: vec![content.trim().to_owned()],
                        },
                    );
                }
                return;
            }
        }

        // `~SEQ(...) body`, `~SEQx(...) body`, `~LST(...) body`.
        if trimmed.starts_with("~SEQ") || trimmed.starts_with("~LST") {
            match generators::parse(trimmed, self.limits().max_generator_values) {
                Ok(generator) => {
                    let body = &trimmed[generator.body_start..];
                    let body_origin = origin
                        .shifted(trimmed[..generator.body_start].chars().count())
                        .expanded();
                    for set in generator.bindings {
                        for (name, value) in set {
                            self.params.insert(name, ParamValue { lines: vec![value] });
                        }
                        self.logical(body, &body_origin, depth + 1);
                        if self.limit_reported {
                            return;
                        }
                    }
                }
                Err(message) => self.report(
                    Severity::Error,
                    Code::InvalidGenerator,
                    Some(origin.location(1)),
                    message,
                ),
            }
            return;
        }

        if !trimmed.contains('$') {
            self.emit(trimmed, origin);
            return;
        }
        let pwd = origin
            .file
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let env = |var: &str| std::env::var(var).ok();
        let context = BuiltinContext {
            pwd: &pwd,
            instance: &self.options.config_id,
            env: &env,
        };
        let limits = SubstLimits {
            max_replacements: self.limits().max_replacements,
            max_len: self.limits().max_line_len.max(1 << 20),
        };
        match params::substitute(trimmed, &self.params, &context, &mut self.random, limits) {
            Ok((expanded, true)) => {
                // The expansion is processed again: it may be several lines,
                // a conditional, a definition or a generator (the man page's
                // `$IF_MAIN=@main` example relies on it).
                let expanded_origin = origin.expanded();
                for line in expanded.split('\n') {
                    self.logical(line, &expanded_origin, depth + 1);
                }
            }
            Ok((_, false)) => self.emit(trimmed, origin),
            Err(err) => {
                let message = match err {
                    SubstError::TooManyReplacements(n) => {
                        format!(
                            "parameter substitution did not finish after {n} replacements (does a parameter contain itself?); line skipped"
                        )
                    }
                    SubstError::TooLong(n) => {
                        format!(
                            "parameter substitution made a line longer than {n} bytes; line skipped"
                        )
                    }
                };
                self.report(
                    Severity::Error,
                    Code::ExpansionLimit,
                    Some(origin.location(1)),
                    message,
                );
            }
        }
    }

    fn emit(&mut self, text: &str, origin: &Origin) {
        self.output_bytes += text.len();
        if self.emitted_lines >= self.limits().max_lines
            || self.output_bytes > self.limits().max_bytes
        {
            self.report(
                Severity::Error,
                Code::ExpansionLimit,
                Some(origin.location(1)),
                format!(
                    "the configuration expands to more than {} lines or {} bytes; the rest is ignored",
                    self.limits().max_lines,
                    self.limits().max_bytes
                ),
            );
            self.limit_reported = true;
            return;
        }
        self.emitted_lines += 1;
        self.sink.line(LogicalLine {
            text: text.to_owned(),
            file: origin.file.clone(),
            line: origin.line,
            column_offset: origin.column_offset,
            expanded: origin.expanded,
        });
    }

    /// `include PATTERN`: relative to the including file's directory, braces
    /// expanded, then wildcards; each match read in order.
    fn include(&mut self, keyword: &str, pattern: &str, origin: &Origin) {
        if pattern.is_empty() {
            self.report(
                Severity::Error,
                Code::MissingValue,
                Some(origin.location(1)),
                format!("'{keyword}' needs a file name"),
            );
            return;
        }
        if self.include_stack.len() > self.limits().max_include_depth {
            self.report(
                Severity::Error,
                Code::IncludeTooDeep,
                Some(origin.location(1)),
                format!(
                    "includes nested deeper than {} files; '{pattern}' not read",
                    self.limits().max_include_depth
                ),
            );
            return;
        }
        let pattern = unquote(pattern);
        let base = origin
            .file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut matched = Vec::new();
        for alternative in expand_braces(pattern, self.limits().max_generator_values) {
            let candidate = base.join(&alternative);
            match self.resolver.glob(&candidate) {
                Ok(paths) => matched.extend(paths),
                Err(err) => {
                    self.report(
                        Severity::Error,
                        Code::IncludeMissing,
                        Some(origin.location(1)),
                        format!("include pattern '{alternative}': {err}"),
                    );
                    return;
                }
            }
        }
        if matched.is_empty() {
            self.report(
                Severity::Error,
                Code::IncludeMissing,
                Some(origin.location(1)),
                format!(
                    "'{keyword} {pattern}' matches no file (looked in {})",
                    base.display()
                ),
            );
            return;
        }
        for path in matched {
            let identity = self.resolver.identity(&path);
            if let Some(position) = self
                .include_stack
                .iter()
                .position(|(id, _)| *id == identity)
            {
                let chain: Vec<String> = self.include_stack[position..]
                    .iter()
                    .map(|(_, file)| file.display().to_string())
                    .chain(std::iter::once(path.display().to_string()))
                    .collect();
                self.report(
                    Severity::Error,
                    Code::IncludeLoop,
                    Some(origin.location(1)),
                    format!("include loop: {}", chain.join(" -> ")),
                );
                continue;
            }
            match self.resolver.open(&path) {
                Ok(mut reader) => self.read_stream(&path, &mut reader),
                Err(err) => self.report(
                    Severity::Error,
                    Code::IncludeMissing,
                    Some(origin.location(1)),
                    format!("cannot read included file {}: {err}", path.display()),
                ),
            }
            if self.limit_reported {
                return;
            }
        }
    }
}

/// Reads one line (without its `\n`) into `buf`, keeping at most `max + 1`
/// bytes of it, and returns its full length; `None` at the end of input.
fn read_line_bounded(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<usize>> {
    buf.clear();
    let mut total = 0;
    let mut started = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(started.then_some(total));
        }
        started = true;
        let newline = available.iter().position(|&b| b == b'\n');
        let chunk = &available[..newline.unwrap_or(available.len())];
        let room = (max + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        total += chunk.len();
        let consumed = newline.map_or(available.len(), |i| i + 1);
        reader.consume(consumed);
        if newline.is_some() {
            return Ok(Some(total));
        }
    }
}

/// The part of a line before a `!` or `#` that is not inside quotes.
pub(crate) fn strip_comment(line: &[u8]) -> &[u8] {
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for (i, &b) in line.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, b) {
            (Some(_), b'\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'!' | b'#') => return &line[..i],
            _ => {}
        }
    }
    line
}

fn column_of(bytes: &[u8], offset: usize) -> u32 {
    let prefix = String::from_utf8_lossy(&bytes[..offset.min(bytes.len())]);
    u32::try_from(prefix.chars().count() + 1).unwrap_or(u32::MAX)
}

/// Splits a trailing `\` (multi-line parameter continuation) off a line.
fn split_continuation(text: &str) -> (&str, bool) {
    match text.trim_end().strip_suffix('\\') {
        Some(content) => (content.trim_end(), true),
        None => (text, false),
    }
}

fn split_first_word(text: &str) -> Option<(&str, &str)> {
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    (end > 0).then(|| (&text[..end], &text[end..]))
}

/// `$NAME=VALUE` with a valid name and no space before `=`.
fn parse_definition(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix('$')?;
    let (name, value) = rest.split_once('=')?;
    params::is_name(name).then_some((name, value))
}

fn unquote(text: &str) -> &str {
    let bytes = text.as_bytes();
    if bytes.len() >= 2
        && (bytes[0] == b'"' || bytes[0] == b'\'')
        && bytes[bytes.len() - 1] == bytes[0]
    {
        &text[1..text.len() - 1]
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_respect_quotes() {
        assert_eq!(strip_comment(b"router_id X # c"), b"router_id X ");
        assert_eq!(strip_comment(b"router_id Y!c"), b"router_id Y");
        assert_eq!(
            strip_comment(b"router_id \"X # y\" ! z"),
            b"router_id \"X # y\" "
        );
        assert_eq!(strip_comment(b"a 'b!c' d"), b"a 'b!c' d");
        assert_eq!(strip_comment(b"a \"b\\\"#c\" #d"), b"a \"b\\\"#c\" ");
        assert_eq!(strip_comment(b"! all"), b"");
    }

    #[test]
    fn definitions() {
        assert_eq!(parse_definition("$A=1"), Some(("A", "1")));
        assert_eq!(parse_definition("$A="), Some(("A", "")));
        assert_eq!(parse_definition("$A =1"), None);
        assert_eq!(parse_definition("$1A=1"), None);
        assert_eq!(split_continuation("$X= \\"), ("$X=", true));
        assert_eq!(split_continuation("a b"), ("a b", false));
    }
}
