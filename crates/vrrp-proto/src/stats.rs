//! Counters, named as keepalived names them (its `keepalived.stats` dump and
//! SNMP), so that dashboards keep working.

/// Per-instance counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Adverts received and accepted for this instance.
    pub advert_rcvd: u64,
    /// Adverts sent.
    pub advert_sent: u64,
    /// Transitions to Master.
    pub become_master: u64,
    /// Transitions out of Master.
    pub release_master: u64,
    /// Adverts whose length did not match their address count.
    pub packet_len_err: u64,
    /// Adverts with a TTL / hop limit other than allowed.
    pub ip_ttl_err: u64,
    /// Adverts of a type other than ADVERTISEMENT.
    pub invalid_type_rcvd: u64,
    /// Adverts of the other VRRP version.
    pub version_err: u64,
    /// Adverts whose interval differs from ours (VRRPv2 drops them).
    pub advert_interval_err: u64,
    /// Adverts whose address list differs from ours.
    pub addr_list_err: u64,
    /// Adverts with an unknown authentication type.
    pub invalid_authtype: u64,
    /// Adverts with another authentication type than ours.
    pub authtype_mismatch: u64,
    /// Adverts whose password did not match.
    pub auth_failure: u64,
    /// Adverts from a source that is not a configured unicast peer.
    pub unicast_src_err: u64,
    /// Packets that are not a well-formed advert (bad checksum, bad
    /// version or type, truncated).
    pub packet_err: u64,
    /// Of those, adverts whose checksum was wrong (keepalived's `chk_err`,
    /// RFC 2787 vrrpRouterChecksumErrors summed over instances).
    pub chk_err: u64,
    /// Adverts whose HMAC trailer was missing or wrong.
    pub hmac_failure: u64,
    /// Adverts whose HMAC sequence was replayed or too old.
    pub hmac_replay: u64,
    /// Adverts with priority 0 received (a master leaving).
    pub pri_zero_rcvd: u64,
    /// Adverts with priority 0 sent (leaving Master).
    pub pri_zero_sent: u64,
}

impl Stats {
    /// Every counter with its keepalived name, in a fixed order (for logs
    /// and status output).
    pub fn counters(&self) -> [(&'static str, u64); 20] {
        [
            ("advert_rcvd", self.advert_rcvd),
            ("advert_sent", self.advert_sent),
            ("become_master", self.become_master),
            ("release_master", self.release_master),
            ("packet_len_err", self.packet_len_err),
            ("ip_ttl_err", self.ip_ttl_err),
            ("invalid_type_rcvd", self.invalid_type_rcvd),
            ("version_err", self.version_err),
            ("advert_interval_err", self.advert_interval_err),
            ("addr_list_err", self.addr_list_err),
            ("invalid_authtype", self.invalid_authtype),
            ("authtype_mismatch", self.authtype_mismatch),
            ("auth_failure", self.auth_failure),
            ("unicast_src_err", self.unicast_src_err),
            ("packet_err", self.packet_err),
            ("chk_err", self.chk_err),
            ("hmac_failure", self.hmac_failure),
            ("hmac_replay", self.hmac_replay),
            ("pri_zero_rcvd", self.pri_zero_rcvd),
            ("pri_zero_sent", self.pri_zero_sent),
        ]
    }
}

/// Counters of one receiving socket, for packets that reached no instance:
/// the daemon routes adverts by VRID, so these cannot live in [`Stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RouterStats {
    /// Adverts for a VRID that no instance on the socket runs (RFC 2787
    /// vrrpRouterVrIdErrors; keepalived logs them with `log_unknown_vrids`).
    pub vrid_err: u64,
    /// Packets too short to carry a VRID at all.
    pub packet_err: u64,
}

impl RouterStats {
    /// Every counter with its name, in a fixed order.
    pub fn counters(&self) -> [(&'static str, u64); 2] {
        [("vrid_err", self.vrid_err), ("packet_err", self.packet_err)]
    }
}
