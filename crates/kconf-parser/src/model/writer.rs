//! Writing the model back as keepalived.conf text (`--dump-conf`).

use std::time::Duration;

use super::reader::seconds;
use super::types::{Located, Script, Weight};
use crate::syntax::quote_word;

/// Builds canonical keepalived.conf text: one keyword per line, four spaces
/// per level, words quoted only when they must be.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    pub(crate) fn finish(self) -> String {
        self.out
    }

    /// A line of already-quoted words.
    pub(crate) fn raw_line(&mut self, words: &[&str]) {
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
        self.out.push_str(&words.join(" "));
        self.out.push('\n');
    }

    /// A line of words, quoted as needed.
    pub(crate) fn line(&mut self, words: &[&str]) {
        let quoted: Vec<String> = words.iter().map(|w| quote_word(w)).collect();
        let refs: Vec<&str> = quoted.iter().map(String::as_str).collect();
        self.raw_line(&refs);
    }

    /// `keyword value`.
    pub(crate) fn value(&mut self, keyword: &str, value: impl ToString) {
        let value = value.to_string();
        self.line(&[keyword, &value]);
    }

    /// `keyword value` when `value` differs from `default`.
    pub(crate) fn value_if<T: PartialEq + ToString>(
        &mut self,
        keyword: &str,
        value: &T,
        default: &T,
    ) {
        if value != default {
            self.value(keyword, value.to_string());
        }
    }

    /// `keyword value` for an optional value.
    pub(crate) fn opt<T: ToString>(&mut self, keyword: &str, value: &Option<T>) {
        if let Some(value) = value {
            self.value(keyword, value.to_string());
        }
    }

    /// `keyword NAME` for an optional located name.
    pub(crate) fn opt_name(&mut self, keyword: &str, value: &Option<Located<String>>) {
        if let Some(value) = value {
            self.value(keyword, &value.value);
        }
    }

    /// A bare keyword when `on`.
    pub(crate) fn flag(&mut self, keyword: &str, on: bool) {
        if on {
            self.line(&[keyword]);
        }
    }

    /// `keyword SECONDS`.
    pub(crate) fn timer(&mut self, keyword: &str, value: Duration) {
        self.value(keyword, seconds(value));
    }

    /// `keyword SECONDS` when `value` differs from `default`.
    pub(crate) fn timer_if(&mut self, keyword: &str, value: Duration, default: Duration) {
        if value != default {
            self.timer(keyword, value);
        }
    }

    /// `keyword SECONDS` for an optional time.
    pub(crate) fn opt_timer(&mut self, keyword: &str, value: Option<Duration>) {
        if let Some(value) = value {
            self.timer(keyword, value);
        }
    }

    /// `keyword COMMAND [USER [GROUP]]`.
    pub(crate) fn script(&mut self, keyword: &str, script: &Option<Script>) {
        if let Some(script) = script {
            let mut words = vec![keyword, script.command.as_str()];
            words.extend(script.user.as_deref());
            words.extend(script.group.as_deref());
            self.line(&words);
        }
    }

    /// `weight N [reverse]` as the words after a name in a track block.
    pub(crate) fn weight_words(weight: &Option<Weight>) -> Vec<String> {
        match weight {
            Some(w) => {
                let mut words = vec!["weight".to_owned(), w.value.to_string()];
                if w.reverse {
                    words.push("reverse".to_owned());
                }
                words
            }
            None => Vec::new(),
        }
    }

    /// Opens `words {`.
    pub(crate) fn open(&mut self, words: &[&str]) {
        let quoted: Vec<String> = words.iter().map(|w| quote_word(w)).collect();
        let mut refs: Vec<&str> = quoted.iter().map(String::as_str).collect();
        refs.push("{");
        self.raw_line(&refs);
        self.depth += 1;
    }

    /// Closes the innermost block.
    pub(crate) fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        self.raw_line(&["}"]);
    }

    /// A block of one word per line: `keyword { a b c }`.
    pub(crate) fn list(&mut self, keyword: &str, items: &[Located<String>]) {
        if items.is_empty() {
            return;
        }
        self.open(&[keyword]);
        for item in items {
            self.line(&[&item.value]);
        }
        self.close();
    }
}
