//! An L2 segment: a bridge in a namespace of its own, with link faults made by
//! nftables rules in the bridge family.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::Stdio;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::netns::{Namespace, describe};
use crate::{Error, Host};

const BRIDGE: &str = "br0";

/// A segment. Dropping it deletes the bridge namespace, which also deletes the
/// veth pairs and so unplugs every host from it.
#[derive(Debug)]
pub struct Segment {
    namespace: Namespace,
    name: String,
    state: Mutex<State>,
}

/// A host's attachment to a segment: the host's interface and the bridge port
/// at the other end of its veth pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    segment: String,
    bridge_port: String,
    host: String,
    interface: String,
}

impl Port {
    /// The interface name inside the host.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The host's name.
    pub fn host(&self) -> &str {
        &self.host
    }
}

#[derive(Debug, Default)]
struct State {
    next_port: u32,
    cut: BTreeSet<String>,
    /// Drop probability per bridge port, in thousandths.
    loss: BTreeMap<String, u32>,
    partitions: Vec<(Vec<String>, Vec<String>)>,
}

impl Segment {
    pub(crate) fn new(namespace: Namespace, name: &str) -> Result<Self, Error> {
        namespace.run(&[
            "ip",
            "link",
            "add",
            BRIDGE,
            "type",
            "bridge",
            "stp_state",
            "0",
            "forward_delay",
            "0",
            "mcast_snooping",
            "0",
        ])?;
        namespace.run(&["ip", "link", "set", BRIDGE, "up"])?;
        let segment = Segment {
            namespace,
            name: name.to_owned(),
            state: Mutex::default(),
        };
        segment.apply_faults(&segment.state())?;
        Ok(segment)
    }

    /// The name the test gave the segment.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Plugs `host` into the segment through a new interface `interface` with
    /// `addresses` (CIDR notation, IPv4 or IPv6; IPv6 ones without DAD).
    pub fn attach(&self, host: &Host, interface: &str, addresses: &[&str]) -> Result<Port, Error> {
        let bridge_port = {
            let mut state = self.state();
            state.next_port += 1;
            format!("p{}", state.next_port)
        };
        self.namespace.run(&[
            "ip",
            "link",
            "add",
            &bridge_port,
            "type",
            "veth",
            "peer",
            "name",
            interface,
            "netns",
            host.namespace(),
        ])?;
        self.namespace
            .run(&["ip", "link", "set", &bridge_port, "master", BRIDGE, "up"])?;
        host.run(&["ip", "link", "set", interface, "up"])?;
        for address in addresses {
            let mut argv = vec!["ip", "addr", "add", address, "dev", interface];
            if address.contains(':') {
                argv.push("nodad");
            }
            host.run(&argv)?;
        }
        Ok(Port {
            segment: self.name.clone(),
            bridge_port,
            host: host.name().to_owned(),
            interface: interface.to_owned(),
        })
    }

    /// Cuts `port` off: every frame from or to it is dropped, while the host
    /// keeps its carrier (as behind a failed switch uplink).
    pub fn cut(&self, port: &Port) -> Result<(), Error> {
        let name = self.own(port)?;
        let mut state = self.state();
        state.cut.insert(name);
        self.apply_faults(&state)
    }

    /// Undoes [`Segment::cut`] for `port`.
    pub fn heal(&self, port: &Port) -> Result<(), Error> {
        let name = self.own(port)?;
        let mut state = self.state();
        state.cut.remove(&name);
        self.apply_faults(&state)
    }

    /// Drops each frame crossing `port` (either direction) with probability
    /// `fraction` (0.0 to 1.0, in steps of 0.001).
    pub fn set_loss(&self, port: &Port, fraction: f64) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&fraction) {
            return Err(Error::Invalid(format!(
                "loss fraction {fraction} is not within 0..=1"
            )));
        }
        let name = self.own(port)?;
        let permille = (fraction * 1000.0).round() as u32;
        let mut state = self.state();
        if permille == 0 {
            state.loss.remove(&name);
        } else {
            state.loss.insert(name, permille);
        }
        self.apply_faults(&state)
    }

    /// Stops all traffic between the ports in `left` and those in `right`;
    /// each side still reaches its own members.
    pub fn partition(&self, left: &[&Port], right: &[&Port]) -> Result<(), Error> {
        let names = |ports: &[&Port]| {
            ports
                .iter()
                .map(|p| self.own(p))
                .collect::<Result<Vec<_>, _>>()
        };
        let (left, right) = (names(left)?, names(right)?);
        let mut state = self.state();
        state.partitions.push((left, right));
        self.apply_faults(&state)
    }

    /// Removes every cut, loss and partition.
    pub fn heal_all(&self) -> Result<(), Error> {
        let mut state = self.state();
        state.cut.clear();
        state.loss.clear();
        state.partitions.clear();
        self.apply_faults(&state)
    }

    /// Sets the bridge end of `port` administratively up or down: the host
    /// sees its carrier go (as when a cable is pulled).
    pub fn set_port_up(&self, port: &Port, up: bool) -> Result<(), Error> {
        let name = self.own(port)?;
        let state = if up { "up" } else { "down" };
        self.namespace
            .run(&["ip", "link", "set", &name, state])
            .map(drop)
    }

    /// The nftables ruleset currently enforcing the faults, for test logs.
    pub fn ruleset(&self) -> Result<String, Error> {
        let output = self.namespace.run(&["nft", "list", "ruleset"])?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn own(&self, port: &Port) -> Result<String, Error> {
        if port.segment == self.name {
            Ok(port.bridge_port.clone())
        } else {
            Err(Error::Invalid(format!(
                "port {}:{} belongs to segment {}, not {}",
                port.host, port.interface, port.segment, self.name
            )))
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is plain data that is valid after any panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the whole `bridge netlab` table in one nft transaction, so a
    /// change never leaves a moment with half the rules.
    fn apply_faults(&self, state: &State) -> Result<(), Error> {
        let script = render_ruleset(state);
        let mut command = self.namespace.command("nft");
        command
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let line = describe(&command);
        let mut child = command.spawn().map_err(|source| Error::Spawn {
            command: line.clone(),
            source,
        })?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(script.as_bytes())
                .map_err(|source| Error::io("writing the nft script", source))?;
        }
        let output = child
            .wait_with_output()
            .map_err(|source| Error::io("waiting for nft", source))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(Error::Command {
                command: format!("{line} <<< {script}"),
                status: output.status.to_string(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            })
        }
    }
}

fn render_ruleset(state: &State) -> String {
    let mut rules = String::new();
    for port in &state.cut {
        let _ = writeln!(rules, "    iifname \"{port}\" drop");
        let _ = writeln!(rules, "    oifname \"{port}\" drop");
    }
    for (left, right) in &state.partitions {
        for a in left {
            for b in right {
                let _ = writeln!(rules, "    iifname \"{a}\" oifname \"{b}\" drop");
                let _ = writeln!(rules, "    iifname \"{b}\" oifname \"{a}\" drop");
            }
        }
    }
    for (port, permille) in &state.loss {
        for direction in ["iifname", "oifname"] {
            let _ = writeln!(
                rules,
                "    {direction} \"{port}\" numgen random mod 1000 < {permille} drop"
            );
        }
    }
    format!(
        "table bridge netlab\ndelete table bridge netlab\ntable bridge netlab {{\n  chain lab_forward {{\n    type filter hook forward priority 0; policy accept;\n{rules}  }}\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruleset_covers_every_fault() {
        let mut state = State::default();
        state.cut.insert("p1".into());
        state.loss.insert("p2".into(), 250);
        state
            .partitions
            .push((vec!["p3".into()], vec!["p4".into(), "p5".into()]));
        let rules = render_ruleset(&state);
        assert!(rules.contains("iifname \"p1\" drop"));
        assert!(rules.contains("oifname \"p1\" drop"));
        assert!(rules.contains("iifname \"p2\" numgen random mod 1000 < 250 drop"));
        assert!(rules.contains("oifname \"p2\" numgen random mod 1000 < 250 drop"));
        assert!(rules.contains("iifname \"p3\" oifname \"p5\" drop"));
        assert!(rules.contains("iifname \"p5\" oifname \"p3\" drop"));
        assert!(!rules.contains("iifname \"p4\" oifname \"p5\""), "{rules}");
    }

    #[test]
    fn empty_ruleset_accepts_everything() {
        let rules = render_ruleset(&State::default());
        assert!(rules.contains("policy accept"));
        assert!(!rules.contains("drop"));
    }
}
