//! The supervisor: starts the daemons the configuration needs, restarts a
//! daemon that dies (unless `-R`), and stops them on SIGTERM/SIGINT.

use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::process::{Child, Command};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use ipc_proto::Role;
use tokio::sync::mpsc;

use crate::cli::Cli;
use crate::control::{ConfigSource, Hub};
use crate::log::{DaemonLog, LogTargets};
use crate::service::Service;

/// How long a stop waits for a daemon that is still starting.
const READY_WAIT: Duration = Duration::from_secs(5);

/// Finds a daemon binary next to our own executable, then on PATH, so a
/// copied set of binaries works anywhere.
pub(crate) fn find_daemon(name: &str) -> Option<PathBuf> {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(name)));
    if let Some(path) = beside.filter(|p| p.is_file()) {
        return Some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn daemon_args(cli: &Cli) -> Vec<String> {
    let mut args = vec![
        "-f".to_owned(),
        cli.config.display().to_string(),
        "--run-dir".to_owned(),
        cli.run_dir.display().to_string(),
    ];
    if let Some(id) = &cli.config_id {
        args.extend(["-i".to_owned(), id.clone()]);
    }
    if cli.log_console {
        args.push("-l".to_owned());
    }
    if cli.log_detail {
        args.push("-D".to_owned());
    }
    // keepalived's -X / -V are the VRRP child's business.
    if cli.release_vips {
        args.push("--release-vips".to_owned());
    }
    if cli.dont_release_vrrp {
        args.push("--dont-release-vrrp".to_owned());
    }
    if let Some(version) = cli.json_version {
        args.extend(["--json-version".to_owned(), version.to_string()]);
    }
    args
}

/// Starts a daemon with its standard error (and output) going to `targets`
/// under syslog identity `ident`.
fn spawn(
    program: &Path,
    args: &[String],
    targets: &LogTargets,
    ident: &'static str,
) -> std::io::Result<(Child, watch::Receiver<bool>)> {
    let mut child = Command::new(program)
        .args(args)
        // The daemon stops (cleanly) if the supervisor is killed outright.
        .args(["--supervised-by".to_owned(), std::process::id().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Only the supervisor speaks to systemd (NotifyAccess=main).
        .env_remove(crate::service::NOTIFY_SOCKET)
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().unwrap_or(0);
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(DaemonLog::open(targets, ident, pid).follow(stderr));
    }
    let (ready, ready_receiver) = watch::channel(false);
    if let Some(stdout) = child.stdout.take() {
        tokio::spawn(DaemonLog::open(targets, ident, pid).follow_with_ready(stdout, Some(ready)));
    }
    Ok((child, ready_receiver))
}

/// Runs until told to stop. Returns the process exit status.
pub(crate) fn run(cli: &Cli) -> ExitCode {
    let options = kconf_parser::ParseOptions::for_config_id(cli.config_id.clone());
    let parsed = kconf_parser::parse_file(&cli.config, &options);
    if parsed.verdict() == kconf_parser::Verdict::Fatal {
        for d in &parsed.diagnostics {
            eprintln!("{d}");
        }
        return ExitCode::from(4);
    }
    let wants_vrrp = !parsed.config.vrrp_instances.is_empty() && !cli.check_only;
    let reload_settings = crate::reload_settings::ReloadSettings::of(&parsed.config, &cli.run_dir);
    // Only that answer is needed: the parsed model would otherwise stay on
    // the heap while the supervisor waits on its children.
    drop(parsed);
    if !wants_vrrp {
        eprintln!(
            "keepalived-rs: nothing to run (no vrrp_instance; checkerd and bfdd are not built yet)"
        );
        return ExitCode::from(1);
    }
    let Some(vrrpd) = find_daemon("vrrpd") else {
        eprintln!(
            "keepalived-rs: cannot find the vrrpd binary beside {} or on PATH",
            std::env::args().next().unwrap_or_default()
        );
        return ExitCode::from(1);
    };
    // Bound before going into the background, so a taken port is reported
    // on the terminal.
    let metrics = match cli.metrics.map(crate::metrics::bind).transpose() {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("keepalived-rs: cannot serve metrics: {err}");
            return ExitCode::from(1);
        }
    };
    // Like keepalived: into the background unless -n, once the
    // configuration is known to be readable (its errors reach the terminal).
    // Not under systemd, which must see the process it started (service.rs).
    if !cli.dont_fork && !crate::service::under_systemd() {
        if let Err(err) = nix::unistd::daemon(false, false) {
            eprintln!("keepalived-rs: cannot go into the background: {err}");
            return ExitCode::from(1);
        }
    }
    if let Err(err) = std::fs::create_dir_all(&cli.run_dir) {
        eprintln!(
            "keepalived-rs: cannot create {}: {err}",
            cli.run_dir.display()
        );
        return ExitCode::from(1);
    }
    let pid_file = cli
        .pid_file
        .clone()
        .unwrap_or_else(|| cli.run_dir.join("keepalived.pid"));
    if let Err(err) = std::fs::write(&pid_file, format!("{}\n", std::process::id())) {
        eprintln!("keepalived-rs: cannot write {}: {err}", pid_file.display());
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("keepalived-rs: cannot start: {err}");
            return ExitCode::from(1);
        }
    };
    let targets = LogTargets::of(cli);
    let vrrp_pid_file = cli
        .vrrp_pid_file
        .clone()
        .unwrap_or_else(|| cli.run_dir.join("vrrp.pid"));
    let source = ConfigSource {
        path: cli.config.clone(),
        config_id: cli.config_id.clone(),
        run_dir: cli.run_dir.clone(),
        settings: reload_settings,
    };
    let status = runtime.block_on(supervise(
        &vrrpd,
        &daemon_args(cli),
        cli.dont_respawn,
        &targets,
        &vrrp_pid_file,
        (source, &cli.run_dir, metrics),
    ));
    let _ = std::fs::remove_file(&vrrp_pid_file);
    let _ = std::fs::remove_file(&pid_file);
    status
}

async fn supervise(
    vrrpd: &Path,
    args: &[String],
    dont_respawn: bool,
    targets: &LogTargets,
    vrrp_pid_file: &Path,
    (source, run_dir, metrics): (ConfigSource, &Path, Option<std::net::TcpListener>),
) -> ExitCode {
    let (Ok(mut terminate), Ok(mut interrupt), Ok(mut hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        eprintln!("keepalived-rs: cannot install signal handlers");
        return ExitCode::from(1);
    };
    let Ok(mut dumps) = crate::forward::DumpSignals::install() else {
        eprintln!("keepalived-rs: cannot install signal handlers");
        return ExitCode::from(1);
    };
    // The supervisor's own lines go where the daemons' go, as keepalived's
    // parent logs as "Keepalived".
    let mut own = DaemonLog::open(targets, "Keepalived", std::process::id());
    let (hub_log, mut hub_lines) = mpsc::unbounded_channel();
    let service = Service::from_env("vrrpd");
    let hub = Hub::new(source, hub_log, service.clone());
    hub.schedule_reloads();
    if let Err(err) = hub.listen(run_dir) {
        own.line(&format!(
            "keepalived-rs: cannot open the control socket in {}: {err}; kactl will not reach this instance",
            run_dir.display()
        ));
    }
    if let Some(listener) = metrics {
        let hub = hub.clone();
        let snapshot = move || {
            let hub = hub.clone();
            async move { Ok(hub.snapshot().await) }
        };
        if let Err(err) =
            crate::metrics::start(listener, snapshot, crate::metrics::ServeOptions::default())
        {
            own.line(&format!("keepalived-rs: cannot serve metrics: {err}"));
            return ExitCode::from(1);
        }
    }
    let mut first = true;
    loop {
        if !std::mem::take(&mut first) {
            hub.restarted(Role::Vrrp);
        }
        let (mut child, ready) = match spawn(vrrpd, args, targets, "Keepalived_vrrp") {
            Ok(spawned) => spawned,
            Err(err) => {
                own.line(&format!(
                    "keepalived-rs: cannot start {}: {err}",
                    vrrpd.display()
                ));
                return ExitCode::from(1);
            }
        };
        service.spawned(child.id());
        tokio::spawn(service.clone().announce_when_ready(ready.clone()));
        // keepalived's -r: where scripts find the VRRP process.
        if let Some(pid) = child.id() {
            if let Err(err) = std::fs::write(vrrp_pid_file, format!("{pid}\n")) {
                own.line(&format!(
                    "keepalived-rs: cannot write {}: {err}",
                    vrrp_pid_file.display()
                ));
            }
        }
        loop {
            tokio::select! {
                status = child.wait() => {
                    let how = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                    own.line(&format!("keepalived-rs: vrrpd exited ({how})"));
                    service.exited(&how, !dont_respawn);
                    if dont_respawn {
                        return ExitCode::from(1);
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
                Some(line) = hub_lines.recv() => own.line(&line),
                _ = hangup.recv() => {
                    if let Err(err) = targets.reopen() { own.line(&format!("keepalived-rs: {err}")); }
                    // keepalived reloads on SIGHUP; the hub validates first.
                    let hub = hub.clone();
                    tokio::spawn(async move { hub.reload().await });
                }
                number = dumps.next() => {
                    if number == crate::forward::stats_clear_signal() {
                        let hub = hub.clone();
                        tokio::spawn(async move { hub.stats(true).await });
                        continue;
                    }
                    // A vrrpd not yet ready has no handler: the signal
                    // would kill it.
                    match child.id().filter(|_| *ready.borrow()) {
                        Some(pid) => {
                            if let Err(err) = crate::forward::send(pid, number) {
                                own.line(&format!("keepalived-rs: cannot pass signal {number} on to vrrpd: {err}"));
                            }
                        }
                        None => own.line(&format!("keepalived-rs: vrrpd is not ready; signal {number} not passed on")),
                    }
                }
                _ = terminate.recv() => return stop(child, ready, &service).await,
                _ = interrupt.recv() => return stop(child, ready, &service).await,
            }
        }
    }
}

/// Forwards SIGTERM so the daemon releases its addresses, and waits.
/// A daemon not yet ready (see [`crate::log::READY`]) gets the signal once
/// it is, or has exited, or after [`READY_WAIT`]: one killed before it
/// catches SIGTERM would leave what a crashed run left (a VIP) in place.
async fn stop(mut child: Child, mut ready: watch::Receiver<bool>, service: &Service) -> ExitCode {
    service.stopping();
    let _ = tokio::time::timeout(READY_WAIT, async {
        tokio::select! {
            _ = ready.wait_for(|r| *r) => {}
            _ = child.wait() => {}
        }
    })
    .await;
    if let Some(pid) = child.id() {
        let _ = kill(Pid::from_raw(pid as i32), Signal::SIGTERM);
    }
    match tokio::time::timeout(Duration::from_secs(5), child.wait()).await {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => {
            let _ = child.kill().await;
            ExitCode::SUCCESS
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        let cli = Cli::try_parse_from(std::iter::once("keepalived-rs").chain(args.iter().copied()))
            .unwrap();
        daemon_args(&cli)
    }

    #[test]
    fn vrrpd_gets_the_configuration_and_the_vrrp_flags() {
        let base = argv(&["-f", "/k.conf", "--run-dir", "/r"]);
        assert_eq!(base, ["-f", "/k.conf", "--run-dir", "/r"]);
        assert_eq!(
            argv(&["-f", "/k.conf", "--run-dir", "/r", "-X", "-l"]),
            ["-f", "/k.conf", "--run-dir", "/r", "-l", "--release-vips"]
        );
        assert_eq!(
            argv(&["-f", "/k.conf", "--run-dir", "/r", "-V", "-i", "lb1", "-D"]),
            [
                "-f",
                "/k.conf",
                "--run-dir",
                "/r",
                "-i",
                "lb1",
                "-D",
                "--dont-release-vrrp"
            ]
        );
        assert!(
            argv(&["--json-version", "2"])
                .ends_with(&["--json-version".to_owned(), "2".to_owned()])
        );
        let both = argv(&["--release-vips", "--dont-release-vrrp"]);
        assert!(both.ends_with(&[
            "--release-vips".to_owned(),
            "--dont-release-vrrp".to_owned()
        ]));
        // Flags for other daemons are not passed to vrrpd.
        assert!(!argv(&["-I", "-R"]).iter().any(|a| a == "-I" || a == "-R"));
    }
}
