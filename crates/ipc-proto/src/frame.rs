//! Framing: a 4-byte big-endian length, then that many bytes of payload.
//!
//! A length prefix (rather than newline-delimited text) lets a reader refuse
//! an oversized frame before buffering it, and a reader that got half a frame
//! simply waits for the rest.

use thiserror::Error;

/// The largest payload accepted. A full status of 10,000 instances is well
/// under 16 MiB; anything larger is garbage or an attack.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// The length prefix's size.
pub const HEADER_LEN: usize = 4;

/// A stream that cannot be framed: the connection must be dropped.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FrameError {
    /// The prefix announces more than [`MAX_FRAME`] bytes.
    #[error("frame of {0} bytes is larger than the {MAX_FRAME}-byte limit")]
    TooLarge(usize),
    /// The prefix announces an empty payload (never sent by a peer).
    #[error("empty frame")]
    Empty,
}

/// Prefixes `payload` with its length.
///
/// # Errors
/// [`FrameError::TooLarge`] or [`FrameError::Empty`] when the payload could
/// not be read back by a peer.
pub fn encode_frame(payload: &[u8]) -> Result<Vec<u8>, FrameError> {
    check_len(payload.len())?;
    let mut frame = Vec::with_capacity(HEADER_LEN + payload.len());
    // check_len bounds the length to MAX_FRAME, which fits in a u32.
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(payload);
    Ok(frame)
}

fn check_len(len: usize) -> Result<(), FrameError> {
    match len {
        0 => Err(FrameError::Empty),
        n if n > MAX_FRAME => Err(FrameError::TooLarge(n)),
        _ => Ok(()),
    }
}

/// Reads the length prefix of a frame.
///
/// # Errors
/// When the announced length is not acceptable.
pub fn payload_len(header: [u8; HEADER_LEN]) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(header) as usize;
    check_len(len)?;
    Ok(len)
}

/// Reassembles frames from bytes that arrive in pieces of any size.
#[derive(Debug, Default)]
pub struct FrameReader {
    buffer: Vec<u8>,
}

impl FrameReader {
    /// An empty reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole payload, if one has arrived.
    ///
    /// # Errors
    /// When the stream cannot be framed; the reader is useless afterwards.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let Some(header) = self.buffer.first_chunk::<HEADER_LEN>() else {
            return Ok(None);
        };
        let len = payload_len(*header)?;
        if self.buffer.len() < HEADER_LEN + len {
            return Ok(None);
        }
        let payload = self.buffer[HEADER_LEN..HEADER_LEN + len].to_vec();
        self.buffer.drain(..HEADER_LEN + len);
        Ok(Some(payload))
    }

    /// Bytes received that are not yet a whole frame.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn partial_reads_wait_for_the_rest() {
        let frame = encode_frame(b"hello").unwrap();
        let mut reader = FrameReader::new();
        for byte in &frame[..frame.len() - 1] {
            reader.push(&[*byte]);
            assert_eq!(reader.next_frame(), Ok(None));
        }
        reader.push(&frame[frame.len() - 1..]);
        assert_eq!(reader.next_frame(), Ok(Some(b"hello".to_vec())));
        assert_eq!(reader.pending(), 0);
    }

    #[test]
    fn oversized_and_empty_frames_are_refused() {
        let mut reader = FrameReader::new();
        reader.push(&u32::MAX.to_be_bytes());
        assert_eq!(
            reader.next_frame(),
            Err(FrameError::TooLarge(u32::MAX as usize))
        );
        let mut reader = FrameReader::new();
        reader.push(&[0, 0, 0, 0, 1]);
        assert_eq!(reader.next_frame(), Err(FrameError::Empty));
        assert_eq!(encode_frame(b""), Err(FrameError::Empty));
    }

    proptest! {
        /// Any sequence of payloads, cut anywhere, comes back whole and in order.
        #[test]
        fn frames_survive_any_split(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..300), 0..8),
            cuts in proptest::collection::vec(1usize..50, 1..40),
        ) {
            let stream: Vec<u8> = payloads.iter().flat_map(|p| encode_frame(p).unwrap()).collect();
            let mut reader = FrameReader::new();
            let mut got = Vec::new();
            let mut at = 0;
            let mut cut = cuts.iter().cycle();
            while at < stream.len() {
                let end = (at + cut.next().copied().unwrap_or(1)).min(stream.len());
                reader.push(&stream[at..end]);
                at = end;
                while let Some(frame) = reader.next_frame().unwrap() {
                    got.push(frame);
                }
            }
            prop_assert_eq!(got, payloads);
            prop_assert_eq!(reader.pending(), 0);
        }

        /// Garbage never panics: it yields frames or an error.
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut reader = FrameReader::new();
            reader.push(&bytes);
            while let Ok(Some(_)) = reader.next_frame() {}
        }
    }
}
