//! Link and address notifications from the kernel's rtnetlink multicast
//! groups, as a [`Stream`] of [`Event`]s.

use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use futures::channel::mpsc::UnboundedReceiver;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::address::AddressMessage;
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::sys::SocketAddr;

use super::AbortOnDrop;
use super::message::{is_device_message, read_address, read_link};

/// A link appeared, changed or went away (`RTM_NEWLINK`/`RTM_DELLINK`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkEvent {
    pub(crate) index: u32,
    /// The interface name; empty only if the kernel left `IFLA_IFNAME` out.
    pub(crate) name: String,
    /// Administratively and operationally up; false once deleted.
    pub(crate) up: bool,
    /// The link was deleted (`RTM_DELLINK`).
    pub(crate) deleted: bool,
}

/// An address was added to or removed from an interface
/// (`RTM_NEWADDR`/`RTM_DELADDR`), by us or by anybody else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddressEvent {
    pub(crate) index: u32,
    pub(crate) address: IpAddr,
    pub(crate) prefix_len: u8,
    /// True for `RTM_NEWADDR` (which is also sent when an address changes,
    /// for example when its preferred lifetime runs out).
    pub(crate) added: bool,
}

/// What the kernel told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    Link(LinkEvent),
    Address(AddressEvent),
    /// The socket's receive buffer overflowed (`ENOBUFS`) and notifications
    /// were lost: re-read links and addresses before trusting the state.
    Overrun,
}

/// The notifications of one multicast rtnetlink socket. Dropping it closes
/// the socket.
pub(crate) struct Events {
    messages: UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>,
    _connection: AbortOnDrop,
}

impl Events {
    pub(super) fn new(
        messages: UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>,
        connection: AbortOnDrop,
    ) -> Self {
        Events {
            messages,
            _connection: connection,
        }
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").finish_non_exhaustive()
    }
}

impl Stream for Events {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        loop {
            match Pin::new(&mut self.messages).poll_next(cx) {
                Poll::Ready(Some((message, _))) => {
                    if let Some(event) = event_of(message) {
                        return Poll::Ready(Some(event));
                    }
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The event a notification means, if it is one we watch. netlink-proto
/// turns `ENOBUFS` into an `Overrun` payload.
pub(crate) fn event_of(message: NetlinkMessage<RouteNetlinkMessage>) -> Option<Event> {
    match message.payload {
        NetlinkPayload::InnerMessage(inner) => match inner {
            RouteNetlinkMessage::NewLink(link) | RouteNetlinkMessage::DelLink(link)
                if !is_device_message(&link) =>
            {
                None
            }
            RouteNetlinkMessage::NewLink(link) => {
                let state = read_link(&link);
                Some(Event::Link(LinkEvent {
                    index: state.index,
                    name: state.name.unwrap_or_default(),
                    up: state.up,
                    deleted: false,
                }))
            }
            RouteNetlinkMessage::DelLink(link) => {
                let state = read_link(&link);
                Some(Event::Link(LinkEvent {
                    index: state.index,
                    name: state.name.unwrap_or_default(),
                    up: false,
                    deleted: true,
                }))
            }
            RouteNetlinkMessage::NewAddress(address) => address_event(&address, true),
            RouteNetlinkMessage::DelAddress(address) => address_event(&address, false),
            _ => None,
        },
        NetlinkPayload::Overrun(_) => Some(Event::Overrun),
        _ => None,
    }
}

fn address_event(message: &AddressMessage, added: bool) -> Option<Event> {
    let read = read_address(message)?;
    Some(Event::Address(AddressEvent {
        index: read.index,
        address: read.address,
        prefix_len: read.prefix_len,
        added,
    }))
}

#[cfg(test)]
mod tests {
    use netlink_packet_route::AddressFamily;
    use netlink_packet_route::address::AddressAttribute;
    use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
    use rtnetlink::packet_core::{NetlinkHeader, NetlinkPayload};

    use super::*;

    fn link(family: AddressFamily, flags: LinkFlags) -> LinkMessage {
        let mut message = LinkMessage::default();
        message.header.interface_family = family;
        message.header.index = 3;
        message.header.flags = flags;
        message
            .attributes
            .push(LinkAttribute::IfName("eth0".into()));
        message
    }

    fn event(inner: RouteNetlinkMessage) -> Option<Event> {
        event_of(NetlinkMessage::from(inner))
    }

    #[test]
    fn link_messages_become_link_events() {
        let up = LinkFlags::Up | LinkFlags::Running;
        assert_eq!(
            event(RouteNetlinkMessage::NewLink(link(
                AddressFamily::Unspec,
                up
            ))),
            Some(Event::Link(LinkEvent {
                index: 3,
                name: "eth0".into(),
                up: true,
                deleted: false
            }))
        );
        assert_eq!(
            event(RouteNetlinkMessage::DelLink(link(
                AddressFamily::Unspec,
                up
            ))),
            Some(Event::Link(LinkEvent {
                index: 3,
                name: "eth0".into(),
                up: false,
                deleted: true
            }))
        );
    }

    #[test]
    fn bridge_port_messages_are_not_link_events() {
        let up = LinkFlags::Up | LinkFlags::Running;
        assert_eq!(
            event(RouteNetlinkMessage::DelLink(link(
                AddressFamily::Bridge,
                up
            ))),
            None
        );
        assert_eq!(
            event(RouteNetlinkMessage::NewLink(link(
                AddressFamily::Bridge,
                up
            ))),
            None
        );
    }

    #[test]
    fn address_messages_become_address_events() {
        let mut message = AddressMessage::default();
        message.header.index = 3;
        message.header.prefix_len = 64;
        message
            .attributes
            .push(AddressAttribute::Address("fd00::5".parse().unwrap()));
        let expected = |added| {
            Some(Event::Address(AddressEvent {
                index: 3,
                address: "fd00::5".parse().unwrap(),
                prefix_len: 64,
                added,
            }))
        };
        assert_eq!(
            event(RouteNetlinkMessage::NewAddress(message.clone())),
            expected(true)
        );
        assert_eq!(
            event(RouteNetlinkMessage::DelAddress(message)),
            expected(false)
        );
    }

    #[test]
    fn an_overrun_asks_for_a_resync_and_other_messages_are_skipped() {
        let overrun = NetlinkMessage::new(
            NetlinkHeader::default(),
            NetlinkPayload::<RouteNetlinkMessage>::Overrun(Vec::new()),
        );
        assert_eq!(event_of(overrun), Some(Event::Overrun));
        let noop = NetlinkMessage::new(
            NetlinkHeader::default(),
            NetlinkPayload::<RouteNetlinkMessage>::Noop,
        );
        assert_eq!(event_of(noop), None);
        let route = RouteNetlinkMessage::NewRoute(Default::default());
        assert_eq!(event(route), None);
    }
}
