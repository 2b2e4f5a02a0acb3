//! The man pages of our binaries, generated so that they never drift from
//! the command lines: the NAME, SYNOPSIS, DESCRIPTION, OPTIONS and COMMANDS
//! sections come from the clap definition, the rest (signals, files, exit
//! codes) from hand-written roff in `docs/man/prose/NAME.8.roff`.
//!
//! Test code only: each binary includes this file with `#[path]` in a test
//! that fails when `docs/man/NAME.8` differs from what it renders
//! (`UPDATE_MAN=1 cargo test -p NAME man_page` rewrites it). It does not
//! install pages or render other sections than 8.

use std::path::{Path, PathBuf};

/// The man page of `command` (section 8) followed by `prose`.
pub(crate) fn render(command: clap::Command, prose: &str) -> Vec<u8> {
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let subcommands = commands_section(&command);
    let version = command.get_version().unwrap_or_default().to_owned();
    let man = clap_mangen::Man::new(command)
        .section("8")
        .source(format!("keepalived-rs {version}"))
        .manual("System Manager's Manual");
    let mut page = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = man.render_title(&mut page);
    let _ = man.render_name_section(&mut page);
    let _ = man.render_synopsis_section(&mut page);
    let _ = man.render_description_section(&mut page);
    let _ = man.render_options_section(&mut page);
    page.extend_from_slice(subcommands.as_bytes());
    page.extend_from_slice(prose.as_bytes());
    if !prose.ends_with('\n') {
        page.push(b'\n');
    }
    page
}

/// Subcommands with their options inline (clap_mangen would refer to a
/// page per subcommand, which we do not have).
fn commands_section(command: &clap::Command) -> String {
    let mut roff = String::new();
    let subcommands: Vec<&clap::Command> = command.get_subcommands().collect();
    if subcommands.is_empty() {
        return roff;
    }
    roff.push_str(".SH COMMANDS\n");
    for sub in subcommands {
        let mut usage = format!("\\fB{}\\fR", escape(sub.get_name()));
        let options: Vec<&clap::Arg> = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set() && a.get_id() != "help")
            .collect();
        for arg in &options {
            match arg.get_long() {
                Some(long) => usage.push_str(&format!(" [\\fB\\-\\-{}\\fR]", escape(long))),
                None => usage.push_str(&format!(
                    " \\fI{}\\fR",
                    escape(arg.get_id().as_str()).to_uppercase()
                )),
            }
        }
        roff.push_str(&format!(".TP\n{usage}\n"));
        if let Some(about) = sub.get_about() {
            roff.push_str(&format!("{}\n", escape(&about.to_string())));
        }
        if !options.is_empty() {
            roff.push_str(".RS\n");
            for arg in options {
                let name = match arg.get_long() {
                    Some(long) => format!("\\fB\\-\\-{}\\fR", escape(long)),
                    None => format!("\\fI{}\\fR", escape(arg.get_id().as_str()).to_uppercase()),
                };
                roff.push_str(&format!(".TP\n{name}\n"));
                if let Some(help) = arg.get_help() {
                    roff.push_str(&format!("{}\n", escape(&help.to_string())));
                }
            }
            roff.push_str(".RE\n");
        }
    }
    roff
}

fn escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('-', "\\-");
    // A line starting with . or ' would be a request.
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// Where the committed page of `name` lives.
pub(crate) fn committed_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/man")
        .join(format!("{name}.8"))
}

/// Fails if the committed page differs from `rendered` (or rewrites it with
/// `UPDATE_MAN=1`), and if groff warns about it.
pub(crate) fn check(name: &str, rendered: &[u8]) {
    let path = committed_path(name);
    if std::env::var_os("UPDATE_MAN").is_some() {
        std::fs::write(&path, rendered).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "{} is out of date with the command line; run `UPDATE_MAN=1 cargo test -p {name} man_page` and commit it",
        path.display()
    );
    lint(&path);
}

/// groff's warnings (bad requests, unknown escapes), when groff is there.
fn lint(path: &Path) {
    let Ok(out) = std::process::Command::new("groff")
        .args(["-man", "-ww", "-z", "-Tutf8"])
        .arg(path)
        .output()
    else {
        eprintln!("SKIPPED the groff check of {}: no groff", path.display());
        return;
    };
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && warnings.trim().is_empty(),
        "groff on {}: {warnings}",
        path.display()
    );
}
