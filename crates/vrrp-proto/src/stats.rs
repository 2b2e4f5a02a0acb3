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
    /// Adverts whose HMAC trailer was missing or wrong.
    pub hmac_failure: u64,
    /// Adverts whose HMAC sequence was replayed or too old.
    pub hmac_replay: u64,
    /// Adverts with priority 0 received (a master leaving).
    pub pri_zero_rcvd: u64,
    /// Adverts with priority 0 sent (leaving Master).
    pub pri_zero_sent: u64,
}
