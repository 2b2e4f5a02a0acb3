//! The options of each kind of checker.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use super::*;

#[test]
fn http_get_and_ssl_get() {
    let text = checker(
        "HTTP_GET",
        r#"            connect_port 8080
            retry 2
            virtualhost www.example.com
            http_protocol 1.0c
            enable_sni
            fast_recovery yes
            url {
                path /health
                digest 9B3A0C85A887A256D6939DA88AABD8CD
                status_code 200 300-302
                status_code 404
                virtualhost api.example.com
                regex "^OK"
                regex_no_match
                regex_options caseless multiline caseless
                regex_min_offset 5
                regex_max_offset 100
                regex_stack 32768 65536
            }
            url {
                path /
            }"#,
    );
    let config = clean(&text);
    let [Checker::HttpGet(check)] = checkers_of(&config) else {
        panic!()
    };
    assert_eq!(check.connection.connect_port, Some(8080));
    assert_eq!(check.options.retry, Some(2));
    assert_eq!(check.virtualhost.as_deref(), Some("www.example.com"));
    assert_eq!(check.protocol, HttpProtocol::Http10Close);
    assert!(check.enable_sni && check.fast_recovery);
    let url = &check.urls[0];
    assert_eq!(url.path, "/health");
    assert_eq!(
        url.digest,
        Some([
            0x9b, 0x3a, 0x0c, 0x85, 0xa8, 0x87, 0xa2, 0x56, 0xd6, 0x93, 0x9d, 0xa8, 0x8a, 0xab,
            0xd8, 0xcd
        ])
    );
    assert_eq!(url.status_codes, vec![200..=200, 300..=302, 404..=404]);
    assert_eq!(url.virtualhost.as_deref(), Some("api.example.com"));
    assert_eq!(url.regex.as_deref(), Some("^OK"));
    assert!(url.regex_no_match);
    assert_eq!(
        url.regex_options,
        vec![RegexOption::Caseless, RegexOption::Multiline]
    );
    assert_eq!(
        (url.regex_min_offset, url.regex_max_offset),
        (Some(5), Some(100))
    );
    assert_eq!(url.regex_stack, Some((32768, 65536)));
    // Defaults: HTTP/1.0, status 200-299 (empty list), no digest.
    let second = &check.urls[1];
    assert_eq!(
        (second.digest, second.status_codes.is_empty()),
        (None, true)
    );
    let config = clean(&checker(
        "SSL_GET",
        "            url {\n                path /\n            }",
    ));
    let [Checker::SslGet(check)] = checkers_of(&config) else {
        panic!()
    };
    assert_eq!(
        (check.protocol, check.enable_sni, check.fast_recovery),
        (HttpProtocol::Http10, false, false)
    );
}

#[test]
fn bad_http_values() {
    let url = |lines: &str| {
        checker(
            "HTTP_GET",
            &format!("            url {{\n                path /\n{lines}\n            }}"),
        )
    };
    // (text, line, code, column); keepalived -t rejects each.
    let cases: Vec<(String, u32, Code, u32)> = vec![
        (
            url("                digest 9b3a0c85a887a256d6939da88aabd8c"),
            9,
            Code::InvalidValue,
            24,
        ),
        (
            url("                digest 9b3a0c85a887a256d6939da88aabd8cz"),
            9,
            Code::InvalidValue,
            24,
        ),
        (
            url("                status_code 99 200-299"),
            9,
            Code::OutOfRange,
            29,
        ),
        (
            url("                status_code 200-100"),
            9,
            Code::OutOfRange,
            29,
        ),
        (
            url("                status_code 600"),
            9,
            Code::OutOfRange,
            29,
        ),
        (url("                bogus 1"), 9, Code::UnknownKeyword, 17),
        (
            checker(
                "HTTP_GET",
                "            http_protocol 2\n            url {\n                path /\n            }",
            ),
            7,
            Code::InvalidValue,
            27,
        ),
        (
            checker(
                "HTTP_GET",
                "            nb_get_retry 3\n            url {\n                path /\n            }",
            ),
            7,
            Code::InvalidValue,
            13,
        ),
    ];
    for (text, line, code, column) in cases {
        let parsed = parse(&text);
        let found = problems(&parsed);
        assert_eq!(
            found.first().map(|p| (p.1, p.2, p.3)),
            Some((code, line, column)),
            "{text}: {found:?}"
        );
    }
    // keepalived -t: status codes are read one by one; a bad one leaves the others.
    let parsed = parse(&url("                status_code 99 200-299"));
    let [Checker::HttpGet(check)] = checkers_of(&parsed.config) else {
        panic!()
    };
    assert_eq!(check.urls[0].status_codes, vec![200..=299]);
    // keepalived -t: nb_get_retry still sets the retries, with a warning.
    let parsed = parse(&checker(
        "HTTP_GET",
        "            nb_get_retry 3\n            url {\n                path /\n            }",
    ));
    let [Checker::HttpGet(check)] = checkers_of(&parsed.config) else {
        panic!()
    };
    assert_eq!(check.options.retry, Some(3));
    // keepalived -t: a url without path is dropped, then the checker without urls.
    let parsed = parse(&checker("HTTP_GET", "            url {\n            }"));
    assert_eq!(
        problems(&parsed),
        vec![
            (Severity::Warning, Code::MissingValue, 6, 9),
            (Severity::Warning, Code::MissingValue, 7, 13)
        ]
    );
    assert!(checkers_of(&parsed.config).is_empty());
    // keepalived -t: a second digest is ignored.
    let parsed = parse(&url(
        "                digest 9b3a0c85a887a256d6939da88aabd8cd\n                digest 00000000000000000000000000000000",
    ));
    assert_eq!(
        problems(&parsed),
        vec![(Severity::Warning, Code::Duplicate, 10, 24)]
    );
}

#[test]
fn regex_settings_keepalived_only_logs() {
    // keepalived -t accepts all of this without a word: notes only, and the
    // model keeps what keepalived keeps.
    let text = checker(
        "HTTP_GET",
        "            url {\n                path /\n                regex_no_match\n                regex_options caseless\n            }\n            url {\n                path /\n                regex ok\n                regex_options bogus\n                regex_min_offset 5\n                regex_max_offset 3\n                regex_stack 100 10\n                regex_stack 1\n            }",
    );
    let parsed = parse(&text);
    assert!(problems(&parsed).is_empty(), "{:#?}", parsed.diagnostics);
    assert_eq!(parsed.diagnostics.len(), 5, "{:#?}", parsed.diagnostics);
    assert!(
        parsed
            .diagnostics
            .iter()
            .all(|d| d.severity == Severity::Note)
    );
    let [Checker::HttpGet(check)] = checkers_of(&parsed.config) else {
        panic!()
    };
    assert_eq!(
        check.urls[0],
        Url {
            path: "/".into(),
            ..Url::default()
        }
    );
    let second = &check.urls[1];
    assert_eq!(second.regex.as_deref(), Some("ok"));
    assert_eq!(
        (
            second.regex_min_offset,
            second.regex_max_offset,
            second.regex_stack
        ),
        (None, None, None)
    );
    assert!(second.regex_options.is_empty());
}

#[test]
fn smtp_check_and_its_deprecated_hosts() {
    let text = checker(
        "SMTP_CHECK",
        "            helo_name mail.example.com\n            connect_timeout 4\n            host {\n                connect_ip 10.0.0.5\n                connect_port 2525\n                retry 2\n            }\n            host {\n                connect_ip fe80::5\n            }",
    );
    let parsed = parse(&text);
    // keepalived -t: the link-local host without bind_if is dropped with a warning.
    assert_eq!(
        problems(&parsed),
        vec![(Severity::Warning, Code::MissingValue, 6, 9)]
    );
    let [Checker::Smtp(check)] = checkers_of(&parsed.config) else {
        panic!()
    };
    assert_eq!(check.helo_name.as_deref(), Some("mail.example.com"));
    assert_eq!(
        check.connection.connect_timeout,
        Some(Duration::from_secs(4))
    );
    // A schedule option in a host block is the checker's, as in keepalived.
    assert_eq!(check.options.retry, Some(2));
    assert_eq!(
        check.hosts,
        vec![ConnectOptions {
            connect_ip: Some(ip("10.0.0.5")),
            connect_port: Some(2525),
            ..ConnectOptions::default()
        }]
    );
    assert_eq!(DEFAULT_HELO_NAME, "smtpchecker.keepalived.org");
}

#[test]
fn dns_check() {
    let config = clean(&checker(
        "DNS_CHECK",
        "            type aaaa\n            name example.com",
    ));
    let [Checker::Dns(check)] = checkers_of(&config) else {
        panic!()
    };
    assert_eq!(
        (check.query_type, check.name.as_deref()),
        (DnsQueryType::Aaaa, Some("example.com"))
    );
    let config = clean(&checker("DNS_CHECK", "            name ."));
    let [Checker::Dns(check)] = checkers_of(&config) else {
        panic!()
    };
    assert_eq!(check.query_type, DnsQueryType::Soa);
    // keepalived -t: unknown type, empty labels, a second name.
    for (body, line, code, column) in [
        ("            type PTR", 7, Code::InvalidValue, 18),
        ("            name a..b", 7, Code::InvalidValue, 18),
        ("            name .x", 7, Code::InvalidValue, 18),
        (
            "            name x\n            name y",
            8,
            Code::Duplicate,
            18,
        ),
    ] {
        let parsed = parse(&checker("DNS_CHECK", body));
        assert_eq!(
            problems(&parsed).first().map(|p| (p.1, p.2, p.3)),
            Some((code, line, column)),
            "{body}"
        );
    }
}

#[test]
fn misc_check() {
    let config = clean(&checker(
        "MISC_CHECK",
        "            misc_path \"/usr/bin/check.sh arg1 arg2\"\n            misc_timeout 4294\n            misc_dynamic\n            user nobody nogroup\n            retry 0",
    ));
    let [Checker::Misc(check)] = checkers_of(&config) else {
        panic!()
    };
    assert_eq!(
        check.script,
        Script {
            command: "/usr/bin/check.sh arg1 arg2".into(),
            user: Some("nobody".into()),
            group: Some("nogroup".into()),
            location: None,
        }
    );
    assert_eq!(
        (check.timeout, check.dynamic, check.options.retry),
        (Some(4294), true, Some(0))
    );
    // The program and its arguments may be separate words; quoting is kept.
    let config = clean(&checker(
        "MISC_CHECK",
        "            misc_path /bin/check a \"b c\"",
    ));
    let [Checker::Misc(check)] = checkers_of(&config) else {
        panic!()
    };
    assert_eq!(check.script.command, "/bin/check a \"b c\"");
    // keepalived -t: misc_timeout is whole seconds up to 4294; a checker needs misc_path.
    let parsed = parse(&checker(
        "MISC_CHECK",
        "            misc_path /bin/x\n            misc_timeout 4295",
    ));
    assert_eq!(
        problems(&parsed),
        vec![(Severity::Error, Code::OutOfRange, 8, 26)]
    );
    let parsed = parse(&checker(
        "MISC_CHECK",
        "            misc_path /bin/x\n            misc_timeout 1.5",
    ));
    assert_eq!(
        problems(&parsed),
        vec![(Severity::Error, Code::InvalidValue, 8, 26)]
    );
    let parsed = parse(&checker("MISC_CHECK", ""));
    assert_eq!(
        problems(&parsed),
        vec![(Severity::Warning, Code::MissingValue, 6, 9)]
    );
    assert!(checkers_of(&parsed.config).is_empty());
}

#[test]
fn udp_check() {
    let config = clean(&checker(
        "UDP_CHECK",
        "            payload Ab12f 3\n            require_reply 0aXx\n            min_reply_length 2\n            max_reply_length 512",
    ));
    let [Checker::Udp(check)] = checkers_of(&config) else {
        panic!()
    };
    assert_eq!(check.payload, Some(vec![0xab, 0x12, 0x0f, 0x03]));
    assert_eq!(
        check.require_reply,
        Some(vec![
            MaskedByte {
                value: 0x0a,
                ignore: 0
            },
            MaskedByte {
                value: 0,
                ignore: 0xff
            }
        ])
    );
    assert_eq!((check.min_reply_length, check.max_reply_length), (2, 512));
    let config = clean(&checker("UDP_CHECK", "            require_reply"));
    let [Checker::Udp(check)] = checkers_of(&config) else {
        panic!()
    };
    assert_eq!(
        (check.payload.as_ref(), check.require_reply.as_deref()),
        (None, Some(&[][..]))
    );
    assert_eq!((check.min_reply_length, check.max_reply_length), (0, 255));
    // keepalived -t rejects each.
    for (body, line, code, column) in [
        ("            payload", 7, Code::MissingValue, 13),
        ("            payload zz", 7, Code::InvalidValue, 21),
        ("            payload 0x", 7, Code::InvalidValue, 21),
        (
            "            max_reply_length 70000",
            7,
            Code::OutOfRange,
            30,
        ),
        (
            "            min_reply_length 10\n            max_reply_length 5",
            6,
            Code::Inconsistent,
            9,
        ),
    ] {
        let parsed = parse(&checker("UDP_CHECK", body));
        assert_eq!(
            problems(&parsed).first().map(|p| (p.1, p.2, p.3)),
            Some((code, line, column)),
            "{body}"
        );
    }
}

#[test]
fn file_and_bfd_checks() {
    let config = settled_config(&checker(
        "FILE_CHECK",
        "            track_file TF\n            weight -3 reverse",
    ));
    let [Checker::File(check)] = checkers_of(&config) else {
        panic!()
    };
    assert_eq!(check.track_file.value, "TF");
    assert_eq!(
        check.weight,
        Some(Weight {
            value: -3,
            reverse: true
        })
    );
    let config = settled_config(&checker(
        "BFD_CHECK",
        "            name B1\n            alpha",
    ));
    let [Checker::Bfd(check)] = checkers_of(&config) else {
        panic!()
    };
    assert_eq!((check.name.value.as_str(), check.alpha), ("B1", Some(true)));
    // keepalived -t rejects each.
    for (kind, body, line, code, column) in [
        (
            "FILE_CHECK",
            "            track_file TF\n            weight -2147483648",
            8,
            Code::OutOfRange,
            20,
        ),
        (
            "FILE_CHECK",
            "            track_file TF\n            weight 1 sideways",
            8,
            Code::InvalidValue,
            22,
        ),
        // keepalived 2.2.7 has no FILE_CHECK dynamic, whatever the man page says.
        (
            "FILE_CHECK",
            "            track_file TF\n            dynamic",
            8,
            Code::UnknownKeyword,
            13,
        ),
        ("FILE_CHECK", "", 6, Code::MissingValue, 9),
        ("BFD_CHECK", "", 6, Code::MissingValue, 9),
    ] {
        let parsed = parse(&checker(kind, body));
        let found: Vec<_> = settled(&parsed)
            .iter()
            .map(|d| d.location.as_ref().map(|l| (d.code, l.line, l.column)))
            .collect();
        assert_eq!(
            found.first().copied().flatten(),
            Some((code, line, column)),
            "{kind} {body}"
        );
    }
}
