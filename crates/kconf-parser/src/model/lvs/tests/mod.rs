//! Tests of the LVS section. Verdicts marked "keepalived -t" were checked
//! against keepalived 2.2.7 (`keepalived -t -f FILE`: exit 0 clean, 5
//! problems).

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::path::Path;

use super::*;
use crate::model::{Config, Located, Script, write_config};
use crate::{Code, Diagnostic, MemoryResolver, ParseOptions, Parsed, Severity};

mod groups;
mod mutations;
mod real_server;
mod verdicts;
mod virtual_server;

pub(crate) fn parse(text: &str) -> Parsed {
    crate::parse_str_with(
        text,
        Path::new("/k.conf"),
        &ParseOptions::default(),
        &MemoryResolver::new(),
    )
}

/// The warnings and errors: (severity, code, line, column).
pub(crate) fn problems(parsed: &Parsed) -> Vec<(Severity, Code, u32, u32)> {
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
        .map(|d| {
            let (line, column) = d.location.as_ref().map_or((0, 0), |l| (l.line, l.column));
            (d.severity, d.code, line, column)
        })
        .collect()
}

/// Parses text that must give no diagnostic at all.
pub(crate) fn clean(text: &str) -> Config {
    let parsed = parse(text);
    assert!(
        parsed.diagnostics.is_empty(),
        "unexpected diagnostics: {:#?}",
        parsed.diagnostics
    );
    parsed.config
}

/// Text → model → text → model: equal, and the written text is clean too.
pub(crate) fn round_trip(text: &str) -> Config {
    let first = clean(text);
    let written = write_config(&first);
    let parsed = parse(&written);
    assert!(
        parsed.diagnostics.is_empty(),
        "written text gives diagnostics: {:#?}\n{written}",
        parsed.diagnostics
    );
    assert_eq!(
        parsed.config, first,
        "written text reads back differently:\n{written}"
    );
    first
}

/// A well-formed virtual server around `body` (its lines start at line 5)
/// with one real server.
fn vs(body: &str) -> String {
    format!(
        "virtual_server 10.0.0.1 80 {{\n    protocol TCP\n    lvs_sched rr\n    lvs_method NAT\n{body}\n    real_server 10.0.0.2 80 {{\n    }}\n}}\n"
    )
}

/// A well-formed virtual server whose real server holds `body` (its lines
/// start at line 6).
pub(crate) fn rs(body: &str) -> String {
    format!(
        "virtual_server 10.0.0.1 80 {{\n    protocol TCP\n    lvs_sched rr\n    lvs_method NAT\n    real_server 10.0.0.2 80 {{\n{body}\n    }}\n}}\n"
    )
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// The warnings (code, line) of a configuration, LVS part only.
fn verdict(text: &str) -> Vec<(Code, u32)> {
    let parsed = parse(text);
    problems(&parsed).into_iter().map(|p| (p.1, p.2)).collect()
}

/// The samples of keepalived 2.2.7 whose LVS part `keepalived -t` accepts
/// without a word (the others fail on their VRRP part, or in
/// `keepalived.conf.fwmark` on a protocol given to a fwmark service).
const CLEAN_SAMPLES: &[&str] = &[
    "keepalived.conf.HTTP_GET.port",
    "keepalived.conf.IPv6",
    "keepalived.conf.PING_CHECK",
    "keepalived.conf.SMTP_CHECK",
    "keepalived.conf.UDP_CHECK",
    "keepalived.conf.inhibit",
    "keepalived.conf.misc_check",
    "keepalived.conf.misc_check_arg",
    "keepalived.conf.quorum",
    "keepalived.conf.sample",
    "keepalived.conf.status_code",
    "keepalived.conf.virtual_server_group",
    "keepalived.conf.virtualhost",
];

/// The diagnostics located inside the LVS blocks (`virtual_server`,
/// `virtual_server_group`, `SSL`) of a one-file configuration: the other
/// sections are stubs for now and report their keywords as unknown.
fn lvs_diagnostics(parsed: &Parsed) -> Vec<&Diagnostic> {
    // Every section is modelled now, so every diagnostic counts.
    parsed.diagnostics.iter().collect()
}

#[test]
fn keepalived_samples() {
    let dir = Path::new("/usr/share/doc/keepalived/samples");
    if !dir.is_dir() {
        eprintln!(
            "{} is missing (package keepalived); sample test skipped",
            dir.display()
        );
        return;
    }
    for name in CLEAN_SAMPLES {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let parsed = parse(&text);
        let found = lvs_diagnostics(&parsed);
        let problems: Vec<_> = found
            .iter()
            .filter(|d| d.severity >= Severity::Warning)
            .collect();
        assert!(problems.is_empty(), "{name}: {problems:#?}");
        assert!(!parsed.config.virtual_servers.is_empty(), "{name}");
        // And every sample's LVS part survives writing and reading back.
        let written = write_config(&parsed.config);
        let again = parse(&written);
        assert!(
            again
                .diagnostics
                .iter()
                .all(|d| d.severity < Severity::Warning),
            "{name}: {:#?}",
            again.diagnostics
        );
        assert_eq!(
            again.config.virtual_servers, parsed.config.virtual_servers,
            "{name}"
        );
        assert_eq!(
            again.config.virtual_server_groups, parsed.config.virtual_server_groups,
            "{name}"
        );
        assert_eq!(again.config.ssl, parsed.config.ssl, "{name}");
    }
    // keepalived -t: "protocol specified for fwmark - protocol will be ignored".
    let text = std::fs::read_to_string(dir.join("keepalived.conf.fwmark")).unwrap();
    let parsed = parse(&text);
    let found: Vec<_> = lvs_diagnostics(&parsed)
        .into_iter()
        .filter(|d| d.severity >= Severity::Warning)
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, Code::Inconsistent);
}
