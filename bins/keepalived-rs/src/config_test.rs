//! `keepalived-rs -t` and `-d`: check a configuration and print what is
//! wrong, in `file:line:col: severity: message` form, with keepalived's exit
//! statuses; or print the effective configuration.

use std::io::{IsTerminal, Write};
use std::path::Path;

use kconf_parser::{Code, Diagnostic, ParseOptions, Parsed, Severity};

/// Parses `config` as the daemons would, adding the checks that need this
/// host (interfaces that do not exist, script security).
pub(crate) fn check(config: &Path, config_id: Option<&str>, strict: bool) -> Parsed {
    let mut options = ParseOptions::for_this_host();
    options.strict = strict;
    if let Some(id) = config_id {
        options.config_id = id.to_owned();
    }
    let mut parsed = kconf_parser::parse_file(config, &options);
    check_interfaces(&mut parsed, |name| {
        Path::new("/sys/class/net").join(name).exists()
    });
    crate::security::check_scripts(&mut parsed, &crate::security::ThisHost);
    parsed
}

/// keepalived warns about interfaces the host does not have; so do we, once
/// per place that names one, saying what needs it.
pub(crate) fn check_interfaces(parsed: &mut Parsed, exists: impl Fn(&str) -> bool) {
    let missing: Vec<Diagnostic> = parsed
        .config
        .interface_references()
        .into_iter()
        .filter(|reference| !exists(&reference.name.value))
        .map(|reference| {
            Diagnostic::new(
                Severity::Warning,
                Code::UnknownReference,
                reference.name.location.clone(),
                format!(
                    "interface {} ({}) does not exist on this host",
                    reference.name.value, reference.user
                ),
            )
        })
        .collect();
    parsed.diagnostics.extend(missing);
    kconf_parser::sort_diagnostics(parsed);
}

/// Writes the diagnostics to `log_file` (or stderr for `-`) and returns the
/// exit status.
pub(crate) fn report(parsed: &Parsed, log_file: &Path) -> u8 {
    let verdict = parsed.verdict();
    let result = if log_file == Path::new("-") {
        let stderr = std::io::stderr();
        let colour = stderr.is_terminal();
        write_diagnostics(&mut stderr.lock(), &parsed.diagnostics, colour)
    } else {
        std::fs::File::create(log_file)
            .and_then(|mut file| write_diagnostics(&mut file, &parsed.diagnostics, false))
    };
    if let Err(err) = result {
        eprintln!(
            "keepalived-rs: cannot write diagnostics to {}: {err}",
            log_file.display()
        );
    }
    verdict.exit_code()
}

fn write_diagnostics(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    colour: bool,
) -> std::io::Result<()> {
    for diagnostic in diagnostics {
        writeln!(out, "{}", diagnostic.render(colour))?;
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    if errors + warnings > 0 {
        writeln!(out, "{errors} error(s), {warnings} warning(s)")?;
    }
    Ok(())
}

/// `-d`: the effective configuration, after includes, conditionals,
/// parameters and generators, as canonical keepalived.conf text.
pub(crate) fn dump(parsed: &Parsed) -> String {
    kconf_parser::model::write_config(&parsed.config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_interfaces_are_warned_about() {
        let options = ParseOptions::default();
        let text = "vrrp_instance V {\n  interface eth9\n  virtual_router_id 5\n}\n";
        let mut parsed = kconf_parser::parse_str(text, &options);
        let before = parsed.diagnostics.len();
        check_interfaces(&mut parsed, |name| name == "eth0");
        assert_eq!(parsed.diagnostics.len(), before + 1);
        let last = parsed.diagnostics.last().unwrap();
        assert!(last.message.contains("eth9"));
        assert_eq!(last.location.as_ref().unwrap().line, 2);
    }
}
