//! A host: one network namespace, the place where daemons and peers run.

use std::fs;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use tempfile::TempDir;

use crate::netns::{self, Namespace};
use crate::{Error, Process};

/// A lab host. Dropping it kills every process inside and deletes the
/// namespace (and with it the host ends of its veth links).
#[derive(Debug)]
pub struct Host {
    namespace: Namespace,
    name: String,
    dir: Arc<TempDir>,
}

/// An address as `ip addr` lists it on one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceAddress {
    /// The interface name (without an `@ifN` suffix).
    pub interface: String,
    /// The address.
    pub address: IpAddr,
    /// The prefix length.
    pub prefix_len: u8,
}

impl Host {
    pub(crate) fn new(namespace: Namespace, name: &str, dir: Arc<TempDir>) -> Self {
        Host {
            namespace,
            name: name.to_owned(),
            dir,
        }
    }

    /// The name the test gave the host.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The network namespace's name, as `ip netns` knows it.
    pub fn namespace(&self) -> &str {
        self.namespace.name()
    }

    /// A command that will run `program` inside this host.
    pub fn command(&self, program: &str) -> Command {
        self.namespace.command(program)
    }

    /// Runs `argv` inside this host; an unsuccessful exit is an error that
    /// carries stderr.
    pub fn run(&self, argv: &[&str]) -> Result<Output, Error> {
        self.namespace.run(argv)
    }

    /// Runs `argv` inside this host and returns its stdout as text.
    pub fn run_stdout(&self, argv: &[&str]) -> Result<String, Error> {
        let output = self.run(argv)?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Runs `f` on a thread inside this host's network namespace: sockets it
    /// opens are this host's sockets.
    pub fn in_netns<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T, Error> {
        self.namespace.enter(f)
    }

    /// Starts a long-running program inside this host. Its stdout and stderr
    /// go to `<host>-<label>.log` in the lab directory.
    pub fn spawn(&self, label: &str, argv: &[&str]) -> Result<Process, Error> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| Error::Invalid("empty command line".into()))?;
        let log = self.path(&format!("{label}.log"));
        let open = || {
            fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .map_err(|source| Error::io(format!("opening {}", log.display()), source))
        };
        let mut command = self.command(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(open()?)
            .stderr(open()?);
        let line = netns::describe(&command);
        let child = command.spawn().map_err(|source| Error::Spawn {
            command: line,
            source,
        })?;
        let mut process = Process::new(format!("{}/{label}", self.name), child, log);
        self.wait_until_inside(&mut process);
        Ok(process)
    }

    /// `ip netns exec` enters the namespace after the fork, so a freshly
    /// spawned process is briefly outside it; returning only once it is
    /// inside makes `pids()` and signals to the host's processes exact.
    fn wait_until_inside(&self, process: &mut Process) {
        use std::os::unix::fs::MetadataExt;
        let Ok(namespace) = fs::metadata(format!("/run/netns/{}", self.namespace())) else {
            return;
        };
        let inside = |pid: i32| {
            fs::metadata(format!("/proc/{pid}/ns/net")).is_ok_and(|ns| ns.ino() == namespace.ino())
        };
        let timeout = std::time::Duration::from_secs(5);
        let _ = crate::wait_until("the process to enter its namespace", timeout, || {
            Ok(inside(process.pid()) || !process.is_running())
        });
    }

    /// Every address on the host's interfaces (`ip -o addr show`).
    pub fn addresses(&self) -> Result<Vec<InterfaceAddress>, Error> {
        let listing = self.run_stdout(&["ip", "-o", "addr", "show"])?;
        Ok(listing.lines().filter_map(parse_address_line).collect())
    }

    /// Whether any interface of the host holds `address`.
    pub fn has_address(&self, address: IpAddr) -> Result<bool, Error> {
        Ok(self.addresses()?.iter().any(|a| a.address == address))
    }

    /// Sets an interface administratively up or down.
    pub fn set_link(&self, interface: &str, up: bool) -> Result<(), Error> {
        let state = if up { "up" } else { "down" };
        self.run(&["ip", "link", "set", interface, state]).map(drop)
    }

    /// Writes `contents` to `<host>-<file>` in the lab directory and returns
    /// its path, for configs and scripts of peers running on this host.
    pub fn write_file(&self, file: &str, contents: &str) -> Result<PathBuf, Error> {
        let path = self.path(file);
        fs::write(&path, contents)
            .map_err(|source| Error::io(format!("writing {}", path.display()), source))?;
        Ok(path)
    }

    /// The path of `<host>-<file>` in the lab directory.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(format!("{}-{file}", self.name))
    }

    /// Kills every process inside the host with SIGKILL, as a power loss would.
    pub fn kill_all(&self) {
        for pid in self.namespace.pids() {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
    }

    /// The pids of every process inside the host.
    pub fn pids(&self) -> Vec<i32> {
        self.namespace
            .pids()
            .into_iter()
            .map(|pid| pid.as_raw())
            .collect()
    }
}

/// Parses one line of `ip -o addr show`, for example
/// `2: eth0@if3    inet 10.9.0.1/24 brd 10.9.0.255 scope global eth0\ ...`.
fn parse_address_line(line: &str) -> Option<InterfaceAddress> {
    let mut fields = line.split_whitespace();
    let _index = fields.next()?;
    let interface = fields.next()?;
    let interface = interface.split('@').next().unwrap_or(interface).to_owned();
    let family = fields.next()?;
    if family != "inet" && family != "inet6" {
        return None;
    }
    let text = fields.next()?;
    let (address, prefix_len) = match text.split_once('/') {
        Some((address, len)) => (address.parse().ok()?, len.parse().ok()?),
        None => {
            let address: IpAddr = text.parse().ok()?;
            (address, if address.is_ipv4() { 32 } else { 128 })
        }
    };
    Some(InterfaceAddress {
        interface,
        address,
        prefix_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ip_o_addr_lines() {
        let line = "2: eth0@if3    inet 10.9.0.1/24 brd 10.9.0.255 scope global eth0\\       valid_lft forever preferred_lft forever";
        assert_eq!(
            parse_address_line(line),
            Some(InterfaceAddress {
                interface: "eth0".into(),
                address: "10.9.0.1".parse().unwrap(),
                prefix_len: 24
            })
        );
        let v6 = "2: eth0    inet6 fd00::1/64 scope global nodad \\       valid_lft forever";
        assert_eq!(
            parse_address_line(v6).unwrap().address,
            "fd00::1".parse::<IpAddr>().unwrap()
        );
        let peer = "3: tun0    inet 10.0.0.1 peer 10.0.0.2/32 scope global tun0";
        assert_eq!(parse_address_line(peer).unwrap().prefix_len, 32);
        assert_eq!(parse_address_line("garbage"), None);
        assert_eq!(
            parse_address_line("2: eth0    link/ether 00:11:22:33:44:55"),
            None
        );
    }
}
