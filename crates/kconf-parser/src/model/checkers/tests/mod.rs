//! Tests of the checkers and the SSL block. Verdicts marked "keepalived -t"
//! were checked against keepalived 2.2.7.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::model::bfd::BfdInstance;
use crate::model::lvs::tests::{clean, parse, problems, round_trip, rs};
use crate::model::reader::Cx;
use crate::model::track::TrackFile;
use crate::model::{Config, Script, Weight, write_config};
use crate::{Code, Diagnostic, Parsed, Severity};

mod kinds;

/// The checkers of the only real server of `text`.
fn checkers_of(config: &Config) -> &[Checker] {
    &config.virtual_servers[0].real_servers[0].checkers
}

/// One checker block in a real server; its first inner line is line 7.
fn checker(kind: &str, body: &str) -> String {
    rs(&format!("        {kind} {{\n{body}\n        }}"))
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// The warnings and errors of `text`, but for references to the
/// track_file `TF` and the bfd_instance `B1`: those sections are stubs that
/// keep no names yet (references are tested on a built model below).
fn settled(parsed: &Parsed) -> Vec<&Diagnostic> {
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
        .filter(|d| {
            !(d.code == Code::UnknownReference
                && (d.message.contains("'TF'") || d.message.contains("'B1'")))
        })
        .collect()
}

/// Parses `text`, which must have no problem but those of [`settled`].
fn settled_config(text: &str) -> Config {
    let parsed = parse(text);
    assert!(settled(&parsed).is_empty(), "{:#?}", parsed.diagnostics);
    parsed.config
}

/// Text → model → text → model, equal, with no problem but those of [`settled`].
fn settled_round_trip(text: &str) {
    let first = settled_config(text);
    let written = write_config(&first);
    let again = settled_config(&written);
    assert_eq!(
        again, first,
        "written text reads back differently:\n{written}"
    );
}

#[test]
fn shared_options_of_a_tcp_check() {
    let config = clean(&checker(
        "TCP_CHECK",
        "            connect_ip 10.0.0.3\n            connect_port 8080\n            bindto 10.0.0.4\n            bind_port 1024\n            bind_if eth0\n            connect_timeout 2.5\n            fwmark 7\n            retry 0\n            delay_before_retry 0\n            warmup 1\n            delay_loop 3\n            alpha no\n            log_all_failures",
    ));
    let [Checker::Tcp(check)] = checkers_of(&config) else {
        panic!("{config:#?}")
    };
    assert_eq!(
        check.connection,
        ConnectOptions {
            connect_ip: Some(ip("10.0.0.3")),
            connect_port: Some(8080),
            bindto: Some(ip("10.0.0.4")),
            bind_port: Some(1024),
            bind_if: Some("eth0".into()),
            connect_timeout: Some(Duration::from_millis(2500)),
            fwmark: Some(7),
        }
    );
    assert_eq!(
        check.options,
        CheckOptions {
            retry: Some(0),
            delay_before_retry: Some(Duration::ZERO),
            warmup: Some(Duration::from_secs(1)),
            delay_loop: Some(Duration::from_secs(3)),
            alpha: Some(false),
            log_all_failures: true,
        }
    );
    // Everything unset is inherited.
    let config = clean(&checker("PING_CHECK", ""));
    let [Checker::Ping(check)] = checkers_of(&config) else {
        panic!()
    };
    assert_eq!(*check, PingCheck::default());
    assert_eq!(check.options.retry, None);
}

#[test]
fn bad_shared_options() {
    // (line 7 of the checker, code, column); keepalived -t rejects each.
    let cases: &[(&str, &str, Code, u32)] = &[
        (
            "TCP_CHECK",
            "            connect_port 0",
            Code::OutOfRange,
            26,
        ),
        (
            "TCP_CHECK",
            "            bind_port 65536",
            Code::OutOfRange,
            23,
        ),
        (
            "TCP_CHECK",
            "            bind_if averyveryverylongifname",
            Code::OutOfRange,
            21,
        ),
        ("TCP_CHECK", "            fwmark -1", Code::OutOfRange, 20),
        (
            "TCP_CHECK",
            "            connect_ip bogus",
            Code::InvalidValue,
            24,
        ),
        (
            "TCP_CHECK",
            "            delay_loop 0",
            Code::OutOfRange,
            24,
        ),
        (
            "TCP_CHECK",
            "            warmup 1e3",
            Code::InvalidValue,
            20,
        ),
        (
            "TCP_CHECK",
            "            weight 1",
            Code::UnknownKeyword,
            13,
        ),
        (
            "UDP_CHECK",
            "            log_all_failures maybe",
            Code::InvalidValue,
            30,
        ),
        (
            "MISC_CHECK",
            "            connect_ip 10.0.0.1\n            misc_path /bin/x",
            Code::UnknownKeyword,
            13,
        ),
        (
            "FILE_CHECK",
            "            retry 1\n            track_file TF",
            Code::UnknownKeyword,
            13,
        ),
        (
            "BFD_CHECK",
            "            delay_loop 1\n            name B1",
            Code::UnknownKeyword,
            13,
        ),
    ];
    for (kind, body, code, column) in cases {
        let parsed = parse(&checker(kind, body));
        let found = problems(&parsed);
        assert_eq!(
            found.first().map(|p| (p.1, p.2, p.3)),
            Some((*code, 7, *column)),
            "{kind} {body}: {found:?}"
        );
    }
    // keepalived -t: connect_ip and bindto of two families; the second is skipped.
    let parsed = parse(&checker(
        "TCP_CHECK",
        "            bindto 10.0.0.9\n            connect_ip 2001:db8::1",
    ));
    assert_eq!(
        problems(&parsed),
        vec![(Severity::Error, Code::Inconsistent, 8, 24)]
    );
    let [Checker::Tcp(check)] = checkers_of(&parsed.config) else {
        panic!()
    };
    assert_eq!(
        (check.connection.bindto, check.connection.connect_ip),
        (Some(ip("10.0.0.9")), None)
    );
}

#[test]
fn link_local_checks_need_an_interface() {
    // keepalived -t: "Checker link local address fe80::1 requires a bind_if"; the checker is dropped.
    let parsed = parse(&checker("TCP_CHECK", "            connect_ip fe80::1"));
    assert_eq!(
        problems(&parsed),
        vec![(Severity::Warning, Code::MissingValue, 6, 9)]
    );
    assert!(checkers_of(&parsed.config).is_empty());
    clean(&checker(
        "TCP_CHECK",
        "            connect_ip fe80::1\n            bind_if eth0",
    ));
    // The real server's own address counts when there is no connect_ip.
    let text = checker("PING_CHECK", "")
        .replace("10.0.0.1 80", "fe80::1 80")
        .replace("10.0.0.2 80", "fe80::2 80");
    let parsed = parse(&text);
    assert_eq!(
        problems(&parsed),
        vec![(Severity::Warning, Code::MissingValue, 6, 9)]
    );
}

#[test]
fn references_to_track_files_and_bfd_instances() {
    let text = rs(
        "        FILE_CHECK {\n            track_file TF\n        }\n        BFD_CHECK {\n            name B1\n        }\n        BFD_CHECK {\n            name B1\n        }",
    );
    let mut config = parse(&text).config;
    let check = |config: &Config| {
        let mut diagnostics = Vec::new();
        let mut cx = Cx {
            diagnostics: &mut diagnostics,
            strict: false,
        };
        validate(config, &mut cx);
        diagnostics
            .iter()
            .map(|d| (d.code, d.location.as_ref().map_or(0, |l| l.line)))
            .collect::<Vec<_>>()
    };
    // keepalived -t: "track_file TF not found", "BFD B1 not configured".
    assert_eq!(
        check(&config),
        vec![
            (Code::UnknownReference, 7),
            (Code::UnknownReference, 10),
            (Code::UnknownReference, 13)
        ]
    );
    // The update keeps this compiling while those sections grow their models.
    #[allow(clippy::needless_update)]
    config.track_files.push(TrackFile {
        name: "TF".into(),
        ..TrackFile::default()
    });
    #[allow(clippy::needless_update)]
    config.bfd_instances.push(BfdInstance {
        name: "B1".into(),
        ..BfdInstance::default()
    });
    // keepalived -t: "RS already monitoring B1".
    assert_eq!(check(&config), vec![(Code::Duplicate, 13)]);
}

#[test]
fn ssl_block() {
    let config = clean(
        "SSL {\n    password secret\n    ca /etc/ssl/ca.pem\n    certificate /etc/ssl/c.pem\n    key /etc/ssl/k.pem\n}\n",
    );
    assert_eq!(
        config.ssl,
        Some(SslConfig {
            password: Some("secret".into()),
            ca: Some("/etc/ssl/ca.pem".into()),
            certificate: Some("/etc/ssl/c.pem".into()),
            key: Some("/etc/ssl/k.pem".into()),
        })
    );
    // keepalived -t: an empty block is fine (a default context).
    assert_eq!(clean("SSL {\n}\n").ssl, Some(SslConfig::default()));
    // keepalived -t: each of these is a problem.
    for (text, line, code, column) in [
        ("SSL {\n    password\n}\n", 2, Code::MissingValue, 5),
        (
            "SSL {\n    password a\n    password b\n}\n",
            3,
            Code::Duplicate,
            5,
        ),
        ("SSL {\n}\nSSL {\n}\n", 3, Code::Duplicate, 1),
        ("SSL {\n    bogus 1\n}\n", 2, Code::UnknownKeyword, 5),
    ] {
        let parsed = parse(text);
        assert_eq!(
            problems(&parsed).first().map(|p| (p.1, p.2, p.3)),
            Some((code, line, column)),
            "{text}"
        );
    }
    round_trip("SSL {\n    password \"pass word\"\n    ca /etc/ssl/ca.pem\n}\n");
}

#[test]
fn round_trip_every_checker() {
    settled_round_trip(&rs(r#"        HTTP_GET {
            connect_ip 10.0.0.3
            connect_port 8080
            bindto 10.0.0.4
            bind_port 1024
            bind_if eth0
            connect_timeout 2.5
            fwmark 7
            retry 0
            delay_before_retry 0
            warmup 1
            delay_loop 3
            alpha no
            log_all_failures
            virtualhost www.example.com
            http_protocol 1.1
            enable_sni
            fast_recovery
            url {
                path "/a path"
                digest 9b3a0c85a887a256d6939da88aabd8cd
                status_code 200 300-302
                virtualhost api.example.com
                regex "^OK \\d+"
                regex_no_match
                regex_options caseless utf
                regex_min_offset 5
                regex_max_offset 100
                regex_stack 32768 65536
            }
            url {
                path /
            }
        }
        SSL_GET {
            url {
                path /
                status_code 200
            }
        }
        TCP_CHECK {
        }
        SMTP_CHECK {
            helo_name mail.example.com
            host {
                connect_ip 10.0.0.5
                bind_if eth1
            }
        }
        DNS_CHECK {
            type MX
            name example.com
        }
        MISC_CHECK {
            misc_path "/bin/check a \"b c\""
            misc_timeout 5
            misc_dynamic
            user nobody
            retry 3
        }
        UDP_CHECK {
            payload 00ff10
            require_reply 0axx
            min_reply_length 1
            max_reply_length 1000
        }
        UDP_CHECK {
            require_reply
        }
        PING_CHECK {
            alpha
        }
        FILE_CHECK {
            track_file TF
            weight 2 reverse
        }
        FILE_CHECK {
            track_file TF
        }
        BFD_CHECK {
            name B1
            alpha off
        }"#));
}
