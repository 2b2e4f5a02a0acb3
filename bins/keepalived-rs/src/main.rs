//! `keepalived-rs`, the supervisor a user runs in place of `keepalived`.
//!
//! It takes keepalived's command line, reads `keepalived.conf`, starts the
//! daemons that the configuration needs (`vrrpd`, `checkerd`, `bfdd`) as child
//! processes, restarts a child that dies and stops them all on SIGTERM.
//!
//! Today it parses its command line, answers `--help`, `--version` and
//! `--signum`, checks a configuration (`-t`), prints the effective one
//! (`-d`), and runs vrrpd for the VRRP instances (checkerd and bfdd arrive
//! with their issues).
// Denied everywhere but forward.rs, which sends SIGJSON (a real-time
// signal neither nix nor rustix can name without `unsafe`).
#![deny(unsafe_code)]

mod cli;
mod config_test;
mod control;
mod forward;
mod log;
#[cfg(test)]
#[path = "../../shared/man_page.rs"]
mod man_page;
mod metrics;
mod reload_settings;
mod security;
mod service;
mod supervisor;

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

    if cli.config_test.is_some() || cli.dump_conf {
        let parsed = config_test::check(&cli.config, cli.config_id.as_deref(), cli.strict);
        let log_file = cli.config_test.clone().unwrap_or_else(|| "-".into());
        let status = config_test::report(&parsed, &log_file);
        if cli.dump_conf {
            print!("{}", config_test::dump(&parsed));
        }
        return ExitCode::from(status);
    }

    supervisor::run(&cli)
}
