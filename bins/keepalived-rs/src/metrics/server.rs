//! The HTTP side of the metrics endpoint: `GET /metrics` over HTTP/1.1
//! with hyper, everything else refused.
//!
//! Each scrape asks the [`MetricsSource`] for a fresh snapshot and renders
//! it; a source that fails or does not answer within
//! [`ServeOptions::source_timeout`] gets a 503, so a stuck daemon never
//! wedges the endpoint. Slow clients are bounded too: a request's headers
//! must arrive within [`ServeOptions::header_timeout`] and at most
//! [`ServeOptions::max_connections`] connections are served at once (the
//! rest wait in the kernel's backlog).
//!
//! It does not do TLS, authentication or HTTP/2: bind it to a management
//! address, or put a proxy in front.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use ipc_proto::{StatsReport, Status};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::render::render;

/// The content type of exposition format 0.0.4.
pub(crate) const CONTENT_TYPE_0_0_4: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Where a scrape's data comes from: the supervisor's IPC hub in the
/// daemon, a fixed value in tests. An `Err` is a short reason, sent to the
/// scraper with a 503.
pub(crate) trait MetricsSource: Send + Sync + 'static {
    /// A fresh, merged view of every daemon.
    fn snapshot(&self) -> impl Future<Output = Result<(Status, StatsReport), String>> + Send;
}

/// Any `Fn() -> impl Future` of the right output is a source, so a caller
/// can pass a closure that clones its handle into an `async move` block.
impl<F, Fut> MetricsSource for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(Status, StatsReport), String>> + Send,
{
    fn snapshot(&self) -> impl Future<Output = Result<(Status, StatsReport), String>> + Send {
        self()
    }
}

/// Limits of the server.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServeOptions {
    /// How long a scrape waits for the source before answering 503. Below
    /// Prometheus's default scrape timeout (10 s), so the scraper sees our
    /// 503 and its reason rather than its own timeout.
    pub(crate) source_timeout: Duration,
    /// How long a client may take to send its request headers.
    pub(crate) header_timeout: Duration,
    /// Connections served at once.
    pub(crate) max_connections: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            source_timeout: Duration::from_secs(5),
            header_timeout: Duration::from_secs(5),
            max_connections: 16,
        }
    }
}

/// Binds `addr` with std, so that the supervisor can bind before it goes
/// into the background (a taken port or a foreign address is reported on
/// the terminal, not as a silent absence of metrics) and serve once its
/// runtime runs, with [`start`].
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Serves on a listener from [`bind`] in a task of the current runtime.
pub(crate) fn start(
    listener: std::net::TcpListener,
    source: impl MetricsSource,
    options: ServeOptions,
) -> std::io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    tokio::spawn(serve(listener, source, options));
    Ok(())
}

/// Serves scrapes on `listener` until the task is dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    source: impl MetricsSource,
    options: ServeOptions,
) {
    let source = Arc::new(source);
    let slots = Arc::new(Semaphore::new(options.max_connections.max(1)));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(err) => {
                // Out of file descriptors and the like: pausing keeps the
                // loop from spinning and the log from flooding.
                eprintln!("keepalived-rs: metrics: accept failed: {err}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let source = source.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let source = source.clone();
                async move { Ok::<_, Infallible>(answer(&request, &*source, options).await) }
            });
            // A client that sends garbage or hangs up gets hyper's error
            // answer or none; neither concerns the other connections.
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(options.header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(permit);
        });
    }
}

async fn answer(
    request: &Request<Incoming>,
    source: &impl MetricsSource,
    options: ServeOptions,
) -> Response<Full<Bytes>> {
    if request.uri().path() != "/metrics" {
        return plain(
            StatusCode::NOT_FOUND,
            "not found: metrics are at /metrics\n",
        );
    }
    if request.method() != Method::GET {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET is allowed\n");
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET"));
        return response;
    }
    match tokio::time::timeout(options.source_timeout, source.snapshot()).await {
        Ok(Ok((status, stats))) => {
            let mut response = Response::new(Full::new(Bytes::from(render(&status, &stats))));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_0_0_4));
            response
        }
        Ok(Err(reason)) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("metrics unavailable: {reason}\n"),
        ),
        Err(_) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!(
                "metrics unavailable: no answer from the daemons within {:?}\n",
                options.source_timeout
            ),
        ),
    }
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text.to_owned())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
