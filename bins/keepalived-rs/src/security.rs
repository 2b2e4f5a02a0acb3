//! keepalived's script security rules, applied to this host: a script that
//! would run as root needs `enable_script_security`, and with it, a script
//! (or a directory above it) that a non-root user could change is refused.
//!
//! keepalived only judges scripts that exist and are executable, so the
//! verdict depends on the host; the parser lists the scripts
//! (`Config::scripts`) and this module looks at the file system.

pub(crate) use kconf_parser::script_security::{HostInfo, ThisHost};
use kconf_parser::script_security::{Verdict, default_user, judge};
use kconf_parser::{Code, Diagnostic, Parsed, Severity};

/// Adds keepalived's script security verdicts to `parsed`.
pub(crate) fn check_scripts(parsed: &mut Parsed, host: &dyn HostInfo) {
    let global = &parsed.config.global;
    let secure = global.enable_script_security;
    let configured_user = global.script_user.as_ref().map(|(user, _)| user.as_str());
    let default_user = default_user(configured_user, host);
    let mut found = Vec::new();
    let mut as_root = Vec::new();
    for script in parsed.config.scripts() {
        let user = script.user.or(default_user);
        match judge(script.command, user, secure, host) {
            Verdict::NoUser => found.push(Diagnostic::new(
                Severity::Warning,
                Code::MissingValue,
                script.location.cloned(),
                format!(
                    "{}: no user to run it as (script_user is not set and user keepalived_script does not exist); keepalived will not run it",
                    script.what
                ),
            ).with_help("set `script_user` in global_defs")),
            Verdict::NotExecutable { program } => found.push(Diagnostic::new(
                Severity::Note,
                Code::UnknownReference,
                script.location.cloned(),
                format!(
                    "{}: '{program}' is not an executable on this host; running it will fail",
                    script.what
                ),
            )),
            Verdict::Unprivileged => {}
            Verdict::Root {
                program,
                writable_by_others: true,
                secure: true,
            } => found.push(Diagnostic::new(
                Severity::Error,
                Code::Security,
                script.location.cloned(),
                format!(
                    "{}: {} runs as root but a non-root user can change it; keepalived refuses to run it",
                    script.what,
                    program.display()
                ),
            ).with_help("make the script and every directory above it owned by root and not group/world-writable")),
            Verdict::Root { secure: true, .. } => {}
            Verdict::Root { writable_by_others, .. } => {
                as_root.push((script.location.cloned(), script.what, writable_by_others));
            }
        }
    }
    if let Some((location, what, _)) = as_root.first() {
        let insecure = as_root.iter().filter(|(_, _, insecure)| *insecure).count();
        let mut message = format!(
            "{} script(s) would run as root but enable_script_security is not set (first: {what})",
            as_root.len()
        );
        if insecure > 0 {
            message.push_str(&format!(
                "; {insecure} of them can be changed by non-root users"
            ));
        }
        found.push(
            Diagnostic::new(Severity::Warning, Code::Security, location.clone(), message)
                .with_help("set enable_script_security in global_defs (and script_user to run scripts unprivileged)"),
        );
    }
    parsed.diagnostics.extend(found);
    kconf_parser::sort_diagnostics(parsed);
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    struct FakeHost {
        users: &'static [&'static str],
        programs: &'static [(&'static str, bool)],
    }

    impl HostInfo for FakeHost {
        fn user_exists(&self, name: &str) -> bool {
            self.users.contains(&name)
        }
        fn program(&self, name: &str) -> Option<PathBuf> {
            self.programs
                .iter()
                .find(|(p, _)| *p == name)
                .map(|(p, _)| PathBuf::from(p))
        }
        fn writable_by_others(&self, path: &Path) -> bool {
            self.programs
                .iter()
                .any(|(p, insecure)| Path::new(p) == path && *insecure)
        }
    }

    fn check(text: &str, host: &FakeHost) -> Vec<(Severity, Code)> {
        let mut parsed = kconf_parser::parse_str(text, &kconf_parser::ParseOptions::default());
        parsed.diagnostics.clear();
        check_scripts(&mut parsed, host);
        parsed
            .diagnostics
            .iter()
            .map(|d| (d.severity, d.code))
            .collect()
    }

    const INSTANCE: &str =
        "vrrp_instance V {\n interface eth0\n virtual_router_id 5\n notify_master /bin/ok.sh\n}\n";

    #[test]
    fn root_scripts_without_security_are_a_violation() {
        // keepalived -t: "SECURITY VIOLATION - scripts are being executed but
        // script_security not enabled." (exit 6)
        let host = FakeHost {
            users: &[],
            programs: &[("/bin/ok.sh", false)],
        };
        assert_eq!(
            check(INSTANCE, &host),
            [(Severity::Warning, Code::Security)]
        );
        let text = format!("global_defs {{\n script_user root\n}}\n{INSTANCE}");
        assert_eq!(check(&text, &host), [(Severity::Warning, Code::Security)]);
    }

    #[test]
    fn missing_scripts_are_only_a_note() {
        // keepalived -t says nothing about a script that does not exist.
        let host = FakeHost {
            users: &[],
            programs: &[],
        };
        assert_eq!(
            check(INSTANCE, &host),
            [(Severity::Note, Code::UnknownReference)]
        );
    }

    #[test]
    fn an_unprivileged_default_user_is_fine() {
        let host = FakeHost {
            users: &["keepalived_script"],
            programs: &[("/bin/ok.sh", false)],
        };
        assert_eq!(check(INSTANCE, &host), []);
        let host = FakeHost {
            users: &[],
            programs: &[("/bin/ok.sh", false)],
        };
        let text = format!("global_defs {{\n script_user nobody\n}}\n{INSTANCE}");
        assert_eq!(check(&text, &host), []);
    }

    #[test]
    fn with_security_insecure_root_scripts_are_refused() {
        let host = FakeHost {
            users: &[],
            programs: &[("/bin/ok.sh", true)],
        };
        let text =
            format!("global_defs {{\n enable_script_security\n script_user root\n}}\n{INSTANCE}");
        assert_eq!(check(&text, &host), [(Severity::Error, Code::Security)]);
        let host = FakeHost {
            users: &[],
            programs: &[("/bin/ok.sh", false)],
        };
        assert_eq!(check(&text, &host), []);
    }

    #[test]
    fn startup_scripts_follow_the_same_rules() {
        // keepalived -t: "SECURITY VIOLATION - start/shutdown scripts are being
        // executed but script_security not enabled" (exit 6).
        let host = FakeHost {
            users: &[],
            programs: &[("/bin/ok.sh", false)],
        };
        let text = "global_defs {\n startup_script /bin/ok.sh\n}\n";
        assert_eq!(check(text, &host), [(Severity::Warning, Code::Security)]);
        let text = "global_defs {\n startup_script /bin/ok.sh nobody\n}\n";
        assert_eq!(check(text, &host), []);
    }

    #[test]
    fn with_security_a_default_user_is_needed() {
        // keepalived -t: "Unable to set default user keepalived_script for script" (exit 5).
        let host = FakeHost {
            users: &[],
            programs: &[("/bin/ok.sh", false)],
        };
        let text = format!("global_defs {{\n enable_script_security\n}}\n{INSTANCE}");
        assert_eq!(
            check(&text, &host),
            [(Severity::Warning, Code::MissingValue)]
        );
    }
}
