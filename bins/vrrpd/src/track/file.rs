//! `track_file`: the number in a file, read as keepalived reads it (C
//! `strtol` with base 0 on the first 127 bytes, clamped to -254..=254; a
//! missing, unreadable or non-numeric file is 0), with `init_file` applied
//! at startup.
//!
//! The file is polled every [`POLL`] (a read of a few bytes) rather than
//! watched with inotify: that also follows a file replaced by rename or
//! created in a directory that did not exist at startup. It does not apply
//! weights: vrrp-proto does.

use std::io::Read;
use std::time::Duration;

use kconf_parser::model::track::TrackFile;
use tokio::sync::mpsc::UnboundedSender;
use vrrp_proto::TrackerStatus;

use super::{Event, TrackerId};

/// How often the file is read.
const POLL: Duration = Duration::from_millis(200);

/// keepalived reads at most this many bytes.
const READ_LIMIT: u64 = 127;

/// Applies `init_file` and reads the first value.
pub(crate) fn prepare(file: &TrackFile) -> i32 {
    if let Some(init) = file.init_file {
        let exists = std::path::Path::new(&file.file).exists();
        if !exists || init.overwrite {
            if let Err(err) = std::fs::write(&file.file, format!("{}\n", init.value)) {
                eprintln!(
                    "vrrpd: track_file {}: cannot initialise {}: {err}",
                    file.name, file.file
                );
            }
        }
    }
    read_value(&file.file)
}

/// Reads the file until the event loop goes away, reporting changes.
pub(crate) async fn watch(
    id: TrackerId,
    file: TrackFile,
    mut last: i32,
    events: UnboundedSender<Event>,
) {
    loop {
        tokio::time::sleep(POLL).await;
        let path = file.file.clone();
        // A file on a slow file system must not stall the event loop.
        let value: i32 = tokio::task::spawn_blocking(move || read_value(&path))
            .await
            .unwrap_or_default();
        if value != last {
            eprintln!(
                "Track file {} value changed from {last} to {value}",
                file.name
            );
            last = value;
            let status = TrackerStatus::Value(value);
            if events.send(Event { id, status }).is_err() {
                return;
            }
        } else if events.is_closed() {
            return;
        }
    }
}

/// The value in the file at `path`; 0 when it cannot be read.
pub(crate) fn read_value(path: &str) -> i32 {
    let mut text = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(READ_LIMIT).read_to_end(&mut text));
    if read.is_err() {
        return 0;
    }
    strtol(&String::from_utf8_lossy(&text)).clamp(-254, 254) as i32
}

/// C's `strtol(text, NULL, 0)`: leading white space, a sign, then `0x` for
/// hexadecimal, `0` for octal, else decimal; the longest valid prefix
/// counts, nothing valid is 0, and out of range saturates.
fn strtol(text: &str) -> i64 {
    let text = text.trim_start();
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = rest.to_ascii_lowercase();
    let (radix, digits) = match lower.strip_prefix("0x") {
        Some(hex) if hex.starts_with(|c: char| c.is_ascii_hexdigit()) => (16, hex),
        _ if lower.starts_with('0') => (8, &lower[..]),
        _ => (10, &lower[..]),
    };
    let mut value: i64 = 0;
    for c in digits.chars() {
        let Some(digit) = c.to_digit(radix) else {
            break;
        };
        value = value
            .saturating_mul(i64::from(radix))
            .saturating_add(i64::from(digit));
    }
    if negative {
        value.saturating_neg()
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtol_as_c() {
        for (text, value) in [
            ("42\n", 42),
            ("  -7 apples", -7),
            ("+3", 3),
            ("0x1f", 31),
            ("010", 8),
            ("09", 0),
            ("0x", 0),
            ("garbage", 0),
            ("", 0),
            ("99999999999999999999999", i64::MAX),
            ("-99999999999999999999999", -i64::MAX),
        ] {
            assert_eq!(strtol(text), value, "{text:?}");
        }
    }

    #[test]
    fn files_read_clamped_or_zero() {
        let dir = std::env::temp_dir().join(format!("vrrpd-track-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("value");
        let path_str = path.to_str().unwrap();
        assert_eq!(read_value(path_str), 0, "missing");
        std::fs::write(&path, "1000").unwrap();
        assert_eq!(read_value(path_str), 254);
        std::fs::write(&path, [0xff, 0xfe, b'1']).unwrap();
        assert_eq!(read_value(path_str), 0, "not text");
        std::fs::remove_file(&path).unwrap();

        let mut file = TrackFile {
            name: "f".into(),
            file: path_str.into(),
            ..Default::default()
        };
        file.init_file = Some(kconf_parser::model::track::TrackFileInit {
            value: 5,
            overwrite: false,
        });
        assert_eq!(prepare(&file), 5, "created");
        std::fs::write(&path, "7").unwrap();
        assert_eq!(prepare(&file), 7, "kept without overwrite");
        file.init_file = Some(kconf_parser::model::track::TrackFileInit {
            value: -2,
            overwrite: true,
        });
        assert_eq!(prepare(&file), -2, "overwritten");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
