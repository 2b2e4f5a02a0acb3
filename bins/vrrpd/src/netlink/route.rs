//! `virtual_routes` and `static_routes` lines as `RTM_NEWROUTE` and
//! `RTM_DELROUTE` requests.
//!
//! [`KernelRoute::plan`] turns a model [`Route`] into a message once, at
//! start: names are resolved, every option the kernel takes becomes its
//! header field or attribute, and an option no request can carry (`encap`,
//! `vrf`, `ttl-propagate`) makes the route an error there, so it is
//! reported with its instance rather than installed half-done. Interface
//! indices are filled in at each install, since a `dev` (a VMAC) may only
//! appear after start.
//!
//! It decides nothing about when routes go in or out: effects.rs does.

use std::net::IpAddr;
use std::time::Duration;

use kconf_parser::model::ipaddr::{
    AddMode, Nexthop, Realms, Route, RouteMetric as Lockable, RouteType as ConfRouteType,
    RouterPreference,
};
use netlink_packet_route::AddressFamily;
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteMessage, RouteMetric, RouteNextHop,
    RouteNextHopFlags, RoutePreference, RouteProtocol, RouteRealm, RouteScope, RouteType, RouteVia,
};
use rtnetlink::packet_core::{NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST};

use super::names::{NameFile, resolve};

/// `RTPROT_KEEPALIVED`: the protocol keepalived marks its routes with.
pub(crate) const RTPROT_KEEPALIVED: u8 = 18;
/// `RT_TABLE_MAIN`.
const RT_TABLE_MAIN: u32 = 254;
/// `RTAX_FEATURE_ECN`.
const RTAX_FEATURE_ECN: u32 = 1;

/// A route ready to be sent, but for its interface indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KernelRoute {
    /// The route as messages name it: `10.1.0.0/16 table 100`.
    pub(crate) text: String,
    /// The request, without `RTA_OIF` and nexthop interface indices.
    message: RouteMessage,
    /// The interface of `dev`.
    pub(crate) dev: Option<String>,
    /// The interface of each nexthop, in `RTA_MULTIPATH` order.
    hop_devs: Vec<Option<String>>,
    /// Whether the type took the default scope (it differs for a delete).
    default_scope: bool,
    /// `prepend`, `add` or `append`: the request's flags.
    mode: AddMode,
}

impl KernelRoute {
    /// Builds the request of `route`; an option that no request carries,
    /// or a name this host does not know, is an error.
    pub(crate) fn plan(route: &Route) -> Result<KernelRoute, String> {
        let v6 = route.to.address.is_ipv6();
        let mut text = route.to.to_string();
        let refuse = |what: &str| {
            Err(format!(
                "route {text}: {what} cannot be expressed by this build"
            ))
        };
        if !route.encap.is_empty() || route.nexthops.iter().any(|h| !h.encap.is_empty()) {
            return refuse("'encap' (lightweight tunnels)");
        }
        if route.vrf.is_some() {
            return refuse("'vrf'");
        }
        if route.ttl_propagate.is_some() {
            return refuse("'ttl-propagate' (MPLS)");
        }
        let mut message = RouteMessage::default();
        let header = &mut message.header;
        header.address_family = family(v6);
        header.destination_prefix_length = route.to.len;
        let kind = route.route_type.map_or(RouteType::Unicast, route_type);
        header.kind = kind;
        let table = match &route.table {
            Some(table) => resolve(table, NameFile::Tables)?,
            None => RT_TABLE_MAIN,
        };
        if table != RT_TABLE_MAIN {
            text.push_str(&format!(" table {table}"));
        }
        let protocol = match &route.protocol {
            Some(protocol) => resolve(protocol, NameFile::Protocols)?,
            None => RTPROT_KEEPALIVED,
        };
        header.protocol = RouteProtocol::from(protocol);
        let has_gateway = route.via.is_some() || !route.nexthops.is_empty();
        let scope = match &route.scope {
            Some(scope) => Some(resolve(scope, NameFile::Scopes)?),
            None => None,
        };
        header.scope = RouteScope::from(scope.unwrap_or_else(|| default_scope(kind, has_gateway)));
        if let Some(tos) = &route.tos {
            header.tos = resolve(tos, NameFile::DsField)?;
        }
        if route.onlink {
            header.flags |= RouteFlags::Onlink;
        }
        // As `ip route` does: a table above 255 does not fit the header.
        match u8::try_from(table) {
            Ok(small) => header.table = small,
            Err(_) => {
                header.table = 0;
                message.attributes.push(RouteAttribute::Table(table));
            }
        }
        let attributes = &mut message.attributes;
        if route.to.len > 0 || !route.to.address.is_unspecified() {
            attributes.push(RouteAttribute::Destination(address(route.to.address)));
        }
        if let Some(from) = route.from {
            message.header.source_prefix_length = from.len;
            attributes.push(RouteAttribute::Source(address(from.address)));
        }
        if let Some(src) = route.src {
            attributes.push(RouteAttribute::PrefSource(address(src)));
        }
        if let Some(via) = route.via {
            attributes.push(gateway(v6, via));
        }
        if let Some(metric) = route.metric {
            attributes.push(RouteAttribute::Priority(metric));
        }
        if let Some(realms) = &route.realms {
            attributes.push(RouteAttribute::Realm(realm(realms)?));
        }
        if let Some(pref) = route.pref {
            attributes.push(RouteAttribute::Preference(match pref {
                RouterPreference::Low => RoutePreference::Low,
                RouterPreference::Medium => RoutePreference::Medium,
                RouterPreference::High => RoutePreference::High,
                RouterPreference::Other(other) => RoutePreference::from(other),
            }));
        }
        if let Some(expires) = route.expires {
            attributes.push(RouteAttribute::Expires(expires));
        }
        let metrics = metrics(route);
        if !metrics.is_empty() {
            attributes.push(RouteAttribute::Metrics(metrics));
        }
        let mut hops = Vec::new();
        let mut hop_devs = Vec::new();
        for hop in &route.nexthops {
            hops.push(nexthop(v6, hop)?);
            hop_devs.push(hop.dev.as_ref().map(|d| d.value.clone()));
        }
        if !hops.is_empty() {
            attributes.push(RouteAttribute::MultiPath(hops));
        }
        Ok(KernelRoute {
            text,
            message,
            dev: route.dev.as_ref().map(|d| d.value.clone()),
            hop_devs,
            default_scope: scope.is_none(),
            mode: route.mode,
        })
    }

    /// The interfaces the route names.
    pub(crate) fn interfaces(&self) -> impl Iterator<Item = &str> {
        self.dev
            .iter()
            .chain(self.hop_devs.iter().flatten())
            .map(String::as_str)
    }

    /// The `RTM_NEWROUTE` message, with `index` giving interface indices.
    pub(crate) fn add_message(
        &self,
        index: impl Fn(&str) -> Option<u32>,
    ) -> Result<RouteMessage, String> {
        let mut message = self.message.clone();
        if let Some(dev) = &self.dev {
            let oif = index(dev).ok_or_else(|| format!("interface {dev} does not exist"))?;
            message.attributes.push(RouteAttribute::Oif(oif));
        }
        for attribute in &mut message.attributes {
            if let RouteAttribute::MultiPath(hops) = attribute {
                for (hop, dev) in hops.iter_mut().zip(&self.hop_devs) {
                    if let Some(dev) = dev {
                        hop.interface_index =
                            index(dev).ok_or_else(|| format!("interface {dev} does not exist"))?;
                    }
                }
            }
        }
        Ok(message)
    }

    /// The `RTM_DELROUTE` message: as the add, but a unicast route of the
    /// default scope matches any scope (`RT_SCOPE_NOWHERE`), as `ip route
    /// del` asks.
    pub(crate) fn delete_message(
        &self,
        index: impl Fn(&str) -> Option<u32>,
    ) -> Result<RouteMessage, String> {
        let mut message = self.add_message(index)?;
        if self.default_scope && message.header.kind == RouteType::Unicast {
            message.header.scope = RouteScope::NoWhere;
        }
        Ok(message)
    }

    /// The netlink flags of the add: `prepend` creates (before matching
    /// routes), `add` only if there is none, `append` after them.
    pub(crate) fn add_flags(&self) -> u16 {
        NLM_F_REQUEST
            | NLM_F_ACK
            | NLM_F_CREATE
            | match self.mode {
                AddMode::Prepend => 0,
                AddMode::Add => NLM_F_EXCL,
                AddMode::Append => NLM_F_APPEND,
            }
    }
}

fn family(v6: bool) -> AddressFamily {
    if v6 {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    }
}

fn address(ip: IpAddr) -> RouteAddress {
    match ip {
        IpAddr::V4(v4) => RouteAddress::Inet(v4),
        IpAddr::V6(v6) => RouteAddress::Inet6(v6),
    }
}

/// `RTA_GATEWAY` for a gateway of the route's family, `RTA_VIA` for one of
/// the other (an IPv4 route via an IPv6 neighbour).
fn gateway(route_v6: bool, via: IpAddr) -> RouteAttribute {
    match (route_v6, via) {
        (false, IpAddr::V4(_)) | (true, IpAddr::V6(_)) => RouteAttribute::Gateway(address(via)),
        (_, IpAddr::V4(v4)) => RouteAttribute::Via(RouteVia::Inet(v4)),
        (_, IpAddr::V6(v6)) => RouteAttribute::Via(RouteVia::Inet6(v6)),
    }
}

fn route_type(kind: ConfRouteType) -> RouteType {
    match kind {
        ConfRouteType::Unicast => RouteType::Unicast,
        ConfRouteType::Local => RouteType::Local,
        ConfRouteType::Broadcast => RouteType::Broadcast,
        ConfRouteType::Anycast => RouteType::Anycast,
        ConfRouteType::Multicast => RouteType::Multicast,
        ConfRouteType::Blackhole => RouteType::BlackHole,
        ConfRouteType::Unreachable => RouteType::Unreachable,
        ConfRouteType::Prohibit => RouteType::Prohibit,
        ConfRouteType::Throw => RouteType::Throw,
        ConfRouteType::Nat => RouteType::Nat,
        ConfRouteType::Xresolve => RouteType::ExternalResolve,
        ConfRouteType::Other(number) => RouteType::from(number),
    }
}

/// The scope `ip route add` gives a route that names none.
fn default_scope(kind: RouteType, has_gateway: bool) -> u8 {
    let scope = match kind {
        RouteType::Local | RouteType::Nat => RouteScope::Host,
        RouteType::Broadcast | RouteType::Multicast | RouteType::Anycast => RouteScope::Link,
        RouteType::Unicast if !has_gateway => RouteScope::Link,
        _ => RouteScope::Universe,
    };
    u8::from(scope)
}

/// `RTA_FLOW`: the source realm in the high 16 bits, the destination in
/// the low.
fn realm(realms: &Realms) -> Result<RouteRealm, String> {
    let to = resolve(&realms.to, NameFile::Realms)?;
    let from = match &realms.from {
        Some(from) => resolve(from, NameFile::Realms)?,
        None => 0,
    };
    Ok(RouteRealm {
        source: u16::from(from),
        destination: u16::from(to),
    })
}

fn nexthop(v6: bool, hop: &Nexthop) -> Result<RouteNextHop, String> {
    let mut out = RouteNextHop::default();
    if hop.onlink {
        out.flags |= RouteNextHopFlags::Onlink;
    }
    // rtnh_hops holds the weight less one.
    out.hops = hop
        .weight
        .map_or(0, |w| u8::try_from(w.saturating_sub(1)).unwrap_or(u8::MAX));
    if let Some(via) = hop.via {
        out.attributes.push(gateway(v6, via));
    }
    if let Some(realms) = &hop.realms {
        out.attributes.push(RouteAttribute::Realm(realm(realms)?));
    }
    Ok(out)
}

/// `RTAX_RTT` is kept in eighths of a millisecond, `RTAX_RTTVAR` in
/// quarters, `RTAX_RTO_MIN` in milliseconds (as `ip route` sends them).
fn millis(time: Duration, shift: u32) -> u32 {
    u32::try_from(time.as_millis())
        .unwrap_or(u32::MAX)
        .saturating_mul(1 << shift)
}

/// The `RTA_METRICS` of the route, `RTAX_LOCK` first when any is locked.
fn metrics(route: &Route) -> Vec<RouteMetric> {
    // (RTAX number, lock, metric)
    let mut out: Vec<(u16, bool, RouteMetric)> = Vec::new();
    let mut lockable =
        |number: u16, metric: &Option<Lockable<u32>>, make: fn(u32) -> RouteMetric| {
            if let Some(m) = metric {
                out.push((number, m.lock, make(m.value)));
            }
        };
    lockable(2, &route.mtu, RouteMetric::Mtu);
    lockable(6, &route.ssthresh, RouteMetric::SsThresh);
    lockable(7, &route.cwnd, RouteMetric::Cwnd);
    lockable(8, &route.advmss, RouteMetric::Advmss);
    lockable(9, &route.reordering, RouteMetric::Reordering);
    if let Some(window) = route.window {
        out.push((3, false, RouteMetric::Window(window)));
    }
    if let Some(rtt) = &route.rtt {
        out.push((4, rtt.lock, RouteMetric::Rtt(millis(rtt.value, 3))));
    }
    if let Some(rttvar) = &route.rttvar {
        out.push((5, rttvar.lock, RouteMetric::RttVar(millis(rttvar.value, 2))));
    }
    if let Some(hoplimit) = route.hoplimit {
        out.push((10, false, RouteMetric::Hoplimit(u32::from(hoplimit))));
    }
    if let Some(initcwnd) = route.initcwnd {
        out.push((11, false, RouteMetric::InitCwnd(initcwnd)));
    }
    if route.features_ecn {
        out.push((12, false, RouteMetric::Features(RTAX_FEATURE_ECN)));
    }
    if let Some(rto_min) = &route.rto_min {
        out.push((
            13,
            rto_min.lock,
            RouteMetric::RtoMin(millis(rto_min.value, 0)),
        ));
    }
    if let Some(initrwnd) = route.initrwnd {
        out.push((14, false, RouteMetric::InitRwnd(initrwnd)));
    }
    if let Some(quickack) = route.quickack {
        out.push((15, false, RouteMetric::QuickAck(u32::from(quickack))));
    }
    if let Some(congctl) = &route.congctl {
        out.push((16, congctl.lock, RouteMetric::CcAlgo(congctl.value.clone())));
    }
    if let Some(no_cookie) = route.fastopen_no_cookie {
        out.push((
            17,
            false,
            RouteMetric::FastopenNoCookie(u32::from(no_cookie)),
        ));
    }
    out.sort_by_key(|(number, _, _)| *number);
    let locks = out
        .iter()
        .filter(|(_, lock, _)| *lock)
        .fold(0u32, |mask, (number, _, _)| mask | (1 << number));
    let mut metrics: Vec<RouteMetric> = Vec::new();
    if locks != 0 {
        metrics.push(RouteMetric::Lock(locks));
    }
    metrics.extend(out.into_iter().map(|(_, _, metric)| metric));
    metrics
}

#[cfg(test)]
mod tests;
