//! keepalived's reload keywords, as the supervisor applies them:
//! `reload_check_config [LOG_FILE]` (the new configuration's diagnostics
//! written to a file: keepalied-rs always checks before it reloads),
//! `reload_file [PATH]` (exists while the configuration is read), and
//! `reload_time_file PATH` + `reload_repeat` (a reload scheduled at a time
//! written in a file).
//!
//! The schedule is pure: [`parse_time`] reads the file's line and
//! [`next_reload`] says when, given the current time; the supervisor polls
//! the file once a second (keepalived watches it with inotify; a second is
//! well inside the resolution of a time written to the second).

use std::path::{Path, PathBuf};

use kconf_parser::model::Config;
use kconf_parser::model::global::ReloadFile;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The reload keywords of the running configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ReloadSettings {
    /// `reload_check_config`: `Some(None)` without a log file.
    pub(crate) check_log: Option<Option<PathBuf>>,
    /// `reload_file`, resolved.
    pub(crate) reload_file: Option<PathBuf>,
    /// `reload_time_file`.
    pub(crate) time_file: Option<PathBuf>,
    /// `reload_repeat`.
    pub(crate) repeat: bool,
}

impl ReloadSettings {
    /// Those of `config`; `run_dir` is where a `reload_file` without a path
    /// goes (keepalived: the pid directory).
    pub(crate) fn of(config: &Config, run_dir: &Path) -> Self {
        let files = &config.global.config;
        ReloadSettings {
            check_log: files
                .reload_check_config
                .as_ref()
                .map(|log| (!log.is_empty()).then(|| PathBuf::from(log))),
            reload_file: files.reload_file.as_ref().map(|f| match f {
                ReloadFile::Default => run_dir.join("keepalived.reload"),
                ReloadFile::Path(path) => PathBuf::from(path),
            }),
            time_file: files.reload_time_file.as_ref().map(PathBuf::from),
            repeat: files.reload_repeat,
        }
    }
}

/// A time read from a reload time file: with a date or, without one, the
/// next time of day it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReloadAt {
    /// `YYYY-MM-DD HH:MM:SS` or `YY-MM-DD HH:MM:SS`.
    Moment(OffsetDateTime),
    /// `HH:MM:SS`: today or tomorrow at that time, in this offset.
    Daily(Time, UtcOffset),
}

/// Reads the first line of a reload time file in one of keepalived's
/// exact formats (`HH:MM:SS`, `YY-MM-DD HH:MM:SS`, `YYYY-MM-DD HH:MM:SS`,
/// each with an optional `Z` for UTC; no other whitespace).
///
/// # Errors
/// What is wrong with the line.
pub(crate) fn parse_time(line: &str, local: UtcOffset) -> Result<ReloadAt, String> {
    let (text, offset) = match line.strip_suffix('Z') {
        Some(text) => (text, UtcOffset::UTC),
        None => (line, local),
    };
    let bad = || {
        format!("reload time {line:?} is not HH:MM:SS, YY-MM-DD HH:MM:SS or YYYY-MM-DD HH:MM:SS")
    };
    let number = |s: &str| -> Result<u32, String> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let clock = |s: &str| -> Result<Time, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let [h, m, sec] = parts.as_slice() else {
            return Err(bad());
        };
        if h.len() != 2 || m.len() != 2 || sec.len() != 2 {
            return Err(bad());
        }
        Time::from_hms(number(h)? as u8, number(m)? as u8, number(sec)? as u8).map_err(|_| bad())
    };
    match text.split_once(' ') {
        None => Ok(ReloadAt::Daily(clock(text)?, offset)),
        Some((date, time)) => {
            let parts: Vec<&str> = date.split('-').collect();
            let [y, m, d] = parts.as_slice() else {
                return Err(bad());
            };
            let year = match y.len() {
                4 => number(y)? as i32,
                2 => 2000 + number(y)? as i32,
                _ => return Err(bad()),
            };
            if m.len() != 2 || d.len() != 2 {
                return Err(bad());
            }
            let month = time::Month::try_from(number(m)? as u8).map_err(|_| bad())?;
            let date =
                Date::from_calendar_date(year, month, number(d)? as u8).map_err(|_| bad())?;
            Ok(ReloadAt::Moment(
                PrimitiveDateTime::new(date, clock(time)?).assume_offset(offset),
            ))
        }
    }
}

/// When the reload is due, if it is still ahead of `now`: a moment in the
/// past is ignored (the reload was done); a time of day is today's if
/// still ahead, else tomorrow's.
pub(crate) fn next_reload(at: ReloadAt, now: OffsetDateTime) -> Option<OffsetDateTime> {
    match at {
        ReloadAt::Moment(moment) => (moment > now).then_some(moment),
        ReloadAt::Daily(time, offset) => {
            let local = now.to_offset(offset);
            let today = local.replace_time(time);
            if today > now {
                Some(today)
            } else {
                Some(today + time::Duration::days(1))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const CET: UtcOffset = match UtcOffset::from_hms(1, 0, 0) {
        Ok(offset) => offset,
        Err(_) => UtcOffset::UTC,
    };

    #[test]
    fn keepalived_formats_are_read_exactly() {
        assert_eq!(
            parse_time("2026-12-01 20:30:00Z", CET).unwrap(),
            ReloadAt::Moment(datetime!(2026-12-01 20:30:00 UTC))
        );
        assert_eq!(
            parse_time("26-12-01 20:30:00", CET).unwrap(),
            ReloadAt::Moment(datetime!(2026-12-01 20:30:00 +1))
        );
        assert!(matches!(
            parse_time("04:05:06", CET).unwrap(),
            ReloadAt::Daily(t, o) if t == Time::from_hms(4, 5, 6).unwrap() && o == CET
        ));
        for bad in [
            "",
            " 04:05:06",
            "04:05:06 ",
            "4:05:06",
            "04:05",
            "24:00:00",
            "2026-13-01 00:00:00",
            "2026-02-30 00:00:00",
            "2026-12-01  20:30:00",
            "2026/12/01 20:30:00",
            "04:05:06ZZ",
            "+4:05:06",
        ] {
            assert!(parse_time(bad, CET).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_past_moment_is_ignored_and_a_time_of_day_comes_round() {
        let now = datetime!(2026-12-01 20:00:00 UTC);
        let at = parse_time("2026-12-01 19:59:59Z", CET).unwrap();
        assert_eq!(next_reload(at, now), None);
        let at = parse_time("2026-12-01 20:00:01Z", CET).unwrap();
        assert_eq!(
            next_reload(at, now),
            Some(datetime!(2026-12-01 20:00:01 UTC))
        );
        // 21:30 CET is 20:30 UTC: later today.
        let at = parse_time("21:30:00", CET).unwrap();
        assert_eq!(
            next_reload(at, now),
            Some(datetime!(2026-12-01 20:30:00 UTC))
        );
        // 20:00:00 UTC is now: tomorrow.
        let at = parse_time("20:00:00Z", CET).unwrap();
        assert_eq!(
            next_reload(at, now),
            Some(datetime!(2026-12-02 20:00:00 UTC))
        );
    }
}
