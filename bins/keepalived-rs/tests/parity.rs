//! Verdict parity with the real keepalived 2.2.7: on every sample config
//! Debian's keepalived package installs, every config under `examples/`,
//! the man page's parameter and generator examples, the project's seed
//! config and a set of broken configs, `keepalived-rs -t` must accept what
//! `keepalived -t` accepts and reject what it rejects. Both run in the root
//! namespace: a config test sends nothing.
//!
//! Where keepalived's verdict is a keepalived bug, the case is listed in
//! `KEEPALIVED_BUGS` with the reason, and the test checks that we differ.

// Test code: a failed step should panic with its error.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

const SAMPLES: &str = "/usr/share/doc/keepalived/samples";

/// Configs on which keepalived 2.2.7's `-t` is wrong, and why.
const KEEPALIVED_BUGS: &[(&str, &str)] = &[
    (
        "missing.conf",
        "keepalived -t exits 0 when the configuration file does not exist",
    ),
    (
        "include-loop.conf",
        "keepalived -t exits 0 on an include loop (it stops at 'Too many open files')",
    ),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn configs() -> Vec<PathBuf> {
    let mut configs = Vec::new();
    let mut add_dir = |dir: &Path, keep: &dyn Fn(&Path) -> bool| {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_file() && keep(path))
            .collect();
        found.sort();
        configs.extend(found);
    };
    add_dir(Path::new(SAMPLES), &|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("keepalived.conf"))
    });
    for example in ["vrrp-pair", "vrrp-v3-unicast", "lvs-nat"] {
        add_dir(&workspace().join("examples").join(example), &|p| {
            p.extension().is_some_and(|e| e == "conf")
        });
    }
    add_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parity"),
        &|p| p.extension().is_some_and(|e| e == "conf"),
    );
    configs.push(workspace().join("../shared/seed/keepalived.conf"));
    configs.retain(|p| p.exists());
    configs
}

/// The exit status of `program -t -i main -f config`.
fn verdict(program: &Path, config: &Path) -> (i32, String) {
    let output = Command::new(program)
        .args(["-t", "-i", "main", "-f"])
        .arg(config)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

fn keepalived() -> Option<PathBuf> {
    if netlab::Prerequisites::skip("parity with keepalived -t", &["keepalived"]) {
        return None;
    }
    netlab::peers::find_program("keepalived")
}

#[test]
fn verdicts_match_keepalived() {
    let Some(keepalived) = keepalived() else {
        return;
    };
    let ours = Path::new(env!("CARGO_BIN_EXE_keepalived-rs"));
    let configs = configs();
    assert!(configs.len() >= 30, "too few configs found: {configs:?}");
    let mut mismatches = Vec::new();
    let mut same_status = 0;
    for config in &configs {
        let (theirs, their_text) = verdict(&keepalived, config);
        let (mine, my_text) = verdict(ours, config);
        let name = config.file_name().unwrap_or_default().to_string_lossy();
        eprintln!("{:>3} {:>3}  {name}", theirs, mine);
        same_status += usize::from(theirs == mine);
        if (theirs == 0) != (mine == 0) {
            mismatches.push(format!("{name}: keepalived {theirs}, ours {mine}\n--- keepalived:\n{their_text}--- ours:\n{my_text}"));
        }
    }
    // The exit statuses differ only where keepalived stops checking early: it
    // skips the script security check (status 6) once an interface is
    // missing (status 5); we report both problems.
    eprintln!(
        "parity: verdict {} of {} configs, exact exit status {same_status} of {}",
        configs.len() - mismatches.len(),
        configs.len(),
        configs.len()
    );
    assert!(
        mismatches.is_empty(),
        "verdicts differ:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn where_keepalived_is_wrong_we_differ() {
    let Some(keepalived) = keepalived() else {
        return;
    };
    let ours = Path::new(env!("CARGO_BIN_EXE_keepalived-rs"));
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(dir.join("include-loop.conf"), "include include-loop.conf\n").unwrap();
    for (name, reason) in KEEPALIVED_BUGS {
        let config = dir.join(name);
        let (theirs, _) = verdict(&keepalived, &config);
        let (mine, text) = verdict(ours, &config);
        assert_eq!(
            theirs, 0,
            "{name}: keepalived no longer has this bug ({reason}); move the case to the parity set"
        );
        assert_ne!(
            mine, 0,
            "{name}: we must reject it ({reason}); we said:\n{text}"
        );
    }
    let (missing, _) = verdict(ours, &dir.join("missing.conf"));
    assert_eq!(
        missing, 4,
        "a missing file is keepalived's KEEPALIVED_EXIT_CONFIG"
    );
}
