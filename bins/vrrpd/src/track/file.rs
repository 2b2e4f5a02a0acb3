//! `track_file`: the number in a file, read as keepalived reads it (C
//! `strtol` with base 0 on the first 127 bytes, clamped to -254..=254; a
//! missing, unreadable or non-numeric file is 0), with `init_file` applied
//! at startup.
//!
//! The file's directory is watched with inotify, so a write, a rename onto
//! it or its removal is seen at once (as keepalived sees it); a slow poll
//! backs that up. Where the directory cannot be watched (it does not exist
//! yet, or inotify is out of watches) the file is polled every [`POLL`]. It
//! does not apply weights: vrrp-proto does.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use inotify::{EventStream, Inotify, WatchMask};

use kconf_parser::model::track::TrackFile;
use tokio::sync::mpsc::UnboundedSender;
use vrrp_proto::TrackerStatus;

use super::{Event, TrackerId};

/// How often the file is read when its directory cannot be watched.
const POLL: Duration = Duration::from_millis(200);

/// How often the file is read anyway while its directory is watched.
const POLL_WATCHED: Duration = Duration::from_secs(2);

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
    last: i32,
    events: UnboundedSender<Event>,
) {
    watch_with(id, file, last, events, POLL_WATCHED).await;
}

/// [`watch`], reading the file every `poll_watched` while its directory is
/// watched.
async fn watch_with(
    id: TrackerId,
    file: TrackFile,
    mut last: i32,
    events: UnboundedSender<Event>,
    poll_watched: Duration,
) {
    let mut changes = directory_changes(&file.file);
    loop {
        match &mut changes {
            Some(stream) => tokio::select! {
                change = stream.next() => {
                    if !matches!(change, Some(Ok(_))) {
                        // The watch broke: poll from now on.
                        changes = None;
                    }
                }
                () = tokio::time::sleep(poll_watched) => {}
            },
            None => tokio::time::sleep(POLL).await,
        }
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

/// Changes in the directory of `path` (any of them: a read costs less than
/// telling them apart), or `None` if it cannot be watched.
fn directory_changes(path: &str) -> Option<EventStream<[u8; 1024]>> {
    let directory = match Path::new(path).parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let inotify = Inotify::init().ok()?;
    inotify
        .watches()
        .add(
            directory,
            WatchMask::CLOSE_WRITE
                | WatchMask::MODIFY
                | WatchMask::CREATE
                | WatchMask::DELETE
                | WatchMask::MOVED_TO
                | WatchMask::MOVED_FROM,
        )
        .ok()?;
    inotify.into_event_stream([0u8; 1024]).ok()
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

    #[tokio::test]
    async fn a_write_is_seen_through_inotify_not_the_poll() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("value");
        std::fs::write(&path, "5").unwrap();
        let file = TrackFile {
            name: "f".into(),
            file: path.to_str().unwrap().into(),
            ..Default::default()
        };
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let id = TrackerId::File(0);
        // A poll of an hour: only inotify can report the change in time.
        tokio::spawn(watch_with(id, file, 5, sender, Duration::from_secs(3600)));
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Replaced by rename, as editors and config tools do.
        let staging = dir.path().join("value.new");
        std::fs::write(&staging, "9\n").unwrap();
        std::fs::rename(&staging, &path).unwrap();
        let event = tokio::time::timeout(Duration::from_secs(5), receiver.recv())
            .await
            .expect("no event within 5 s")
            .unwrap();
        assert_eq!(event.id, id);
        assert_eq!(event.status, TrackerStatus::Value(9));
        std::fs::remove_file(&path).unwrap();
        let event = tokio::time::timeout(Duration::from_secs(5), receiver.recv())
            .await
            .expect("no event within 5 s")
            .unwrap();
        assert_eq!(
            event.status,
            TrackerStatus::Value(0),
            "a removed file reads 0"
        );
    }

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
