//! `~SEQ(var, start, step, end)`, `~SEQx(...)` and `~LST(...)` line
//! generators.

use pest::Parser as _;
use pest::iterators::Pair;

use crate::grammar::{Grammar, Rule};

/// A parsed generator head: the values to bind, one set per repetition, and
/// where the body (the rest of the line) starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Generator {
    /// Each repetition binds these (name, value) pairs.
    pub(crate) bindings: Vec<Vec<(String, String)>>,
    /// Byte offset of the body in the line.
    pub(crate) body_start: usize,
}

/// Parses a generator at the start of `line` (after leading white space was
/// removed). `max_values` bounds the number of repetitions.
pub(crate) fn parse(line: &str, max_values: usize) -> Result<Generator, String> {
    let mut pairs = Grammar::parse(Rule::generator, line).map_err(|e| {
        let at = match e.location {
            pest::error::InputLocation::Pos(p) | pest::error::InputLocation::Span((p, _)) => p,
        };
        format!("malformed generator near column {}: expected ~SEQ(var, [start,] [step,] end), ~SEQx(...) or ~LST(var, value, ...)", at + 1)
    })?;
    let generator = pairs.next().ok_or("empty generator")?;
    let body_start = generator.as_span().end();
    let head = generator.into_inner().next().ok_or("empty generator")?;
    let bindings = match head.as_rule() {
        Rule::seq => sequence(head, max_values)?,
        Rule::lst => list(head, max_values)?,
        _ => return Err("unknown generator".into()),
    };
    Ok(Generator {
        bindings,
        body_start,
    })
}

fn sequence(head: Pair<'_, Rule>, max_values: usize) -> Result<Vec<Vec<(String, String)>>, String> {
    let mut hex = false;
    let mut var = String::new();
    let mut numbers = Vec::new();
    for part in head.into_inner() {
        match part.as_rule() {
            Rule::seq_kind => hex = part.as_str() == "SEQx",
            Rule::ident => var = part.as_str().to_owned(),
            Rule::number => numbers.push(parse_number(part.as_str())?),
            _ => {}
        }
    }
    let (start, step, end) = match numbers[..] {
        [end] => (if end < 0 { -1 } else { 1 }, None, end),
        [start, end] => (start, None, end),
        [start, step, end] => (start, Some(step), end),
        _ => return Err("~SEQ takes 1 to 3 numbers after the variable".into()),
    };
    let step = step.unwrap_or(if end >= start { 1 } else { -1 });
    if step == 0 {
        return Err("~SEQ step 0 would never end".into());
    }
    let mut bindings = Vec::new();
    let mut value = start;
    while (step > 0 && value <= end) || (step < 0 && value >= end) {
        if bindings.len() >= max_values {
            return Err(format!("~SEQ produces more than {max_values} values"));
        }
        let text = if hex {
            format!("{value:x}")
        } else {
            value.to_string()
        };
        bindings.push(vec![(var.clone(), text)]);
        value = value.checked_add(step).ok_or("~SEQ value overflows")?;
    }
    Ok(bindings)
}

fn parse_number(text: &str) -> Result<i64, String> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let value = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => i64::from_str_radix(hex, 16),
        None => digits.parse(),
    }
    .map_err(|_| format!("number '{text}' is out of range"))?;
    Ok(if negative { -value } else { value })
}

fn list(head: Pair<'_, Rule>, max_values: usize) -> Result<Vec<Vec<(String, String)>>, String> {
    let mut vars = Vec::new();
    let mut bindings = Vec::new();
    for part in head.into_inner() {
        match part.as_rule() {
            Rule::lst_vars => vars = part.into_inner().map(|v| v.as_str().to_owned()).collect(),
            Rule::lst_values => {
                let values: Vec<String> =
                    part.into_inner().map(|v| v.as_str().to_owned()).collect();
                if values.len() != vars.len() {
                    return Err(format!(
                        "~LST value set {{{}}} has {} values for {} variables",
                        values.join(","),
                        values.len(),
                        vars.len()
                    ));
                }
                if bindings.len() >= max_values {
                    return Err(format!("~LST has more than {max_values} values"));
                }
                bindings.push(vars.iter().cloned().zip(values).collect());
            }
            _ => {}
        }
    }
    Ok(bindings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(line: &str) -> Vec<String> {
        parse(line, 1000)
            .unwrap()
            .bindings
            .into_iter()
            .map(|set| {
                set.into_iter()
                    .map(|(_, v)| v)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect()
    }

    #[test]
    fn sequences_from_the_man_page() {
        assert_eq!(
            values("~SEQ(SUBNET, 0, 3) ip_address 10.0.${SUBNET}.1"),
            ["0", "1", "2", "3"]
        );
        assert_eq!(
            values("~SEQx(SUBNET, 144, 16, 192) x"),
            ["90", "a0", "b0", "c0"]
        );
        assert_eq!(
            values("~SEQx(SUBNET, 0x90, 0x10, 0xc0) x"),
            ["90", "a0", "b0", "c0"]
        );
        assert_eq!(
            values("~SEQx(AD1, 0x12, -1, 0x0c) x"),
            ["12", "11", "10", "f", "e", "d", "c"]
        );
        assert_eq!(values("~SEQ(N, 3) x"), ["1", "2", "3"]);
        assert_eq!(values("~SEQ(N, -2) x"), ["-1", "-2"]);
        assert_eq!(values("~SEQ(N, 5, 3) x"), ["5", "4", "3"]);
    }

    #[test]
    fn body_follows_the_head() {
        let line = "~SEQ(IF,0,7) ~SEQ(NUM,0,31) $VI4";
        let generator = parse(line, 1000).unwrap();
        assert_eq!(&line[generator.body_start..], "~SEQ(NUM,0,31) $VI4");
        assert_eq!(generator.bindings.len(), 8);
    }

    #[test]
    fn lists_from_the_man_page() {
        assert_eq!(values("~LST(IP, 1, 2, 3, 4) x"), ["1", "2", "3", "4"]);
        let line = "~LST({IP, IP1}, {10,1},{20,4},{5,6},{12,8}) 192.168.${IP}.${IP1}";
        assert_eq!(values(line), ["10,1", "20,4", "5,6", "12,8"]);
        let generator = parse(line, 1000).unwrap();
        assert_eq!(
            generator.bindings[1],
            [("IP".into(), "20".into()), ("IP1".into(), "4".into())]
        );
    }

    #[test]
    fn bad_generators_are_errors() {
        assert!(
            parse("~SEQ(N, 1, 0, 5) x", 1000)
                .unwrap_err()
                .contains("step 0")
        );
        assert!(parse("~SEQ(N) x", 1000).is_err());
        assert!(parse("~SEQ(1N, 3) x", 1000).is_err());
        assert!(
            parse("~LST({A,B}, {1}) x", 1000)
                .unwrap_err()
                .contains("1 values for 2")
        );
        assert!(
            parse("~SEQ(N, 0, 5000) x", 1000)
                .unwrap_err()
                .contains("more than 1000")
        );
        assert!(parse("~SEQ(N, 0, 99999999999999999999) x", 1000).is_err());
        assert!(parse("~FOO(N) x", 1000).is_err());
    }
}
