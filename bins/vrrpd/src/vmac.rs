//! `use_vmac`: a macvlan carrying the virtual router MAC (RFC 5798 §7.3),
//! so the VIPs answer ARP with 00:00:5e:00:01:VRID and move between routers
//! without hosts relearning a MAC.
//!
//! As keepalived does, the VMAC is a private-mode macvlan on the instance's
//! interface, named `vrrp.VRID` (or as configured), created at start and
//! deleted at stop. Its sysctls: `arp_ignore=1` (answer only for its own
//! VIPs), `accept_local=1` (hear the other router's adverts from our own
//! MAC), `rp_filter=0` (receive while it holds no address),
//! `promote_secondaries=1`; an IPv4 instance's VMAC gets no IPv6 (its
//! link-local address would clash between the routers, which share the MAC).
//! The base interface gets `arp_ignore=1` and `arp_filter=1`, so that it
//! does not answer for the VIPs; its old values come back at stop.
//!
//! An IPv6 instance's VMAC carries 00:00:5e:00:02:VRID (RFC 5798 §7.3) and
//! none of the IPv4 settings, as keepalived does. Its `addr_gen_mode` is
//! `none` (1): the kernel would otherwise give it the EUI-64 link-local
//! address of the virtual MAC, the same on every router. Instead it gets the
//! address adverts come from: the configured source when that is
//! link-local, else the base interface's link-local address, else the
//! EUI-64 one of the base's MAC (keepalived's three choices), so adverts go
//! out with the virtual MAC from an address that is this router's own. The
//! address is added without DAD (`nodad`) and deprecated, as keepalived
//! 2.2.7 adds it: it is already this router's on the base interface, and a
//! tentative address could not be bound to.
//! What it does not do (keepalived 2.2.8+ does): follow later changes of the
//! base's link-local address, or filter the VMAC's answers to neighbour
//! solicitations for it.
//!
//! An interface of the VMAC's name that is not such a macvlan on the same
//! interface is an error: it is never taken over. `use_vmac_addr` VMACs are
//! planned by vmac_addr.rs and made here; `use_ipvlan` is not done.

use std::net::{IpAddr, Ipv6Addr};
use std::path::PathBuf;

use kconf_parser::model::vrrp::VrrpInstance;
use netlink_packet_route::link::InfoKind;

use crate::netlink::{LinkDetails, Netlink, VirtualAddress};

/// The VMAC of one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VmacPlan {
    /// The macvlan's name.
    pub(crate) name: String,
    /// Its hardware address.
    pub(crate) mac: [u8; 6],
    /// `vmac_xmit_base`: adverts go out on the base interface.
    pub(crate) xmit_base: bool,
}

/// The VMAC of `vi` (VRID `vrid`), if it has `use_vmac`; `prefix` is
/// `vmac_prefix` (default "vrrp").
pub(crate) fn plan(
    vi: &VrrpInstance,
    vrid: u8,
    ipv6: bool,
    prefix: Option<&str>,
) -> Result<Option<VmacPlan>, String> {
    let Some(vmac) = &vi.use_vmac else {
        return Ok(None);
    };
    let name = vmac
        .name
        .clone()
        .unwrap_or_else(|| format!("{}.{vrid}", prefix.unwrap_or("vrrp")));
    if name.is_empty() || name.len() > 15 || name.contains(['/', ' ', '\0']) {
        return Err(format!("use_vmac: '{name}' is not an interface name"));
    }
    let default = [0, 0, 0x5e, 0, if ipv6 { 2 } else { 1 }, vrid];
    let mac = match &vmac.mac {
        None => default,
        Some(text) => parse_mac(text, vrid)
            .ok_or_else(|| format!("use_vmac: '{text}' is not a MAC address"))?,
    };
    Ok(Some(VmacPlan {
        name,
        mac,
        xmit_base: vi.vmac_xmit_base,
    }))
}

/// Six octets, or five with the VRID as the sixth.
fn parse_mac(text: &str, vrid: u8) -> Option<[u8; 6]> {
    let octets: Vec<u8> = text
        .split(':')
        .map(|o| {
            u8::from_str_radix(o, 16)
                .ok()
                .filter(|_| (1..=2).contains(&o.len()))
        })
        .collect::<Option<_>>()?;
    match octets.as_slice() {
        [a, b, c, d, e, f] => Some([*a, *b, *c, *d, *e, *f]),
        [a, b, c, d, e] => Some([*a, *b, *c, *d, *e, vrid]),
        _ => None,
    }
}

/// Whether an existing link is the VMAC we would create, so it may be
/// reused (a crashed vrrpd leaves its VMACs).
pub(crate) fn is_ours(link: &LinkDetails, base: u32, plan: &VmacPlan) -> bool {
    link.kind == Some(InfoKind::MacVlan)
        && link.parent == Some(base)
        && link.mac.as_deref() == Some(plan.mac.as_slice())
}

fn sysctl_path(family: &str, interface: &str, name: &str) -> PathBuf {
    PathBuf::from(format!("/proc/sys/net/{family}/conf/{interface}/{name}"))
}

fn read_sysctl(interface: &str, name: &str) -> Option<String> {
    std::fs::read_to_string(sysctl_path("ipv4", interface, name))
        .ok()
        .map(|v| v.trim().to_owned())
}

fn write_sysctl(family: &str, interface: &str, name: &str, value: &str) -> Result<(), String> {
    std::fs::write(sysctl_path(family, interface, name), value)
        .map_err(|e| format!("setting {family} {name}={value} on {interface}: {e}"))
}

/// The VMACs this daemon made, and the base sysctls to put back.
#[derive(Debug, Default)]
pub(crate) struct Vmacs {
    /// (name, index) of each VMAC.
    links: Vec<(String, u32)>,
    /// (interface, sysctl, old value) of the base interfaces.
    saved: Vec<(String, &'static str, String)>,
}

impl Vmacs {
    /// Creates (or reuses) the VMAC of `plan` on `base` and sets it up;
    /// `source` is the instance's advert source, whose family is the
    /// instance's.
    pub(crate) async fn create(
        &mut self,
        netlink: &Netlink,
        base: &str,
        plan: &VmacPlan,
        source: IpAddr,
    ) -> Result<(), String> {
        let ipv6 = source.is_ipv6();
        let base_index = netlink
            .link_index(base)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("interface {base} does not exist"))?;
        match netlink
            .link_by_name(&plan.name)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(link) if is_ours(&link, base_index, plan) => {}
            Some(_) => {
                return Err(format!(
                    "interface {} exists and is not a VMAC of {base} with {}; it is left alone",
                    plan.name,
                    mac_text(&plan.mac)
                ));
            }
            None => netlink
                .add_macvlan(&plan.name, base_index, plan.mac)
                .await
                .map_err(|e| e.to_string())?,
        }
        let index = netlink
            .link_index(&plan.name)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("the VMAC {} vanished", plan.name))?;
        self.links.push((plan.name.clone(), index));
        if ipv6 {
            write_sysctl("ipv6", &plan.name, "addr_gen_mode", "1")?;
            netlink
                .set_link_up(index)
                .await
                .map_err(|e| e.to_string())?;
            return self
                .add_link_local(netlink, (base, base_index), index, plan, source)
                .await;
        }
        for (name, value) in [
            ("arp_ignore", "1"),
            ("accept_local", "1"),
            ("rp_filter", "0"),
            ("promote_secondaries", "1"),
        ] {
            write_sysctl("ipv4", &plan.name, name, value)?;
        }
        // Both routers' VMACs share the MAC, so their IPv6 link-local
        // addresses would fail DAD against each other.
        write_sysctl("ipv6", &plan.name, "disable_ipv6", "1")?;
        for (name, value) in [("arp_ignore", "1"), ("arp_filter", "1")] {
            if self.saved.iter().any(|(i, n, _)| i == base && *n == name) {
                continue;
            }
            if let Some(old) = read_sysctl(base, name) {
                if old != value {
                    write_sysctl("ipv4", base, name, value)?;
                    self.saved.push((base.to_owned(), name, old));
                }
            }
        }
        netlink.set_link_up(index).await.map_err(|e| e.to_string())
    }

    /// Gives an IPv6 VMAC (index `index`) the link-local address adverts
    /// come from, and takes away the one of the virtual MAC a reused VMAC
    /// may still have.
    async fn add_link_local(
        &self,
        netlink: &Netlink,
        (base, base_index): (&str, u32),
        index: u32,
        plan: &VmacPlan,
        source: IpAddr,
    ) -> Result<(), String> {
        let address = match source {
            IpAddr::V6(v6) if v6.is_unicast_link_local() => v6,
            _ => match netlink.link_local_address(base_index).await {
                Ok(Some(IpAddr::V6(v6))) => v6,
                _ => {
                    let base = netlink
                        .link_by_name(base)
                        .await
                        .map_err(|e| e.to_string())?;
                    let mac = base
                        .and_then(|b| b.mac)
                        .and_then(|m| <[u8; 6]>::try_from(m.as_slice()).ok())
                        .ok_or("the base interface has no link-local address nor MAC")?;
                    eui64_link_local(mac)
                }
            },
        };
        let stale = VirtualAddress::new(index, eui64_link_local(plan.mac).into(), 64);
        if stale.address != IpAddr::V6(address) {
            netlink
                .remove_address(&stale)
                .await
                .map_err(|e| e.to_string())?;
        }
        // Deprecated (preferred lifetime 0), as keepalived 2.2.7 leaves it:
        // only adverts, bound to it, use it; the kernel picks the base's.
        let link_local = VirtualAddress {
            no_dad: true,
            preferred_lft: Some(0),
            ..VirtualAddress::new(index, address.into(), 64)
        };
        netlink
            .add_address(&link_local)
            .await
            .map_err(|e| format!("giving {} its link-local address: {e}", plan.name))
    }

    /// Creates the VMAC of each instance that has one; an instance whose
    /// VMAC cannot be made is reported and not started.
    pub(crate) async fn create_all(
        &mut self,
        netlink: &Netlink,
        planned: Vec<crate::setup::Planned>,
    ) -> Vec<crate::setup::Planned> {
        let mut out = Vec::new();
        'instances: for p in planned {
            if let Some(plan) = &p.vmac {
                let source = p.protocol.primary_address;
                if let Err(err) = self.create(netlink, &p.interface, plan, source).await {
                    eprintln!("vrrpd: ({}) {err}; instance not started", p.protocol.name);
                    continue;
                }
            }
            for vmac in &p.address_vmacs {
                // Not link-local: the VMAC mirrors its base's link-local.
                let family = if vmac.ipv6 {
                    IpAddr::V6(Ipv6Addr::UNSPECIFIED)
                } else {
                    IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
                };
                if let Err(err) = self.create(netlink, &vmac.base, &vmac.plan, family).await {
                    eprintln!("vrrpd: ({}) {err}; instance not started", p.protocol.name);
                    continue 'instances;
                }
            }
            out.push(p);
        }
        out
    }

    /// Deletes the VMACs and puts the base sysctls back.
    pub(crate) async fn remove(&mut self, netlink: &Netlink) {
        for (name, index) in self.links.drain(..) {
            if let Err(err) = netlink.delete_link(index).await {
                eprintln!("vrrpd: removing VMAC {name}: {err}");
            }
        }
        for (interface, name, old) in self.saved.drain(..) {
            if let Err(err) = write_sysctl("ipv4", &interface, name, &old) {
                eprintln!("vrrpd: {err}");
            }
        }
    }
}

/// The modified EUI-64 link-local address of `mac` (RFC 4291 §2.5.1,
/// appendix A): fe80::, then the MAC with ff:fe in its middle and the
/// universal/local bit flipped.
pub(crate) fn eui64_link_local(mac: [u8; 6]) -> Ipv6Addr {
    let [a, b, c, d, e, f] = mac;
    Ipv6Addr::from([
        0xfe,
        0x80,
        0,
        0,
        0,
        0,
        0,
        0,
        a ^ 0x02,
        b,
        c,
        0xff,
        0xfe,
        d,
        e,
        f,
    ])
}

fn mac_text(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|o| format!("{o:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(text: &str) -> VrrpInstance {
        let config =
            format!("vrrp_instance V {{\n interface eth0\n virtual_router_id 51\n{text}\n}}\n");
        let parsed = kconf_parser::parse_str(&config, &kconf_parser::ParseOptions::default());
        parsed.config.vrrp_instances[0].clone()
    }

    #[test]
    fn keepalived_names_and_macs() {
        let plan_of = |text: &str, ipv6: bool, prefix: Option<&str>| {
            plan(&instance(text), 51, ipv6, prefix).unwrap()
        };
        assert_eq!(plan_of("", false, None), None);
        assert_eq!(
            plan_of("use_vmac", false, None),
            Some(VmacPlan {
                name: "vrrp.51".into(),
                mac: [0, 0, 0x5e, 0, 1, 51],
                xmit_base: false
            })
        );
        let v6 = plan_of("use_vmac\n vmac_xmit_base", true, Some("vr")).unwrap();
        assert_eq!(v6.name, "vr.51");
        assert_eq!(v6.mac, [0, 0, 0x5e, 0, 2, 51]);
        assert!(v6.xmit_base);
        let named = plan_of("use_vmac vmac1 02:00:00:00:00:01", false, None).unwrap();
        assert_eq!(
            (named.name.as_str(), named.mac),
            ("vmac1", [2, 0, 0, 0, 0, 1])
        );
        assert_eq!(parse_mac("02:00:00:00:07", 9), Some([2, 0, 0, 0, 7, 9]));
        assert_eq!(parse_mac("02:00:00:00:07:xyz", 9), None);
        assert_eq!(parse_mac("02::00", 9), None);
        assert!(
            plan(
                &instance("use_vmac a-name-too-long-for-linux"),
                51,
                false,
                None
            )
            .is_err()
        );
    }

    #[test]
    fn link_local_addresses_from_a_mac_are_modified_eui_64() {
        assert_eq!(
            eui64_link_local([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]),
            "fe80::5054:ff:fe12:3456".parse::<Ipv6Addr>().unwrap()
        );
        // The virtual MAC: the address every router's VMAC would get.
        assert_eq!(
            eui64_link_local([0, 0, 0x5e, 0, 2, 51]),
            "fe80::200:5eff:fe00:233".parse::<Ipv6Addr>().unwrap()
        );
    }

    #[test]
    fn only_our_macvlan_is_reused() {
        let plan = VmacPlan {
            name: "vrrp.51".into(),
            mac: [0, 0, 0x5e, 0, 1, 51],
            xmit_base: false,
        };
        let mut link = LinkDetails {
            index: 9,
            kind: Some(InfoKind::MacVlan),
            parent: Some(2),
            mac: Some(plan.mac.to_vec()),
            macvlan_mode: None,
            up: true,
        };
        assert!(is_ours(&link, 2, &plan));
        assert!(!is_ours(&link, 3, &plan), "another base");
        link.kind = Some(InfoKind::Dummy);
        assert!(!is_ours(&link, 2, &plan), "not a macvlan");
        link.kind = Some(InfoKind::MacVlan);
        link.mac = Some(vec![2, 0, 0, 0, 0, 1]);
        assert!(!is_ours(&link, 2, &plan), "another MAC");
    }
}
