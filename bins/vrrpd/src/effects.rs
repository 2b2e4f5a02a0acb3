//! The kernel side of the state machine's actions: virtual addresses
//! through rtnetlink, gratuitous ARPs / unsolicited NAs through packet
//! sockets.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::daemon::Effects;
use crate::garp::GarpSender;
use crate::netlink::{Netlink, VirtualAddress};
use crate::setup::Planned;

/// Applies actions to this host.
pub(crate) struct Host {
    netlink: Netlink,
    /// Packet sockets by interface name, opened on first use.
    senders: HashMap<String, GarpSender>,
}

impl Host {
    pub(crate) fn new(netlink: Netlink) -> Self {
        Host {
            netlink,
            senders: HashMap::new(),
        }
    }

    /// The request socket, for what lives as long as the daemon (static
    /// routes, VMACs).
    pub(crate) fn netlink(&self) -> &Netlink {
        &self.netlink
    }

    /// The interface an address goes on: its own `dev`, else the instance's.
    fn interface_of<'p>(
        planned: &'p Planned,
        address: &'p kconf_parser::model::ipaddr::IpAddress,
    ) -> &'p str {
        address
            .dev
            .as_ref()
            .map_or(planned.vip_interface(), |dev| dev.value.as_str())
    }

    async fn virtual_addresses(&self, planned: &Planned) -> Vec<VirtualAddress> {
        let mut out = Vec::new();
        for address in &planned.addresses {
            let interface = Self::interface_of(planned, address);
            let index = match self.netlink.link_index(interface).await {
                Ok(Some(index)) => index,
                Ok(None) => {
                    eprintln!(
                        "({}) interface {interface} does not exist; {} not added",
                        planned.protocol.name, address.address
                    );
                    continue;
                }
                Err(err) => {
                    eprintln!("({}) looking up {interface}: {err}", planned.protocol.name);
                    continue;
                }
            };
            out.push(VirtualAddress {
                index,
                address: address.address,
                prefix_len: address.prefix_len,
                broadcast: None,
                label: address.label.clone(),
                scope: None,
                peer: address.peer,
                no_dad: address.no_dad,
                preferred_lft: None,
            });
        }
        out
    }
}

impl Effects for Host {
    async fn install(&mut self, planned: &Planned) {
        for address in self.virtual_addresses(planned).await {
            if let Err(err) = self.netlink.add_address(&address).await {
                eprintln!(
                    "({}) cannot add {}/{}: {err}",
                    planned.protocol.name, address.address, address.prefix_len
                );
            }
        }
        // Routes after the addresses (a `src` must exist), as keepalived.
        planned
            .routing
            .install(&planned.protocol.name, &self.netlink)
            .await;
    }

    async fn remove(&mut self, planned: &Planned) {
        planned
            .routing
            .remove(&planned.protocol.name, &self.netlink)
            .await;
        for address in self.virtual_addresses(planned).await {
            if let Err(err) = self.netlink.remove_address(&address).await {
                eprintln!(
                    "({}) cannot remove {}/{}: {err}",
                    planned.protocol.name, address.address, address.prefix_len
                );
            }
        }
    }

    async fn link_up(&mut self, index: u32) -> Option<bool> {
        self.netlink.link_is_up(index).await.ok()
    }

    async fn gratuitous(&mut self, planned: &Planned, count: u32) {
        for address in &planned.addresses {
            let interface = Self::interface_of(planned, address).to_owned();
            if !self.senders.contains_key(&interface) {
                let Ok(Some(index)) = self.netlink.link_index(&interface).await else {
                    continue;
                };
                match GarpSender::open(index, &interface) {
                    Ok(sender) => {
                        self.senders.insert(interface.clone(), sender);
                    }
                    Err(err) => {
                        eprintln!(
                            "({}) cannot send gratuitous ARP on {interface}: {err}",
                            planned.protocol.name
                        );
                        continue;
                    }
                }
            }
            let Some(sender) = self.senders.get(&interface) else {
                continue;
            };
            for _ in 0..count {
                let result = match address.address {
                    IpAddr::V4(vip) => sender.send_arp(vip),
                    IpAddr::V6(vip) => sender.send_na(vip, None),
                };
                if let Err(err) = result {
                    eprintln!(
                        "({}) gratuitous ARP for {} failed: {err}",
                        planned.protocol.name, address.address
                    );
                }
            }
        }
    }
}
