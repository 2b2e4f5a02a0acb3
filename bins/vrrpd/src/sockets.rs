//! The VRRP sockets in use: one per (interface, source address), shared by
//! the instances that send from it, opened when the first of them can run
//! (at start, or later when its interface appears).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;

use futures::future::select_all;

use crate::socket::{Received, VrrpSocket};

/// Every open VRRP socket, by index.
#[derive(Default)]
pub(crate) struct SocketTable {
    sockets: Vec<VrrpSocket>,
    by_key: HashMap<(String, IpAddr, IpAddr), usize>,
}

impl SocketTable {
    /// The socket for `interface` (index `ifindex`) sending from `source`
    /// to multicast `group`, opened now if no instance has it yet.
    pub(crate) fn open(
        &mut self,
        interface: &str,
        ifindex: u32,
        source: IpAddr,
        group: IpAddr,
    ) -> io::Result<usize> {
        let key = (interface.to_owned(), source, group);
        if let Some(&index) = self.by_key.get(&key) {
            return Ok(index);
        }
        let socket = VrrpSocket::open(interface, ifindex, source, group)?;
        self.sockets.push(socket);
        let index = self.sockets.len() - 1;
        self.by_key.insert(key, index);
        Ok(index)
    }

    /// Forgets the sockets of an interface that was deleted: they are bound
    /// to its old index, so the instances open new ones when an interface
    /// of that name comes back. (The old sockets stay in the table, silent,
    /// so that indices held elsewhere stay valid.)
    pub(crate) fn forget(&mut self, interface: &str) {
        self.by_key.retain(|(name, _, _), _| name != interface);
    }

    pub(crate) fn get(&self, index: usize) -> Option<&VrrpSocket> {
        self.sockets.get(index)
    }

    pub(crate) fn len(&self) -> usize {
        self.sockets.len()
    }

    /// The next packet on any socket, with the socket's index; waits
    /// forever while there is none (every instance waits for its
    /// interface).
    pub(crate) fn receive(
        &self,
    ) -> Pin<Box<dyn Future<Output = (io::Result<Received>, usize)> + '_>> {
        if self.sockets.is_empty() {
            return Box::pin(std::future::pending());
        }
        Box::pin(async {
            let (result, index, _) =
                select_all(self.sockets.iter().map(|s| Box::pin(s.receive()))).await;
            (result, index)
        })
    }
}
