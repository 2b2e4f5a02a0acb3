//! Notify scripts on state changes, as keepalived runs them: the state's
//! own script (`notify_master`, `notify_backup`, `notify_fault`,
//! `notify_stop`) first, then `notify` with four more arguments (`INSTANCE`,
//! the instance name, the new state, the priority). Scripts run in the
//! background; the event loop never waits for them.

use kconf_parser::model::Script;
use kconf_parser::model::vrrp::VrrpInstance;
use vrrp_proto::State;

/// The notify scripts of one instance.
#[derive(Debug, Clone, Default)]
pub(crate) struct Notify {
    master: Option<Script>,
    backup: Option<Script>,
    fault: Option<Script>,
    stop: Option<Script>,
    any: Option<Script>,
}

impl Notify {
    pub(crate) fn of(instance: &VrrpInstance) -> Self {
        Notify {
            master: instance.notify_master.clone(),
            backup: instance.notify_backup.clone(),
            fault: instance.notify_fault.clone(),
            stop: instance.notify_stop.clone(),
            any: instance.notify.clone(),
        }
    }

    /// The command lines to run for a transition to `state`, in order.
    pub(crate) fn commands(&self, name: &str, state: State, priority: u8) -> Vec<Vec<String>> {
        let own = match state {
            State::Master => &self.master,
            State::Backup => &self.backup,
            State::Fault => &self.fault,
            State::Stop => &self.stop,
            State::Init => &None,
        };
        let mut commands = Vec::new();
        if let Some(script) = own {
            commands.push(split(&script.command));
        }
        if let Some(script) = &self.any {
            let mut command = split(&script.command);
            command.extend([
                "INSTANCE".to_owned(),
                name.to_owned(),
                state.as_str().to_owned(),
                priority.to_string(),
            ]);
            commands.push(command);
        }
        commands.retain(|c| !c.is_empty());
        commands
    }
}

/// Splits a command line at white space outside single or double quotes,
/// as keepalived does for script parameters.
fn split(command: &str) -> Vec<String> {
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

/// Starts `command` without waiting for it; a failure to start is logged.
pub(crate) fn spawn(instance: &str, command: &[String]) {
    let Some((program, args)) = command.split_first() else {
        return;
    };
    let result = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(false)
        .spawn();
    match result {
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
    fn commands_follow_keepalived_order_and_arguments() {
        let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n notify_master \"/bin/m.sh 'a b' c\"\n notify /bin/n.sh\n}\n";
        let parsed = kconf_parser::parse_str(text, &kconf_parser::ParseOptions::default());
        let notify = Notify::of(&parsed.config.vrrp_instances[0]);
        assert_eq!(
            notify.commands("VI_1", State::Master, 150),
            [
                vec!["/bin/m.sh", "a b", "c"],
                vec!["/bin/n.sh", "INSTANCE", "VI_1", "MASTER", "150"]
            ]
        );
        assert_eq!(
            notify.commands("VI_1", State::Backup, 150),
            [vec!["/bin/n.sh", "INSTANCE", "VI_1", "BACKUP", "150"]]
        );
    }

    #[test]
    fn splitting() {
        assert_eq!(split("  a  'b c' \"d'e\" f"), ["a", "b c", "d'e", "f"]);
        assert_eq!(split("''"), [""]);
        assert!(split("   ").is_empty());
    }
}
