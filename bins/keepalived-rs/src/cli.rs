//! keepalived's command line, flag for flag, plus keepalived-rs's own additions.
//!
//! The short and long names follow `keepalived --help` of keepalived 2.2.7 so
//! that an existing unit file or wrapper script works unchanged.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// Default configuration file, as keepalived.
pub(crate) const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";
/// Default directory for pid files and Unix sockets.
pub(crate) const DEFAULT_RUN_DIR: &str = "/run/keepalived-rs";

/// keepalived-rs: VRRP high availability, IPVS load balancing with health checks and BFD.
#[derive(Debug, Parser)]
#[command(name = "keepalived-rs", version, disable_version_flag = true)]
pub(crate) struct Cli {
    /// Use the specified configuration file.
    #[arg(short = 'f', long = "use-file", value_name = "FILE", default_value = DEFAULT_CONFIG)]
    pub(crate) config: PathBuf,

    /// Only run with the VRRP subsystem.
    #[arg(short = 'P', long = "vrrp")]
    pub(crate) vrrp_only: bool,

    /// Only run with the health-checker subsystem.
    #[arg(short = 'C', long = "check")]
    pub(crate) check_only: bool,

    /// Don't run the BFD subsystem.
    #[arg(short = 'B', long = "no_bfd")]
    pub(crate) no_bfd: bool,

    /// Force all child processes to run, even if they have no configuration.
    #[arg(long = "all")]
    pub(crate) all: bool,

    /// Log messages to the local console (stderr).
    #[arg(short = 'l', long = "log-console")]
    pub(crate) log_console: bool,

    /// Detailed log messages.
    #[arg(short = 'D', long = "log-detail")]
    pub(crate) log_detail: bool,

    /// Syslog facility: 0-7, local0-local7, user or daemon (default).
    #[arg(short = 'S', long = "log-facility", value_name = "FACILITY", value_parser = parse_facility)]
    pub(crate) log_facility: Option<Facility>,

    /// Don't log via syslog.
    #[arg(short = 'G', long = "no-syslog")]
    pub(crate) no_syslog: bool,

    /// Send syslog messages to this Unix datagram socket instead of the
    /// system's (/dev/log): for tests and containers.
    #[arg(long = "syslog-socket", value_name = "PATH", hide = true)]
    pub(crate) syslog_socket: Option<PathBuf>,

    /// Also log to FILE (reopened on SIGHUP, so logrotate can move it).
    #[arg(short = 'g', long = "log-file", value_name = "FILE")]
    pub(crate) log_file: Option<PathBuf>,

    /// umask for file creation, in numeric (octal) form.
    #[arg(short = 'u', long = "umask", value_name = "MASK", value_parser = parse_umask)]
    pub(crate) umask: Option<u32>,

    /// Drop VIPs on a transition caused by a signal.
    #[arg(short = 'X', long = "release-vips")]
    pub(crate) release_vips: bool,

    /// Don't remove VRRP VIPs and routes when the daemon stops.
    #[arg(short = 'V', long = "dont-release-vrrp")]
    pub(crate) dont_release_vrrp: bool,

    /// Don't remove the IPVS topology when the daemon stops.
    #[arg(short = 'I', long = "dont-release-ipvs")]
    pub(crate) dont_release_ipvs: bool,

    /// Don't respawn child processes that exit.
    #[arg(short = 'R', long = "dont-respawn")]
    pub(crate) dont_respawn: bool,

    /// Don't fork the daemon process (stay in the foreground).
    #[arg(short = 'n', long = "dont-fork")]
    pub(crate) dont_fork: bool,

    /// Dump the configuration data.
    #[arg(short = 'd', long = "dump-conf")]
    pub(crate) dump_conf: bool,

    /// Pid file of the supervisor.
    #[arg(short = 'p', long = "pid", value_name = "FILE")]
    pub(crate) pid_file: Option<PathBuf>,

    /// Pid file of the VRRP child process.
    #[arg(short = 'r', long = "vrrp_pid", value_name = "FILE")]
    pub(crate) vrrp_pid_file: Option<PathBuf>,

    /// Pid file of the checkers child process.
    #[arg(short = 'c', long = "checkers_pid", value_name = "FILE")]
    pub(crate) checkers_pid_file: Option<PathBuf>,

    /// Pid file of the BFD child process.
    #[arg(short = 'b', long = "bfd_pid", value_name = "FILE")]
    pub(crate) bfd_pid_file: Option<PathBuf>,

    /// Report all address additions/deletions notified via netlink.
    #[arg(short = 'a', long = "address-monitoring")]
    pub(crate) address_monitoring: bool,

    /// Run in network namespace NAME (overrides the configuration).
    #[arg(short = 's', long = "namespace", value_name = "NAME")]
    pub(crate) namespace: Option<String>,

    /// Produce a core dump if terminated abnormally.
    #[arg(short = 'm', long = "core-dump")]
    pub(crate) core_dump: bool,

    /// Also set /proc/sys/kernel/core_pattern to PATTERN.
    #[arg(short = 'M', long = "core-dump-pattern", value_name = "PATTERN", num_args = 0..=1,
          require_equals = true, default_missing_value = "core")]
    pub(crate) core_dump_pattern: Option<String>,

    /// Error if any configuration file is missing (same as `includet`).
    #[arg(short = 'e', long = "all-config")]
    pub(crate) all_config: bool,

    /// Skip configuration lines beginning '@' that don't match ID, and lines
    /// beginning '@^' that do. Defaults to the node name.
    #[arg(short = 'i', long = "config-id", value_name = "ID")]
    pub(crate) config_id: Option<String>,

    /// Print the signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR or JSON.
    #[arg(long = "signum", value_name = "SIGFUNC")]
    pub(crate) signum: Option<String>,

    /// Check the configuration for errors and exit; diagnostics go to stderr
    /// (`-`, the default), or to LOG_FILE when given.
    #[arg(short = 't', long = "config-test", value_name = "LOG_FILE", num_args = 0..=1,
          require_equals = true, default_missing_value = "-")]
    pub(crate) config_test: Option<PathBuf>,

    /// With -t: treat unknown keywords as errors instead of warnings.
    #[arg(long = "strict")]
    pub(crate) strict: bool,

    /// Directory for pid files and control sockets, so that several instances
    /// can run side by side (for example one per network namespace).
    #[arg(long = "run-dir", value_name = "DIR", default_value = DEFAULT_RUN_DIR)]
    pub(crate) run_dir: PathBuf,

    /// Serve Prometheus metrics on ADDR:PORT at /metrics (off by default;
    /// keepalived has no such flag). Example: 127.0.0.1:9165, [::1]:9165.
    #[arg(long = "metrics", value_name = "ADDR:PORT", value_parser = parse_metrics_addr)]
    pub(crate) metrics: Option<SocketAddr>,

    /// Layout of keepalived.json on the JSON signal: 1 (keepalived 2.2.7's,
    /// the default) or 2 (later keepalived's `json_version 2`, a keyword
    /// 2.2.7's config test rejects).
    #[arg(long = "json-version", value_name = "N",
          value_parser = clap::value_parser!(u8).range(1..=2))]
    pub(crate) json_version: Option<u8>,

    /// Display the version number.
    #[arg(short = 'v', long = "version", action = clap::ArgAction::Version)]
    version: (),
}

/// A syslog facility as keepalived's `-S` accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Facility {
    /// `LOG_DAEMON`, keepalived's default.
    Daemon,
    /// `LOG_USER`.
    User,
    /// `LOG_LOCAL0` .. `LOG_LOCAL7`.
    Local(u8),
}

fn parse_facility(text: &str) -> Result<Facility, String> {
    let local = |digit: &str| match digit.parse::<u8>() {
        Ok(n) if n <= 7 => Ok(Facility::Local(n)),
        _ => Err(format!(
            "invalid log facility '{text}': expected 0-7, local0-local7, user or daemon"
        )),
    };
    match text {
        "daemon" => Ok(Facility::Daemon),
        "user" => Ok(Facility::User),
        _ => local(text.strip_prefix("local").unwrap_or(text)),
    }
}

fn parse_umask(text: &str) -> Result<u32, String> {
    let digits = text.strip_prefix("0o").unwrap_or(text);
    match u32::from_str_radix(digits, 8) {
        Ok(mask) if mask <= 0o777 => Ok(mask),
        _ => Err(format!(
            "invalid umask '{text}': expected an octal number up to 0777"
        )),
    }
}

fn parse_metrics_addr(text: &str) -> Result<SocketAddr, String> {
    let expected = "expected a numeric ADDR:PORT such as 127.0.0.1:9165 or [::1]:9165";
    match text.parse::<SocketAddr>() {
        Ok(addr) if addr.port() == 0 => Err(format!(
            "invalid metrics address '{text}': port 0 would pick a random port; {expected}"
        )),
        Ok(addr) => Ok(addr),
        Err(_) => Err(format!("invalid metrics address '{text}': {expected}")),
    }
}

/// The signal keepalived associates with a control function, as `--signum` prints it.
pub(crate) fn signal_number(function: &str) -> Option<i32> {
    match function {
        "STOP" => Some(libc::SIGTERM),
        "RELOAD" => Some(libc::SIGHUP),
        "DATA" => Some(libc::SIGUSR1),
        "STATS" => Some(libc::SIGUSR2),
        // keepalived puts its extra functions on real-time signals: JSON on
        // SIGRTMIN+2, STATS_CLEAR on SIGRTMAX-1 (36 and 63 with glibc).
        "STATS_CLEAR" => Some(libc::SIGRTMAX() - 1),
        "JSON" => Some(libc::SIGRTMIN() + 2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("keepalived-rs").chain(args.iter().copied()))
    }

    #[test]
    fn man_page_is_up_to_date() {
        let prose = include_str!("../../../docs/man/prose/keepalived-rs.8.roff");
        let page = crate::man_page::render(Cli::command(), prose);
        crate::man_page::check("keepalived-rs", &page);
    }

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_match_keepalived() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.config, PathBuf::from(DEFAULT_CONFIG));
        assert_eq!(cli.run_dir, PathBuf::from(DEFAULT_RUN_DIR));
        assert!(cli.config_test.is_none());
        assert!(!cli.dont_fork);
    }

    #[test]
    fn a_typical_unit_file_line_parses() {
        let cli = parse(&[
            "--dont-fork",
            "--log-console",
            "-D",
            "-S",
            "local3",
            "-f",
            "/tmp/k.conf",
            "-p",
            "/tmp/k.pid",
            "-r",
            "/tmp/v.pid",
            "-c",
            "/tmp/c.pid",
            "-b",
            "/tmp/b.pid",
            "-i",
            "lb1",
            "-R",
            "-X",
        ])
        .unwrap();
        assert!(cli.dont_fork && cli.log_console && cli.log_detail);
        assert!(cli.dont_respawn && cli.release_vips);
        assert_eq!(cli.log_facility, Some(Facility::Local(3)));
        assert_eq!(cli.config, PathBuf::from("/tmp/k.conf"));
        assert_eq!(cli.vrrp_pid_file, Some(PathBuf::from("/tmp/v.pid")));
        assert_eq!(cli.bfd_pid_file, Some(PathBuf::from("/tmp/b.pid")));
        assert_eq!(cli.config_id.as_deref(), Some("lb1"));
    }

    #[test]
    fn config_test_takes_an_optional_log_file() {
        assert_eq!(
            parse(&["-t"]).unwrap().config_test,
            Some(PathBuf::from("-"))
        );
        assert_eq!(
            parse(&["--config-test=/tmp/t.log"]).unwrap().config_test,
            Some(PathBuf::from("/tmp/t.log"))
        );
        // Without `=`, the next word is not swallowed as the log file.
        let cli = parse(&["-t", "-f", "/x.conf"]).unwrap();
        assert_eq!(cli.config_test, Some(PathBuf::from("-")));
        assert_eq!(cli.config, PathBuf::from("/x.conf"));
    }

    #[test]
    fn facilities() {
        assert_eq!(parse_facility("daemon"), Ok(Facility::Daemon));
        assert_eq!(parse_facility("user"), Ok(Facility::User));
        assert_eq!(parse_facility("5"), Ok(Facility::Local(5)));
        assert_eq!(parse_facility("local7"), Ok(Facility::Local(7)));
        assert!(parse_facility("local8").is_err());
        assert!(parse_facility("8").is_err());
        assert!(parse_facility("kern").is_err());
        assert!(parse(&["-S", "local9"]).is_err());
    }

    #[test]
    fn umask_is_octal() {
        assert_eq!(parse_umask("022"), Ok(0o22));
        assert_eq!(parse_umask("0o077"), Ok(0o77));
        assert!(parse_umask("9").is_err());
        assert!(parse_umask("01000").is_err());
    }

    #[test]
    fn signal_numbers_match_keepalived_2_2_7() {
        // Figures printed by `keepalived --signum=NAME` on Debian 12 (glibc).
        assert_eq!(signal_number("STOP"), Some(15));
        assert_eq!(signal_number("RELOAD"), Some(1));
        assert_eq!(signal_number("DATA"), Some(10));
        assert_eq!(signal_number("STATS"), Some(12));
        assert_eq!(signal_number("STATS_CLEAR"), Some(63));
        assert_eq!(signal_number("JSON"), Some(36));
        assert_eq!(signal_number("TDATA"), None);
    }

    #[test]
    fn metrics_is_off_by_default_and_takes_a_numeric_address() {
        assert_eq!(parse(&[]).unwrap().metrics, None);
        assert_eq!(
            parse(&["--metrics", "127.0.0.1:9165"]).unwrap().metrics,
            Some("127.0.0.1:9165".parse().unwrap())
        );
        assert_eq!(
            parse(&["--metrics=[::1]:9165"]).unwrap().metrics,
            Some("[::1]:9165".parse().unwrap())
        );
        for bad in [
            "9165",
            "localhost:9165",
            "127.0.0.1",
            "127.0.0.1:99999",
            "::1:9165",
        ] {
            let err = parse_metrics_addr(bad).unwrap_err();
            assert!(err.contains(bad) && err.contains("ADDR:PORT"), "{err}");
        }
        assert!(
            parse_metrics_addr("0.0.0.0:0")
                .unwrap_err()
                .contains("port 0")
        );
        let err = parse(&["--metrics", "nonsense"]).unwrap_err().to_string();
        assert!(err.contains("invalid metrics address 'nonsense'"), "{err}");
    }

    #[test]
    fn unknown_flags_are_rejected() {
        assert!(parse(&["--no-such-flag"]).is_err());
        assert!(parse(&["-Z"]).is_err());
    }
}
