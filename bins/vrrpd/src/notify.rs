//! Notify scripts on state changes, as keepalived runs them: the state's
//! own script (`notify_master`, `notify_backup`, `notify_fault`,
//! `notify_stop`) first, then `notify` with four more arguments (`INSTANCE`,
//! the instance name, the new state, the priority). Scripts run in the
//! background as their user (the script's own, else `script_user`, else
//! keepalived_script if that user exists, else root); the event loop never
//! waits for them.

use kconf_parser::model::vrrp::{SyncGroup, VrrpInstance};
use kconf_parser::model::{Config, Script};
use vrrp_proto::State;

/// Who runs a script: user and optional group names.
pub(crate) type RunAs = Option<(String, Option<String>)>;

/// A command line and who runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    pub(crate) argv: Vec<String>,
    pub(crate) run_as: RunAs,
}

/// The notify scripts of one instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Notify {
    master: Option<Script>,
    backup: Option<Script>,
    fault: Option<Script>,
    stop: Option<Script>,
    any: Option<Script>,
    /// Who runs scripts that name no user of their own.
    default_user: RunAs,
    /// `INSTANCE` or `GROUP`: the first of `notify`'s four arguments.
    kind: &'static str,
}

impl Notify {
    /// The notify scripts of an instance, less those keepalived would
    /// refuse to run (reported).
    pub(crate) fn of(config: &Config, instance: &VrrpInstance, default_user: RunAs) -> Self {
        let name = &instance.name.value;
        let vet =
            |script: &Option<Script>| vetted(config, &format!("VRRP_Instance({name})"), script);
        Notify {
            master: vet(&instance.notify_master),
            backup: vet(&instance.notify_backup),
            fault: vet(&instance.notify_fault),
            stop: vet(&instance.notify_stop),
            any: vet(&instance.notify),
            default_user,
            kind: "INSTANCE",
        }
    }

    /// The notify scripts of a sync group (`notify` gets `GROUP`).
    pub(crate) fn of_group(config: &Config, group: &SyncGroup, default_user: RunAs) -> Self {
        let name = &group.name.value;
        let vet = |script: &Option<Script>| vetted(config, &format!("VRRP_Group({name})"), script);
        Notify {
            master: vet(&group.notify_master),
            backup: vet(&group.notify_backup),
            fault: vet(&group.notify_fault),
            stop: vet(&group.notify_stop),
            any: vet(&group.notify),
            default_user,
            kind: "GROUP",
        }
    }

    /// The commands to run for a transition to `state`, in order.
    pub(crate) fn commands(&self, name: &str, state: State, priority: u8) -> Vec<Command> {
        let own = match state {
            State::Master => &self.master,
            State::Backup => &self.backup,
            State::Fault => &self.fault,
            State::Stop => &self.stop,
            State::Init => &None,
        };
        let mut commands = Vec::new();
        if let Some(script) = own {
            commands.push(self.command(script, Vec::new()));
        }
        if let Some(script) = &self.any {
            let extra = vec![
                self.kind.to_owned(),
                name.to_owned(),
                state.as_str().to_owned(),
                priority.to_string(),
            ];
            commands.push(self.command(script, extra));
        }
        commands.retain(|c| !c.argv.is_empty());
        commands
    }

    fn command(&self, script: &Script, extra: Vec<String>) -> Command {
        command_of(script, &self.default_user, extra)
    }
}

/// `script`, unless keepalived's script security refuses it (then it is
/// reported and dropped).
pub(crate) fn vetted(config: &Config, owner: &str, script: &Option<Script>) -> Option<Script> {
    let script = script.as_ref()?;
    match crate::track::script::refusal(config, owner, &script.command, script.user.as_deref()) {
        Some(why) => {
            eprintln!(
                "vrrpd: {owner}: not running notify script {}: {why}",
                script.command
            );
            None
        }
        None => Some(script.clone()),
    }
}

/// The command line of `script` with `extra` arguments, run as the script's
/// own user, else `default_user`.
pub(crate) fn command_of(script: &Script, default_user: &RunAs, extra: Vec<String>) -> Command {
    let mut argv = split(&script.command);
    argv.extend(extra);
    let run_as = match &script.user {
        Some(user) => Some((user.clone(), script.group.clone())),
        None => default_user.clone(),
    };
    Command { argv, run_as }
}

/// Splits a command line at white space outside single or double quotes,
/// as keepalived does for script parameters.
pub(crate) fn split(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Starts `command` as its user without waiting for it; a failure to start
/// (or an unknown user or group) is logged and the script is not run.
pub(crate) fn spawn(instance: &str, command: &Command) {
    let Some((program, args)) = command.argv.split_first() else {
        return;
    };
    let mut process = tokio::process::Command::new(program);
    process
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(false);
    if let Some((name, group)) = &command.run_as {
        let Ok(Some(user)) = nix::unistd::User::from_name(name) else {
            eprintln!("({instance}) notify script {program}: no user {name}; not run");
            return;
        };
        let gid = match group {
            None => user.gid,
            Some(group) => match nix::unistd::Group::from_name(group) {
                Ok(Some(group)) => group.gid,
                _ => {
                    eprintln!("({instance}) notify script {program}: no group {group}; not run");
                    return;
                }
            },
        };
        process.uid(user.uid.as_raw()).gid(gid.as_raw());
    }
    match process.spawn() {
        // Reap it in the background so it does not linger as a zombie.
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
        }
        Err(err) => eprintln!("({instance}) cannot run notify script {program}: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_follow_keepalived_order_arguments_and_users() {
        let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n notify_master \"/bin/echo 'a b' c\" root\n notify /bin/true\n}\n";
        let parsed = kconf_parser::parse_str(text, &kconf_parser::ParseOptions::default());
        let notify = Notify::of(
            &parsed.config,
            &parsed.config.vrrp_instances[0],
            Some(("nobody".into(), None)),
        );
        let master = notify.commands("VI_1", State::Master, 150);
        assert_eq!(master[0].argv, ["/bin/echo", "a b", "c"]);
        assert_eq!(
            master[0].run_as,
            Some(("root".into(), None)),
            "the script's own user"
        );
        assert_eq!(
            master[1].argv,
            ["/bin/true", "INSTANCE", "VI_1", "MASTER", "150"]
        );
        assert_eq!(
            master[1].run_as,
            Some(("nobody".into(), None)),
            "script_user otherwise"
        );
        let backup = notify.commands("VI_1", State::Backup, 150);
        assert_eq!(backup.len(), 1);
        assert_eq!(
            backup[0].argv,
            ["/bin/true", "INSTANCE", "VI_1", "BACKUP", "150"]
        );
    }

    #[test]
    fn scripts_keepalived_would_refuse_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        // A root script in a directory anyone can write to.
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .unwrap();
        let script = open.join("notify.sh");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let text = format!(
            "global_defs {{\n script_user root\n enable_script_security\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 5\n \
             notify_master {}\n notify_backup /no/such/script\n notify /bin/true\n}}\n",
            script.display()
        );
        let parsed = kconf_parser::parse_str(&text, &kconf_parser::ParseOptions::default());
        let notify = Notify::of(
            &parsed.config,
            &parsed.config.vrrp_instances[0],
            Some(("root".into(), None)),
        );
        let master = notify.commands("VI_1", State::Master, 100);
        assert_eq!(master.len(), 1, "only the safe script runs: {master:?}");
        assert_eq!(master[0].argv[0], "/bin/true");
        assert_eq!(notify.commands("VI_1", State::Backup, 100).len(), 1);
    }

    #[test]
    fn splitting() {
        assert_eq!(split("  a  'b c' \"d'e\" f"), ["a", "b c", "d'e", "f"]);
        assert_eq!(split("''"), [""]);
        assert!(split("   ").is_empty());
    }
}
