//! The SMTP dialogue of keepalived's alerts: connect, `HELO`, `MAIL FROM`,
//! one `RCPT TO` per recipient, `DATA`, the message, `QUIT`, each step
//! bounded by `smtp_connect_timeout` as keepalived bounds it.
//!
//! It does not do ESMTP (no `EHLO`, TLS or authentication: keepalived 2.2.7
//! has none either), retries, queueing or address validation; addresses go
//! out as configured, as keepalived sends them.
//!
//! Hand-written rather than lettre: lettre always opens with `EHLO` (a
//! HELO-only relay that takes keepalived's mails would refuse ours), parses
//! every address (refusing a bare local `root`, which keepalived passes
//! through), and brings the url/idna/ICU tree into a daemon whose resident
//! memory we measure; the whole client is the hundred lines below, and its
//! tests drive it against refusing, babbling and silent servers.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use kconf_parser::model::global::{SmtpHost, SmtpServer};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// A reply line longer than this is not SMTP (RFC 5321 §4.5.3.1.5 says 512
/// with the CRLF); the bound keeps a babbling server from growing a buffer.
const MAX_REPLY_LINE: u64 = 1024;
/// Continuation lines accepted in one reply (`250-...`).
const MAX_REPLY_LINES: usize = 64;

/// Where a dialogue failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stage {
    Connect,
    Greeting,
    Helo,
    MailFrom,
    RcptTo(String),
    Data,
    Message,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Connect => f.write_str("connecting"),
            Stage::Greeting => f.write_str("waiting for the greeting"),
            Stage::Helo => f.write_str("HELO"),
            Stage::MailFrom => f.write_str("MAIL FROM"),
            Stage::RcptTo(to) => write!(f, "RCPT TO <{to}>"),
            Stage::Data => f.write_str("DATA"),
            Stage::Message => f.write_str("sending the message"),
        }
    }
}

/// Why a mail was not delivered to the server.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SmtpError {
    #[error("cannot resolve {host}: {source}")]
    Resolve { host: String, source: io::Error },
    #[error("{host} resolves to no address")]
    NoAddress { host: String },
    #[error("{stage}: {source}")]
    Io { stage: Stage, source: io::Error },
    #[error("{stage}: no answer within {timeout:?}")]
    Timeout { stage: Stage, timeout: Duration },
    #[error("{stage}: the server closed the connection")]
    Closed { stage: Stage },
    #[error("{stage}: not an SMTP reply: {line:?}")]
    Garbage { stage: Stage, line: String },
    #[error("{stage}: the server answered {code} {text}")]
    Refused {
        stage: Stage,
        code: u16,
        text: String,
    },
}

/// `[address]:port`, keepalived's way of naming the server in its log.
pub(crate) fn server_label(server: &SmtpServer) -> String {
    format!("[{}]:{}", server.host, server.port)
}

/// Who says what to whom.
pub(crate) struct Envelope<'a> {
    pub(crate) helo: &'a str,
    pub(crate) from: &'a str,
    pub(crate) to: &'a [String],
}

/// Delivers `message` (headers and body, CRLF line ends, without the final
/// dot) to `server`; every connect, read and write gets `step` to finish.
pub(crate) async fn send(
    server: &SmtpServer,
    step: Duration,
    envelope: &Envelope<'_>,
    message: &str,
) -> Result<(), SmtpError> {
    let stream = connect(server, step).await?;
    converse(stream, step, envelope, message).await
}

async fn connect(server: &SmtpServer, step: Duration) -> Result<TcpStream, SmtpError> {
    let addresses: Vec<SocketAddr> = match &server.host {
        SmtpHost::Address(address) => vec![SocketAddr::new(*address, server.port)],
        SmtpHost::Name(name) => {
            let lookup = tokio::net::lookup_host((name.as_str(), server.port));
            match timeout(step, lookup).await {
                Ok(Ok(found)) => found.collect(),
                Ok(Err(source)) => {
                    return Err(SmtpError::Resolve {
                        host: name.clone(),
                        source,
                    });
                }
                Err(_) => {
                    return Err(SmtpError::Timeout {
                        stage: Stage::Connect,
                        timeout: step,
                    });
                }
            }
        }
    };
    let mut last = SmtpError::NoAddress {
        host: server.host.to_string(),
    };
    for address in addresses {
        last = match timeout(step, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(source)) => SmtpError::Io {
                stage: Stage::Connect,
                source,
            },
            Err(_) => SmtpError::Timeout {
                stage: Stage::Connect,
                timeout: step,
            },
        };
    }
    Err(last)
}

/// The dialogue after connecting, on any byte stream (tests use in-memory
/// pipes).
pub(crate) async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    step: Duration,
    envelope: &Envelope<'_>,
    message: &str,
) -> Result<(), SmtpError> {
    let mut session = Session {
        stream: BufReader::new(stream),
        step,
    };
    session.expect(Stage::Greeting, &[220]).await?;
    let helo = format!("HELO {}\r\n", envelope.helo);
    session.command(Stage::Helo, &helo, &[250]).await?;
    let from = format!("MAIL FROM:<{}>\r\n", envelope.from);
    session.command(Stage::MailFrom, &from, &[250]).await?;
    for to in envelope.to {
        let rcpt = format!("RCPT TO:<{to}>\r\n");
        // 251 (user not local; will forward) is a success too.
        session
            .command(Stage::RcptTo(to.clone()), &rcpt, &[250, 251])
            .await?;
    }
    session.command(Stage::Data, "DATA\r\n", &[354]).await?;
    let mut data = dot_stuffed(message);
    data.push_str("\r\n.\r\n");
    session.command(Stage::Message, &data, &[250]).await?;
    // The mail is accepted; a server that mishandles QUIT changes nothing.
    let _ = session.command(Stage::Message, "QUIT\r\n", &[221]).await;
    Ok(())
}

/// RFC 5321 §4.5.2: a line starting with '.' gets another, so that no line
/// of the message can end it early.
fn dot_stuffed(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    for (i, line) in message.split("\r\n").enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
    }
    out
}

struct Session<S> {
    stream: BufReader<S>,
    step: Duration,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Session<S> {
    async fn command(&mut self, stage: Stage, text: &str, wanted: &[u16]) -> Result<(), SmtpError> {
        let write = async {
            self.stream.get_mut().write_all(text.as_bytes()).await?;
            self.stream.get_mut().flush().await
        };
        match timeout(self.step, write).await {
            Ok(Ok(())) => {}
            Ok(Err(source)) => return Err(SmtpError::Io { stage, source }),
            Err(_) => {
                return Err(SmtpError::Timeout {
                    stage,
                    timeout: self.step,
                });
            }
        }
        self.expect(stage, wanted).await
    }

    /// Reads one reply (its continuation lines too) and checks its code.
    async fn expect(&mut self, stage: Stage, wanted: &[u16]) -> Result<(), SmtpError> {
        for _ in 0..MAX_REPLY_LINES {
            let line = self.line(&stage).await?;
            let (code, last, text) = parse_reply_line(&line).ok_or_else(|| SmtpError::Garbage {
                stage: stage.clone(),
                line: line.chars().take(80).collect(),
            })?;
            if !last {
                continue;
            }
            if wanted.contains(&code) {
                return Ok(());
            }
            return Err(SmtpError::Refused {
                stage,
                code,
                text: text.chars().take(200).collect(),
            });
        }
        Err(SmtpError::Garbage {
            stage,
            line: format!("more than {MAX_REPLY_LINES} continuation lines"),
        })
    }

    async fn line(&mut self, stage: &Stage) -> Result<String, SmtpError> {
        let mut bytes = Vec::new();
        let mut limited = (&mut self.stream).take(MAX_REPLY_LINE);
        let read = limited.read_until(b'\n', &mut bytes);
        match timeout(self.step, read).await {
            Ok(Ok(0)) => Err(SmtpError::Closed {
                stage: stage.clone(),
            }),
            Ok(Ok(_)) if !bytes.ends_with(b"\n") => {
                let stage = stage.clone();
                if bytes.len() as u64 >= MAX_REPLY_LINE {
                    Err(SmtpError::Garbage {
                        stage,
                        line: format!("a line longer than {MAX_REPLY_LINE} bytes"),
                    })
                } else {
                    Err(SmtpError::Closed { stage })
                }
            }
            Ok(Ok(_)) => Ok(String::from_utf8_lossy(&bytes)
                .trim_end_matches(['\r', '\n'])
                .to_owned()),
            Ok(Err(source)) => Err(SmtpError::Io {
                stage: stage.clone(),
                source,
            }),
            Err(_) => Err(SmtpError::Timeout {
                stage: stage.clone(),
                timeout: self.step,
            }),
        }
    }
}

/// `250 text`, `250-text` (more lines follow) or a bare `250`: the code,
/// whether this is the reply's last line, and the text.
fn parse_reply_line(line: &str) -> Option<(u16, bool, &str)> {
    let code = line.get(..3)?;
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u16 = code.parse().ok()?;
    if !(200..600).contains(&code) {
        return None;
    }
    match line.as_bytes().get(3) {
        None => Some((code, true, "")),
        Some(b' ') => Some((code, true, line.get(4..).unwrap_or(""))),
        Some(b'-') => Some((code, false, line.get(4..).unwrap_or(""))),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::duplex;

    const STEP: Duration = Duration::from_millis(300);

    fn envelope() -> Envelope<'static> {
        static TO: std::sync::LazyLock<Vec<String>> =
            std::sync::LazyLock::new(|| vec!["ops@example.com".into(), "root".into()]);
        Envelope {
            helo: "vm",
            from: "vrrp@example.com",
            to: &TO,
        }
    }

    /// Runs the dialogue against a scripted server: it sends `replies`
    /// one per client line read (a `None` reply: it goes silent)
    /// and returns what the client wrote, and the client's result.
    async fn against(replies: &[Option<&str>], message: &str) -> (String, Result<(), SmtpError>) {
        let (client, server) = duplex(64 * 1024);
        let replies: Vec<Option<String>> = replies.iter().map(|r| r.map(str::to_owned)).collect();
        let server = tokio::spawn(async move {
            let mut server = BufReader::new(server);
            let mut heard = String::new();
            let mut in_data = false;
            for (i, reply) in replies.into_iter().enumerate() {
                // The greeting comes unasked; each later reply answers a
                // command line (or, after DATA, the whole message).
                if i > 0 {
                    loop {
                        let mut line = String::new();
                        if server.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return heard;
                        }
                        heard.push_str(&line);
                        if in_data && line != ".\r\n" {
                            continue;
                        }
                        in_data = line == "DATA\r\n";
                        break;
                    }
                }
                match reply {
                    Some(reply) => {
                        let _ = server.get_mut().write_all(reply.as_bytes()).await;
                    }
                    None => {
                        // Silent until the client gives up and hangs up.
                        let mut rest = Vec::new();
                        let _ = server.read_to_end(&mut rest).await;
                        return heard;
                    }
                }
            }
            heard
        });
        let result = converse(client, STEP, &envelope(), message).await;
        (server.await.unwrap(), result)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_whole_dialogue_as_keepalived_has_it() {
        let (heard, result) = against(
            &[
                Some("220 sink.lab ESMTP\r\n"),
                Some("250 sink.lab\r\n"),
                Some("250 OK\r\n"),
                Some("250 OK\r\n"),
                Some("251 forwarded\r\n"),
                Some("354 go on\r\n"),
                Some("250 queued\r\n"),
                Some("221 bye\r\n"),
            ],
            "Subject: x\r\n\r\n.hidden\r\nbody\r\n",
        )
        .await;
        result.unwrap();
        assert_eq!(
            heard,
            "HELO vm\r\nMAIL FROM:<vrrp@example.com>\r\nRCPT TO:<ops@example.com>\r\n\
             RCPT TO:<root>\r\nDATA\r\nSubject: x\r\n\r\n..hidden\r\nbody\r\n\r\n.\r\nQUIT\r\n"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn multi_line_replies_are_read_to_their_last_line() {
        let (_, result) = against(
            &[
                Some("220-first\r\n220-second\r\n220 ready\r\n"),
                Some("250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
                Some("250 OK\r\n"),
                Some("250 OK\r\n"),
                Some("250 OK\r\n"),
                Some("354 go\r\n"),
                Some("250 OK\r\n"),
                Some("221 bye\r\n"),
            ],
            "x\r\n",
        )
        .await;
        result.unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_refused_recipient_is_reported_with_its_code() {
        let (heard, result) = against(
            &[
                Some("220 ok\r\n"),
                Some("250 ok\r\n"),
                Some("250 ok\r\n"),
                Some("550 5.1.1 no such user\r\n"),
            ],
            "x\r\n",
        )
        .await;
        let err = result.unwrap_err();
        assert!(
            matches!(&err, SmtpError::Refused { stage: Stage::RcptTo(to), code: 550, .. } if to == "ops@example.com"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "RCPT TO <ops@example.com>: the server answered 550 5.1.1 no such user"
        );
        assert!(!heard.contains("DATA"), "{heard}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_refusing_greeting_stops_at_once() {
        let (heard, result) = against(&[Some("554 go away\r\n")], "x\r\n").await;
        assert!(matches!(
            result,
            Err(SmtpError::Refused {
                stage: Stage::Greeting,
                code: 554,
                ..
            })
        ));
        assert_eq!(heard, "");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn garbage_is_not_a_reply() {
        for garbage in [
            "hello there\r\n",
            "2\r\n",
            "25O ok\r\n",
            "999 no\r\n",
            "250x\r\n",
        ] {
            let (_, result) = against(&[Some("220 ok\r\n"), Some(garbage)], "x\r\n").await;
            assert!(
                matches!(
                    result,
                    Err(SmtpError::Garbage {
                        stage: Stage::Helo,
                        ..
                    })
                ),
                "{garbage:?}: {result:?}"
            );
        }
        let long = format!("220 {}\r\n", "x".repeat(5000));
        let (_, result) = against(&[Some(&long)], "x\r\n").await;
        assert!(
            matches!(&result, Err(SmtpError::Garbage { line, .. }) if line.contains("longer")),
            "{result:?}"
        );
        let endless = "250-more\r\n".repeat(MAX_REPLY_LINES + 1);
        let (_, result) = against(&[Some(&endless)], "x\r\n").await;
        assert!(
            matches!(result, Err(SmtpError::Garbage { .. })),
            "{result:?}"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_silent_server_times_out_at_the_step_it_hangs() {
        let started = std::time::Instant::now();
        let (_, result) = against(&[Some("220 ok\r\n"), Some("250 ok\r\n"), None], "x\r\n").await;
        assert!(
            matches!(
                result,
                Err(SmtpError::Timeout {
                    stage: Stage::MailFrom,
                    ..
                })
            ),
            "{result:?}"
        );
        assert!(started.elapsed() < STEP * 4, "{:?}", started.elapsed());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_server_that_hangs_up_is_reported() {
        let (client, server) = duplex(1024);
        drop(server);
        let result = converse(client, STEP, &envelope(), "x\r\n").await;
        assert!(
            matches!(
                result,
                Err(SmtpError::Closed {
                    stage: Stage::Greeting
                })
            ),
            "{result:?}"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_closed_port_is_a_connect_error() {
        // A port on loopback that nothing listens on: bind, note, close.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let server = SmtpServer {
            host: SmtpHost::Address("127.0.0.1".parse().unwrap()),
            port,
        };
        let err = send(&server, STEP, &envelope(), "x\r\n").await.unwrap_err();
        assert!(
            matches!(
                &err,
                SmtpError::Io {
                    stage: Stage::Connect,
                    source
                } if source.kind() == io::ErrorKind::ConnectionRefused
            ),
            "{err:?}"
        );
        assert_eq!(server_label(&server), format!("[127.0.0.1]:{port}"));
    }

    #[test]
    fn reply_lines() {
        assert_eq!(parse_reply_line("250 OK"), Some((250, true, "OK")));
        assert_eq!(
            parse_reply_line("250-PIPELINING"),
            Some((250, false, "PIPELINING"))
        );
        assert_eq!(parse_reply_line("354"), Some((354, true, "")));
        assert_eq!(parse_reply_line("25"), None);
        assert_eq!(parse_reply_line("abc def"), None);
        assert_eq!(parse_reply_line("100 low"), None);
        assert_eq!(parse_reply_line("2é0 x"), None);
    }

    #[test]
    fn dot_stuffing() {
        assert_eq!(dot_stuffed(".a\r\nb\r\n.\r\n"), "..a\r\nb\r\n..\r\n");
        assert_eq!(dot_stuffed("a.b\r\n"), "a.b\r\n");
    }
}
