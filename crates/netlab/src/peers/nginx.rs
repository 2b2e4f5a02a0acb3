//! nginx (1.22 on Debian 12, `nginx-light`) as an HTTP real server, and a
//! minimal HTTP/1.0 client that runs inside a lab host.
//!
//! nginx runs as one process (`master_process off;`, `daemon off;`), so the
//! [`Process`] is the whole server and killing it leaves no orphaned worker.
//! Its prefix (`-p`), pid file, access log and every temp path live in
//! `<host>-nginx/` in the lab directory; the error log goes to stderr
//! (`-e stderr` on the command line too, so nothing is opened under
//! /var/log/nginx before the configuration is read), so to
//! `<host>-nginx.log`. With a single process there is no `user` switch: nginx
//! serves as root, which can read the lab directory (`user root root;` only
//! keeps the temp directories it creates from being chowned to `nobody`).

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{Error, Host, Process, wait_until};

/// The largest response [`http_get`] reads.
const MAX_RESPONSE: u64 = 16 << 20;

/// What one nginx serves: a directory on some addresses.
#[derive(Debug, Clone)]
pub struct Site {
    /// `listen` addresses; each must be on one of the host's interfaces.
    pub listen: Vec<SocketAddr>,
    /// `root`: the directory served.
    pub root: PathBuf,
    /// Further lines inside the `server` block, verbatim (e.g.
    /// `location /down { return 503; }`).
    pub server_extra: Vec<String>,
}

impl Site {
    /// Serves `root` on `listen`.
    pub fn new(listen: SocketAddr, root: &Path) -> Self {
        Site {
            listen: vec![listen],
            root: root.to_path_buf(),
            server_extra: Vec::new(),
        }
    }

    /// nginx.conf text for this site, with every path nginx writes under
    /// `prefix` (a directory that exists).
    pub fn render(&self, prefix: &Path) -> String {
        let path = |name: &str| prefix.join(name).display().to_string();
        let mut text = String::new();
        let _ = writeln!(text, "daemon off;");
        let _ = writeln!(text, "master_process off;");
        // Temp directories are chowned to this user; keep them root's like
        // the rest of the lab directory.
        let _ = writeln!(text, "user root root;");
        let _ = writeln!(text, "worker_processes 1;");
        let _ = writeln!(text, "pid {};", path("nginx.pid"));
        let _ = writeln!(text, "lock_file {};", path("nginx.lock"));
        let _ = writeln!(text, "error_log stderr info;");
        let _ = writeln!(text, "events {{\n    worker_connections 256;\n}}");
        let _ = writeln!(text, "http {{");
        let _ = writeln!(text, "    access_log {};", path("access.log"));
        for (directive, dir) in [
            ("client_body_temp_path", "client_body_temp"),
            ("proxy_temp_path", "proxy_temp"),
            ("fastcgi_temp_path", "fastcgi_temp"),
            ("uwsgi_temp_path", "uwsgi_temp"),
            ("scgi_temp_path", "scgi_temp"),
        ] {
            let _ = writeln!(text, "    {directive} {};", path(dir));
        }
        let _ = writeln!(
            text,
            "    types {{\n        text/html html htm;\n        text/plain txt;\n        application/json json;\n    }}"
        );
        let _ = writeln!(text, "    default_type application/octet-stream;");
        let _ = writeln!(text, "    server {{");
        for listen in &self.listen {
            let _ = writeln!(text, "        listen {listen};");
        }
        let _ = writeln!(text, "        root {};", self.root.display());
        for line in &self.server_extra {
            let _ = writeln!(text, "        {line}");
        }
        let _ = writeln!(text, "    }}");
        text.push_str("}\n");
        text
    }
}

/// An nginx running in the foreground inside one lab host.
#[derive(Debug)]
pub struct Nginx<'h> {
    host: &'h Host,
    prefix: PathBuf,
    site: Site,
    process: Process,
}

impl<'h> Nginx<'h> {
    /// Writes `files` (name relative to the root, contents) into
    /// `<host>-nginx-root/` in the lab directory and serves them on `listen`.
    pub fn serve_files(
        host: &'h Host,
        listen: SocketAddr,
        files: &[(&str, &[u8])],
    ) -> Result<Self, Error> {
        let root = host.path("nginx-root");
        for (name, contents) in files {
            if Path::new(name)
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                return Err(Error::Invalid(format!(
                    "file name {name:?} must stay inside the root"
                )));
            }
            let path = root.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| {
                    Error::io(format!("creating {}", parent.display()), source)
                })?;
            }
            std::fs::write(&path, contents)
                .map_err(|source| Error::io(format!("writing {}", path.display()), source))?;
        }
        Self::start(host, &Site::new(listen, &root))
    }

    /// Starts nginx on `host` serving `site`. The listen addresses must be on
    /// the host already. Use [`Nginx::wait_until_listening`] before
    /// connecting.
    pub fn start(host: &'h Host, site: &Site) -> Result<Self, Error> {
        let program = super::find_program("nginx")
            .ok_or_else(|| Error::Missing("the program `nginx`".into()))?;
        let prefix = host.path("nginx");
        std::fs::create_dir_all(&prefix)
            .map_err(|source| Error::io(format!("creating {}", prefix.display()), source))?;
        let config = host.write_file("nginx.conf", &site.render(&prefix))?;
        let process = host.spawn(
            "nginx",
            &[
                &program.display().to_string(),
                "-p",
                &prefix.display().to_string(),
                "-e",
                "stderr",
                "-c",
                &config.display().to_string(),
            ],
        )?;
        Ok(Nginx {
            host,
            prefix,
            site: site.clone(),
            process,
        })
    }

    /// Waits until nginx listens on every address of its site (as `ss -ltn`
    /// inside the host shows), failing early if it exits.
    pub fn wait_until_listening(&mut self, timeout: Duration) -> Result<Duration, Error> {
        let what = format!(
            "nginx on {} to listen on {:?}",
            self.host.name(),
            self.site.listen
        );
        let result = wait_until(&what, timeout, || {
            if !self.process.is_running() {
                return Err(Error::Invalid(format!(
                    "nginx exited before listening; log:\n{}",
                    self.process.log()
                )));
            }
            let listening = listening_sockets(self.host)?;
            Ok(self.site.listen.iter().all(|addr| listening.contains(addr)))
        });
        result.map_err(|err| match err {
            Error::Timeout { .. } => {
                Error::Invalid(format!("{err}; log so far:\n{}", self.process.log()))
            }
            other => other,
        })
    }

    /// The directory served.
    pub fn root(&self) -> &Path {
        &self.site.root
    }

    /// The access log so far.
    pub fn access_log(&self) -> String {
        std::fs::read(self.prefix.join("access.log"))
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// The underlying process (for its error log, pid and signals).
    pub fn process(&mut self) -> &mut Process {
        &mut self.process
    }
}

/// The TCP sockets listening inside `host`, from `ss -Hltn`.
fn listening_sockets(host: &Host) -> Result<Vec<SocketAddr>, Error> {
    let listing = host.run_stdout(&["ss", "-H", "-l", "-t", "-n"])?;
    // Columns: State Recv-Q Send-Q Local-Address:Port Peer-Address:Port ...
    Ok(listing
        .lines()
        .filter_map(|line| line.split_whitespace().nth(3)?.parse().ok())
        .collect())
}

/// An HTTP response read by [`http_get`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body: everything after the header until the server closed.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header field called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Fetches `path` from `addr` with an HTTP/1.0 GET sent from inside `host`'s
/// network namespace; `timeout` bounds the connect and each read and write.
pub fn http_get(
    host: &Host,
    addr: SocketAddr,
    path: &str,
    timeout: Duration,
) -> Result<HttpResponse, Error> {
    let what = format!("GET http://{addr}{path} from {}", host.name());
    let raw = host.in_netns(|| -> Result<Vec<u8>, std::io::Error> {
        let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        write!(
            stream,
            "GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )?;
        let mut raw = Vec::new();
        stream.take(MAX_RESPONSE).read_to_end(&mut raw)?;
        Ok(raw)
    })?;
    let raw = raw.map_err(|source| Error::io(what.clone(), source))?;
    parse_response(&raw).map_err(|why| Error::Invalid(format!("{what}: {why}")))
}

fn parse_response(raw: &[u8]) -> Result<HttpResponse, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no end of header in {} bytes", raw.len()))?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| "header is not UTF-8".to_owned())?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let status = parts.next().and_then(|code| code.parse().ok());
    let status = match status {
        Some(status) if version.starts_with("HTTP/") => status,
        _ => return Err(format!("bad status line {status_line:?}")),
    };
    let headers = lines
        .map(|line| {
            line.split_once(':')
                .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
                .ok_or_else(|| format!("bad header line {line:?}"))
        })
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_lab_local_paths() {
        let site = Site::new("10.0.0.1:8080".parse().unwrap(), Path::new("/srv/www"));
        let text = site.render(Path::new("/lab/h-nginx"));
        for expected in [
            "daemon off;",
            "master_process off;",
            "pid /lab/h-nginx/nginx.pid;",
            "access_log /lab/h-nginx/access.log;",
            "client_body_temp_path /lab/h-nginx/client_body_temp;",
            "scgi_temp_path /lab/h-nginx/scgi_temp;",
            "listen 10.0.0.1:8080;",
            "root /srv/www;",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert_eq!(text.matches('{').count(), text.matches('}').count());
        let v6 =
            Site::new("[fd00::1]:80".parse().unwrap(), Path::new("/srv")).render(Path::new("/p"));
        assert!(v6.contains("listen [fd00::1]:80;"), "{v6}");
    }

    #[test]
    fn parses_a_response() {
        let raw = b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 5\r\n\r\nhello";
        let response = parse_response(raw).unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.header("content-length"), Some("5"));
        assert_eq!(response.body_text(), "hello");
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
        assert!(parse_response(b"garbage\r\n\r\n").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n").is_err());
    }
}
