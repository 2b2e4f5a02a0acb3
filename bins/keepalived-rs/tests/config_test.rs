//! `keepalived-rs -t`, `-d` and `--signum` as a user runs them.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keepalived-rs"))
        .args(args)
        .output()
        .unwrap()
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn clean_examples_pass_silently() {
    for name in [
        "vrrp-pair/lb1.conf",
        "vrrp-pair/lb2.conf",
        "vrrp-v3-unicast/keepalived.conf",
        "lvs-nat/keepalived.conf",
    ] {
        let path = example(name);
        let out = run(&["-t", "-f", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        assert!(
            out.stderr.is_empty() && out.stdout.is_empty(),
            "{name}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn problems_are_reported_in_the_familiar_form() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("k.conf");
    std::fs::write(&config, "vrrp_instance VI_1 {\n    interface lo\n    virtual_router_id 300\n    virtual_ipaddress {\n        192.0.2.1/24\n    }\n}\n").unwrap();
    let out = run(&["-t", "-f", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(5));
    let stderr = text(&out.stderr);
    let expected = format!(
        "{}:3:23: error: 'virtual_router_id' 300 is outside 1..=255 [out-of-range]",
        config.display()
    );
    assert!(stderr.lines().any(|line| line == expected), "{stderr}");
    assert!(
        !stderr.contains("\x1b["),
        "no colour when stderr is not a terminal"
    );

    // -t=FILE writes the diagnostics to FILE instead.
    let log = dir.path().join("check.log");
    let out = run(&[
        &format!("--config-test={}", log.display()),
        "-f",
        config.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(5));
    assert!(out.stderr.is_empty());
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("[out-of-range]")
    );
}

#[test]
fn a_missing_file_is_fatal() {
    let out = run(&["-t", "-f", "/nonexistent/keepalived.conf"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out.stderr).contains("cannot read configuration file /nonexistent/keepalived.conf")
    );
}

#[test]
fn strict_makes_unknown_keywords_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("k.conf");
    std::fs::write(&config, "global_defs {\n    routr_id lb1\n}\n").unwrap();
    let lenient = text(&run(&["-t", "-f", config.to_str().unwrap()]).stderr);
    assert!(
        lenient.contains("warning: unknown keyword 'routr_id'"),
        "{lenient}"
    );
    assert!(
        lenient.contains("help: did you mean 'router_id'?"),
        "{lenient}"
    );
    let strict = text(&run(&["-t", "--strict", "-f", config.to_str().unwrap()]).stderr);
    assert!(
        strict.contains("error: unknown keyword 'routr_id'"),
        "{strict}"
    );
}

#[test]
fn dump_prints_the_effective_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("k.conf");
    std::fs::write(
        &config,
        "$VIP=192.0.2.10/24\n@main $PRIO=200\n@^main $PRIO=100\n\
         vrrp_instance VI_1 {\n    interface lo\n    virtual_router_id 9\n    priority $PRIO\n    virtual_ipaddress {\n        $VIP\n    }\n}\n",
    )
    .unwrap();
    let out = run(&["-d", "-i", "main", "-f", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let dump = text(&out.stdout);
    assert_eq!(
        dump,
        "vrrp_instance VI_1 {\n    interface lo\n    virtual_router_id 9\n    priority 200\n    virtual_ipaddress {\n        192.0.2.10/24\n    }\n}\n"
    );
    // The dump is itself a clean configuration.
    let dumped = dir.path().join("dump.conf");
    std::fs::write(&dumped, &dump).unwrap();
    let again = run(&["-t", "-f", dumped.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
}

#[test]
fn signum_answers_like_keepalived() {
    let out = run(&["--signum=RELOAD"]);
    assert_eq!(
        (out.status.code(), text(&out.stdout).trim().to_owned()),
        (Some(0), "1".to_owned())
    );
    let out = run(&["--signum=NOPE"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).trim(), "Unknown sigfunc NOPE");
}
