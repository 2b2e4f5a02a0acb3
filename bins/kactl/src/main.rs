//! `kactl`, the control client of keepalived-rs.
//!
//! It talks to the supervisor over the Unix control socket in `--run-dir`:
//! status tables (and a stable JSON schema), reload, statistics and on-demand
//! gratuitous ARPs. Today it parses its command line; the control protocol
//! arrives with the operations issue.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    },
    /// Send gratuitous ARPs / unsolicited neighbour advertisements now.
    Garp {
        /// The vrrp_instance whose virtual addresses to announce.
        instance: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    eprintln!(
        "kactl: the control protocol is not built yet; cannot send {:?} to {}",
        cli.command,
        cli.run_dir.display()
    );
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn command_line() {
        Cli::command().debug_assert();
        let cli =
            Cli::try_parse_from(["kactl", "status", "--json", "--run-dir", "/tmp/x"]).unwrap();
        assert_eq!(cli.command, Command::Status { json: true });
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
