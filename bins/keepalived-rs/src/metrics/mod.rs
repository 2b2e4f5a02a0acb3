//! The optional Prometheus endpoint (`--metrics ADDR:PORT`): VRRP, checker,
//! BFD and supervisor figures in the text exposition format.
//!
//! [`render::render`] turns a merged `ipc_proto::Status` and `StatsReport` into the
//! exposition; [`server::serve`] answers `GET /metrics` with it, taking a fresh
//! snapshot per scrape from a [`server::MetricsSource`]. docs/METRICS.md lists the
//! families.
//!
//! It does not collect anything itself: the caller's source asks the
//! daemons (over the supervisor's IPC hub) for their status and counters.

#[cfg(test)]
pub(crate) mod fixture;
pub(crate) mod render;
pub(crate) mod server;
#[cfg(test)]
mod tests;

pub(crate) use server::{ServeOptions, bind, start};
