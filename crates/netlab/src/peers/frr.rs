//! FRR (8.4 on Debian 12): `bfdd` with the `zebra` it needs, as a BFD peer.
//!
//! Every host gets a private FRR instance: the vty sockets, the zebra API
//! socket, the bfdd control socket and the pid files live in
//! `<host>-frr/` in the lab directory, the daemons run in the foreground and
//! log to stdout (so to `<host>-zebra.log` and `<host>-bfdd.log`), and `vtysh`
//! is pointed at that directory with `--vty_socket`. Nothing is written under
//! `/var/run/frr`, so several hosts (and several tests) run FRR at once.
//!
//! Flags that are needed and why:
//! - `-u root -g frrvty`: Debian's FRR is built with the vty group `frrvty`
//!   and refuses to start (`privs_init: user(root) is not part of vty group
//!   specified(frrvty)`) unless the run-as user is in it. FRR counts the
//!   `-g` group as one of the user's groups, so naming `frrvty` there
//!   satisfies the check without changing the machine's group database.
//!   Running as root (rather than `frr`) lets the daemons read the lab
//!   directory, which is private to root. FRR then logs that it could not
//!   chown its vty sockets; that is harmless.
//! - `--vty_socket`, `-z`, `-i`, `--bfdctl`: every socket and pid file in the
//!   lab directory. `-N` (pathspace) is not used: even when every path is
//!   given explicitly it creates `/var/run/frr/<name>/`, which would outlive
//!   the lab.
//! - `-P 0`: no TCP vty listener (the default ports 2601/2617 are per
//!   namespace anyway, but nobody needs them).
//! - `--limit-fds 1024`: FRR sizes its event tables by `RLIMIT_NOFILE`,
//!   which can be huge in containers.
//!
//! FRR keeps a crash-log directory `/var/tmp/frr/<daemon>.<pid>/` that it
//! removes only on a clean exit, so [`Frr`] stops its daemons with SIGTERM
//! when dropped.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{Error, Host, Process, wait_until};

/// How long [`Frr::start`] waits for the daemons' vty sockets.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a daemon gets to exit after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(2);
/// `sun_path` holds 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH: usize = 107;

/// The state of a BFD session as a peer reports it (RFC 5880 §4.1), shared by
/// the FRR and BIRD helpers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BfdState {
    /// AdminDown (FRR says `shutdown`).
    AdminDown,
    /// Down.
    Down,
    /// Init.
    Init,
    /// Up.
    Up,
    /// A word neither peer is known to print, kept verbatim.
    Other(String),
}

impl BfdState {
    /// Parses a state as FRR (`up`, `down`, `init`, `shutdown`) or BIRD
    /// (`Up`, `Down`, `Init`, `AdminDown`) prints it.
    pub fn parse(text: &str) -> Self {
        match text.to_ascii_lowercase().as_str() {
            "up" => BfdState::Up,
            "down" => BfdState::Down,
            "init" => BfdState::Init,
            "admindown" | "admin-down" | "shutdown" => BfdState::AdminDown,
            _ => BfdState::Other(text.to_owned()),
        }
    }
}

/// One BFD session as a peer lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BfdSession {
    /// The remote address.
    pub peer: IpAddr,
    /// The local address, when the peer reports one.
    pub local: Option<IpAddr>,
    /// The interface, when the session is bound to one.
    pub interface: Option<String>,
    /// The session state.
    pub state: BfdState,
}

/// A `peer` block inside FRR's `bfd` node.
#[derive(Debug, Clone)]
pub struct BfdPeer {
    /// The remote address.
    pub peer: IpAddr,
    /// `local-address`.
    pub local_address: Option<IpAddr>,
    /// `interface` (single hop).
    pub interface: Option<String>,
    /// `multihop`.
    pub multihop: bool,
    /// `receive-interval` (FRR takes whole milliseconds, 10 to 60000).
    pub receive_interval: Duration,
    /// `transmit-interval` (whole milliseconds, 10 to 60000).
    pub transmit_interval: Duration,
    /// `detect-multiplier` (2 to 255).
    pub detect_multiplier: u8,
    /// `passive-mode`.
    pub passive: bool,
    /// Further lines inside the peer block, verbatim.
    pub extra: Vec<String>,
}

impl BfdPeer {
    /// A single-hop peer with FRR's defaults: 300 ms intervals, multiplier 3.
    pub fn new(peer: IpAddr) -> Self {
        BfdPeer {
            peer,
            local_address: None,
            interface: None,
            multihop: false,
            receive_interval: Duration::from_millis(300),
            transmit_interval: Duration::from_millis(300),
            detect_multiplier: 3,
            passive: false,
            extra: Vec::new(),
        }
    }

    /// Sets `local-address`.
    pub fn local_address(mut self, local: IpAddr) -> Self {
        self.local_address = Some(local);
        self
    }

    /// Sets `interface`.
    pub fn interface(mut self, interface: &str) -> Self {
        self.interface = Some(interface.to_owned());
        self
    }

    /// Sets the receive and transmit intervals and the detect multiplier.
    pub fn timers(mut self, receive: Duration, transmit: Duration, multiplier: u8) -> Self {
        self.receive_interval = receive;
        self.transmit_interval = transmit;
        self.detect_multiplier = multiplier;
        self
    }

    /// How long this side waits without packets before declaring the session
    /// down, if the remote side transmits as fast as we ask: the receive
    /// interval times the multiplier (RFC 5880 §6.8.4 uses the remote's
    /// multiplier; the lab configures both sides alike).
    pub fn detection_time(&self) -> Duration {
        self.receive_interval * u32::from(self.detect_multiplier)
    }

    /// The peer block as FRR configuration text.
    pub fn render(&self) -> String {
        let mut line = format!(" peer {}", self.peer);
        if self.multihop {
            line.push_str(" multihop");
        }
        if let Some(local) = self.local_address {
            let _ = write!(line, " local-address {local}");
        }
        if let Some(interface) = &self.interface {
            let _ = write!(line, " interface {interface}");
        }
        let mut text = line;
        text.push('\n');
        let _ = writeln!(
            text,
            "  receive-interval {}",
            self.receive_interval.as_millis()
        );
        let _ = writeln!(
            text,
            "  transmit-interval {}",
            self.transmit_interval.as_millis()
        );
        let _ = writeln!(text, "  detect-multiplier {}", self.detect_multiplier);
        if self.passive {
            let _ = writeln!(text, "  passive-mode");
        }
        for extra in &self.extra {
            let _ = writeln!(text, "  {extra}");
        }
        text.push_str(" exit\n !\n");
        text
    }
}

/// A whole bfdd configuration: `hostname` and a `bfd` node with `peers`.
pub fn bfdd_config(hostname: &str, peers: &[BfdPeer]) -> String {
    let mut text = format!("hostname {hostname}\n!\nbfd\n");
    for peer in peers {
        text.push_str(&peer.render());
    }
    text.push_str("exit\n!\n");
    text
}

/// `zebra` and `bfdd` running in the foreground inside one lab host.
///
/// Borrowing the host guarantees the daemons are stopped (gracefully) before
/// the host's namespace is torn down.
#[derive(Debug)]
pub struct Frr<'h> {
    host: &'h Host,
    dir: PathBuf,
    // Declared first so that it is dropped (killed) before zebra.
    bfdd: Process,
    zebra: Process,
}

impl<'h> Frr<'h> {
    /// Starts zebra and bfdd on `host` with the BFD `peers`.
    pub fn start_bfd(host: &'h Host, peers: &[BfdPeer]) -> Result<Self, Error> {
        Self::start(host, &bfdd_config(host.name(), peers))
    }

    /// Writes `bfdd_config` (FRR configuration text for bfdd) to the lab
    /// directory, starts zebra and then bfdd on `host`, and waits until both
    /// answer on their vty sockets.
    pub fn start(host: &'h Host, bfdd_config: &str) -> Result<Self, Error> {
        let dir = host.path("frr");
        std::fs::create_dir_all(&dir)
            .map_err(|source| Error::io(format!("creating {}", dir.display()), source))?;
        let socket = |name: &str| -> Result<String, Error> {
            let path = dir.join(name).display().to_string();
            if path.len() > MAX_SOCKET_PATH {
                return Err(Error::Invalid(format!(
                    "FRR socket path {path} is longer than {MAX_SOCKET_PATH} bytes; \
                     use a shorter test name or TMPDIR"
                )));
            }
            Ok(path)
        };
        let vty_dir = dir.display().to_string();
        let zserv = socket("zserv.api")?;
        let zebra_vty = socket("zebra.vty")?;
        let bfdd_vty = socket("bfdd.vty")?;
        let bfdctl = socket("bfdd.sock")?;
        let zebra_config = host.write_file("zebra.conf", &format!("hostname {}\n", host.name()))?;
        let bfdd_config = host.write_file("bfdd.conf", bfdd_config)?;

        let daemon = |name: &str, config: &Path, extra: &[&str]| -> Result<Process, Error> {
            let program = super::find_program(name)
                .ok_or_else(|| Error::Missing(format!("the program `{name}`")))?;
            let program = program.display().to_string();
            let pid = dir.join(format!("{name}.pid")).display().to_string();
            let config = config.display().to_string();
            let mut argv = vec![
                program.as_str(),
                "-u",
                "root",
                "-g",
                "frrvty",
                "-P",
                "0",
                "--limit-fds",
                "1024",
                "--log",
                "stdout",
                "--vty_socket",
                &vty_dir,
                "-i",
                &pid,
                "-z",
                &zserv,
                "-f",
                &config,
            ];
            argv.extend_from_slice(extra);
            host.spawn(name, &argv)
        };

        let mut zebra = daemon("zebra", &zebra_config, &[])?;
        wait_for_socket(&mut zebra, &zserv)?;
        let mut bfdd = daemon("bfdd", &bfdd_config, &["--bfdctl", &bfdctl])?;
        wait_for_socket(&mut bfdd, &bfdd_vty)?;
        wait_for_socket(&mut zebra, &zebra_vty)?;
        Ok(Frr {
            host,
            dir,
            bfdd,
            zebra,
        })
    }

    /// The directory holding this instance's sockets and pid files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bfdd process (for its log, pid and signals).
    pub fn bfdd(&mut self) -> &mut Process {
        &mut self.bfdd
    }

    /// The zebra process.
    pub fn zebra(&mut self) -> &mut Process {
        &mut self.zebra
    }

    /// Runs one `vtysh` command against `daemon` (`bfdd`, `zebra`) of this
    /// instance and returns what it printed.
    pub fn vtysh(&self, daemon: &str, command: &str) -> Result<String, Error> {
        vtysh(self.host, &self.dir, daemon, command)
    }

    /// Every BFD session bfdd knows (`show bfd peers json`).
    pub fn bfd_sessions(&self) -> Result<Vec<BfdSession>, Error> {
        bfd_sessions(self.host, &self.dir)
    }

    /// The state of the session with `peer`, or `None` if bfdd has none.
    pub fn peer_state(&self, peer: IpAddr) -> Result<Option<BfdState>, Error> {
        Ok(self
            .bfd_sessions()?
            .into_iter()
            .find(|s| s.peer == peer)
            .map(|s| s.state))
    }

    /// Waits until the session with `peer` is in `state`, failing early if
    /// bfdd or zebra exits. Returns how long it took.
    pub fn wait_for_peer_state(
        &mut self,
        peer: IpAddr,
        state: BfdState,
        timeout: Duration,
    ) -> Result<Duration, Error> {
        let what = format!(
            "FRR on {} to report BFD peer {peer} {state:?}",
            self.host.name()
        );
        let mut last = None;
        let result = wait_until(&what, timeout, || {
            for process in [&mut self.bfdd, &mut self.zebra] {
                if !process.is_running() {
                    return Err(Error::Invalid(format!(
                        "{what}: a daemon exited; log:\n{}",
                        process.log()
                    )));
                }
            }
            let sessions = bfd_sessions(self.host, &self.dir)?;
            let reached = sessions.iter().any(|s| s.peer == peer && s.state == state);
            last = Some(sessions);
            Ok(reached)
        });
        result.map_err(|err| match err {
            Error::Timeout { .. } => Error::Invalid(format!(
                "{err}; last sessions: {last:?}; bfdd log:\n{}",
                self.bfdd.log()
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

impl Drop for Frr<'_> {
    fn drop(&mut self) {
        // SIGTERM lets FRR remove its /var/tmp/frr crash-log directories.
        let _ = self.bfdd.terminate(STOP_GRACE);
        let _ = self.zebra.terminate(STOP_GRACE);
    }
}

fn vtysh(host: &Host, dir: &Path, daemon: &str, command: &str) -> Result<String, Error> {
    let vtysh =
        super::find_program("vtysh").ok_or_else(|| Error::Missing("the program `vtysh`".into()))?;
    host.run_stdout(&[
        &vtysh.display().to_string(),
        "--vty_socket",
        &dir.display().to_string(),
        "-d",
        daemon,
        "-c",
        command,
    ])
}

fn bfd_sessions(host: &Host, dir: &Path) -> Result<Vec<BfdSession>, Error> {
    parse_peers_json(&vtysh(host, dir, "bfdd", "show bfd peers json")?)
}

/// Waits until a daemon has created its socket `path`.
fn wait_for_socket(process: &mut Process, path: &str) -> Result<(), Error> {
    let what = format!("{path} to appear");
    let result = wait_until(&what, STARTUP_TIMEOUT, || {
        if Path::new(path).exists() {
            return Ok(true);
        }
        if !process.is_running() {
            return Err(Error::Invalid(format!(
                "the daemon exited before creating {path}; log:\n{}",
                process.log()
            )));
        }
        Ok(false)
    });
    result.map(drop).map_err(|err| match err {
        Error::Timeout { .. } => Error::Invalid(format!("{err}; log so far:\n{}", process.log())),
        other => other,
    })
}

/// Parses `show bfd peers json`: an array of objects with at least `peer` and
/// `status`.
fn parse_peers_json(text: &str) -> Result<Vec<BfdSession>, Error> {
    let invalid = |why: &str| Error::Invalid(format!("`show bfd peers json`: {why}: {text}"));
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| invalid(&err.to_string()))?;
    let peers = value.as_array().ok_or_else(|| invalid("not an array"))?;
    peers
        .iter()
        .map(|peer| {
            let field = |name: &str| peer.get(name).and_then(serde_json::Value::as_str);
            let address = field("peer")
                .and_then(|a| a.parse().ok())
                .ok_or_else(|| invalid("a peer without a valid `peer` address"))?;
            let state = field("status").ok_or_else(|| invalid("a peer without `status`"))?;
            Ok(BfdSession {
                peer: address,
                local: field("local").and_then(|a| a.parse().ok()),
                interface: field("interface").map(str::to_owned),
                state: BfdState::parse(state),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_peer_block() {
        let peer = BfdPeer::new("10.0.0.2".parse().unwrap())
            .local_address("10.0.0.1".parse().unwrap())
            .interface("eth0")
            .timers(Duration::from_millis(100), Duration::from_millis(150), 4);
        let text = bfdd_config("a", std::slice::from_ref(&peer));
        for expected in [
            "hostname a\n",
            "\nbfd\n",
            " peer 10.0.0.2 local-address 10.0.0.1 interface eth0\n",
            "  receive-interval 100\n",
            "  transmit-interval 150\n",
            "  detect-multiplier 4\n",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert_eq!(peer.detection_time(), Duration::from_millis(400));
    }

    /// Captured from FRR 8.4.4 bfdd (`vtysh -c "show bfd peers json"`), with
    /// the second peer's less interesting fields removed.
    #[test]
    fn parses_show_bfd_peers_json() {
        let text = r#"[
  {"multihop":false,"peer":"10.0.0.2","local":"10.0.0.1","vrf":"default",
   "interface":"eth0","id":2362317519,"remote-id":0,"passive-mode":false,
   "status":"down","downtime":7,"diagnostic":"ok","remote-diagnostic":"ok",
   "receive-interval":100,"transmit-interval":100,"detect-multiplier":3},
  {"multihop":false,"peer":"fd00::2","vrf":"default","status":"up","uptime":3}
]"#;
        let sessions = parse_peers_json(text).unwrap();
        assert_eq!(
            sessions,
            vec![
                BfdSession {
                    peer: "10.0.0.2".parse().unwrap(),
                    local: Some("10.0.0.1".parse().unwrap()),
                    interface: Some("eth0".into()),
                    state: BfdState::Down,
                },
                BfdSession {
                    peer: "fd00::2".parse().unwrap(),
                    local: None,
                    interface: None,
                    state: BfdState::Up,
                },
            ]
        );
        assert_eq!(parse_peers_json("[]").unwrap(), vec![]);
        assert!(parse_peers_json("% Unknown command").is_err());
        assert!(parse_peers_json(r#"[{"status":"up"}]"#).is_err());
    }

    #[test]
    fn parses_both_peers_state_words() {
        assert_eq!(BfdState::parse("up"), BfdState::Up);
        assert_eq!(BfdState::parse("Up"), BfdState::Up);
        assert_eq!(BfdState::parse("shutdown"), BfdState::AdminDown);
        assert_eq!(BfdState::parse("AdminDown"), BfdState::AdminDown);
        assert_eq!(BfdState::parse("Init"), BfdState::Init);
        assert_eq!(BfdState::parse("weird"), BfdState::Other("weird".into()));
    }
}
