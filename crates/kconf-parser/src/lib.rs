//! Reads `keepalived.conf` the way keepalived 2.x reads it and turns it into a
//! typed, documented configuration model.
//!
//! What this crate is for:
//! - the lexical layer: line-oriented keywords, `{`/`}` blocks, `!`/`#`
//!   comments, quoted strings with escapes, `include` with globs and brace
//!   expansion, `@ID`/`@^ID` conditional lines, `$NAME=VALUE` parameters with
//!   recursive substitution and built-ins, and the `~SEQ`/`~SEQx`/`~LST`
//!   generators; the token grammar is written in pest (`grammar.pest`);
//! - the syntax tree ([`syntax`]) and the typed model ([`model`]) with
//!   keepalived's default for every omitted value;
//! - diagnostics ([`Diagnostic`]) that point at `file:line:column` and say
//!   what was expected.
//!
//! What it deliberately does not do: it opens no sockets, starts no
//! processes, reads no clock and has no async runtime. Files come through a
//! [`Resolver`], so tests and tools can parse from memory. Daemons and other
//! tools call it and act on the model.
//!
//! No input makes it panic, recurse without bound or grow without bound:
//! lines, includes, nesting and expansions are capped by [`Limits`].
//!
//! ```
//! let parsed = kconf_parser::parse_str(
//!     "vrrp_script chk_nginx {\n    script \"/usr/bin/pgrep nginx\"\n    fall 2\n}\n",
//!     &kconf_parser::ParseOptions::default(),
//! );
//! assert!(parsed.diagnostics.is_empty());
//! let script = &parsed.config.vrrp_scripts[0];
//! assert_eq!(script.script, "/usr/bin/pgrep nginx");
//! assert_eq!((script.rise, script.fall), (1, 2)); // keepalived's default rise is 1
//! assert_eq!(script.interval, std::time::Duration::from_secs(1));
//! ```
#![forbid(unsafe_code)]

mod diagnostic;
mod grammar;
mod lexer;
pub mod model;
mod preprocess;
mod resolver;
pub mod script_security;
pub mod syntax;

use std::path::Path;
use std::sync::Arc;

pub use diagnostic::{Code, Diagnostic, Location, Severity, Verdict};
pub use resolver::{FsResolver, MemoryResolver, Resolver};

/// Bounds that keep any input, hostile or mistaken, from exhausting time,
/// stack or memory. The defaults are far above any real configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest physical line, in bytes.
    pub max_line_len: usize,
    /// Deepest include chain.
    pub max_include_depth: usize,
    /// Deepest `{ }` nesting.
    pub max_nesting: usize,
    /// Deepest chain of expansions (parameters producing lines that expand again).
    pub max_expansion_depth: usize,
    /// Most replacements while substituting one line.
    pub max_replacements: usize,
    /// Most values one generator may produce.
    pub max_generator_values: usize,
    /// Most logical lines after all expansion.
    pub max_lines: usize,
    /// Most bytes of logical lines after all expansion.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_len: 64 * 1024,
            max_include_depth: 32,
            max_nesting: 32,
            max_expansion_depth: 64,
            max_replacements: 10_000,
            max_generator_values: 1_000_000,
            max_lines: 20_000_000,
            max_bytes: 1 << 30,
        }
    }
}

/// How to parse.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// The config id that `@ID` lines are compared with (keepalived's `-i`;
    /// keepalived defaults it to the first part of the host name).
    pub config_id: String,
    /// Seed for `${_RANDOM}`, so that the same input always gives the same
    /// result. A daemon passes keepalived's `random_seed` or the time.
    pub random_seed: u64,
    /// Treat unknown keywords as errors instead of warnings.
    pub strict: bool,
    /// Resource bounds.
    pub limits: Limits,
}

impl ParseOptions {
    /// Options with the config id set to this host's short name, as
    /// keepalived does without `-i`.
    pub fn for_this_host() -> Self {
        Self::for_config_id(None)
    }

    /// Options for keepalived's `-i ID`: that id, else this host's short
    /// name.
    pub fn for_config_id(config_id: Option<String>) -> Self {
        ParseOptions {
            config_id: config_id.unwrap_or_else(short_hostname),
            ..Default::default()
        }
    }
}

/// The host name up to its first dot, from /proc (no libc call needed).
pub fn short_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().split('.').next().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

/// The result of parsing: the tree, and every problem found. Parsing always
/// produces a result; problems are diagnostics, never panics or early exits.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The top-level keyword lines, from [`parse_syntax_with`]. The model
    /// parses leave it empty: they read the tree block by block and keep only
    /// the model, so that a 300,000-line configuration needs little memory.
    pub tree: Vec<syntax::Node>,
    /// Problems, in the order found.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read, the main one first.
    pub files: Vec<Arc<Path>>,
    /// The typed configuration.
    pub config: model::Config,
}

impl Parsed {
    /// The config-test verdict, with keepalived's exit status.
    pub fn verdict(&self) -> Verdict {
        Verdict::of(&self.diagnostics)
    }

    /// The diagnostics that reject an entry (errors, not warnings), as
    /// `file:line:col` lines: a reload refuses a configuration with any.
    pub fn errors(&self) -> Vec<String> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity >= Severity::Error)
            .map(ToString::to_string)
            .collect()
    }
}

/// Parses the configuration file at `path` from the file system.
pub fn parse_file(path: &Path, options: &ParseOptions) -> Parsed {
    parse_file_with(path, options, &FsResolver)
}

/// Parses the configuration file at `path`, reading it and its includes
/// through `resolver`.
pub fn parse_file_with(path: &Path, options: &ParseOptions, resolver: &dyn Resolver) -> Parsed {
    run(options, resolver, Output::Model, |reader| {
        reader.read_main(path)
    })
}

/// Parses configuration text. Relative includes are looked up in the
/// current directory, on the file system.
pub fn parse_str(text: &str, options: &ParseOptions) -> Parsed {
    parse_str_with(text, Path::new("<string>"), options, &FsResolver)
}

/// Parses configuration text as if it were the file `name`, reading includes
/// through `resolver`.
pub fn parse_str_with(
    text: &str,
    name: &Path,
    options: &ParseOptions,
    resolver: &dyn Resolver,
) -> Parsed {
    run(options, resolver, Output::Model, |reader| {
        reader.read_text(name, text.as_bytes())
    })
}

/// Reads configuration text into the syntax tree only, without giving
/// keywords any meaning (no model, no keyword diagnostics): for tools that
/// format or transform any keepalived.conf, including keywords this crate
/// does not know.
pub fn parse_syntax_with(
    text: &str,
    name: &Path,
    options: &ParseOptions,
    resolver: &dyn Resolver,
) -> Parsed {
    run(options, resolver, Output::Tree, |reader| {
        reader.read_text(name, text.as_bytes())
    })
}

/// What a parse keeps: the model (the tree is dropped block by block, so
/// memory stays near the size of the model), or the whole tree.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Model,
    Tree,
}

/// Lines flow from the preprocessor into the tree builder, and each
/// completed top-level block into the model builder.
struct Pipeline {
    tree: syntax::TreeBuilder,
    model: Option<model::Builder>,
    kept: Vec<syntax::Node>,
    diagnostics: Vec<Diagnostic>,
}

impl Pipeline {
    fn deliver(&mut self, nodes: Vec<syntax::Node>) {
        match &mut self.model {
            Some(model) => {
                for node in &nodes {
                    model.node(node, &mut self.diagnostics);
                }
            }
            None => self.kept.extend(nodes),
        }
    }
}

impl preprocess::LineSink for Pipeline {
    fn line(&mut self, line: preprocess::LogicalLine) {
        self.tree.push_line(&line, &mut self.diagnostics);
        let ready = self.tree.take_ready();
        if !ready.is_empty() {
            self.deliver(ready);
        }
    }
}

fn run(
    options: &ParseOptions,
    resolver: &dyn Resolver,
    output: Output,
    read: impl FnOnce(&mut preprocess::Preprocessor<'_>),
) -> Parsed {
    let mut pipeline = Pipeline {
        tree: syntax::TreeBuilder::new(options.limits.max_nesting),
        model: (output == Output::Model).then(|| model::Builder::new(options.strict)),
        kept: Vec::new(),
        diagnostics: Vec::new(),
    };
    let (files, mut diagnostics) = {
        let mut reader = preprocess::Preprocessor::new(options, resolver, &mut pipeline);
        read(&mut reader);
        (reader.files, reader.diagnostics)
    };
    let tree = std::mem::replace(&mut pipeline.tree, syntax::TreeBuilder::new(0));
    let rest = tree.finish(&mut pipeline.diagnostics);
    pipeline.deliver(rest);
    diagnostics.append(&mut pipeline.diagnostics);
    let config = match pipeline.model.take() {
        Some(model) => model.finish(&mut diagnostics),
        None => model::Config::default(),
    };
    sort_by_location(&mut diagnostics, &files);
    Parsed {
        tree: pipeline.kept,
        diagnostics,
        files,
        config,
    }
}

/// Sorts `parsed.diagnostics` by place again, after a tool added its own.
pub fn sort_diagnostics(parsed: &mut Parsed) {
    sort_by_location(&mut parsed.diagnostics, &parsed.files);
}

/// Orders diagnostics as a reader meets them: by file (in the order the
/// files were read), line and column; ones without a place come first.
fn sort_by_location(diagnostics: &mut [Diagnostic], files: &[Arc<Path>]) {
    diagnostics.sort_by_key(|d| {
        d.location.as_ref().map(|l| {
            let file = files
                .iter()
                .position(|f| *f == l.file)
                .unwrap_or(usize::MAX);
            (file, l.line, l.column)
        })
    });
}
