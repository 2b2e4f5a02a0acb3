//! Splits a logical line into words and braces with the pest grammar.

use pest::Parser as _;
use pest::iterators::Pair;

use crate::grammar::{Grammar, Rule};

/// One token of a logical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// A word, with quotes removed and escapes applied.
    Word {
        /// The text.
        text: String,
        /// 1-based character column in the logical line.
        column: u32,
    },
    /// `{`.
    Open {
        /// 1-based character column.
        column: u32,
    },
    /// `}`.
    Close {
        /// 1-based character column.
        column: u32,
    },
}

/// The tokens of a line, and the column of an unterminated quote if there was one.
#[derive(Debug, Default)]
pub(crate) struct Lexed {
    pub(crate) tokens: Vec<Token>,
    pub(crate) unterminated_quote: Option<u32>,
}

/// Tokenizes `text` (one logical line, comment already removed).
///
/// Most lines have no quotes and no `${`: they are split by a plain scanner
/// that gives exactly what the grammar gives (a property test holds them
/// to it) at a fraction of the cost. Every other line goes through the pest
/// grammar.
pub(crate) fn lex(text: &str) -> Lexed {
    if !text.contains(['"', '\'', '$']) {
        return lex_plain(text);
    }
    lex_grammar(text)
}

/// Words are runs of anything but separators and braces; each brace is a
/// token of its own.
fn lex_plain(text: &str) -> Lexed {
    let mut lexed = Lexed::default();
    let mut word_start: Option<(usize, u32)> = None;
    let mut column: u32 = 0;
    for (offset, c) in text.char_indices() {
        column += 1;
        let separator = matches!(c, ' ' | '\t' | '\r' | '\x0B' | '\x0C');
        if separator || c == '{' || c == '}' {
            if let Some((start, start_column)) = word_start.take() {
                lexed.tokens.push(Token::Word {
                    text: text[start..offset].to_owned(),
                    column: start_column,
                });
            }
            match c {
                '{' => lexed.tokens.push(Token::Open { column }),
                '}' => lexed.tokens.push(Token::Close { column }),
                _ => {}
            }
        } else if word_start.is_none() {
            word_start = Some((offset, column));
        }
    }
    if let Some((start, start_column)) = word_start {
        lexed.tokens.push(Token::Word {
            text: text[start..].to_owned(),
            column: start_column,
        });
    }
    lexed
}

fn lex_grammar(text: &str) -> Lexed {
    let mut lexed = Lexed::default();
    let columns = ColumnMap::new(text);
    let Ok(mut pairs) = Grammar::parse(Rule::line, text) else {
        // The grammar accepts every string; keep the line as one word rather
        // than lose it if that ever stops being true.
        lexed.tokens.push(Token::Word {
            text: text.trim().to_owned(),
            column: 1,
        });
        return lexed;
    };
    let Some(line) = pairs.next() else {
        return lexed;
    };
    for pair in line.into_inner() {
        let column = columns.column(pair.as_span().start());
        match pair.as_rule() {
            Rule::open => lexed.tokens.push(Token::Open { column }),
            Rule::close => lexed.tokens.push(Token::Close { column }),
            Rule::word => {
                let mut word = String::new();
                for piece in pair.into_inner() {
                    append_piece(piece, &mut word, &mut lexed.unterminated_quote, &columns);
                }
                lexed.tokens.push(Token::Word { text: word, column });
            }
            _ => {}
        }
    }
    lexed
}

fn append_piece(
    piece: Pair<'_, Rule>,
    word: &mut String,
    unterminated: &mut Option<u32>,
    columns: &ColumnMap<'_>,
) {
    match piece.as_rule() {
        Rule::bare => word.push_str(piece.as_str()),
        Rule::quoted => {
            let start = piece.as_span().start();
            for part in piece.into_inner().flat_map(|q| q.into_inner()) {
                match part.as_rule() {
                    Rule::dq_text | Rule::sq_text => unescape_into(part.as_str(), word),
                    Rule::unterminated => {
                        unterminated.get_or_insert(columns.column(start));
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// Applies keepalived's (shell-like) escapes inside quoted strings: `\a \b
/// \E \f \n \r \t \v`, `\nnn` octal, `\xXX` hex, `\cC` control characters,
/// and `\C` for any other character C.
pub(crate) fn unescape_into(text: &str, out: &mut String) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(escaped) = chars.next() else {
            out.push('\\');
            break;
        };
        match escaped {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'E' | 'e' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut value = escaped.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(digit) => {
                            value = value * 8 + digit;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value & 0xff).unwrap_or('\u{fffd}'));
            }
            'x' => {
                let mut value: u32 = 0;
                let mut digits = 0;
                while let Some(digit) = chars.peek().and_then(|d| d.to_digit(16)) {
                    // Only the last two hex digits make the byte, as a C char
                    // assignment would keep them.
                    value = (value * 16 + digit) & 0xff;
                    digits += 1;
                    chars.next();
                }
                if digits == 0 {
                    out.push('x');
                } else {
                    out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
                }
            }
            'c' => match chars.next() {
                Some(control) => {
                    let code = (control.to_ascii_uppercase() as u32) ^ 0x40;
                    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                }
                None => out.push('c'),
            },
            other => out.push(other),
        }
    }
}

/// Converts byte offsets of a line into 1-based character columns.
struct ColumnMap<'a> {
    text: &'a str,
    ascii: bool,
}

impl<'a> ColumnMap<'a> {
    fn new(text: &'a str) -> Self {
        ColumnMap {
            text,
            ascii: text.is_ascii(),
        }
    }

    fn column(&self, byte_offset: usize) -> u32 {
        let chars = if self.ascii {
            byte_offset
        } else {
            self.text
                .get(..byte_offset)
                .map_or(byte_offset, |prefix| prefix.chars().count())
        };
        u32::try_from(chars + 1).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The plain scanner is only a shortcut: on every line it takes, it
        /// must give exactly the grammar's tokens.
        #[test]
        fn plain_scanner_matches_the_grammar(text in "[a-z0-9_ {}\t./:é-]{0,40}") {
            let plain = lex_plain(&text);
            let grammar = lex_grammar(&text);
            prop_assert_eq!(plain.tokens, grammar.tokens);
            prop_assert_eq!(plain.unterminated_quote, grammar.unterminated_quote);
        }
    }

    fn words(text: &str) -> Vec<String> {
        lex(text)
            .tokens
            .into_iter()
            .map(|t| match t {
                Token::Word { text, .. } => text,
                Token::Open { .. } => "{".into(),
                Token::Close { .. } => "}".into(),
            })
            .collect()
    }

    #[test]
    fn words_and_braces() {
        assert_eq!(
            words("  vrrp_instance VI_1 {"),
            ["vrrp_instance", "VI_1", "{"]
        );
        assert_eq!(
            words("global_defs{router_id X}"),
            ["global_defs", "{", "router_id", "X", "}"]
        );
        assert_eq!(words(""), Vec::<String>::new());
        assert_eq!(words(" \t "), Vec::<String>::new());
    }

    #[test]
    fn quotes_join_and_keep_white_space() {
        // The man page's examples.
        assert_eq!(words("abcd\" efg h jkl \"mnop"), ["abcd efg h jkl mnop"]);
        assert_eq!(
            words("abcd \"efg h jkl\" mnop"),
            ["abcd", "efg h jkl", "mnop"]
        );
        assert_eq!(words("script '/bin/echo {x}'"), ["script", "/bin/echo {x}"]);
        assert_eq!(words("a \"\" b"), ["a", "", "b"]);
    }

    #[test]
    fn escapes_apply_inside_quotes_only() {
        assert_eq!(words(r#""a\tb\"c\\d""#), ["a\tb\"c\\d"]);
        assert_eq!(words(r#""\101\x42\cA""#), ["AB\u{1}"]);
        assert_eq!(words(r"a\tb"), [r"a\tb"]);
    }

    #[test]
    fn unterminated_quote_is_reported_with_its_column() {
        let lexed = lex("router_id \"X Y");
        assert_eq!(lexed.unterminated_quote, Some(11));
        assert_eq!(lexed.tokens.len(), 2);
    }

    #[test]
    fn undefined_parameters_stay_whole() {
        assert_eq!(words("a ${UNDEF}b c"), ["a", "${UNDEF}b", "c"]);
    }

    #[test]
    fn columns_count_characters() {
        let lexed = lex("é { x");
        assert_eq!(lexed.tokens[1], Token::Open { column: 3 });
        assert_eq!(
            lexed.tokens[2],
            Token::Word {
                text: "x".into(),
                column: 5
            }
        );
    }
}
