//! vrrpd's rtnetlink layer: interface lookups, virtual addresses and link and
//! address notifications, over the `rtnetlink` crate on tokio.
//!
//! [`Netlink`] holds one request socket; [`Netlink::watch`] opens a second
//! one bound to the link and address multicast groups. Both belong to the
//! network namespace of the thread that opens them.
//!
//! Adding an address that is already there and removing one that is not are
//! both `Ok`: keepalived re-adds its VIPs whenever it becomes master and
//! removes them on every way out, whatever the kernel holds by then.
//!
//! It does not decide anything (which VIPs, when): that is vrrp-proto's job.
//!
//! ```ignore
//! let netlink = Netlink::new().await?;
//! let index = netlink.link_index("eth0").await?.ok_or(...)?;
//! let vip = VirtualAddress::new(index, "10.0.0.100".parse()?, 24);
//! netlink.add_address(&vip).await?;
//! let mut events = netlink.watch().await?;
//! while let Some(event) = events.next().await { /* restore the VIP */ }
//! ```

mod events;
mod kernel;
mod message;
mod names;
mod route;
mod rule;

use std::io;
use std::net::IpAddr;

use futures::TryStreamExt;
use rtnetlink::{Handle, MulticastGroup};

#[allow(
    unused_imports,
    reason = "the watch loop (restoring removed VIPs, link faults) comes next"
)]
pub(crate) use self::events::{AddressEvent, Event, Events, LinkEvent};
pub(crate) use self::kernel::LinkDetails;
use self::message::{
    InterfaceAddress, MAX_NAME_LEN, del_address_message, new_address_message, read_address,
    read_link,
};
pub(crate) use self::message::{IpFamily, VirtualAddress};
pub(crate) use self::route::KernelRoute;
pub(crate) use self::rule::KernelRule;

/// What went wrong talking to the kernel, with what we were doing.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NetlinkError {
    /// The socket could not be opened, bound or joined to its groups.
    #[error("opening the rtnetlink socket for {purpose}: {source}")]
    Socket {
        purpose: &'static str,
        source: io::Error,
    },
    /// The kernel refused a request, or the connection failed.
    #[error("{request}: {source}")]
    Request {
        request: String,
        source: rtnetlink::Error,
    },
    /// No interface has this index.
    #[error("no interface has index {index}")]
    NoSuchLink { index: u32 },
    /// A route or rule that no request could express here.
    #[error("{what}: {reason}")]
    Invalid { what: String, reason: String },
    /// A virtual address that no request could express.
    #[error("virtual address {address}/{prefix_len}: {reason}")]
    InvalidAddress {
        address: IpAddr,
        prefix_len: u8,
        reason: &'static str,
    },
}

impl NetlinkError {
    fn request(request: impl Into<String>) -> impl FnOnce(rtnetlink::Error) -> Self {
        let request = request.into();
        move |source| NetlinkError::Request { request, source }
    }

    /// The errno of a request the kernel refused.
    pub(crate) fn errno(&self) -> Option<i32> {
        match self {
            NetlinkError::Request { source, .. } => errno(source),
            _ => None,
        }
    }
}

fn errno(error: &rtnetlink::Error) -> Option<i32> {
    match error {
        rtnetlink::Error::NetlinkError(message) => message.to_io().raw_os_error(),
        _ => None,
    }
}

/// Aborts a spawned connection task when its owner goes, closing the socket.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// vrrpd's rtnetlink request socket.
pub(crate) struct Netlink {
    handle: Handle,
    _connection: AbortOnDrop,
}

impl std::fmt::Debug for Netlink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Netlink").finish_non_exhaustive()
    }
}

impl Netlink {
    /// Opens the request socket in the current thread's network namespace
    /// and spawns its connection on the current tokio runtime.
    pub(crate) async fn new() -> Result<Netlink, NetlinkError> {
        let (connection, handle, _unsolicited) =
            rtnetlink::new_connection().map_err(|source| NetlinkError::Socket {
                purpose: "requests",
                source,
            })?;
        Ok(Netlink {
            handle,
            _connection: AbortOnDrop(tokio::spawn(connection)),
        })
    }

    /// The index of the interface `name`, or `None` if there is none.
    pub(crate) async fn link_index(&self, name: &str) -> Result<Option<u32>, NetlinkError> {
        // The kernel answers EINVAL rather than ENODEV to a name that cannot
        // exist; such a name has no index either.
        if name.is_empty() || name.len() > MAX_NAME_LEN || name.contains(['\0', '/']) {
            return Ok(None);
        }
        let reply = self
            .handle
            .link()
            .get()
            .match_name(name)
            .execute()
            .try_next()
            .await;
        match reply {
            Ok(Some(link)) => Ok(Some(link.header.index)),
            Ok(None) => Ok(None),
            Err(error) if errno(&error) == Some(libc::ENODEV) => Ok(None),
            Err(source) => Err(NetlinkError::Request {
                request: format!("looking up interface {name}"),
                source,
            }),
        }
    }

    /// Whether interface `index` is up: administratively (`IFF_UP`) and
    /// operationally (`IFF_RUNNING`: it has carrier).
    pub(crate) async fn link_is_up(&self, index: u32) -> Result<bool, NetlinkError> {
        match self.link_message(index).await {
            Ok(Some(link)) => Ok(read_link(&link).up),
            Ok(None) => Err(NetlinkError::NoSuchLink { index }),
            Err(source) => Err(NetlinkError::Request {
                request: format!("reading the state of interface {index}"),
                source,
            }),
        }
    }

    /// The kernel's message for link `index`; `None` if there is no such
    /// link (also when the kernel says so with ENODEV).
    pub(crate) async fn link_message(
        &self,
        index: u32,
    ) -> Result<Option<netlink_packet_route::link::LinkMessage>, rtnetlink::Error> {
        let reply = self
            .handle
            .link()
            .get()
            .match_index(index)
            .execute()
            .try_next()
            .await;
        match reply {
            Err(error) if errno(&error) == Some(libc::ENODEV) => Ok(None),
            other => other,
        }
    }

    /// Every address of interface `index` with its prefix length, in the
    /// kernel's order (IPv4 first, primaries before their secondaries).
    pub(crate) async fn addresses(&self, index: u32) -> Result<Vec<(IpAddr, u8)>, NetlinkError> {
        Ok(self
            .interface_addresses(index)
            .await?
            .into_iter()
            .map(|a| (a.address, a.prefix_len))
            .collect())
    }

    /// The first primary (not secondary), global address of `family` on
    /// interface `index`: the source of IPv4 adverts. (IPv6 adverts come
    /// from the link-local address, RFC 5798 §5.1.2.1: see
    /// [`Netlink::link_local_address`].)
    pub(crate) async fn primary_address(
        &self,
        index: u32,
        family: IpFamily,
    ) -> Result<Option<IpAddr>, NetlinkError> {
        self.first_address(index, family, |a| {
            a.scope == netlink_packet_route::address::AddressScope::Universe
        })
        .await
    }

    /// The first usable IPv6 link-local address of interface `index`.
    pub(crate) async fn link_local_address(
        &self,
        index: u32,
    ) -> Result<Option<IpAddr>, NetlinkError> {
        self.first_address(index, IpFamily::V6, |a| {
            a.scope == netlink_packet_route::address::AddressScope::Link
        })
        .await
    }

    async fn first_address(
        &self,
        index: u32,
        family: IpFamily,
        scope: impl Fn(&InterfaceAddress) -> bool,
    ) -> Result<Option<IpAddr>, NetlinkError> {
        Ok(self
            .interface_addresses(index)
            .await?
            .into_iter()
            .find(|a| IpFamily::of(a.address) == family && scope(a) && a.is_usable_primary())
            .map(|a| a.address))
    }

    async fn interface_addresses(&self, index: u32) -> Result<Vec<InterfaceAddress>, NetlinkError> {
        // The kernel dumps every interface's addresses; rtnetlink filters.
        let messages: Vec<_> = self
            .handle
            .address()
            .get()
            .set_link_index_filter(index)
            .execute()
            .try_collect()
            .await
            .map_err(NetlinkError::request(format!(
                "listing the addresses of interface {index}"
            )))?;
        Ok(messages.iter().filter_map(read_address).collect())
    }

    /// Puts `vip` on its interface. An address that is already there
    /// (`EEXIST`) is success; its options are then left as they are.
    pub(crate) async fn add_address(&self, vip: &VirtualAddress) -> Result<(), NetlinkError> {
        let message = new_address_message(vip)?;
        // `add` builds a message we replace whole: it would add a broadcast
        // address of its own to IPv4 prefixes shorter than /31.
        let mut request = self
            .handle
            .address()
            .add(vip.index, vip.address, vip.prefix_len);
        *request.message_mut() = message;
        match request.execute().await {
            Ok(()) => Ok(()),
            Err(error) if errno(&error) == Some(libc::EEXIST) => Ok(()),
            Err(source) => Err(NetlinkError::Request {
                request: format!(
                    "adding {}/{} to interface {}",
                    vip.address, vip.prefix_len, vip.index
                ),
                source,
            }),
        }
    }

    /// Takes `vip` off its interface. An address that is not there
    /// (`EADDRNOTAVAIL`), or whose interface is gone (`ENODEV`), is success.
    pub(crate) async fn remove_address(&self, vip: &VirtualAddress) -> Result<(), NetlinkError> {
        let message = del_address_message(vip)?;
        match self.handle.address().del(message).execute().await {
            Ok(()) => Ok(()),
            Err(error) if matches!(errno(&error), Some(libc::EADDRNOTAVAIL | libc::ENODEV)) => {
                Ok(())
            }
            Err(source) => Err(NetlinkError::Request {
                request: format!(
                    "removing {}/{} from interface {}",
                    vip.address, vip.prefix_len, vip.index
                ),
                source,
            }),
        }
    }

    /// Subscribes to link and address notifications (`RTNLGRP_LINK`,
    /// `RTNLGRP_IPV4_IFADDR`, `RTNLGRP_IPV6_IFADDR`) on a socket of their own,
    /// in the current thread's network namespace. One socket for all three
    /// keeps their order: a link going down comes before its addresses go.
    pub(crate) async fn watch(&self) -> Result<Events, NetlinkError> {
        let groups = [
            MulticastGroup::Link,
            MulticastGroup::Ipv4Ifaddr,
            MulticastGroup::Ipv6Ifaddr,
        ];
        let (connection, _handle, messages) = rtnetlink::new_multicast_connection(&groups)
            .map_err(|source| NetlinkError::Socket {
                purpose: "link and address notifications",
                source,
            })?;
        Ok(Events::new(messages, AbortOnDrop(tokio::spawn(connection))))
    }
}

#[cfg(test)]
mod tests;
