//! The syntax tree: keyword lines and their `{ }` blocks, before any meaning
//! is given to them.
//!
//! keepalived treats `{` and `}` as separators wherever they appear outside
//! quotes: `global_defs{`, `router_id X}` and `virtual_ipaddress { a b }` are
//! all accepted, and a `{` alone on the line after its keyword opens that
//! keyword's block. Words after a `{` or `}` on the same line start a new
//! keyword line.

use crate::diagnostic::{Code, Diagnostic, Location, Severity};
use crate::lexer::{Token, lex};
use crate::preprocess::LogicalLine;

/// A word of the configuration and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The text, with quotes removed and escapes applied.
    pub text: String,
    /// Where the word starts.
    pub location: Location,
}

/// A keyword line with its arguments and, when it has one, its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The first word of the line.
    pub keyword: Word,
    /// The other words of the line.
    pub args: Vec<Word>,
    /// The `{ ... }` that follows, if any.
    pub block: Option<Block>,
}

impl Node {
    /// The keyword text.
    pub fn name(&self) -> &str {
        &self.keyword.text
    }

    /// The lines inside the block (none when there is no block).
    pub fn children(&self) -> &[Node] {
        self.block.as_ref().map_or(&[], |block| &block.children)
    }
}

/// A `{ ... }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Where the `{` is.
    pub open: Location,
    /// The keyword lines inside.
    pub children: Vec<Node>,
}

struct Frame {
    /// The node that owns the block; `None` for the top level and for a
    /// stray `{` whose contents are read (to keep braces balanced) but dropped.
    owner: Option<Node>,
    open: Option<Location>,
    children: Vec<Node>,
}

/// Builds the tree one logical line at a time, so that a huge configuration
/// never has to be held as lines or as a whole tree: each top-level node is
/// handed out (see [`TreeBuilder::take_ready`]) as soon as it is complete.
pub(crate) struct TreeBuilder {
    stack: Vec<Frame>,
    max_nesting: usize,
    /// Braces opened beyond the nesting limit, skipped until they close.
    skipped_depth: usize,
    /// The last line ended with a keyword that has no block yet: a `{` at
    /// the start of the next line belongs to it.
    block_may_follow: bool,
    /// Completed top-level nodes not yet taken.
    ready: Vec<Node>,
}

impl TreeBuilder {
    pub(crate) fn new(max_nesting: usize) -> Self {
        TreeBuilder {
            stack: vec![Frame {
                owner: None,
                open: None,
                children: Vec::new(),
            }],
            max_nesting,
            skipped_depth: 0,
            block_may_follow: false,
            ready: Vec::new(),
        }
    }

    /// Adds one logical line, reporting brace and quote problems.
    pub(crate) fn push_line(&mut self, line: &LogicalLine, diagnostics: &mut Vec<Diagnostic>) {
        let lexed = lex(&line.text);
        if let Some(column) = lexed.unterminated_quote {
            diagnostics.push(
                Diagnostic::new(
                    Severity::Error,
                    Code::UnterminatedQuote,
                    Some(line.location(column)),
                    "quoted string is not terminated",
                )
                .with_help(
                    "close the quote on the same line; the string was read to the end of the line",
                ),
            );
        }
        let mut current: Option<Node> = None;
        for token in lexed.tokens {
            match token {
                Token::Word { text, column } => {
                    self.block_may_follow = false;
                    if self.skipped_depth > 0 {
                        continue;
                    }
                    let word = Word {
                        text,
                        location: line.location(column),
                    };
                    match &mut current {
                        Some(node) => node.args.push(word),
                        None => {
                            current = Some(Node {
                                keyword: word,
                                args: Vec::new(),
                                block: None,
                            })
                        }
                    }
                }
                Token::Open { column } => {
                    self.open(line.location(column), current.take(), diagnostics)
                }
                Token::Close { column } => {
                    self.block_may_follow = false;
                    if self.skipped_depth > 0 {
                        self.skipped_depth -= 1;
                        continue;
                    }
                    if let Some(node) = current.take() {
                        self.add(node);
                    }
                    if self.stack.len() == 1 {
                        diagnostics.push(
                            Diagnostic::new(
                                Severity::Error,
                                Code::UnexpectedClose,
                                Some(line.location(column)),
                                "'}' without a matching '{'",
                            )
                            .with_help("remove it, or look for a '{' missing above"),
                        );
                        continue;
                    }
                    self.close_frame();
                }
            }
        }
        if let Some(node) = current.take() {
            self.add(node);
            self.block_may_follow = true;
        }
    }

    fn open(
        &mut self,
        location: Location,
        current: Option<Node>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        if self.skipped_depth > 0 {
            self.skipped_depth += 1;
            return;
        }
        let follows = self.block_may_follow;
        self.block_may_follow = false;
        let owner = current.or_else(|| {
            let frame = self.stack.last_mut()?;
            let takes_block = follows && frame.children.last().is_some_and(|n| n.block.is_none());
            if takes_block {
                frame.children.pop()
            } else {
                None
            }
        });
        if owner.is_none() {
            diagnostics.push(Diagnostic::new(
                Severity::Error,
                Code::UnexpectedOpen,
                Some(location.clone()),
                "'{' without a keyword before it; its block is ignored",
            ));
        }
        if self.stack.len() > self.max_nesting {
            diagnostics.push(Diagnostic::new(
                Severity::Error,
                Code::NestingTooDeep,
                Some(location),
                format!(
                    "blocks nested deeper than {} levels; this block is ignored",
                    self.max_nesting
                ),
            ));
            self.skipped_depth = 1;
            return;
        }
        self.stack.push(Frame {
            owner,
            open: Some(location),
            children: Vec::new(),
        });
    }

    /// Adds a finished node to the innermost open block. At the top level the
    /// previous node is now complete (nothing can attach to it any more) and
    /// becomes ready.
    fn add(&mut self, node: Node) {
        let top_level = self.stack.len() == 1;
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        if top_level {
            self.ready.append(&mut frame.children);
        }
        frame.children.push(node);
    }

    fn close_frame(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let (Some(mut owner), Some(open)) = (frame.owner, frame.open) else {
            return;
        };
        owner.block = Some(Block {
            open,
            children: frame.children,
        });
        self.add(owner);
    }

    /// Top-level nodes completed so far, in order.
    pub(crate) fn take_ready(&mut self) -> Vec<Node> {
        std::mem::take(&mut self.ready)
    }

    /// Closes what is still open (reporting each unclosed block) and returns
    /// the remaining top-level nodes.
    pub(crate) fn finish(mut self, diagnostics: &mut Vec<Diagnostic>) -> Vec<Node> {
        while self.stack.len() > 1 {
            if let Some(frame) = self.stack.last() {
                let what = match &frame.owner {
                    Some(owner) => format!("block of '{}'", owner.keyword.text),
                    None => "block".to_owned(),
                };
                diagnostics.push(
                    Diagnostic::new(
                        Severity::Error,
                        Code::UnclosedBlock,
                        frame.open.clone(),
                        format!("{what} is never closed"),
                    )
                    .with_help("add the missing '}'"),
                );
            }
            self.close_frame();
        }
        let mut nodes = self.take_ready();
        if let Some(root) = self.stack.pop() {
            nodes.extend(root.children);
        }
        nodes
    }
}

/// Writes `nodes` back as keepalived.conf text in a canonical layout: one
/// keyword line per line, four spaces per level, words quoted only when
/// they must be. Parsing the result gives the same tree (locations aside).
pub fn write_config(nodes: &[Node]) -> String {
    let mut out = String::new();
    write_nodes(nodes, 0, &mut out);
    out
}

fn write_nodes(nodes: &[Node], depth: usize, out: &mut String) {
    for node in nodes {
        for _ in 0..depth {
            out.push_str("    ");
        }
        out.push_str(&quote_word(&node.keyword.text));
        for arg in &node.args {
            out.push(' ');
            out.push_str(&quote_word(&arg.text));
        }
        if let Some(block) = &node.block {
            out.push_str(" {\n");
            write_nodes(&block.children, depth + 1, out);
            for _ in 0..depth {
                out.push_str("    ");
            }
            out.push('}');
        }
        out.push('\n');
    }
}

/// A word as it must be written to read back as itself.
pub fn quote_word(text: &str) -> String {
    // The include keywords are recognised as the first word of any line,
    // before anything else is read, so a word that spells one is quoted.
    let plain = !text.is_empty()
        && !crate::preprocess::INCLUDE_KEYWORDS.contains(&text)
        && !text.starts_with(['@', '$', '~'])
        && !text.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '{' | '}' | '"' | '\'' | '!' | '#' | '\\')
        });
    if plain {
        return text.to_owned();
    }
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_control() && (c as u32) < 0x100 => {
                quoted.push_str(&format!("\\{:03o}", c as u32))
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}
