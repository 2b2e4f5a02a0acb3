//! The lexical layer against the man page's examples and keepalived's
//! behaviour (checked with `keepalived -t` 2.2.7 where noted).

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use kconf_parser::syntax::write_config;
use kconf_parser::{Code, MemoryResolver, ParseOptions, Parsed, Severity, parse_syntax_with};

fn parse_with(text: &str, files: MemoryResolver, config_id: &str) -> Parsed {
    let options = ParseOptions {
        config_id: config_id.into(),
        ..Default::default()
    };
    parse_syntax_with(
        text,
        Path::new("/etc/keepalived/keepalived.conf"),
        &options,
        &files,
    )
}

fn parse(text: &str) -> Parsed {
    parse_with(text, MemoryResolver::new(), "main")
}

/// The canonical text of the tree, for comparing structure.
fn canon(text: &str) -> String {
    let parsed = parse(text);
    assert!(
        parsed.diagnostics.is_empty(),
        "unexpected diagnostics: {:#?}",
        parsed.diagnostics
    );
    write_config(&parsed.tree)
}

fn codes(parsed: &Parsed) -> Vec<(Code, u32, u32)> {
    parsed
        .diagnostics
        .iter()
        .map(|d| {
            let (line, column) = d.location.as_ref().map_or((0, 0), |l| (l.line, l.column));
            (d.code, line, column)
        })
        .collect()
}

#[test]
fn braces_wherever_keepalived_accepts_them() {
    // Each form was accepted by keepalived 2.2.7's -t.
    let expected = "global_defs {\n    router_id X\n}\n";
    for text in [
        "global_defs {\nrouter_id X\n}\n",
        "global_defs{\nrouter_id X\n}\n",
        "global_defs {\nrouter_id X}\n",
        "global_defs\n{\nrouter_id X\n}\n",
        "global_defs { router_id X }\n",
        "  global_defs  {  \n\t router_id   X  \n  }  \n",
        "global_defs {\r\nrouter_id X\r\n}\r\n",
    ] {
        assert_eq!(canon(text), expected, "for {text:?}");
    }
}

#[test]
fn words_after_a_brace_start_a_new_line() {
    // keepalived 2.2.7 reads `10.1.1.2/24` here as an option of the first
    // address ("Unknown configuration entry '10.1.1.2/24' for ip address").
    assert_eq!(
        canon("virtual_ipaddress { 10.1.1.1/24 10.1.1.2/24 }\n"),
        "virtual_ipaddress {\n    10.1.1.1/24 10.1.1.2/24\n}\n"
    );
    assert_eq!(
        canon("a {\n b\n} c {\n d\n}\n"),
        "a {\n    b\n}\nc {\n    d\n}\n"
    );
}

#[test]
fn comments_start_anywhere_outside_quotes() {
    assert_eq!(
        canon("! header\n# header\nglobal_defs { # c\n router_id \"X # y\" ! z\n}\n"),
        "global_defs {\n    router_id \"X # y\"\n}\n"
    );
}

#[test]
fn brace_errors_point_at_the_brace() {
    let parsed = parse("global_defs {\nrouter_id X\n}}\n");
    assert_eq!(codes(&parsed), [(Code::UnexpectedClose, 3, 2)]);

    let parsed = parse("global_defs {\nrouter_id X\n");
    assert_eq!(codes(&parsed), [(Code::UnclosedBlock, 1, 13)]);
    assert!(parsed.diagnostics[0].message.contains("global_defs"));
    // The content is still read.
    assert_eq!(parsed.tree[0].children()[0].name(), "router_id");

    let parsed = parse("x {\n}\n  {\n}\n");
    assert_eq!(codes(&parsed), [(Code::UnexpectedOpen, 3, 3)]);
}

#[test]
fn unterminated_quote() {
    let parsed = parse("global_defs {\nrouter_id \"X\n}\n");
    assert_eq!(codes(&parsed), [(Code::UnterminatedQuote, 2, 11)]);
    assert_eq!(parsed.diagnostics[0].severity, Severity::Error);
}

#[test]
fn deep_nesting_is_bounded() {
    let text = "a {\n".repeat(10_000) + &"}\n".repeat(10_000);
    let parsed = parse(&text);
    assert_eq!(parsed.diagnostics.len(), 1, "{:?}", parsed.diagnostics);
    assert_eq!(parsed.diagnostics[0].code, Code::NestingTooDeep);
    assert_eq!(parsed.diagnostics[0].location.as_ref().unwrap().line, 33);
}

#[test]
fn conditionals_from_the_man_page() {
    let text = "global_defs {\n  @main   router_id main_router\n  @backup router_id backup_router\n}\n\
                unicast_peer {\n  @^main 1.2.3.4\n  @^backup 1.2.3.5\n  @^backup2 1.2.3.6\n}\n";
    let main = write_config(&parse_with(text, MemoryResolver::new(), "main").tree);
    assert_eq!(
        main,
        "global_defs {\n    router_id main_router\n}\nunicast_peer {\n    1.2.3.5\n    1.2.3.6\n}\n"
    );
    let other = write_config(&parse_with(text, MemoryResolver::new(), "other").tree);
    assert_eq!(
        other,
        "global_defs {\n}\nunicast_peer {\n    1.2.3.4\n    1.2.3.5\n    1.2.3.6\n}\n"
    );
    let parsed = parse("@ router_id x\n");
    assert_eq!(codes(&parsed), [(Code::InvalidConditional, 1, 1)]);
}

#[test]
fn parameters_from_the_man_page() {
    let text = "$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}\n$ADDRESS_BASE_SUB=0\n${ADDRESS_BASE}.100/32\n\
                $ADDRESS_BASE_SUB=10\n${ADDRESS_BASE}.100/32\n";
    assert_eq!(canon(text), "10.2.0.100/32\n10.2.10.100/32\n");

    let text = "@main $PRIORITY=240\n@backup $PRIORITY=200\nvrrp_instance VI_0 {\n    priority $PRIORITY\n}\n";
    assert_eq!(canon(text), "vrrp_instance VI_0 {\n    priority 240\n}\n");

    // A parameter can carry a conditional.
    assert_eq!(
        canon("$IF_MAIN=@main\n$IF_MAIN priority 240\n"),
        "priority 240\n"
    );
    let other = parse_with(
        "$IF_MAIN=@main\n$IF_MAIN priority 240\n",
        MemoryResolver::new(),
        "x",
    );
    assert!(other.tree.is_empty());

    // Undefined parameters stay as written.
    assert_eq!(
        canon("notify \"/bin/x ${UNDEF}\"\n"),
        "notify \"/bin/x ${UNDEF}\"\n"
    );
}

#[test]
fn multi_line_parameters_from_the_man_page() {
    let text = r#"$INSTANCE= \
vrrp_instance VI_${NUM} { \
    interface eth0.${NUM} \
    @high priority 130 \
    @low priority 120 \
    virtual_ipaddress { \
        10.0.${NUM}.254/24 \
    } \
}

$NUM=0
$INSTANCE

$NUM=1
$INSTANCE
"#;
    let options = ParseOptions {
        config_id: "high".into(),
        ..Default::default()
    };
    let parsed = parse_syntax_with(text, Path::new("/k.conf"), &options, &MemoryResolver::new());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(
        write_config(&parsed.tree),
        "vrrp_instance VI_0 {\n    interface eth0.0\n    priority 130\n    virtual_ipaddress {\n        10.0.0.254/24\n    }\n}\n\
         vrrp_instance VI_1 {\n    interface eth0.1\n    priority 130\n    virtual_ipaddress {\n        10.0.1.254/24\n    }\n}\n"
    );
    // Expanded text is marked as such in locations, at the line of the use.
    let location = &parsed.tree[1].children()[0].keyword.location;
    assert!(location.expanded);
    assert_eq!(location.line, 15);
}

#[test]
fn nested_multi_line_parameters() {
    let text = "$RS= \\\nreal_server 192.168.${VS_NUM}.${RS_NUM} 80 { \\\n  weight 1 \\\n}\n\
                $VS= \\\nvirtual_server 10.0.${VS_NUM}.4 80 { \\\n  $RS_NUM=1 \\\n  $RS \\\n  $RS_NUM=2 \\\n  $RS \\\n}\n\
                $VS_NUM=0\n$VS\n";
    assert_eq!(
        canon(text),
        "virtual_server 10.0.0.4 80 {\n    real_server 192.168.0.1 80 {\n        weight 1\n    }\n    \
         real_server 192.168.0.2 80 {\n        weight 1\n    }\n}\n"
    );
}

#[test]
fn builtins() {
    assert_eq!(
        canon("a ${_PWD} ${_INSTANCE} \"x${_HASH}y${_BANG}\"\n"),
        "a /etc/keepalived main \"x#y!\"\n"
    );
}

#[test]
fn generators_from_the_man_page() {
    assert_eq!(
        canon("~SEQ(SUBNET, 0, 3) ip_address 10.0.${SUBNET}.1\n"),
        "ip_address 10.0.0.1\nip_address 10.0.1.1\nip_address 10.0.2.1\nip_address 10.0.3.1\n"
    );
    assert_eq!(
        canon(
            "virtual_ipaddress {\n  ~SEQx(AD2, 0x90, 0x10, 0xa0) ~SEQx(AD1, 0x12, -1, 0x11) fe81::10:${AD2}:${AD1}\n}\n"
        ),
        "virtual_ipaddress {\n    fe81::10:90:12\n    fe81::10:90:11\n    fe81::10:a0:12\n    fe81::10:a0:11\n}\n"
    );
    assert_eq!(
        canon("~LST({IP, IP1}, {10,1},{20,4}) ~SEQ(IP2,168,2,170) 192.${IP2}.${IP}.${IP1}\n"),
        "192.168.10.1\n192.170.10.1\n192.168.20.4\n192.170.20.4\n"
    );
    // Generators over a multi-line parameter.
    let text = "$V= \\\nvrrp_instance v${I}.${J} { \\\n  virtual_router_id ${J} \\\n}\n~SEQ(I,0,1) ~SEQ(J,1,2) $V\n";
    let parsed = parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let names: Vec<_> = parsed.tree.iter().map(|n| n.args[0].text.clone()).collect();
    assert_eq!(names, ["v0.1", "v0.2", "v1.1", "v1.2"]);

    let parsed = parse("~SEQ(N, 1, 0, 4) x\n");
    assert_eq!(codes(&parsed), [(Code::InvalidGenerator, 1, 1)]);
}

#[test]
fn self_referencing_parameters_are_stopped() {
    let parsed = parse("$A=x $A\n$A\n");
    assert_eq!(codes(&parsed), [(Code::ExpansionLimit, 2, 1)]);
    // A multi-line parameter that expands to itself.
    let parsed = parse("$B= \\\n$B \\\ny\n$B\n");
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.code == Code::ExpansionLimit),
        "{:?}",
        parsed.diagnostics
    );
}

#[test]
fn includes_are_relative_globbed_and_brace_expanded() {
    let files = MemoryResolver::new()
        .with_file("/etc/keepalived/conf.d/a.conf", "a_keyword 1\n")
        .with_file(
            "/etc/keepalived/conf.d/b.conf",
            "b_keyword 2\ninclude ../extra/{x,y}.conf\n",
        )
        .with_file("/etc/keepalived/extra/x.conf", "x_keyword\n")
        .with_file("/etc/keepalived/extra/y.conf", "y_keyword\n");
    let parsed = parse_with("first\ninclude conf.d/*.conf\nlast\n", files, "main");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(
        write_config(&parsed.tree),
        "first\na_keyword 1\nb_keyword 2\nx_keyword\ny_keyword\nlast\n"
    );
    assert_eq!(parsed.files.len(), 5);
    assert_eq!(
        parsed.tree[2].keyword.location.file.as_ref(),
        Path::new("/etc/keepalived/conf.d/b.conf")
    );
}

#[test]
fn include_loops_and_missing_files_name_the_chain() {
    let files = MemoryResolver::new()
        .with_file("/etc/keepalived/a.conf", "include b.conf\n")
        .with_file("/etc/keepalived/b.conf", "x\ninclude a.conf\n");
    let parsed = parse_with("include a.conf\n", files, "main");
    assert_eq!(codes(&parsed), [(Code::IncludeLoop, 2, 9)]);
    assert_eq!(
        parsed.diagnostics[0].message,
        "include loop: /etc/keepalived/a.conf -> /etc/keepalived/b.conf -> /etc/keepalived/a.conf"
    );
    assert_eq!(
        parsed.diagnostics[0]
            .location
            .as_ref()
            .unwrap()
            .file
            .as_ref(),
        Path::new("/etc/keepalived/b.conf")
    );

    let parsed = parse("include missing/*.conf\n");
    assert_eq!(codes(&parsed), [(Code::IncludeMissing, 1, 9)]);
}

#[test]
fn bad_bytes_are_reported_not_fatal() {
    let options = ParseOptions::default();
    let files = MemoryResolver::new().with_file(
        "/k.conf",
        b"a 1\nb \0 2\nc \xff 3\n# caf\xe9 in Latin-1 is fine in a comment\nd 4\n".to_vec(),
    );
    let parsed = parse_syntax_with(
        "include k.conf\n",
        Path::new("/main.conf"),
        &options,
        &files,
    );
    assert_eq!(
        codes(&parsed),
        [(Code::NulByte, 2, 3), (Code::InvalidEncoding, 3, 3)]
    );
    assert_eq!(write_config(&parsed.tree), "a 1\nd 4\n");

    let long = format!("router_id {}\nnext\n", "x".repeat(1 << 20));
    let parsed = parse(&long);
    assert_eq!(codes(&parsed), [(Code::LineTooLong, 1, 1)]);
    assert_eq!(write_config(&parsed.tree), "next\n");
}

#[test]
fn a_missing_main_file_is_fatal() {
    let parsed = kconf_parser::parse_file_with(
        Path::new("/nope.conf"),
        &ParseOptions::default(),
        &MemoryResolver::new(),
    );
    assert_eq!(parsed.verdict().exit_code(), 4);
    assert_eq!(parsed.diagnostics[0].code, Code::FileUnreadable);
}

#[test]
fn canonical_output_reads_back_the_same() {
    let text = "a \"x y\" '' \"q\\\"\" {\n b \"#!{}\" \"tab\\there\"\n c { d } \n}\n";
    // A word spelling an include keyword must not become an include.
    assert_eq!(
        canon("g {\n \"include\" x\n}\n"),
        "g {\n    \"include\" x\n}\n"
    );
    let once = canon(text);
    assert_eq!(canon(&once), once);
    assert_eq!(
        once,
        "a \"x y\" \"\" \"q\\\"\" {\n    b \"#!{}\" \"tab\\there\"\n    c {\n        d\n    }\n}\n"
    );
}
