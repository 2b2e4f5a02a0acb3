//! Reads `keepalived.conf` the way keepalived 2.x reads it and turns it into a
//! typed, documented configuration model.
//!
//! What this crate is for:
//! - the lexical layer (line-oriented keywords, `{`/`}` blocks, `!`/`#` comments,
//!   `include` with globs, `@ID` conditional lines, `$NAME` parameters and the
//!   `~SEQ`/`~LST` generators), written as a pest grammar;
//! - the typed model of every block (`global_defs`, `vrrp_instance`,
//!   `virtual_server`, checkers, `bfd_instance`, ...) with keepalived's default
//!   for every omitted value;
//! - diagnostics that point at `file:line:column` and say what was expected.
//!
//! What it deliberately does not do: it opens no sockets, starts no processes and
//! has no async runtime. Daemons and other tools call it and act on the model.
//!
//! The grammar and the model arrive with the kconf-parser issue; until then the
//! crate holds only this description.
#![forbid(unsafe_code)]
