//! Messages over tokio streams (feature `tokio`): a cancel-safe reader, a
//! writer, and the peer check every listener applies.

use std::io;
use std::os::unix::fs::MetadataExt;

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::UnixStream;

use crate::frame::{FrameError, FrameReader};
use crate::message::{DecodeError, Incoming, Message, decode};

/// Why a connection must be dropped.
#[derive(Debug, Error)]
pub enum ReceiveError {
    /// Reading failed.
    #[error("read: {0}")]
    Io(#[from] io::Error),
    /// The byte stream cannot be framed.
    #[error("{0}")]
    Frame(#[from] FrameError),
    /// A frame is not a message.
    #[error("{0}")]
    Decode(#[from] DecodeError),
    /// The peer closed in the middle of a frame.
    #[error("connection closed in the middle of a frame ({0} bytes pending)")]
    Truncated(usize),
}

/// Reads messages from one half of a stream.
#[derive(Debug)]
pub struct MessageReader<R> {
    stream: R,
    frames: FrameReader,
    buffer: Box<[u8]>,
}

impl<R: AsyncRead + Unpin> MessageReader<R> {
    /// Reads from `stream`.
    pub fn new(stream: R) -> Self {
        Self {
            stream,
            frames: FrameReader::new(),
            buffer: vec![0; 16 * 1024].into_boxed_slice(),
        }
    }

    /// The next message; `Ok(None)` once the peer closed cleanly.
    ///
    /// Cancel-safe: bytes are only taken into the frame buffer after a read
    /// completed, so `select!` may drop this future at any time.
    ///
    /// # Errors
    /// A [`ReceiveError`]: the connection is unusable afterwards.
    pub async fn receive(&mut self) -> Result<Option<Incoming>, ReceiveError> {
        loop {
            if let Some(payload) = self.frames.next_frame()? {
                return Ok(Some(decode(&payload)?));
            }
            let read = self.stream.read(&mut self.buffer).await?;
            if read == 0 {
                return match self.frames.pending() {
                    0 => Ok(None),
                    n => Err(ReceiveError::Truncated(n)),
                };
            }
            self.frames.push(&self.buffer[..read]);
        }
    }
}

/// Writes one message.
///
/// # Errors
/// When the message is too large or the write fails.
pub async fn send<W: AsyncWrite + Unpin>(stream: &mut W, message: &Message) -> io::Result<()> {
    let frame = message
        .to_frame()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    stream.write_all(&frame).await?;
    stream.flush().await
}

/// Refuses a peer that is neither root nor running as this process's own
/// user (SO_PEERCRED): the socket is 0600 already, this guards against a
/// socket file whose mode someone changed.
///
/// # Errors
/// Why the peer is refused.
pub fn check_peer(stream: &UnixStream) -> Result<(), String> {
    let credentials = stream
        .peer_cred()
        .map_err(|e| format!("cannot read the peer's credentials: {e}"))?;
    let own = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0);
    match credentials.uid() {
        0 => Ok(()),
        uid if uid == own => Ok(()),
        uid => Err(format!(
            "peer uid {uid} (pid {}) is not root",
            credentials
                .pid()
                .map_or_else(|| "?".to_owned(), |p| p.to_string())
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Hello;
    use crate::message::Role;

    #[tokio::test]
    async fn messages_cross_a_socket_pair() {
        let (a, b) = UnixStream::pair().unwrap();
        assert!(check_peer(&b).is_ok());
        let (_, mut write) = a.into_split();
        let mut read = MessageReader::new(b);
        send(&mut write, &Message::Hello(Hello::new(Role::Client)))
            .await
            .unwrap();
        send(&mut write, &Message::Reload { id: 4 }).await.unwrap();
        // Half a frame, then the peer goes away.
        write.write_all(&[0, 0, 0, 9, b'{']).await.unwrap();
        drop(write);
        assert!(matches!(
            read.receive().await.unwrap(),
            Some(Incoming::Message(Message::Hello(_)))
        ));
        assert_eq!(
            read.receive().await.unwrap(),
            Some(Incoming::Message(Message::Reload { id: 4 }))
        );
        assert!(matches!(
            read.receive().await,
            Err(ReceiveError::Truncated(5))
        ));
    }

    #[tokio::test]
    async fn a_clean_close_is_not_an_error() {
        let (a, b) = UnixStream::pair().unwrap();
        drop(a);
        assert!(MessageReader::new(b).receive().await.unwrap().is_none());
    }
}
