//! A network-namespace lab for integration tests.
//!
//! Tests build real topologies on the running kernel: hosts are network
//! namespaces, an L2 segment is a Linux bridge inside a namespace of its own,
//! and each host joins a segment through a veth pair. Links can be cut,
//! partitioned and made lossy with nftables rules on the bridge, so a VRRP or
//! BFD test sees exactly what it would see on a real switch that drops frames.
//! Real protocol peers (keepalived, FRR, BIRD, nginx) start inside a host from a
//! generated configuration.
//!
//! Every name the lab creates carries a per-lab prefix (`nl<pid>x<n>-`), so
//! tests run in parallel; everything is torn down on drop, and namespaces left
//! behind by a crashed test run are swept when the next lab starts.
//!
//! What it deliberately does not do: it is not a network simulator (the kernel
//! does the forwarding) and it never touches the root namespace's interfaces.
//! It needs root and iproute2/nftables; [`Lab::for_test`] tells a test whether
//! to skip (loudly) or fail when they are missing.
//!
//! ```no_run
//! # fn main() -> Result<(), netlab::Error> {
//! let lab = netlab::Lab::new("doc")?;
//! let lan = lab.segment("lan")?;
//! let a = lab.host("a")?;
//! let b = lab.host("b")?;
//! let a_eth0 = lan.attach(&a, "eth0", &["10.0.0.1/24"])?;
//! lan.attach(&b, "eth0", &["10.0.0.2/24"])?;
//! a.run(&["ping", "-c1", "10.0.0.2"])?;
//! lan.cut(&a_eth0)?; // a no longer reaches anybody, but keeps its carrier
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod error;
mod host;
mod lab;
mod netns;
pub mod peers;
mod process;
mod segment;
mod wait;

pub use error::Error;
pub use host::{Host, InterfaceAddress};
pub use lab::{Lab, Prerequisites};
pub use process::Process;
pub use segment::{Port, Segment};
pub use wait::wait_until;
