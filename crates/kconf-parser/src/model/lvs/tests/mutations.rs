//! Mutated configurations: reading never panics, and whatever model comes
//! out is written as text that reads back as the same model.

use proptest::prelude::*;

use super::*;

/// A configuration that uses most LVS keywords, to mutate.
const BASE: &str = r#"virtual_server_group G {
    10.0.0.1-10 80
    10.0.0.8/29
    fwmark 5 inet
}
SSL {
    password secret
    ca /etc/ca.pem
}
virtual_server group G {
    lvs_sched sh
    sh-port
    lvs_method TUN type gue port 6080 csum
    persistence_timeout 600
    protocol TCP
    quorum 2
    hysteresis 1
    quorum_up "/bin/up arg" nobody
    delay_loop 6.5
    sorry_server 10.0.0.99 80
    sorry_server_inhibit
    real_server 10.0.0.2 80 {
        weight 3
        lvs_method DR
        notify_up /bin/up
        inhibit_on_failure off
        HTTP_GET {
            connect_port 8080
            url {
                path /
                digest 9b3a0c85a887a256d6939da88aabd8cd
                status_code 200 300-302
                regex ok
                regex_options caseless
            }
        }
        SMTP_CHECK {
            host {
                connect_ip 10.0.0.5
            }
        }
        DNS_CHECK {
            type MX
        }
        MISC_CHECK {
            misc_path "/bin/check a"
            misc_dynamic
        }
        UDP_CHECK {
            payload ab12
            require_reply 0axx
        }
        FILE_CHECK {
            track_file TF
            weight 2 reverse
        }
        BFD_CHECK {
            name B1
        }
    }
}
virtual_server fwmark 7 {
    ip_family inet6
    lvs_sched rr
    lvs_method TUN
    real_server 2001:db8::5 {
        TCP_CHECK {
            bind_if eth0
            connect_ip fe80::1
        }
    }
}
"#;

/// Words that probe the edges of every value.
const WORDS: &[&str] = &[
    "0",
    "1",
    "-1",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "1.0000001",
    "0.5",
    "x",
    "{",
    "}",
    "\"\"",
    "fe80::1",
    "10.0.0.1",
    "2001:db8::1",
    "TUN",
    "DR",
    "NAT",
    "type",
    "gue",
    "port",
    "csum",
    "remcsum",
    "inet6",
    "fwmark",
    "group",
    "sh",
    "mh",
    "url",
    "real_server",
    "HTTP_GET",
];

#[derive(Debug, Clone)]
enum Mutation {
    DropLine(usize),
    DuplicateLine(usize),
    ReplaceWord(usize, usize, usize),
    AppendWord(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DropLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(l, w, r)| Mutation::ReplaceWord(l, w, r)),
        (any::<usize>(), any::<usize>()).prop_map(|(l, r)| Mutation::AppendWord(l, r)),
    ]
}

fn apply(mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = BASE.lines().map(str::to_owned).collect();
    for mutation in mutations {
        let n = lines.len().max(1);
        match *mutation {
            Mutation::DropLine(l) if !lines.is_empty() => {
                lines.remove(l % n);
            }
            Mutation::DuplicateLine(l) if !lines.is_empty() => {
                let line = lines[l % n].clone();
                lines.insert(l % n, line);
            }
            Mutation::ReplaceWord(l, w, r) if !lines.is_empty() => {
                let line = &mut lines[l % n];
                let mut words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
                if !words.is_empty() {
                    let i = w % words.len();
                    words[i] = WORDS[r % WORDS.len()].to_owned();
                    *line = words.join(" ");
                }
            }
            Mutation::AppendWord(l, r) if !lines.is_empty() => {
                let line = &mut lines[l % n];
                line.push(' ');
                line.push_str(WORDS[r % WORDS.len()]);
            }
            _ => {}
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mutated_configurations_round_trip(mutations in proptest::collection::vec(mutation(), 0..6)) {
        let text = apply(&mutations);
        let first = parse(&text).config;
        let written = write_config(&first);
        let again = parse(&written).config;
        prop_assert_eq!(&again.virtual_servers, &first.virtual_servers, "text:\n{}\nwritten:\n{}", text, written);
        prop_assert_eq!(&again.virtual_server_groups, &first.virtual_server_groups);
        prop_assert_eq!(&again.ssl, &first.ssl);
    }
}
