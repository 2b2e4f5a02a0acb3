//! A table of broken configurations, each with the diagnostic it must give
//! and where. None may panic, and each must fail the config test.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use kconf_parser::{Code, MemoryResolver, ParseOptions, parse_file_with};

struct Case {
    name: &'static str,
    main: Vec<u8>,
    other: Option<Vec<u8>>,
    /// The expected diagnostic: code, file, line, column.
    expected: (Code, &'static str, u32, u32),
}

fn case(
    name: &'static str,
    main: impl Into<Vec<u8>>,
    expected: (Code, &'static str, u32, u32),
) -> Case {
    Case {
        name,
        main: main.into(),
        other: None,
        expected,
    }
}

const MAIN: &str = "/etc/keepalived/keepalived.conf";
const OTHER: &str = "/etc/keepalived/other.conf";

fn cases() -> Vec<Case> {
    let vi = |body: &str| format!("vrrp_instance VI_1 {{\n    interface eth0\n{body}\n}}\n");
    let mut cases = vec![
        case(
            "extra closing brace",
            "global_defs {\n}\n}\n",
            (Code::UnexpectedClose, MAIN, 3, 1),
        ),
        case(
            "missing closing brace",
            "vrrp_instance VI_1 {\n    priority 100\n",
            (Code::UnclosedBlock, MAIN, 1, 20),
        ),
        case(
            "brace without keyword",
            "{\n}\n",
            (Code::UnexpectedOpen, MAIN, 1, 1),
        ),
        case(
            "unterminated quote",
            vi("    notify_master \"/bin/true\n    virtual_router_id 5"),
            (Code::UnterminatedQuote, MAIN, 3, 19),
        ),
        case(
            "word for a number",
            vi("    virtual_router_id five"),
            (Code::InvalidValue, MAIN, 3, 23),
        ),
        case(
            "fraction for an integer",
            vi("    virtual_router_id 5.5"),
            (Code::InvalidValue, MAIN, 3, 23),
        ),
        case(
            "number out of range",
            vi("    virtual_router_id 300"),
            (Code::OutOfRange, MAIN, 3, 23),
        ),
        case(
            "negative priority",
            vi("    priority -1"),
            (Code::OutOfRange, MAIN, 3, 14),
        ),
        case(
            "bad address",
            vi("    unicast_src_ip 10.0.0.256"),
            (Code::InvalidValue, MAIN, 3, 20),
        ),
        case(
            "bad boolean",
            vi("    strict_mode maybe"),
            (Code::InvalidValue, MAIN, 3, 17),
        ),
        case(
            "missing value",
            vi("    priority"),
            (Code::MissingValue, MAIN, 3, 5),
        ),
        case(
            "unknown reference",
            vi("    virtual_router_id 5\n    track_script {\n        chk_nginx\n    }"),
            (Code::UnknownReference, MAIN, 5, 9),
        ),
        case(
            "unknown keyword",
            vi("    virtual_router_idd 5"),
            (Code::UnknownKeyword, MAIN, 3, 5),
        ),
        case(
            "missing include",
            "include conf.d/*.conf\n",
            (Code::IncludeMissing, MAIN, 1, 9),
        ),
        case(
            "1 MB line",
            format!("# big\nrouter_id {}\n", "x".repeat(1 << 20)),
            (Code::LineTooLong, MAIN, 2, 1),
        ),
        case(
            "deep nesting",
            "a {\n".repeat(100) + &"}\n".repeat(100),
            (Code::NestingTooDeep, MAIN, 33, 3),
        ),
        case(
            "NUL byte",
            b"global_defs {\n    router_id a\0b\n}\n".to_vec(),
            (Code::NulByte, MAIN, 2, 16),
        ),
        case(
            "invalid UTF-8",
            b"global_defs {\n    router_id caf\xe9\n}\n".to_vec(),
            (Code::InvalidEncoding, MAIN, 2, 18),
        ),
        case(
            "self-referencing parameter",
            "$A=${A}x\nrouter_id $A\n",
            (Code::ExpansionLimit, MAIN, 2, 1),
        ),
        case(
            "endless generator",
            "~SEQ(N, 1, 0, 5) x\n",
            (Code::InvalidGenerator, MAIN, 1, 1),
        ),
        case(
            "empty conditional",
            "@ router_id x\n",
            (Code::InvalidConditional, MAIN, 1, 1),
        ),
    ];
    cases.push(Case {
        name: "include loop",
        main: b"include other.conf\n".to_vec(),
        other: Some(b"\ninclude keepalived.conf\n".to_vec()),
        expected: (Code::IncludeLoop, OTHER, 2, 9),
    });
    cases
}

#[test]
fn every_bad_config_gives_its_diagnostic() {
    for case in cases() {
        let mut files = MemoryResolver::new().with_file(MAIN, case.main.clone());
        if let Some(other) = &case.other {
            files = files.with_file(OTHER, other.clone());
        }
        let options = ParseOptions {
            config_id: "main".into(),
            ..ParseOptions::default()
        };
        let parsed = parse_file_with(Path::new(MAIN), &options, &files);
        let (code, file, line, column) = case.expected;
        let found = parsed.diagnostics.iter().any(|d| {
            d.code == code
                && d.location.as_ref().is_some_and(|l| {
                    l.file.as_ref() == Path::new(file) && l.line == line && l.column == column
                })
        });
        assert!(
            found,
            "{}: expected {code:?} at {file}:{line}:{column}, got:\n{}",
            case.name,
            parsed
                .diagnostics
                .iter()
                .map(|d| d.render(false))
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert_ne!(
            parsed.verdict().exit_code(),
            0,
            "{} must fail the config test",
            case.name
        );
    }
}
