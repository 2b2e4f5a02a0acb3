//! The requests of routes, rules and VMAC links on [`Netlink`]'s socket.
//!
//! Like the address requests, adds and removes are idempotent: a route or
//! rule that is already there (`EEXIST`) is added, one that is not there
//! (`ENOENT`, `ESRCH`) or whose interface is gone (`ENODEV`) is removed.
//! What goes in each message is decided in route.rs and rule.rs.

use futures::StreamExt;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoMacVlan, LinkAttribute, LinkFlags, LinkInfo, LinkMessage, MacVlanMode,
};
use rtnetlink::packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload,
};

use super::route::KernelRoute;
use super::rule::KernelRule;
use super::{Netlink, NetlinkError, errno};

/// What vrrpd needs to know of an existing link before it reuses it as a
/// VMAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkDetails {
    pub(crate) index: u32,
    /// `IFLA_INFO_KIND`, when the link has one.
    pub(crate) kind: Option<InfoKind>,
    /// `IFLA_LINK`: the lower device of a macvlan.
    pub(crate) parent: Option<u32>,
    /// The hardware address.
    pub(crate) mac: Option<Vec<u8>>,
    /// The macvlan mode, for a macvlan.
    pub(crate) macvlan_mode: Option<MacVlanMode>,
    /// Administratively up.
    pub(crate) up: bool,
}

/// Reads the details of a link message.
pub(crate) fn link_details(message: &LinkMessage) -> LinkDetails {
    let mut details = LinkDetails {
        index: message.header.index,
        kind: None,
        parent: None,
        mac: None,
        macvlan_mode: None,
        up: message.header.flags.contains(LinkFlags::Up),
    };
    for attribute in &message.attributes {
        match attribute {
            LinkAttribute::Link(parent) => details.parent = Some(*parent),
            LinkAttribute::Address(mac) => details.mac = Some(mac.clone()),
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    match info {
                        LinkInfo::Kind(kind) => details.kind = Some(kind.clone()),
                        LinkInfo::Data(InfoData::MacVlan(data)) => {
                            details.macvlan_mode = data.iter().find_map(|d| match d {
                                InfoMacVlan::Mode(mode) => Some(*mode),
                                _ => None,
                            });
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    details
}

/// The `RTM_NEWLINK` that creates a private-mode macvlan `name` on
/// `parent` with hardware address `mac`, down (its sysctls are set before
/// it comes up).
pub(crate) fn new_macvlan_message(name: &str, parent: u32, mac: [u8; 6]) -> LinkMessage {
    rtnetlink::LinkMacVlan::new(name, parent, MacVlanMode::Private)
        .address(mac.to_vec())
        .build()
}

impl Netlink {
    /// Sends one request and waits for its acknowledgement.
    async fn send(&self, message: RouteNetlinkMessage, flags: u16) -> Result<(), rtnetlink::Error> {
        let mut request = NetlinkMessage::from(message);
        request.header.flags = flags;
        let mut handle = self.handle.clone();
        let mut replies = handle.request(request)?;
        while let Some(reply) = replies.next().await {
            // An acknowledgement is an error message without a code.
            if let NetlinkPayload::Error(error) = reply.payload {
                if error.code.is_some() {
                    return Err(rtnetlink::Error::NetlinkError(error));
                }
            }
        }
        Ok(())
    }

    /// The indices of the interfaces a route names.
    async fn indices(
        &self,
        route: &KernelRoute,
    ) -> Result<std::collections::HashMap<String, u32>, NetlinkError> {
        let mut indices = std::collections::HashMap::new();
        for name in route.interfaces() {
            if let Some(index) = self.link_index(name).await? {
                indices.insert(name.to_owned(), index);
            }
        }
        Ok(indices)
    }

    /// Adds `route`; one that is already there is success.
    pub(crate) async fn add_route(&self, route: &KernelRoute) -> Result<(), NetlinkError> {
        let indices = self.indices(route).await?;
        let message = route
            .add_message(|name| indices.get(name).copied())
            .map_err(|reason| NetlinkError::Invalid {
                what: format!("route {}", route.text),
                reason,
            })?;
        match self
            .send(RouteNetlinkMessage::NewRoute(message), route.add_flags())
            .await
        {
            Err(error) if errno(&error) != Some(libc::EEXIST) => Err(NetlinkError::Request {
                request: format!("adding route {}", route.text),
                source: error,
            }),
            _ => Ok(()),
        }
    }

    /// Removes `route`; one that is not there, or whose interface is gone,
    /// is success.
    pub(crate) async fn remove_route(&self, route: &KernelRoute) -> Result<(), NetlinkError> {
        let indices = self.indices(route).await?;
        let Ok(message) = route.delete_message(|name| indices.get(name).copied()) else {
            // Its interface is gone, and its routes with it.
            return Ok(());
        };
        match self
            .send(
                RouteNetlinkMessage::DelRoute(message),
                NLM_F_REQUEST | NLM_F_ACK,
            )
            .await
        {
            Err(error)
                if !matches!(
                    errno(&error),
                    Some(libc::ESRCH | libc::ENOENT | libc::ENODEV)
                ) =>
            {
                Err(NetlinkError::Request {
                    request: format!("removing route {}", route.text),
                    source: error,
                })
            }
            _ => Ok(()),
        }
    }

    /// Adds `rule`; one that is already there is success.
    pub(crate) async fn add_rule(&self, rule: &KernelRule) -> Result<(), NetlinkError> {
        // Without NLM_F_EXCL the kernel would add a second, identical rule.
        let flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        match self
            .send(RouteNetlinkMessage::NewRule(rule.message.clone()), flags)
            .await
        {
            Err(error) if errno(&error) != Some(libc::EEXIST) => Err(NetlinkError::Request {
                request: format!("adding rule {}", rule.text),
                source: error,
            }),
            _ => Ok(()),
        }
    }

    /// Removes `rule`; one that is not there is success.
    pub(crate) async fn remove_rule(&self, rule: &KernelRule) -> Result<(), NetlinkError> {
        match self
            .send(
                RouteNetlinkMessage::DelRule(rule.message.clone()),
                NLM_F_REQUEST | NLM_F_ACK,
            )
            .await
        {
            Err(error) if !matches!(errno(&error), Some(libc::ENOENT | libc::ESRCH)) => {
                Err(NetlinkError::Request {
                    request: format!("removing rule {}", rule.text),
                    source: error,
                })
            }
            _ => Ok(()),
        }
    }

    /// The details of link `name`, or `None` if there is none.
    pub(crate) async fn link_by_name(
        &self,
        name: &str,
    ) -> Result<Option<LinkDetails>, NetlinkError> {
        let Some(index) = self.link_index(name).await? else {
            return Ok(None);
        };
        match self.link_message(index).await {
            Ok(link) => Ok(link.as_ref().map(link_details)),
            Err(source) => Err(NetlinkError::Request {
                request: format!("reading interface {name}"),
                source,
            }),
        }
    }

    /// Creates a private-mode macvlan, down.
    pub(crate) async fn add_macvlan(
        &self,
        name: &str,
        parent: u32,
        mac: [u8; 6],
    ) -> Result<(), NetlinkError> {
        self.handle
            .link()
            .add(new_macvlan_message(name, parent, mac))
            .execute()
            .await
            .map_err(NetlinkError::request(format!("creating macvlan {name}")))
    }

    /// Sets link `index` administratively up.
    pub(crate) async fn set_link_up(&self, index: u32) -> Result<(), NetlinkError> {
        let message = rtnetlink::LinkUnspec::new_with_index(index).up().build();
        self.handle
            .link()
            .set(message)
            .execute()
            .await
            .map_err(NetlinkError::request(format!(
                "setting interface {index} up"
            )))
    }

    /// Deletes link `index`; one that is gone already is success.
    pub(crate) async fn delete_link(&self, index: u32) -> Result<(), NetlinkError> {
        match self.handle.link().del(index).execute().await {
            Err(error) if errno(&error) != Some(libc::ENODEV) => Err(NetlinkError::Request {
                request: format!("deleting interface {index}"),
                source: error,
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vmac_is_a_private_macvlan_with_the_virtual_mac() {
        let message = new_macvlan_message("vrrp.51", 4, [0, 0, 0x5e, 0, 1, 51]);
        assert!(!message.header.flags.contains(LinkFlags::Up));
        let details = link_details(&message);
        assert_eq!(details.parent, Some(4));
        assert_eq!(details.mac, Some(vec![0, 0, 0x5e, 0, 1, 51]));
        assert_eq!(details.kind, Some(InfoKind::MacVlan));
        assert_eq!(details.macvlan_mode, Some(MacVlanMode::Private));
        assert!(
            message
                .attributes
                .contains(&LinkAttribute::IfName("vrrp.51".into()))
        );
    }
}
