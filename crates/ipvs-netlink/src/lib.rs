//! A client for the Linux IPVS generic-netlink family (`IPVS`): services,
//! destinations (real servers), daemon (sync) state and timeouts, built on the
//! rust-netlink traits (`Nla`, `GenlFamily`, netlink-packet-core and
//! netlink-packet-generic) over netlink-sys.
//!
//! What this crate is for: encoding and decoding every IPVS command and
//! attribute (kernel constant names kept verbatim, unknown attributes kept, not
//! dropped) and a small blocking client that resolves the family and sends
//! requests.
//!
//! What it deliberately does not do: it holds no policy (which servers should be
//! in the pool is the checkers' and checkerd's business) and needs no async
//! runtime.
//!
//! The implementation arrives with the IPVS issue; until then the crate holds
//! only this description.
#![forbid(unsafe_code)]
