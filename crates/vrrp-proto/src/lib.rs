//! The VRRP virtual router of RFC 3768 (v2) and RFC 5798 / RFC 9568 (v3), with
//! keepalived's extensions, as a library with no sockets, no clock and no runtime.
//!
//! What this crate is for:
//! - wire format: zero-copy packet views plus owned representations with
//!   `parse`/`emit` (the smoltcp `wire` pattern), checksums, PASS and HMAC
//!   authentication;
//! - receive validation in the order the RFCs and keepalived apply it, with
//!   keepalived's counters;
//! - the per-instance state machine (Init, Backup, Master, Fault), driven as
//!   `handle_*(now, ...)` in and `poll_*()` out, so that every timer can be tested
//!   exactly and the same inputs always give the same outputs.
//!
//! What it deliberately does not do: it never reads the system clock, never draws
//! random numbers by itself, and never touches a socket or netlink; `vrrpd` does
//! the I/O and feeds the results in.
//!
//! The implementation arrives with the vrrp-proto issue; until then the crate
//! holds only this description.
#![forbid(unsafe_code)]
