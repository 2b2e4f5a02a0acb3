//! `kactl`, the control client of keepalived-rs.
//!
//! It talks to the supervisor over the Unix control socket in `--run-dir`:
//! status tables (and a stable JSON schema), reload, statistics and on-demand
//! gratuitous ARPs. The protocol is ipc-proto's (docs/IPC.md); the table
//! layout is in `table.rs`.
#![forbid(unsafe_code)]

mod table;

#[cfg(test)]
#[path = "../../shared/man_page.rs"]
mod man_page;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use ipc_proto::stream::{MessageReader, send};
use ipc_proto::{Hello, Incoming, Message, Role};
use tokio::net::UnixStream;

/// Control client for keepalived-rs.
#[derive(Debug, Parser)]
#[command(name = "kactl", version)]
struct Cli {
    /// Directory of the control socket of the instance to talk to.
    #[arg(
        long = "run-dir",
        value_name = "DIR",
        default_value = "/run/keepalived-rs",
        global = true
    )]
    run_dir: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand, PartialEq)]
enum Command {
    /// VRRP instances, virtual servers and BFD sessions.
    Status {
        /// Print the stable JSON schema instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Parse the configuration again and apply the difference.
    Reload,
    /// Counters of every daemon.
    Stats {
        /// Reset the counters after printing them.
        #[arg(long)]
        clear: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Send gratuitous ARPs / unsolicited neighbour advertisements now.
    Garp {
        /// The vrrp_instance whose virtual addresses to announce.
        instance: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("kactl: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(&cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kactl: {err}");
            ExitCode::from(1)
        }
    }
}

/// How long to wait for the supervisor (a reload of a big configuration
/// takes a while).
const REPLY_WAIT: Duration = Duration::from_secs(60);

async fn run(cli: &Cli) -> Result<ExitCode, String> {
    let request = match &cli.command {
        Command::Status { .. } => Message::StatusRequest { id: 1 },
        Command::Reload => Message::Reload { id: 1 },
        Command::Stats { clear, .. } => Message::StatsRequest {
            id: 1,
            clear: *clear,
        },
        Command::Garp { instance } => Message::Garp {
            id: 1,
            instance: instance.clone(),
        },
    };
    let reply = tokio::time::timeout(REPLY_WAIT, exchange(&cli.run_dir, request))
        .await
        .map_err(|_| "no reply from keepalived-rs in 60 s".to_owned())??;
    let mut out = std::io::stdout().lock();
    let printed = match (&cli.command, reply) {
        (Command::Status { json: true }, Message::StatusReply { status, .. }) => {
            serde_json::to_writer_pretty(&mut out, &status)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
        (Command::Status { json: false }, Message::StatusReply { status, .. }) => {
            write!(out, "{}", table::status(&status))
        }
        (Command::Stats { json: true, .. }, Message::StatsReply { stats, .. }) => {
            serde_json::to_writer_pretty(&mut out, &stats)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
        (Command::Stats { json: false, .. }, Message::StatsReply { stats, .. }) => {
            write!(out, "{}", table::stats(&stats))
        }
        (_, Message::Done { outcome, .. }) => {
            for error in &outcome.errors {
                eprintln!("kactl: {error}");
            }
            if !outcome.ok {
                return Ok(ExitCode::from(1));
            }
            writeln!(out, "ok")
        }
        (_, other) => return Err(format!("unexpected reply: {other:?}")),
    };
    printed.map_err(|e| format!("cannot write: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// Connects, says hello, sends `request` and returns the reply to it.
async fn exchange(run_dir: &Path, request: Message) -> Result<Message, String> {
    let path = run_dir.join(ipc_proto::SOCKET_NAME);
    let stream = UnixStream::connect(&path).await.map_err(|e| {
        format!(
            "cannot reach keepalived-rs at {}: {e} (is it running with --run-dir {}?)",
            path.display(),
            run_dir.display()
        )
    })?;
    let (read, mut write) = stream.into_split();
    let mut reader = MessageReader::new(read);
    send(&mut write, &Message::Hello(Hello::new(Role::Client)))
        .await
        .map_err(|e| e.to_string())?;
    match reader.receive().await.map_err(|e| e.to_string())? {
        Some(Incoming::Message(Message::Hello(_))) => {}
        Some(Incoming::Message(Message::Refused { reason })) => {
            return Err(format!("refused: {reason}"));
        }
        other => return Err(format!("expected hello, got {other:?}")),
    }
    send(&mut write, &request)
        .await
        .map_err(|e| e.to_string())?;
    loop {
        match reader.receive().await.map_err(|e| e.to_string())? {
            Some(Incoming::Message(message)) => return Ok(message),
            // A newer supervisor's extra messages.
            Some(Incoming::Unknown { .. }) => {}
            None => return Err("keepalived-rs closed the connection".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn man_page_is_up_to_date() {
        let prose = include_str!("../../../docs/man/prose/kactl.8.roff");
        man_page::check("kactl", &man_page::render(Cli::command(), prose));
    }

    #[test]
    fn command_line() {
        Cli::command().debug_assert();
        let cli =
            Cli::try_parse_from(["kactl", "status", "--json", "--run-dir", "/tmp/x"]).unwrap();
        assert_eq!(cli.command, Command::Status { json: true });
        assert!(Cli::try_parse_from(["kactl", "stats", "--clear", "--json"]).is_ok());
        assert_eq!(cli.run_dir, PathBuf::from("/tmp/x"));
        let cli = Cli::try_parse_from(["kactl", "garp", "VI_1"]).unwrap();
        assert_eq!(
            cli.command,
            Command::Garp {
                instance: "VI_1".into()
            }
        );
        assert!(Cli::try_parse_from(["kactl", "garp"]).is_err());
        assert!(Cli::try_parse_from(["kactl"]).is_err());
    }
}
