//! Properties over generated input: nothing panics, and a model written
//! back with `--dump-conf` reads back as the same model.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use kconf_parser::model::write_config;
use kconf_parser::{MemoryResolver, ParseOptions, parse_file_with, parse_str_with};
use proptest::prelude::*;

fn parse_bytes(bytes: Vec<u8>) -> kconf_parser::Parsed {
    let files = MemoryResolver::new()
        .with_file("/etc/keepalived/keepalived.conf", bytes.clone())
        .with_file("/etc/keepalived/other.conf", bytes);
    parse_file_with(
        Path::new("/etc/keepalived/keepalived.conf"),
        &ParseOptions::default(),
        &files,
    )
}

/// Fragments that exercise every path of the reader: braces, quotes,
/// comments, parameters, generators, conditionals, includes, keywords.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("\n".to_owned()),
        Just(" ".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just("#".to_owned()),
        Just("!".to_owned()),
        Just("$A=".to_owned()),
        Just("$A".to_owned()),
        Just("${A}".to_owned()),
        Just("${_RANDOM 1 9}".to_owned()),
        Just("~SEQ(N, 1, 3) ".to_owned()),
        Just("~LST({X,Y},{1,2},{3,4}) ".to_owned()),
        Just("@main ".to_owned()),
        Just("@^main ".to_owned()),
        Just("include other.conf\n".to_owned()),
        Just("vrrp_instance V ".to_owned()),
        Just("vrrp_script s ".to_owned()),
        Just("vrrp_sync_group g ".to_owned()),
        Just("virtual_router_id ".to_owned()),
        Just("priority ".to_owned()),
        Just("advert_int ".to_owned()),
        Just("track_script ".to_owned()),
        Just("authentication ".to_owned()),
        Just("unicast_peer ".to_owned()),
        Just("virtual_ipaddress ".to_owned()),
        Just("global_defs ".to_owned()),
        Just("virtual_server 10.0.0.1 80 ".to_owned()),
        Just("real_server 10.0.0.2 80 ".to_owned()),
        "[0-9]{1,4}".prop_map(|s| s),
        "[a-z_]{1,8}".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary bytes give diagnostics, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_bytes(bytes);
    }

    /// Text built from the language's own pieces (including an include of
    /// itself) gives diagnostics, never a panic or a hang.
    #[test]
    fn language_fragments_never_panic(parts in prop::collection::vec(fragment(), 0..200)) {
        let _ = parse_bytes(parts.concat().into_bytes());
    }
}

/// Values for the generated instances, some valid and some not: whatever
/// the parser makes of them must survive being written back.
fn instance_line() -> impl Strategy<Value = String> {
    prop_oneof![
        prop_oneof![Just("MASTER"), Just("BACKUP"), Just("master")]
            .prop_map(|s| format!("state {s}")),
        (0u32..300).prop_map(|n| format!("priority {n}")),
        (0u32..300).prop_map(|n| format!("virtual_router_id {n}")),
        (0u32..5000).prop_map(|n| format!("advert_int {}.{:02}", n / 100, n % 100)),
        (1u32..5).prop_map(|n| format!("version {n}")),
        "[a-z]{1,6}[0-9]?".prop_map(|s| format!("interface {s}")),
        Just("nopreempt".to_owned()),
        Just("preempt".to_owned()),
        (0u32..2000).prop_map(|n| format!("preempt_delay {}.{}", n / 2, n % 10)),
        Just("accept".to_owned()),
        Just("no_accept".to_owned()),
        prop_oneof![Just(""), Just(" on"), Just(" off"), Just(" maybe")]
            .prop_map(|b| format!("strict_mode{b}")),
        (1u32..120).prop_map(|n| format!("down_timer_adverts {n}")),
        (0u8..=255, 0u8..=255).prop_map(|(a, b)| format!(
            "unicast_peer {{\n 10.0.{a}.{b} min_ttl {a} max_ttl {b}\n}}"
        )),
        (0u8..=255).prop_map(|a| format!("unicast_src_ip 10.1.0.{a}")),
        "[ -~]{0,12}".prop_map(|p| format!(
            "authentication {{\n auth_type PASS\n auth_pass \"{}\"\n}}",
            p.replace(['"', '\\'], "")
        )),
        (-300i32..300)
            .prop_map(|w| format!("track_interface {{\n eth1 weight {w}\n eth2 reverse\n}}")),
        (-300i32..300).prop_map(|w| format!("track_script {{\n chk weight {w} noreverse\n}}")),
        "[ -~]{1,30}"
            .prop_map(|c| format!("notify_master \"{}\" root", c.replace(['"', '\\', '$'], ""))),
        Just("notify_deleted".to_owned()),
        (0u32..100).prop_map(|n| format!("garp_master_delay {}.5", n)),
        prop_oneof![Just("garp_extra_if all 5"), Just("garp_extra_if 0.25")]
            .prop_map(str::to_owned),
        prop_oneof![
            Just("use_vmac"),
            Just("use_vmac vrrp.7"),
            Just("use_vmac vrrp.7 02:00:00:00:07")
        ]
        .prop_map(str::to_owned),
        prop_oneof![
            Just("old_unicast_checksum"),
            Just("old_unicast_checksum never")
        ]
        .prop_map(str::to_owned),
        Just("smtp_alert no".to_owned()),
        (
            0u8..=255,
            prop_oneof![Just("enforce"), Just("permissive"), Just("receive-only")]
        )
            .prop_map(|(id, mode)| format!(
                "auth_hmac {{\n key_id {id}\n secret \"k {id}\"\n mode {mode}\n}}"
            )),
    ]
}

fn script_block() -> impl Strategy<Value = String> {
    (1u32..5000, -300i32..300, 0u32..4, any::<bool>()).prop_map(|(interval, weight, rise, fail)| {
        format!(
            "vrrp_script chk {{\n script \"/usr/bin/test -f /tmp/x\"\n interval {interval}\n weight {weight}\n rise {rise}\n{}}}\n",
            if fail { " init_fail\n" } else { "" }
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// parse(write(parse(text))) == parse(text): the dump loses nothing and
    /// invents nothing.
    #[test]
    fn written_configs_read_back_equal(
        script in script_block(),
        instances in prop::collection::vec(prop::collection::vec(instance_line(), 0..12), 1..4),
        grouped in any::<bool>(),
    ) {
        let mut text = script;
        for (i, lines) in instances.iter().enumerate() {
            text.push_str(&format!("vrrp_instance VI_{i} {{\n{}\n}}\n", lines.join("\n")));
        }
        if grouped {
            text.push_str("vrrp_sync_group G {\n group {\n  VI_0\n  VI_1\n }\n notify /bin/true\n}\n");
        }
        let options = ParseOptions::default();
        let files = MemoryResolver::new();
        let first = parse_str_with(&text, Path::new("/k.conf"), &options, &files);
        let written = write_config(&first.config);
        let second = parse_str_with(&written, Path::new("/dump.conf"), &options, &files);
        prop_assert_eq!(&second.config, &first.config, "written:\n{}", written);
        // The dump of a model is itself clean of reading errors.
        let reading_errors: Vec<_> = second
            .diagnostics
            .iter()
            .filter(|d| {
                use kconf_parser::{Code, Severity};
                matches!(d.code, Code::UnknownKeyword | Code::ExtraArguments)
                    || (d.severity == Severity::Error && matches!(d.code, Code::InvalidValue | Code::OutOfRange))
            })
            .collect();
        prop_assert!(reading_errors.is_empty(), "{:#?}\nwritten:\n{}", reading_errors, written);
    }
}
