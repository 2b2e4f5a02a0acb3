//! `vrrpd`, the VRRP daemon of keepalived-rs.
//!
//! Runs the VRRP instances of keepalived.conf: adverts, elections, virtual addresses, gratuitous ARPs, trackers and notify hooks. It is started by keepalived-rs and reports instance state over the control socket.
//!
//! Today it parses its command line and answers `--help` and `--version`;
//! the daemon itself arrives with the vrrpd issue.
#![forbid(unsafe_code)]

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

fn main() -> ExitCode {
    let cli = Cli::parse();
    eprintln!(
        "vrrpd: the daemon is not built yet (config {}, run dir {}); only --help and --version work",
        cli.config.display(),
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
            Cli::try_parse_from(["vrrpd", "-f", "/k.conf", "--run-dir", "/tmp/r", "-l"]).unwrap();
        assert_eq!(cli.config, PathBuf::from("/k.conf"));
        assert_eq!(cli.run_dir, PathBuf::from("/tmp/r"));
        assert!(cli.log_console && !cli.log_detail && cli.config_id.is_none());
        assert!(Cli::try_parse_from(["vrrpd", "--bogus"]).is_err());
    }
}
