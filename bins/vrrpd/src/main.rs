//! `vrrpd`, the VRRP daemon of keepalived-rs.
//!
//! Runs the VRRP instances of keepalived.conf: adverts on raw sockets,
//! elections in vrrp-proto's state machine, virtual addresses through
//! rtnetlink and gratuitous ARPs on packet sockets. It is started by
//! keepalived-rs (which restarts it if it dies) and stops cleanly on
//! SIGTERM: a master sends priority 0 and removes its addresses.
//!
//! This build runs IPv4 instances (multicast and unicast); IPv6 instances,
//! track scripts/files/processes, notify hooks, VMACs and the control
//! socket are refused with a message until they land.
#![deny(unsafe_code)] // the packet-socket module (garp) opts out, for sockaddr_ll.

mod daemon;
mod deadlines;
mod effects;
#[allow(
    dead_code,
    reason = "mac() serves the tests; the daemon uses the senders"
)]
mod garp;
#[allow(
    dead_code,
    reason = "link/address watching (fault on link down, restoring a removed VIP) is the next slice"
)]
mod netlink;
mod notify;
mod setup;
mod socket;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// The VRRP daemon of keepalived-rs (normally started by `keepalived-rs`).
#[derive(Debug, Parser)]
#[command(name = "vrrpd", version)]
struct Cli {
    /// Configuration file.
    #[arg(
        short = 'f',
        long = "use-file",
        value_name = "FILE",
        default_value = "/etc/keepalived/keepalived.conf"
    )]
    config: PathBuf,

    /// Directory of the control sockets and pid files.
    #[arg(
        long = "run-dir",
        value_name = "DIR",
        default_value = "/run/keepalived-rs"
    )]
    run_dir: PathBuf,

    /// Skip configuration lines beginning '@' that don't match ID.
    #[arg(short = 'i', long = "config-id", value_name = "ID")]
    config_id: Option<String>,

    /// Log to stderr.
    #[arg(short = 'l', long = "log-console")]
    log_console: bool,

    /// Detailed log messages.
    #[arg(short = 'D', long = "log-detail")]
    log_detail: bool,
}

/// The first address of `family` on `interface` (its primary address).
fn primary_address(interface: &str, ipv6: bool) -> Option<IpAddr> {
    let addresses = nix::ifaddrs::getifaddrs().ok()?;
    addresses
        .filter(|a| a.interface_name == interface)
        .filter_map(|a| a.address)
        .find_map(
            |address| match (address.as_sockaddr_in(), address.as_sockaddr_in6(), ipv6) {
                (Some(v4), _, false) => Some(IpAddr::V4(v4.ip())),
                (_, Some(v6), true) => Some(IpAddr::V6(v6.ip())),
                _ => None,
            },
        )
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = kconf_parser::ParseOptions {
        config_id: cli
            .config_id
            .clone()
            .unwrap_or_else(kconf_parser::short_hostname),
        ..Default::default()
    };
    let parsed = kconf_parser::parse_file(&cli.config, &options);
    for diagnostic in parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity >= kconf_parser::Severity::Warning)
    {
        eprintln!("vrrpd: {diagnostic}");
    }
    if parsed.verdict() == kconf_parser::Verdict::Fatal {
        return ExitCode::from(4);
    }
    let (planned, problems) = setup::plan(&parsed.config, primary_address);
    // The plan holds all the daemon needs; the whole parsed model (and its
    // diagnostics) would otherwise stay on the heap for the daemon's life.
    drop(parsed);
    for problem in &problems {
        eprintln!("vrrpd: {problem}");
    }
    let (planned, refused): (Vec<_>, Vec<_>) = planned
        .into_iter()
        .partition(|p| p.protocol.primary_address.is_ipv4());
    for p in &refused {
        eprintln!(
            "vrrpd: ({}) IPv6 instances are not supported by this build yet; not started",
            p.protocol.name
        );
    }
    if planned.is_empty() {
        eprintln!("vrrpd: no VRRP instance to run");
        return ExitCode::from(1);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("vrrpd: cannot start: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(serve(planned)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("vrrpd: {err}");
            ExitCode::from(1)
        }
    }
}

async fn serve(planned: Vec<setup::Planned>) -> Result<(), String> {
    let netlink = netlink::Netlink::new()
        .await
        .map_err(|e| format!("netlink: {e}"))?;
    // One socket per (interface, source address), shared by its instances.
    let mut sockets = Vec::new();
    let mut index_of: HashMap<(String, IpAddr), usize> = HashMap::new();
    let mut socket_of = Vec::new();
    for p in &planned {
        let key = (p.interface.clone(), p.protocol.primary_address);
        let ifindex = netlink
            .link_index(&p.interface)
            .await
            .map_err(|e| format!("({}) {e}", p.protocol.name))?
            .ok_or_else(|| {
                format!(
                    "({}) interface {} does not exist",
                    p.protocol.name, p.interface
                )
            })?;
        let socket = match index_of.get(&key) {
            Some(&i) => i,
            None => {
                let IpAddr::V4(source) = p.protocol.primary_address else {
                    return Err(format!("({}) not an IPv4 instance", p.protocol.name));
                };
                let socket =
                    socket::VrrpSocket::open_v4(&p.interface, ifindex, source).map_err(|e| {
                        format!(
                            "({}) cannot open the VRRP socket on {}: {e}",
                            p.protocol.name, p.interface
                        )
                    })?;
                sockets.push(socket);
                index_of.insert(key, sockets.len() - 1);
                sockets.len() - 1
            }
        };
        let mut tracked = Vec::new();
        for name in &p.tracked_interfaces {
            tracked.push(netlink.link_index(name).await.ok().flatten());
        }
        socket_of.push((socket, ifindex, tracked));
    }
    let events = netlink
        .watch()
        .await
        .map_err(|e| format!("netlink events: {e}"))?;
    let mut host = effects::Host::new(netlink);
    daemon::run(planned, sockets, socket_of, events, &mut host)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn command_line() {
        Cli::command().debug_assert();
        let cli =
            Cli::try_parse_from(["vrrpd", "-f", "/k.conf", "--run-dir", "/tmp/r", "-l"]).unwrap();
        assert_eq!(cli.config, PathBuf::from("/k.conf"));
        assert_eq!(cli.run_dir, PathBuf::from("/tmp/r"));
        assert!(cli.log_console && !cli.log_detail && cli.config_id.is_none());
        assert!(Cli::try_parse_from(["vrrpd", "--bogus"]).is_err());
    }
}
