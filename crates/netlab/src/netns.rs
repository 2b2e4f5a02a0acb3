//! Network namespaces as `ip netns` names them, with guaranteed teardown.

use std::fs::File;
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

use nix::sched::{CloneFlags, setns};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::Error;

const NETNS_DIR: &str = "/run/netns";

/// A named network namespace that is deleted, with every process inside it
/// killed, when dropped.
#[derive(Debug)]
pub(crate) struct Namespace {
    name: String,
}

impl Namespace {
    pub(crate) fn create(name: &str) -> Result<Self, Error> {
        run(Command::new("ip").args(["netns", "add", name]))?;
        let namespace = Namespace {
            name: name.to_owned(),
        };
        namespace.run(&["ip", "link", "set", "lo", "up"])?;
        Ok(namespace)
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// A command that runs `program` inside the namespace. `ip netns exec`
    /// execs the program in place, so the child's pid is the program's pid.
    pub(crate) fn command(&self, program: &str) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name, program]);
        command
    }

    /// Runs `argv` inside the namespace and returns its output if it succeeded.
    pub(crate) fn run(&self, argv: &[&str]) -> Result<Output, Error> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| Error::Invalid("empty command line".into()))?;
        run(self.command(program).args(args))
    }

    /// Runs `f` on a thread that has entered the namespace, so that sockets it
    /// opens live there. The calling thread's namespace is untouched.
    pub(crate) fn enter<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T, Error> {
        let path = format!("{NETNS_DIR}/{}", self.name);
        let file =
            File::open(&path).map_err(|source| Error::io(format!("opening {path}"), source))?;
        thread::scope(|scope| {
            scope
                .spawn(move || {
                    setns(&file, CloneFlags::CLONE_NEWNET).map_err(|source| Error::Setns {
                        namespace: self.name.clone(),
                        source,
                    })?;
                    Ok(f())
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    pub(crate) fn pids(&self) -> Vec<Pid> {
        pids_in(&self.name)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        destroy(&self.name);
    }
}

fn pids_in(name: &str) -> Vec<Pid> {
    Command::new("ip")
        .args(["netns", "pids", name])
        .output()
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .filter_map(|pid| pid.parse().ok())
                .map(Pid::from_raw)
                .collect()
        })
        .unwrap_or_default()
}

/// Kills everything inside `name`, waits for it to go, and deletes the
/// namespace. Best effort: teardown must never panic inside a `Drop`.
fn destroy(name: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let pids = pids_in(name);
        if pids.is_empty() || Instant::now() >= deadline {
            break;
        }
        for pid in pids {
            let _ = kill(pid, Signal::SIGKILL);
        }
        thread::sleep(Duration::from_millis(20));
    }
    let _ = Command::new("ip").args(["netns", "del", name]).output();
}

/// Deletes namespaces left behind by labs whose process no longer exists.
/// Lab namespaces are named `nl<pid>x<n>-...`.
pub(crate) fn sweep_stale() {
    let Ok(entries) = std::fs::read_dir(NETNS_DIR) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(owner) = lab_owner(&name) else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{owner}")).exists() {
            destroy(&name);
        }
    }
}

/// The pid of the process that created a lab namespace, from its name.
pub(crate) fn lab_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("nl")?;
    let (pid, _) = rest.split_once('x')?;
    pid.parse().ok()
}

/// Runs a command and turns a non-zero exit into an error carrying its stderr.
pub(crate) fn run(command: &mut Command) -> Result<Output, Error> {
    let line = describe(command);
    let output = command.output().map_err(|source| Error::Spawn {
        command: line.clone(),
        source,
    })?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(Error::Command {
            command: line,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

pub(crate) fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_owner_is_parsed_from_the_name() {
        assert_eq!(lab_owner("nl1234x7-h1"), Some(1234));
        assert_eq!(lab_owner("nl99x0-sw-lan"), Some(99));
        assert_eq!(lab_owner("nlabx1-h1"), None);
        assert_eq!(lab_owner("other"), None);
        assert_eq!(lab_owner("nl1234"), None);
    }

    #[test]
    fn failed_commands_carry_stderr() {
        let err = run(Command::new("sh").args(["-c", "echo oops >&2; exit 3"])).unwrap_err();
        match err {
            Error::Command { stderr, status, .. } => {
                assert_eq!(stderr, "oops");
                assert!(status.contains('3'), "{status}");
            }
            other => panic!("unexpected {other}"),
        }
    }
}
