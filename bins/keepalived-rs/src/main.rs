//! `keepalived-rs`, the supervisor a user runs in place of `keepalived`.
//!
//! It takes keepalived's command line, reads `keepalived.conf`, starts the
//! daemons that the configuration needs (`vrrpd`, `checkerd`, `bfdd`) as child
//! processes, restarts a child that dies and stops them all on SIGTERM.
//!
//! Today it parses its command line, answers `--help`, `--version` and
//! `--signum`; the config test and the daemons arrive with their issues.
#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();

    if let Some(function) = &cli.signum {
        return match cli::signal_number(function) {
            Some(number) => {
                println!("{number}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("Unknown sigfunc {function}");
                ExitCode::FAILURE
            }
        };
    }

    if cli.config_test.is_some() {
        eprintln!(
            "keepalived-rs: the configuration test needs kconf-parser, which is not built yet"
        );
        return ExitCode::from(2);
    }

    eprintln!(
        "keepalived-rs: running the daemons is not built yet; \
         only --help, --version and --signum work"
    );
    ExitCode::from(2)
}
