//! BIRD 2 (2.0.12 on Debian 12) as a BFD peer.
//!
//! BIRD runs in the foreground (`-f`) inside one host with its configuration,
//! control socket (`-s`) and pid file (`-P`) in the lab directory, and logs to
//! stderr (`log stderr all;`), so to `<host>-bird.log`. It runs as root: no
//! `-u`, since the lab directory is private to root. Sessions are read with
//! `birdc -s <socket> show bfd sessions`.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::frr::{BfdSession, BfdState};
use crate::{Error, Host, Process, wait_until};

/// How long [`Bird::start`] waits for the control socket.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// An `interface` block of `protocol bfd`: the timers of the sessions on
/// matching interfaces.
#[derive(Debug, Clone)]
pub struct BfdInterface {
    /// The interface pattern, e.g. `eth0` or `eth*`.
    pub pattern: String,
    /// `min rx interval`.
    pub min_rx_interval: Duration,
    /// `min tx interval`.
    pub min_tx_interval: Duration,
    /// `multiplier`.
    pub multiplier: u8,
    /// `passive`.
    pub passive: bool,
}

/// A `neighbor` of `protocol bfd`: a session BIRD keeps without any routing
/// protocol asking for it.
#[derive(Debug, Clone)]
pub struct BfdNeighbor {
    /// The remote address.
    pub address: IpAddr,
    /// `dev`: the interface of a single-hop session.
    pub interface: Option<String>,
    /// `local`: the source address.
    pub local: Option<IpAddr>,
    /// `multihop yes`.
    pub multihop: bool,
}

/// A bird.conf with one `protocol bfd` (and the `protocol device` it needs to
/// learn the interfaces).
#[derive(Debug, Clone)]
pub struct BfdConfig {
    /// `router id`.
    pub router_id: Ipv4Addr,
    /// The name of the `protocol bfd` instance.
    pub protocol: String,
    /// Interface blocks, in order (BIRD uses the first matching one).
    pub interfaces: Vec<BfdInterface>,
    /// Configured neighbors.
    pub neighbors: Vec<BfdNeighbor>,
    /// Further top-level configuration, verbatim.
    pub extra: String,
}

impl BfdConfig {
    /// An empty configuration: protocol `lab`, no interfaces, no neighbors.
    pub fn new(router_id: Ipv4Addr) -> Self {
        BfdConfig {
            router_id,
            protocol: "lab".to_owned(),
            interfaces: Vec::new(),
            neighbors: Vec::new(),
            extra: String::new(),
        }
    }

    /// Adds an interface block with these timers.
    pub fn interface(
        mut self,
        pattern: &str,
        min_rx_interval: Duration,
        min_tx_interval: Duration,
        multiplier: u8,
    ) -> Self {
        self.interfaces.push(BfdInterface {
            pattern: pattern.to_owned(),
            min_rx_interval,
            min_tx_interval,
            multiplier,
            passive: false,
        });
        self
    }

    /// Adds a single-hop neighbor on `interface`, sending from `local`.
    pub fn neighbor(mut self, address: IpAddr, interface: &str, local: IpAddr) -> Self {
        self.neighbors.push(BfdNeighbor {
            address,
            interface: Some(interface.to_owned()),
            local: Some(local),
            multihop: false,
        });
        self
    }

    /// The configuration as bird.conf text.
    pub fn render(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(text, "log stderr all;");
        let _ = writeln!(text, "router id {};", self.router_id);
        let _ = writeln!(text, "protocol device {{\n}}");
        let _ = writeln!(text, "protocol bfd {} {{", self.protocol);
        for interface in &self.interfaces {
            let _ = writeln!(text, "  interface \"{}\" {{", interface.pattern);
            let _ = writeln!(
                text,
                "    min rx interval {} us;",
                interface.min_rx_interval.as_micros()
            );
            let _ = writeln!(
                text,
                "    min tx interval {} us;",
                interface.min_tx_interval.as_micros()
            );
            let _ = writeln!(text, "    multiplier {};", interface.multiplier);
            if interface.passive {
                let _ = writeln!(text, "    passive yes;");
            }
            let _ = writeln!(text, "  }};");
        }
        for neighbor in &self.neighbors {
            let mut line = format!("  neighbor {}", neighbor.address);
            if let Some(interface) = &neighbor.interface {
                let _ = write!(line, " dev \"{interface}\"");
            }
            if let Some(local) = neighbor.local {
                let _ = write!(line, " local {local}");
            }
            if neighbor.multihop {
                line.push_str(" multihop yes");
            }
            let _ = writeln!(text, "{line};");
        }
        text.push_str("}\n");
        text.push_str(&self.extra);
        text
    }
}

/// A BIRD daemon running in the foreground inside one lab host.
///
/// Borrowing the host keeps the daemon from outliving its namespace.
#[derive(Debug)]
pub struct Bird<'h> {
    host: &'h Host,
    socket: PathBuf,
    config: PathBuf,
    process: Process,
}

impl<'h> Bird<'h> {
    /// Starts BIRD on `host` with a rendered [`BfdConfig`].
    pub fn start_bfd(host: &'h Host, config: &BfdConfig) -> Result<Self, Error> {
        Self::start(host, &config.render())
    }

    /// Writes `config` (bird.conf text) to the lab directory, starts BIRD on
    /// `host` and waits until its control socket answers.
    pub fn start(host: &'h Host, config: &str) -> Result<Self, Error> {
        let program = super::find_program("bird")
            .ok_or_else(|| Error::Missing("the program `bird`".into()))?;
        let config_path = host.write_file("bird.conf", config)?;
        let socket = host.path("bird.ctl");
        let process = host.spawn(
            "bird",
            &[
                &program.display().to_string(),
                "-f",
                "-c",
                &config_path.display().to_string(),
                "-s",
                &socket.display().to_string(),
                "-P",
                &host.path("bird.pid").display().to_string(),
            ],
        )?;
        let mut bird = Bird {
            host,
            socket,
            config: config_path,
            process,
        };
        bird.wait_until_ready()?;
        Ok(bird)
    }

    fn wait_until_ready(&mut self) -> Result<(), Error> {
        let what = format!(
            "BIRD on {} to answer on {}",
            self.host.name(),
            self.socket.display()
        );
        let result = wait_until(&what, STARTUP_TIMEOUT, || {
            if !self.process.is_running() {
                return Err(Error::Invalid(format!(
                    "BIRD exited during startup; log:\n{}",
                    self.process.log()
                )));
            }
            Ok(self.socket.exists() && birdc(self.host, &self.socket, "show status").is_ok())
        });
        result.map(drop).map_err(|err| match err {
            Error::Timeout { .. } => {
                Error::Invalid(format!("{err}; log so far:\n{}", self.process.log()))
            }
            other => other,
        })
    }

    /// The configuration file BIRD was started with.
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// The control socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The underlying process (for its log, pid and signals).
    pub fn process(&mut self) -> &mut Process {
        &mut self.process
    }

    /// Runs one `birdc` command and returns what it printed.
    pub fn birdc(&self, command: &str) -> Result<String, Error> {
        birdc(self.host, &self.socket, command)
    }

    /// Every BFD session BIRD knows (`show bfd sessions`).
    pub fn bfd_sessions(&self) -> Result<Vec<BfdSession>, Error> {
        Ok(parse_bfd_sessions(&self.birdc("show bfd sessions")?))
    }

    /// The state of the session with `peer`, or `None` if BIRD has none.
    pub fn peer_state(&self, peer: IpAddr) -> Result<Option<BfdState>, Error> {
        Ok(self
            .bfd_sessions()?
            .into_iter()
            .find(|s| s.peer == peer)
            .map(|s| s.state))
    }

    /// Waits until the session with `peer` is in `state`, failing early if
    /// BIRD exits. Returns how long it took.
    pub fn wait_for_peer_state(
        &mut self,
        peer: IpAddr,
        state: BfdState,
        timeout: Duration,
    ) -> Result<Duration, Error> {
        let what = format!(
            "BIRD on {} to report BFD peer {peer} {state:?}",
            self.host.name()
        );
        let mut last = None;
        let result = wait_until(&what, timeout, || {
            if !self.process.is_running() {
                return Err(Error::Invalid(format!(
                    "{what}: BIRD exited; log:\n{}",
                    self.process.log()
                )));
            }
            let sessions =
                parse_bfd_sessions(&birdc(self.host, &self.socket, "show bfd sessions")?);
            let reached = sessions.iter().any(|s| s.peer == peer && s.state == state);
            last = Some(sessions);
            Ok(reached)
        });
        result.map_err(|err| match err {
            Error::Timeout { .. } => Error::Invalid(format!(
                "{err}; last sessions: {last:?}; BIRD log:\n{}",
                self.process.log()
            )),
            other => other,
        })
    }

    /// Waits until the session with `peer` is Up.
    pub fn wait_for_peer_up(&mut self, peer: IpAddr, timeout: Duration) -> Result<Duration, Error> {
        self.wait_for_peer_state(peer, BfdState::Up, timeout)
    }

    /// Waits until the session with `peer` is Down.
    pub fn wait_for_peer_down(
        &mut self,
        peer: IpAddr,
        timeout: Duration,
    ) -> Result<Duration, Error> {
        self.wait_for_peer_state(peer, BfdState::Down, timeout)
    }
}

fn birdc(host: &Host, socket: &Path, command: &str) -> Result<String, Error> {
    let birdc =
        super::find_program("birdc").ok_or_else(|| Error::Missing("the program `birdc`".into()))?;
    host.run_stdout(&[
        &birdc.display().to_string(),
        "-s",
        &socket.display().to_string(),
        command,
    ])
}

/// Parses `show bfd sessions`:
///
/// ```text
/// BIRD 2.0.12 ready.
/// lab:
/// IP address                Interface  State      Since         Interval  Timeout
/// 10.0.0.1                  eth0       Up         14:53:02.949    0.100    0.300
/// ```
///
/// Session lines are those starting with an address; BIRD prints `---` for
/// the interface of a multihop session.
fn parse_bfd_sessions(text: &str) -> Vec<BfdSession> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let peer = fields.next()?.parse().ok()?;
            let interface = fields.next()?;
            let state = fields.next()?;
            Some(BfdSession {
                peer,
                local: None,
                interface: (interface != "---").then(|| interface.to_owned()),
                state: BfdState::parse(state),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_bfd_protocol() {
        let config = BfdConfig::new("10.0.0.2".parse().unwrap())
            .interface(
                "eth0",
                Duration::from_millis(100),
                Duration::from_millis(50),
                3,
            )
            .neighbor(
                "10.0.0.1".parse().unwrap(),
                "eth0",
                "10.0.0.2".parse().unwrap(),
            );
        let text = config.render();
        for expected in [
            "log stderr all;",
            "router id 10.0.0.2;",
            "protocol device {",
            "protocol bfd lab {",
            "  interface \"eth0\" {",
            "    min rx interval 100000 us;",
            "    min tx interval 50000 us;",
            "    multiplier 3;",
            "  neighbor 10.0.0.1 dev \"eth0\" local 10.0.0.2;",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert_eq!(text.matches('{').count(), text.matches('}').count());
    }

    /// Captured from BIRD 2.0.12 (`birdc -s SOCKET show bfd sessions`); the
    /// second and third sessions were added by hand.
    #[test]
    fn parses_show_bfd_sessions() {
        let text = "BIRD 2.0.12 ready.\nlab:\n\
            IP address                Interface  State      Since         Interval  Timeout\n\
            10.0.0.1                  eth0       Up         14:53:02.949    0.100    0.300\n\
            fd00::1                   eth0       Down       14:53:04.001    1.000    0.000\n\
            192.0.2.7                 ---        AdminDown  14:53:04.001    1.000    0.000\n";
        let sessions = parse_bfd_sessions(text);
        assert_eq!(sessions.len(), 3, "{sessions:?}");
        assert_eq!(sessions[0].peer, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(sessions[0].interface.as_deref(), Some("eth0"));
        assert_eq!(sessions[0].state, BfdState::Up);
        assert_eq!(sessions[1].state, BfdState::Down);
        assert_eq!(sessions[2].interface, None);
        assert_eq!(sessions[2].state, BfdState::AdminDown);
        assert!(parse_bfd_sessions("BIRD 2.0.12 ready.\nlab:\n").is_empty());
    }
}
