//! Reading and writing `virtual_server_group` blocks, and their use.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn group_entries() {
    let text = "virtual_server_group G {\n    10.0.0.1 80\n    10.0.0.1-10 80\n    10.0.0.1-10.0.1.20 80\n    10.0.0.8/29 443\n    2001:db8::1-ff 80\n    2001:db8::/120 80\n    fwmark 5 inet\n    fwmark 0 inet6\n}\n";
    let config = clean(text);
    let group = &config.virtual_server_groups[0];
    assert_eq!(group.name.value, "G");
    let v4 = |s: &str| ip(s);
    assert_eq!(
        group.entries,
        vec![
            GroupEntry::Address {
                range: AddressRange::Single(v4("10.0.0.1")),
                port: Some(80)
            },
            GroupEntry::Address {
                range: AddressRange::Range {
                    first: v4("10.0.0.1"),
                    last: v4("10.0.0.10")
                },
                port: Some(80)
            },
            GroupEntry::Address {
                range: AddressRange::Range {
                    first: v4("10.0.0.1"),
                    last: v4("10.0.1.20")
                },
                port: Some(80)
            },
            GroupEntry::Address {
                range: AddressRange::Prefix {
                    network: v4("10.0.0.8"),
                    len: 29
                },
                port: Some(443)
            },
            GroupEntry::Address {
                range: AddressRange::Range {
                    first: v4("2001:db8::1"),
                    last: v4("2001:db8::ff")
                },
                port: Some(80)
            },
            GroupEntry::Address {
                range: AddressRange::Prefix {
                    network: v4("2001:db8::"),
                    len: 120
                },
                port: Some(80)
            },
            GroupEntry::Fwmark {
                mark: 5,
                family: Some(IpFamily::Inet)
            },
            GroupEntry::Fwmark {
                mark: 0,
                family: Some(IpFamily::Inet6)
            },
        ]
    );
    // keepalived -t rejects each of these entries (and then the empty group).
    for (entry, code, column) in [
        ("10.0.0.9/29 80", Code::InvalidValue, 5),
        ("10.0.0.10-5 80", Code::InvalidValue, 5),
        ("10.0.0.1-300 80", Code::InvalidValue, 5),
        ("10.0.0.1 70000", Code::OutOfRange, 14),
        ("bogus 80", Code::InvalidValue, 5),
        ("fwmark 5 foo", Code::InvalidValue, 14),
        ("fwmark 4294967296", Code::OutOfRange, 12),
        ("fwmark", Code::MissingValue, 5),
    ] {
        let parsed = parse(&format!("virtual_server_group G {{\n    {entry}\n}}\n"));
        let found = problems(&parsed);
        // Diagnostics come in file order: the entry's own is the one on line 2.
        assert_eq!(
            found.iter().find(|p| p.2 == 2).map(|p| (p.1, p.2, p.3)),
            Some((code, 2, column)),
            "{entry}: {found:?}"
        );
        assert_eq!(
            found.first().map(|p| (p.1, p.2)),
            Some((Code::MissingValue, 1)),
            "{entry}"
        );
        assert!(parsed.config.virtual_server_groups.is_empty(), "{entry}");
    }
    // keepalived -t: IPv4, IPv6 and a fwmark without family cannot be mixed.
    let parsed =
        parse("virtual_server_group G {\n    10.0.0.1 80\n    2001:db8::1 80\n    fwmark 5\n}\n");
    assert_eq!(
        problems(&parsed),
        vec![(Severity::Warning, Code::Inconsistent, 1, 1)]
    );
    assert!(parsed.config.virtual_server_groups.is_empty());
}

#[test]
fn groups_in_virtual_servers() {
    let with_group = |entries: &str, head: &str| {
        format!(
            "virtual_server_group G {{\n{entries}\n}}\nvirtual_server group G {{\n{head}\n    real_server 10.0.0.2 80 {{\n    }}\n}}\n"
        )
    };
    let tcp = "    protocol TCP\n    lvs_sched rr\n    lvs_method NAT";
    let dr = "    lvs_sched rr\n    lvs_method DR";
    let cases: Vec<(String, Vec<(Code, u32)>)> = vec![
        (with_group("    10.0.0.1 80", tcp), vec![]),
        // keepalived -t: an address without port needs persistence.
        (
            with_group("    10.0.0.1", tcp),
            vec![(Code::Inconsistent, 4)],
        ),
        // keepalived -t: fwmark groups take no protocol...
        (
            with_group("    fwmark 5", tcp),
            vec![(Code::Inconsistent, 4)],
        ),
        (
            with_group("    fwmark 5 inet", dr),
            vec![(Code::Inconsistent, 7)],
        ),
        // ...unless the fwmark is of another family, which keepalived leaves out.
        (with_group("    fwmark 5 inet6", tcp), vec![]),
        (with_group("    fwmark 5 inet6", dr), vec![]),
        // keepalived -t: addresses of another family are left out too.
        (with_group("    2001:db8::1-ff 80", dr), vec![]),
        // keepalived -t: a group with an address needs a protocol.
        (
            with_group("    10.0.0.1 80\n    fwmark 5 inet", dr),
            vec![(Code::MissingValue, 5), (Code::Inconsistent, 8)],
        ),
        // keepalived -t: DR real server port differs from an address entry.
        (
            with_group(
                "    10.0.0.1 81",
                "    protocol TCP\n    lvs_sched rr\n    lvs_method DR",
            ),
            vec![(Code::Inconsistent, 8)],
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(verdict(&text), expected, "{text}");
    }
    // keepalived -t accepts a group defined after its virtual server, and
    // says nothing of a missing one (we note it).
    let later = with_group("    10.0.0.1 80", tcp);
    let (group, server) = later.split_at(later.find("virtual_server group").unwrap());
    assert_eq!(verdict(&format!("{server}{group}")), vec![]);
    let parsed =
        parse(&with_group("    10.0.0.1 80", tcp).replace("server group G", "server group H"));
    assert!(problems(&parsed).is_empty());
    let notes: Vec<&Diagnostic> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::UnknownReference)
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].severity, Severity::Note);
}

#[test]
fn round_trip_virtual_server_group() {
    round_trip(
        "virtual_server_group G {\n    10.0.0.1 80\n    10.0.0.1-10 80\n    10.0.0.8/29\n    2001:db8::1-2001:db8::1:0 443\n    fwmark 5 inet6\n    fwmark 6 inet\n}\n",
    );
}
