//! Bidirectional Forwarding Detection (RFC 5880, single hop RFC 5881, multihop
//! RFC 5883) as a library with no sockets, no clock and no runtime.
//!
//! What this crate is for: the control packet wire format (view + owned
//! representation, authentication sections) and the session state machine
//! (Down, Init, Up, AdminDown) with its negotiated transmit and detection
//! timers, driven as `handle_*(now, ...)` in and `poll_*()` out. Discriminators
//! and transmit jitter come from an injected random source.
//!
//! What it deliberately does not do: no UDP sockets, no timers of its own, no
//! async runtime; `bfdd` does the I/O.
//!
//! The implementation arrives with the BFD issue; until then the crate holds only
//! this description.
#![forbid(unsafe_code)]
