//! keepalived-compatible health checks of real servers: TCP_CHECK, HTTP_GET,
//! SSL_GET, SMTP_CHECK, DNS_CHECK, MISC_CHECK, UDP_CHECK, PING_CHECK, FILE_CHECK
//! and BFD_CHECK, each with keepalived's retry, delay and timeout semantics.
//!
//! What this crate is for: performing one check against one real server and
//! reporting a typed result (up, down and why, latency), using hyper for HTTP
//! and tokio-rustls for TLS.
//!
//! What it deliberately does not do: it does not schedule checks, keep
//! rise/fall state across runs or touch IPVS; `checkerd` does that.
//!
//! The implementation arrives with the checkers issue; until then the crate
//! holds only this description.
#![forbid(unsafe_code)]
