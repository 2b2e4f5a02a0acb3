//! The kernel side of the state machine's actions: virtual addresses
//! through rtnetlink, gratuitous ARPs / unsolicited NAs through packet
//! sockets, paced by pacing.rs.

use crate::daemon::Effects;
use crate::netlink::{Netlink, VirtualAddress};
use crate::pacing::{Frame, Intervals, Pacer};
use crate::setup::Planned;

/// Applies actions to this host.
pub(crate) struct Host {
    netlink: Netlink,
    /// The VMACs made (at start and by reloads), deleted at stop.
    vmacs: crate::vmac::Vmacs,
    /// `static_*`, installed from start to stop.
    statics: crate::routing::Static,
    /// Sends gratuitous ARPs / NAs, `vrrp_garp_interval` apart.
    pacer: Pacer,
}

impl Host {
    /// Needs a tokio runtime (the pacer is a task).
    pub(crate) fn new(netlink: Netlink, intervals: Intervals) -> Self {
        Host {
            netlink,
            vmacs: crate::vmac::Vmacs::default(),
            statics: crate::routing::Static::default(),
            pacer: Pacer::start(intervals),
        }
    }

    /// Installs the `static_*` blocks (kept until [`Self::remove_statics`]).
    pub(crate) async fn install_statics(&mut self, statics: crate::routing::Static) {
        statics.install(&self.netlink).await;
        self.statics = statics;
    }

    /// Removes the `static_*` blocks.
    pub(crate) async fn remove_statics(&mut self) {
        std::mem::take(&mut self.statics)
            .remove(&self.netlink)
            .await;
    }

    /// Deletes the VMACs made and puts the base sysctls back.
    pub(crate) async fn remove_vmacs(&mut self) {
        self.vmacs.remove(&self.netlink).await;
    }

    /// The request socket, for what lives as long as the daemon (static
    /// routes, VMACs).
    pub(crate) fn netlink(&self) -> &Netlink {
        &self.netlink
    }

    async fn virtual_addresses(&self, planned: &Planned) -> Vec<VirtualAddress> {
        let mut out = Vec::new();
        for (i, address) in planned.addresses.iter().enumerate() {
            let interface = planned.address_interface(i);
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
                // keepalived adds IPv6 addresses on a VMAC without DAD: the
                // other routers' VMACs share the MAC, and hold no VIP.
                no_dad: address.no_dad || (address.address.is_ipv6() && planned.is_vmac(interface)),
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
        self.pacer.cancel(
            planned
                .addresses
                .iter()
                .enumerate()
                .map(|(i, a)| (planned.address_interface(i).to_owned(), a.address))
                .collect(),
        );
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

    async fn update_statics(&mut self, statics: crate::routing::Static) {
        if statics != self.statics {
            eprintln!("vrrpd: static addresses, routes or rules changed; replacing them");
            self.remove_statics().await;
            self.install_statics(statics).await;
        }
    }

    async fn prepare(&mut self, planned: Vec<Planned>) -> Vec<Planned> {
        self.vmacs.create_all(&self.netlink, planned).await
    }

    async fn gratuitous(&mut self, planned: &Planned, count: u32) {
        let mut frames = Vec::new();
        for (i, address) in planned.addresses.iter().enumerate() {
            let interface = planned.address_interface(i);
            let Ok(Some(ifindex)) = self.netlink.link_index(interface).await else {
                continue;
            };
            frames.push(Frame {
                owner: planned.protocol.name.clone(),
                interface: interface.to_owned(),
                ifindex,
                address: address.address,
            });
        }
        self.pacer.burst(frames, count);
    }
}
