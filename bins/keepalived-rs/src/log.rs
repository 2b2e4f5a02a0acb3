//! Where the daemons' log lines go. Each daemon writes plain lines to its
//! standard error; the supervisor reads them and sends each to syslog (as
//! keepalived does, with keepalived's identities `Keepalived_vrrp`,
//! `Keepalived_healthcheckers`, `Keepalived_bfd` and the child's pid), to
//! its own standard error with `-l`, and to the `-g` file, so a daemon never
//! needs to know where its lines end up.
//!
//! The `-g` file is opened once and shared by every daemon's sink;
//! [`LogTargets::reopen`] (on SIGHUP) swaps in a freshly opened file at the
//! same path, so after logrotate moves the file away the next line lands in
//! a new one. It is opened in append mode, so `copytruncate` is safe too.
//!
//! Lines that start with `(` are instance events (keepalived logs those at
//! INFO); other lines are the daemon speaking about itself (a missing
//! interface, a refused script), logged at WARNING so that a filter on
//! severity keeps them. A line longer than [`MAX_LINE`] is cut there.
//! Nothing here blocks the supervisor for long: syslog is a datagram
//! socket, and a syslog that is gone is reported once and then skipped.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use syslog::{Formatter3164, Logger, LoggerBackend};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use crate::cli::{Cli, Facility};

/// What a daemon prints on its standard output once it catches SIGTERM and
/// SIGINT (so that a stop request is a clean stop, not a kill), in
/// sd_notify's words.
pub(crate) const READY: &str = "READY=1";

/// The longest line passed on, in bytes.
pub(crate) const MAX_LINE: usize = 4096;

/// Where lines go, as the command line says.
#[derive(Debug, Clone)]
pub(crate) struct LogTargets {
    /// `-l`: the supervisor's standard error.
    pub(crate) console: bool,
    /// Unless `-G`: syslog, at this socket (None: the system's).
    pub(crate) syslog: Option<Option<PathBuf>>,
    /// `-S`.
    pub(crate) facility: Facility,
    /// `-g FILE`, shared by every daemon's sink.
    pub(crate) file: Option<LogFile>,
}

impl LogTargets {
    pub(crate) fn of(cli: &Cli) -> Self {
        LogTargets {
            console: cli.log_console,
            syslog: (!cli.no_syslog).then(|| cli.syslog_socket.clone()),
            facility: cli.log_facility.unwrap_or(Facility::Daemon),
            file: cli.log_file.as_deref().map(LogFile::open),
        }
    }

    /// Opens the `-g` file again at its path (logrotate moved it away), so
    /// that the daemons' lines go to the new file from now on. Without
    /// `-g`, nothing happens.
    ///
    /// # Errors
    /// When the file cannot be opened; lines keep going to the old file.
    pub(crate) fn reopen(&self) -> io::Result<()> {
        self.file.as_ref().map_or(Ok(()), LogFile::reopen)
    }
}

/// The `-g` file: one open file behind a lock, shared by every daemon's
/// sink, so that a reopen redirects all of them at once.
#[derive(Debug, Clone)]
pub(crate) struct LogFile {
    path: PathBuf,
    /// None while the file cannot be opened (reported once per attempt).
    file: Arc<Mutex<Option<File>>>,
}

impl LogFile {
    /// Opens `path` for appending; a failure is reported on standard error
    /// and the file is tried again at the next reopen.
    pub(crate) fn open(path: &Path) -> Self {
        let file = open_append(path)
            .map_err(|err| eprintln!("keepalived-rs: log file {}: {err}", path.display()))
            .ok();
        LogFile {
            path: path.to_owned(),
            file: Arc::new(Mutex::new(file)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<File>> {
        // A writer that panicked mid-line leaves at worst a cut line.
        self.file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn reopen(&self) -> io::Result<()> {
        let fresh = open_append(&self.path).map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("reopening log file {}: {err}", self.path.display()),
            )
        })?;
        *self.lock() = Some(fresh);
        Ok(())
    }

    fn write_line(&self, ident: &str, line: &str) {
        if let Some(file) = self.lock().as_mut() {
            let stamp = timestamp();
            let _ = writeln!(file, "{stamp} {ident}: {line}");
        }
    }
}

/// The sink of one daemon's lines.
pub(crate) struct DaemonLog {
    ident: &'static str,
    console: bool,
    syslog: Option<Logger<LoggerBackend, Formatter3164>>,
    file: Option<LogFile>,
}

impl DaemonLog {
    /// Opens the targets for a daemon with this syslog identity and pid.
    pub(crate) fn open(targets: &LogTargets, ident: &'static str, pid: u32) -> Self {
        let syslog = targets.syslog.as_ref().and_then(|socket| {
            let formatter = Formatter3164 {
                facility: facility(targets.facility),
                hostname: None,
                process: ident.to_owned(),
                pid,
            };
            let logger = match socket {
                Some(path) => syslog::unix_custom(formatter, path),
                None => syslog::unix(formatter),
            };
            logger
                .map_err(|err| {
                    eprintln!(
                        "keepalived-rs: no syslog for {ident} ({err}); logging elsewhere only"
                    )
                })
                .ok()
        });
        DaemonLog {
            ident,
            console: targets.console,
            syslog,
            file: targets.file.clone(),
        }
    }

    /// Passes one line on.
    pub(crate) fn line(&mut self, line: &str) {
        let line = cut(line);
        if self.console {
            eprintln!("{line}");
        }
        if let Some(file) = &self.file {
            file.write_line(self.ident, line);
        }
        if let Some(logger) = &mut self.syslog {
            let sent = if is_instance_event(line) {
                logger.info(line)
            } else {
                logger.warning(line)
            };
            if let Err(err) = sent {
                eprintln!(
                    "keepalived-rs: syslog stopped taking {}'s lines ({err}); no longer sending them",
                    self.ident
                );
                self.syslog = None;
            }
        }
    }

    /// Reads `stream` line by line until it ends, passing each on.
    pub(crate) async fn follow(self, stream: impl AsyncRead + Unpin) {
        self.follow_with_ready(stream, None).await;
    }

    /// [`follow`](Self::follow) for a daemon's standard output, where the
    /// line [`READY`] is not logged but reported on `ready`: the daemon
    /// catches stop signals from then on.
    pub(crate) async fn follow_with_ready(
        mut self,
        stream: impl AsyncRead + Unpin,
        ready: Option<tokio::sync::watch::Sender<bool>>,
    ) {
        let mut reader = BufReader::new(stream);
        let mut buffer = Vec::new();
        loop {
            buffer.clear();
            match reader.read_until(b'\n', &mut buffer).await {
                Ok(0) => return,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&buffer);
                    let line = text.trim_end_matches(['\n', '\r']);
                    match &ready {
                        Some(ready) if line == READY => {
                            let _ = ready.send(true);
                        }
                        _ => self.line(line),
                    }
                }
                Err(err) => {
                    self.line(&format!(
                        "keepalived-rs: reading the log of {}: {err}",
                        self.ident
                    ));
                    return;
                }
            }
        }
    }
}

fn is_instance_event(line: &str) -> bool {
    line.starts_with('(') || line.starts_with("VRRP_Group(")
}

/// `line` cut to [`MAX_LINE`] bytes at a character boundary.
fn cut(line: &str) -> &str {
    if line.len() <= MAX_LINE {
        return line;
    }
    let mut end = MAX_LINE;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// The time in UTC (RFC 3339, microseconds): unambiguous and sortable, and
/// free of the local time zone, which a daemon cannot read safely once it
/// has threads.
fn timestamp() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

fn facility(facility: Facility) -> syslog::Facility {
    match facility {
        Facility::Daemon => syslog::Facility::LOG_DAEMON,
        Facility::User => syslog::Facility::LOG_USER,
        Facility::Local(0) => syslog::Facility::LOG_LOCAL0,
        Facility::Local(1) => syslog::Facility::LOG_LOCAL1,
        Facility::Local(2) => syslog::Facility::LOG_LOCAL2,
        Facility::Local(3) => syslog::Facility::LOG_LOCAL3,
        Facility::Local(4) => syslog::Facility::LOG_LOCAL4,
        Facility::Local(5) => syslog::Facility::LOG_LOCAL5,
        Facility::Local(6) => syslog::Facility::LOG_LOCAL6,
        Facility::Local(_) => syslog::Facility::LOG_LOCAL7,
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixDatagram;
    use std::time::Duration;

    use super::*;

    fn targets(socket: &Path, file: Option<PathBuf>) -> LogTargets {
        LogTargets {
            console: false,
            syslog: Some(Some(socket.to_owned())),
            facility: Facility::Local(3),
            file: file.as_deref().map(LogFile::open),
        }
    }

    fn receive(server: &UnixDatagram) -> String {
        let mut buffer = [0u8; 8192];
        let n = server.recv(&mut buffer).unwrap();
        String::from_utf8_lossy(&buffer[..n]).into_owned()
    }

    #[test]
    fn lines_reach_syslog_with_keepalived_s_identity_and_a_severity() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("log");
        let server = UnixDatagram::bind(&socket).unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let file = dir.path().join("keepalived.log");
        let mut log = DaemonLog::open(
            &targets(&socket, Some(file.clone())),
            "Keepalived_vrrp",
            4242,
        );
        log.line("(VI_1) Entering MASTER STATE");
        log.line("vrrpd: interface eth9 does not exist");
        log.line(&"é".repeat(MAX_LINE));
        // local3 = 19; info = 6, warning = 4: PRI = 19 * 8 + severity.
        let event = receive(&server);
        assert!(event.starts_with("<158>"), "{event}");
        assert!(
            event.ends_with("Keepalived_vrrp[4242]: (VI_1) Entering MASTER STATE"),
            "{event}"
        );
        let problem = receive(&server);
        assert!(problem.starts_with("<156>"), "{problem}");
        let long = receive(&server);
        assert!(
            long.len() < MAX_LINE + 100,
            "cut to MAX_LINE: {}",
            long.len()
        );
        let written = std::fs::read_to_string(&file).unwrap();
        assert!(written.contains("Keepalived_vrrp: (VI_1) Entering MASTER STATE"));
    }

    #[test]
    fn a_missing_syslog_is_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = DaemonLog::open(
            &targets(&dir.path().join("nothing-here"), None),
            "Keepalived_vrrp",
            1,
        );
        assert!(log.syslog.is_none());
        log.line("(VI_1) Entering BACKUP STATE");
    }

    #[test]
    fn follow_splits_lines_and_survives_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.log");
        let targets = LogTargets {
            console: false,
            syslog: None,
            facility: Facility::Daemon,
            file: Some(LogFile::open(&file)),
        };
        let log = DaemonLog::open(&targets, "Keepalived_vrrp", 1);
        let input: &[u8] = b"(VI_1) one\n\xff\xfe not utf-8\r\nlast without newline";
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(log.follow(input));
        let written = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 3, "{written}");
        assert!(lines[0].ends_with("Keepalived_vrrp: (VI_1) one"));
        assert!(lines[1].ends_with("\u{fffd}\u{fffd} not utf-8"));
        assert!(lines[2].ends_with("last without newline"));
    }

    #[test]
    fn reopen_moves_every_sink_to_a_new_file_after_a_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keepalived.log");
        let rotated = dir.path().join("keepalived.log.1");
        let targets = LogTargets {
            console: false,
            syslog: None,
            facility: Facility::Daemon,
            file: Some(LogFile::open(&path)),
        };
        let mut vrrp = DaemonLog::open(&targets, "Keepalived_vrrp", 1);
        let mut own = DaemonLog::open(&targets, "Keepalived", 2);
        vrrp.line("before");
        std::fs::rename(&path, &rotated).unwrap();
        // Until the reopen, lines follow the moved file (as logrotate expects).
        own.line("moved");
        targets.reopen().unwrap();
        vrrp.line("after vrrp");
        own.line("after own");
        let old = std::fs::read_to_string(&rotated).unwrap();
        let new = std::fs::read_to_string(&path).unwrap();
        assert!(old.contains("Keepalived_vrrp: before") && old.contains("Keepalived: moved"));
        assert!(!old.contains("after"), "{old}");
        assert_eq!(new.lines().count(), 2, "{new}");
        assert!(
            new.contains("Keepalived_vrrp: after vrrp") && new.contains("Keepalived: after own")
        );
    }

    #[test]
    fn a_failed_reopen_keeps_the_old_file_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("logs");
        std::fs::create_dir(&sub).unwrap();
        let path = sub.join("keepalived.log");
        let targets = LogTargets {
            console: false,
            syslog: None,
            facility: Facility::Daemon,
            file: Some(LogFile::open(&path)),
        };
        let mut log = DaemonLog::open(&targets, "Keepalived", 1);
        let moved = dir.path().join("moved.log");
        std::fs::rename(&path, &moved).unwrap();
        std::fs::remove_dir(&sub).unwrap();
        let err = targets.reopen().unwrap_err();
        assert!(err.to_string().contains("keepalived.log"), "{err}");
        log.line("still here");
        assert!(
            std::fs::read_to_string(&moved)
                .unwrap()
                .contains("still here")
        );
        // Without -g there is nothing to reopen.
        let none = LogTargets {
            file: None,
            ..targets
        };
        none.reopen().unwrap();
    }
}
