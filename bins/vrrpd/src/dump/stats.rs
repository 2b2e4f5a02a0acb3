//! `keepalived.stats` (SIGUSR2): each instance's counters in keepalived
//! 2.2.7's layout. Counters keepalived does not write here (checksum, HMAC,
//! unicast source, version errors) are left out, as in its file; `kactl
//! stats` shows them all.

use std::fmt::Write as _;

use super::Snapshot;

/// The whole file.
pub(super) fn render(snapshot: &Snapshot<'_>) -> String {
    let mut out = String::new();
    for view in &snapshot.instances {
        let s = view.instance.stats();
        let _ = writeln!(out, "VRRP Instance: {}", view.instance.config().name);
        let _ = write!(
            out,
            "  Advertisements:\n    Received: {}\n    Sent: {}\n",
            s.advert_rcvd, s.advert_sent
        );
        let _ = writeln!(out, "  Became master: {}", s.become_master);
        let _ = writeln!(out, "  Released master: {}", s.release_master);
        let _ = write!(
            out,
            "  Packet Errors:\n    Length: {}\n    TTL: {}\n    Invalid Type: {}\n    \
             Advertisement Interval: {}\n    Address List: {}\n",
            s.packet_len_err,
            s.ip_ttl_err,
            s.invalid_type_rcvd,
            s.advert_interval_err,
            s.addr_list_err
        );
        let _ = write!(
            out,
            "  Authentication Errors:\n    Invalid Type: {}\n    Type Mismatch: {}\n    Failure: {}\n",
            s.invalid_authtype, s.authtype_mismatch, s.auth_failure
        );
        let _ = write!(
            out,
            "  Priority Zero:\n    Received: {}\n    Sent: {}\n",
            s.pri_zero_rcvd, s.pri_zero_sent
        );
    }
    out
}
