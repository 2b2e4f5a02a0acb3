//! `vrrpd`, the VRRP daemon of keepalived-rs.
//!
//! Runs the VRRP instances of keepalived.conf: adverts on raw sockets,
//! elections in vrrp-proto's state machine, virtual addresses through
//! rtnetlink and gratuitous ARPs on packet sockets. It is started by
//! keepalived-rs (which restarts it if it dies) and stops cleanly on
//! SIGTERM: a master sends priority 0 and removes its addresses.
//!
//! It also installs `virtual_routes`/`virtual_rules` while master, the
//! `static_*` blocks from start to stop, and `use_vmac` / `use_vmac_addr`
//! macvlans (IPv4 and IPv6); paces gratuitous ARPs / NAs; tracks
//! interfaces, scripts, files and processes; runs sync groups, writes
//! the notify FIFOs and mails SMTP alerts. It connects to the supervisor's
//! control socket (`control.rs`, docs/IPC.md): state changes out; status,
//! stats, gratuitous ARPs on request and reloads in (SIGHUP reloads too,
//! `reload.rs`).
//!
//! This build runs IPv4 and IPv6 instances (multicast and unicast; IPv6
//! adverts go out from the interface's link-local address unless
//! `unicast_src_ip`/`mcast_src_ip` says otherwise); `track_bfd` is refused
//! with a message until bfdd lands.
#![deny(unsafe_code)] // the packet-socket module (garp) opts out, for sockaddr_ll.

mod alert;
mod control;
mod daemon;
mod deadlines;
mod drops;
mod dump;
mod effects;
mod fifo;
#[allow(
    dead_code,
    reason = "mac() serves the tests; the daemon uses the senders"
)]
mod garp;
#[cfg(test)]
#[path = "../../shared/man_page.rs"]
mod man_page;
#[allow(
    dead_code,
    reason = "link/address watching (fault on link down, restoring a removed VIP) is the next slice"
)]
mod netlink;
mod notify;
mod pacing;
mod release;
mod reload;
mod routing;
mod setup;
mod socket;
mod sockets;
mod status;
mod timer;
mod track;
mod vmac;
mod vmac_addr;

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

    /// Drop VIPs on transition from signal (every instance removes its
    /// virtual addresses when stopped, not only a master).
    // Long only: vrrpd's -V is --version (keepalived-rs takes -X/-V).
    #[arg(long = "release-vips")]
    release_vips: bool,

    /// Don't remove VRRP VIPs, virtual routes and VMACs on stop (and send no
    /// priority-0 advert).
    #[arg(long = "dont-release-vrrp")]
    dont_release_vrrp: bool,

    /// Layout of keepalived.json on SIGJSON: 1 (keepalived 2.2.7's) or 2
    /// (later keepalived's `json_version 2`).
    #[arg(long = "json-version", value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=2))]
    json_version: u8,

    /// Started by keepalived-rs (this pid): stop cleanly when it dies.
    #[arg(long = "supervised-by", value_name = "PID", hide = true)]
    supervised_by: Option<i32>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(supervisor) = cli.supervised_by {
        // As keepalived's children: a supervisor killed outright must not
        // leave a vrrpd holding VIPs that nothing will stop or restart.
        // SIGTERM (caught from the handlers below on) releases them.
        if let Err(err) = nix::sys::prctl::set_pdeathsig(Some(nix::sys::signal::Signal::SIGTERM)) {
            eprintln!("vrrpd: cannot ask to be stopped with the supervisor: {err}");
        }
        // It may have died before the request took effect.
        if nix::unistd::getppid().as_raw() != supervisor {
            eprintln!("vrrpd: the supervisor (pid {supervisor}) is gone; not starting");
            return ExitCode::from(1);
        }
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
    // First of all, so that a stop request during start-up is a clean stop.
    let stop = {
        let _context = runtime.enter();
        match daemon::StopSignals::install() {
            Ok(stop) => stop,
            Err(err) => {
                eprintln!("vrrpd: cannot install signal handlers: {err}");
                return ExitCode::from(1);
            }
        }
    };
    // Tells the supervisor (which reads our standard output) that a stop
    // signal from now on is a clean stop; it holds one back until then.
    {
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        // A closed standard output is not an error here: nobody waits.
        let _ = writeln!(stdout, "READY=1").and_then(|()| stdout.flush());
    }
    let options = kconf_parser::ParseOptions::for_config_id(cli.config_id.clone());
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
    let addresses = setup::InterfaceAddresses::read();
    let (planned, mut problems) = setup::plan(&parsed.config, |interface, ipv6| {
        addresses.primary(interface, ipv6)
    });
    let statics = routing::Static::plan(
        &parsed.config,
        &mut routing::Preferences::default(),
        &mut problems,
    );
    for problem in &problems {
        eprintln!("vrrpd: {problem}");
    }
    if planned.is_empty() {
        eprintln!("vrrpd: no VRRP instance to run");
        return ExitCode::from(1);
    }
    // Only the model is needed from here on; the rest of the parse (its
    // diagnostics, the file list) would stay on the heap for the daemon's
    // life.
    let kconf_parser::Parsed { config, .. } = parsed;
    // Before any other thread starts: it reads the local time zone.
    let alerts = alert::Alerts::for_this_host(&config);
    let release = release::Release {
        dont_release_vrrp: cli.dont_release_vrrp,
        release_vips: cli.release_vips,
    };
    let source = reload::Source::new(cli.config.clone(), options, &config);
    let json_version = dump::JsonVersion::from_number(cli.json_version).unwrap_or_default();
    // Before any other thread starts: it reads the local time zone.
    let dumps = dump::Settings::of(&config, json_version);
    match runtime.block_on(serve(
        planned,
        statics,
        config,
        stop,
        release,
        (cli.run_dir, source, alerts, dumps),
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("vrrpd: {err}");
            ExitCode::from(1)
        }
    }
}

async fn serve(
    planned: Vec<setup::Planned>,
    statics: routing::Static,
    config: kconf_parser::model::Config,
    stop: daemon::StopSignals,
    release: release::Release,
    (run_dir, source, alerts, dumps): (PathBuf, reload::Source, alert::Alerts, dump::Settings),
) -> Result<(), String> {
    let netlink = netlink::Netlink::new()
        .await
        .map_err(|e| format!("netlink: {e}"))?;
    let mut host = effects::Host::new(netlink, pacing::Intervals::of(&config));
    let planned = daemon::Effects::prepare(&mut host, planned).await;
    if planned.is_empty() {
        host.remove_vmacs().await;
        return Err("no VRRP instance to run".into());
    }
    // Groups index the instances that really run (a VMAC may have failed).
    let (groups, problems) = setup::plan_groups(&config, &planned);
    for problem in &problems {
        eprintln!("vrrpd: {problem}");
    }
    // Inside the runtime: the FIFO reader scripts are tokio processes.
    let fifos = fifo::Fifos::open(&config, &setup::default_script_user(&config));
    fifos.start_readers();
    let (control, publisher) = control::Control::start(run_dir);
    let hooks = daemon::Hooks::new(groups, fifos, Some(publisher), alerts);
    host.install_statics(statics).await;
    let result = serve_instances(
        &mut host,
        planned,
        hooks,
        config,
        (stop, control, source, dumps),
        release,
    )
    .await;
    host.remove_statics().await;
    if release.removes_vmacs() {
        host.remove_vmacs().await;
    }
    result
}

async fn serve_instances(
    host: &mut effects::Host,
    planned: Vec<setup::Planned>,
    hooks: daemon::Hooks,
    config: kconf_parser::model::Config,
    (stop, control, reload, dumps): (
        daemon::StopSignals,
        control::Control,
        reload::Source,
        dump::Settings,
    ),
    release: release::Release,
) -> Result<(), String> {
    let netlink = host.netlink();
    let mut sockets = sockets::SocketTable::default();
    let mut placed = Vec::new();
    for p in &planned {
        // An instance whose interface (or its address) is not there yet
        // waits for it in FAULT; the daemon opens its socket when it comes.
        let place = match netlink.link_index(p.advert_interface()).await {
            Ok(Some(advert_index)) if !p.protocol.primary_address.is_unspecified() => {
                let ifindex = match netlink.link_index(&p.interface).await {
                    Ok(Some(index)) => index,
                    _ => advert_index,
                };
                match sockets.open(
                    p.advert_interface(),
                    advert_index,
                    p.protocol.primary_address,
                    p.group,
                ) {
                    Ok(socket) => Some((socket, ifindex)),
                    Err(e) => {
                        eprintln!(
                            "({}) cannot open the VRRP socket on {}: {e}; waiting in FAULT",
                            p.protocol.name,
                            p.advert_interface()
                        );
                        None
                    }
                }
            }
            Ok(Some(_)) => {
                eprintln!(
                    "({}) interface {} has no {} address yet; waiting in FAULT",
                    p.protocol.name,
                    p.interface,
                    if p.protocol.primary_address.is_ipv6() {
                        "link-local IPv6"
                    } else {
                        "IPv4"
                    }
                );
                None
            }
            Ok(None) => {
                eprintln!(
                    "({}) interface {} does not exist (yet); waiting in FAULT until it appears",
                    p.protocol.name,
                    p.advert_interface()
                );
                None
            }
            Err(e) => return Err(format!("({}) {e}", p.protocol.name)),
        };
        let mut tracked = Vec::new();
        for name in &p.tracked_interfaces {
            tracked.push(netlink.link_index(name).await.ok().flatten());
        }
        placed.push(daemon::Placement {
            socket: place,
            tracked,
        });
    }
    let events = netlink
        .watch()
        .await
        .map_err(|e| format!("netlink events: {e}"))?;
    let trackers = track::Trackers::start(&config, &planned);
    let inputs = daemon::Inputs {
        events,
        trackers,
        stop,
        control,
        reload,
        dumps,
    };
    let drops = drops::Drops::new(config.global.vrrp.log_unknown_vrids);
    // Everything the loop needs has been taken from the model.
    drop(config);
    daemon::run(
        planned, sockets, placed, inputs, host, hooks, drops, release,
    )
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
        assert!(!cli.release_vips && !cli.dont_release_vrrp);
        assert!(Cli::try_parse_from(["vrrpd", "--bogus"]).is_err());
        let cli = Cli::try_parse_from(["vrrpd", "--release-vips", "--dont-release-vrrp"]).unwrap();
        assert!(cli.release_vips && cli.dont_release_vrrp);
    }
}

#[cfg(test)]
#[test]
fn man_page_is_up_to_date() {
    use clap::CommandFactory;
    let prose = include_str!("../../../docs/man/prose/vrrpd.8.roff");
    man_page::check("vrrpd", &man_page::render(Cli::command(), prose));
}
