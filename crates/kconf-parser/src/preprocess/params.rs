//! `$NAME` / `${NAME}` parameter substitution and the built-in definitions.

use std::collections::HashMap;

/// The value of a parameter: one line, or several for a multi-line
/// definition (`$NAME= \` followed by continued lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParamValue {
    pub(crate) lines: Vec<String>,
}

impl ParamValue {
    fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// What the built-ins need to know.
pub(crate) struct BuiltinContext<'a> {
    /// Directory of the file being read, for `${_PWD}`.
    pub(crate) pwd: &'a str,
    /// The config id (`-i`), for `${_INSTANCE}`.
    pub(crate) instance: &'a str,
    /// Environment lookup for `${_ENV VAR}`.
    pub(crate) env: &'a dyn Fn(&str) -> Option<String>,
}

/// Why a substitution stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SubstError {
    /// More replacements than the limit: almost surely a parameter that
    /// contains itself.
    TooManyReplacements(usize),
    /// The line grew past the limit.
    TooLong(usize),
}

/// Limits that keep a hostile or mistaken definition from running forever.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SubstLimits {
    pub(crate) max_replacements: usize,
    pub(crate) max_len: usize,
}

/// A small deterministic generator for `${_RANDOM}` (xorshift64*): the parser
/// never reads a clock or the OS's randomness; the seed is an option.
#[derive(Debug, Clone)]
pub(crate) struct Random(u64);

impl Random {
    pub(crate) fn new(seed: u64) -> Self {
        Random(seed ^ 0x9e37_79b9_7f4a_7c15 | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn between(&mut self, min: u64, max: u64) -> u64 {
        if max <= min {
            return min;
        }
        min + self.next() % (max - min + 1)
    }
}

/// Replaces every `$NAME` followed by white space or the end, and every
/// `${NAME}`, with its value, recursively (a value's own parameters are
/// replaced in turn). Undefined names are left as written. Returns the text
/// and whether anything changed.
pub(crate) fn substitute(
    text: &str,
    params: &HashMap<String, ParamValue>,
    builtins: &BuiltinContext<'_>,
    random: &mut Random,
    limits: SubstLimits,
) -> Result<(String, bool), SubstError> {
    if !text.contains('$') {
        return Ok((text.to_owned(), false));
    }
    let mut out = text.to_owned();
    let mut pos = 0;
    let mut replacements = 0;
    while let Some(offset) = out.get(pos..).and_then(|rest| rest.find('$')) {
        let start = pos + offset;
        let Some(reference) = parse_reference(&out[start..]) else {
            pos = start + 1;
            continue;
        };
        let value = match &reference.kind {
            RefKind::Named(name) => params.get(*name).map(ParamValue::text),
            RefKind::Builtin(name, args) => builtin(name, args, builtins, random),
        };
        let Some(value) = value else {
            pos = start + reference.len;
            continue;
        };
        replacements += 1;
        if replacements > limits.max_replacements {
            return Err(SubstError::TooManyReplacements(limits.max_replacements));
        }
        out.replace_range(start..start + reference.len, &value);
        if out.len() > limits.max_len {
            return Err(SubstError::TooLong(limits.max_len));
        }
        // Scan the inserted value again: replacement is recursive. A `$`
        // produced by a built-in (`${_BANG}` and friends never make one) is
        // no different.
        pos = start;
    }
    Ok((out, replacements > 0))
}

struct Reference<'a> {
    kind: RefKind<'a>,
    /// Bytes of the reference in the text, `$` included.
    len: usize,
}

enum RefKind<'a> {
    Named(&'a str),
    Builtin(&'a str, Vec<&'a str>),
}

/// Parses `$NAME` (which must be followed by white space or the end) or
/// `${NAME}` / `${_BUILTIN args}` at the start of `text`.
fn parse_reference(text: &str) -> Option<Reference<'_>> {
    let rest = text.strip_prefix('$')?;
    if let Some(inner) = rest.strip_prefix('{') {
        let close = inner.find('}')?;
        let body = inner[..close].trim();
        let mut words = body.split_whitespace();
        let name = words.next()?;
        if !is_name(name) {
            return None;
        }
        let len = 2 + close + 1;
        let kind = if name.starts_with('_') {
            RefKind::Builtin(name, words.collect())
        } else if words.next().is_none() {
            RefKind::Named(name)
        } else {
            return None;
        };
        return Some(Reference { kind, len });
    }
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    let followed_ok = rest[name_len..]
        .chars()
        .next()
        .is_none_or(char::is_whitespace);
    if !is_name(name) || !followed_ok {
        return None;
    }
    let kind = if name.starts_with('_') {
        RefKind::Builtin(name, Vec::new())
    } else {
        RefKind::Named(name)
    };
    Some(Reference {
        kind,
        len: 1 + name_len,
    })
}

/// A parameter name: letters, digits and `_`, not starting with a digit.
pub(crate) fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn builtin(
    name: &str,
    args: &[&str],
    context: &BuiltinContext<'_>,
    random: &mut Random,
) -> Option<String> {
    match name {
        "_PWD" => Some(context.pwd.to_owned()),
        "_INSTANCE" => Some(context.instance.to_owned()),
        "_HASH" => Some("#".to_owned()),
        "_BANG" => Some("!".to_owned()),
        "_ENV" => Some(
            args.first()
                .and_then(|var| (context.env)(var))
                .unwrap_or_default(),
        ),
        "_RANDOM" => {
            let min = args.first().and_then(|a| a.parse().ok()).unwrap_or(0);
            let max = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(32767);
            Some(random.between(min, max).to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: SubstLimits = SubstLimits {
        max_replacements: 1000,
        max_len: 1 << 16,
    };

    fn run(text: &str, defs: &[(&str, &str)]) -> Result<(String, bool), SubstError> {
        let params = defs
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    ParamValue {
                        lines: v.lines().map(String::from).collect(),
                    },
                )
            })
            .collect();
        let env = |var: &str| (var == "HOME").then(|| "/root".to_owned());
        let context = BuiltinContext {
            pwd: "/etc/keepalived",
            instance: "lb1",
            env: &env,
        };
        substitute(text, &params, &context, &mut Random::new(7), LIMITS)
    }

    #[test]
    fn the_man_page_example() {
        // Substitution happens at use time, recursively.
        let defs = [
            ("ADDRESS_BASE", "10.2.${ADDRESS_BASE_SUB}"),
            ("ADDRESS_BASE_SUB", "0"),
        ];
        assert_eq!(
            run("${ADDRESS_BASE}.100/32", &defs).unwrap().0,
            "10.2.0.100/32"
        );
    }

    #[test]
    fn bare_references_need_white_space_after() {
        let defs = [("PRIORITY", "240")];
        assert_eq!(
            run("priority $PRIORITY", &defs).unwrap(),
            ("priority 240".into(), true)
        );
        assert_eq!(
            run("priority $PRIORITY ", &defs).unwrap().0,
            "priority 240 "
        );
        assert_eq!(
            run("x $PRIORITYx", &defs).unwrap(),
            ("x $PRIORITYx".into(), false)
        );
        assert_eq!(run("x ${PRIORITY}x", &defs).unwrap().0, "x 240x");
    }

    #[test]
    fn undefined_and_non_names_stay() {
        assert_eq!(
            run("echo ${UNDEF} $1 $ $", &[]).unwrap(),
            ("echo ${UNDEF} $1 $ $".into(), false)
        );
    }

    #[test]
    fn builtins() {
        assert_eq!(
            run("${_PWD}/x ${_INSTANCE}", &[]).unwrap().0,
            "/etc/keepalived/x lb1"
        );
        assert_eq!(run("a${_HASH}b${_BANG}", &[]).unwrap().0, "a#b!");
        assert_eq!(
            run("${_ENV HOME} [${_ENV NOPE}]", &[]).unwrap().0,
            "/root []"
        );
        let value: u64 = run("${_RANDOM 5 9}", &[]).unwrap().0.parse().unwrap();
        assert!((5..=9).contains(&value));
        let value: u64 = run("${_RANDOM}", &[]).unwrap().0.parse().unwrap();
        assert!(value <= 32767);
    }

    #[test]
    fn self_reference_is_stopped() {
        assert_eq!(
            run("$A", &[("A", "x $A")]),
            Err(SubstError::TooManyReplacements(1000))
        );
        let err = run("$A", &[("A", "${A}${A}")]).unwrap_err();
        assert!(matches!(
            err,
            SubstError::TooLong(_) | SubstError::TooManyReplacements(_)
        ));
    }

    #[test]
    fn multi_line_values_join_with_newlines() {
        assert_eq!(
            run("$BLOCK", &[("BLOCK", "a {\nb\n}")]).unwrap().0,
            "a {\nb\n}"
        );
    }

    #[test]
    fn random_is_deterministic_per_seed() {
        let mut a = Random::new(1);
        let mut b = Random::new(1);
        assert_eq!(a.between(0, 1000), b.between(0, 1000));
    }
}
