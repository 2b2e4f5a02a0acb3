//! `use_vmac_addr` and a VIP's own `use_vmac`: VMACs for the virtual
//! addresses that do not go on the instance's VMAC, because they live on
//! another interface (`dev`) or are of the other address family (an IPv6
//! `virtual_ipaddress_excluded` entry of an IPv4 instance would otherwise
//! sit on a VMAC with the IPv4 virtual MAC).
//!
//! What keepalived 2.2.7 does, read off `ip -d addr` with it running in a
//! namespace: one VMAC per (interface, family) that needs one, private-mode
//! macvlan on that interface with 00:00:5e:00:01:VRID (IPv4) or
//! 00:00:5e:00:02:VRID (IPv6), named `<vmac_addr_prefix>N.<VRID>` with N
//! counting these VMACs from 1 in the order of the addresses (VIPs, then
//! eVIPs), except the first IPv6 one, named `<prefix>6.<VRID>` and not
//! counted. The prefix defaults to `vmac_prefix`, then "vrrp".
//!
//! This module only plans; vmac.rs creates and deletes the links.

use kconf_parser::model::ipaddr::IpAddress;

use crate::vmac::VmacPlan;

/// A VMAC for some virtual addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AddressVmac {
    /// The interface it sits on.
    pub(crate) base: String,
    /// Its name and MAC.
    pub(crate) plan: VmacPlan,
    /// The family of its addresses.
    pub(crate) ipv6: bool,
}

/// The VMACs `addresses` need, and for each address the index of its VMAC
/// among them (`None`: not on one of these).
pub(crate) fn plan(
    interface: &str,
    instance_ipv6: bool,
    use_vmac_addr: bool,
    vrid: u8,
    prefix: &str,
    addresses: &[IpAddress],
) -> (Vec<AddressVmac>, Vec<Option<usize>>) {
    let mut vmacs: Vec<AddressVmac> = Vec::new();
    let mut counted = 0;
    let mut of_address = Vec::new();
    for address in addresses {
        let base = address.dev.as_ref().map_or(interface, |d| d.value.as_str());
        let ipv6 = address.address.is_ipv6();
        let needs =
            address.use_vmac || (use_vmac_addr && (base != interface || ipv6 != instance_ipv6));
        if !needs {
            of_address.push(None);
            continue;
        }
        if let Some(i) = vmacs.iter().position(|v| v.base == base && v.ipv6 == ipv6) {
            of_address.push(Some(i));
            continue;
        }
        let first_ipv6 = ipv6 && !vmacs.iter().any(|v| v.ipv6);
        let number = if first_ipv6 {
            6
        } else {
            counted += 1;
            counted
        };
        vmacs.push(AddressVmac {
            base: base.to_owned(),
            plan: VmacPlan {
                name: format!("{prefix}{number}.{vrid}"),
                mac: [0, 0, 0x5e, 0, if ipv6 { 2 } else { 1 }, vrid],
                xmit_base: false,
            },
            ipv6,
        });
        of_address.push(Some(vmacs.len() - 1));
    }
    (vmacs, of_address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(text: &str) -> Vec<IpAddress> {
        let config =
            format!("vrrp_instance V {{\n interface d0\n virtual_router_id 51\n{text}\n}}\n");
        let parsed = kconf_parser::parse_str(&config, &kconf_parser::ParseOptions::default());
        let vi = &parsed.config.vrrp_instances[0];
        vi.virtual_ipaddress
            .iter()
            .chain(&vi.virtual_ipaddress_excluded)
            .cloned()
            .collect()
    }

    fn names(vmacs: &[AddressVmac]) -> Vec<(&str, &str, [u8; 6])> {
        vmacs
            .iter()
            .map(|v| (v.plan.name.as_str(), v.base.as_str(), v.plan.mac))
            .collect()
    }

    const V4: [u8; 6] = [0, 0, 0x5e, 0, 1, 51];
    const V6: [u8; 6] = [0, 0, 0x5e, 0, 2, 51];

    #[test]
    fn keepalived_2_2_7_names_and_macs() {
        // The second run of the module doc's experiment, line for line.
        let list = addresses(
            " virtual_ipaddress {\n  10.0.0.100/24\n  10.2.0.100/24 dev d2\n }\n\
             virtual_ipaddress_excluded {\n  fd00::100/64 dev d1\n  fd00::200/64 dev d2\n  fd00::300/64\n  10.1.0.100/24 dev d1\n }",
        );
        let (vmacs, of) = plan("d0", false, true, 51, "vrrp", &list);
        assert_eq!(
            names(&vmacs),
            [
                ("vrrp1.51", "d2", V4),
                ("vrrp6.51", "d1", V6),
                ("vrrp2.51", "d2", V6),
                ("vrrp3.51", "d0", V6),
                ("vrrp4.51", "d1", V4),
            ]
        );
        assert_eq!(of, [None, Some(0), Some(1), Some(2), Some(3), Some(4)]);
    }

    #[test]
    fn addresses_share_their_interface_and_family_vmac() {
        let list = addresses(
            " virtual_ipaddress {\n  10.0.0.100/24\n  10.1.0.100/24 dev d1\n  10.1.0.101/24 dev d1\n  10.0.0.101/24 dev d0\n }",
        );
        let (vmacs, of) = plan("d0", false, true, 51, "vr", &list);
        assert_eq!(names(&vmacs), [("vr1.51", "d1", V4)]);
        assert_eq!(of, [None, Some(0), Some(0), None]);
    }

    #[test]
    fn without_use_vmac_addr_only_a_vips_own_use_vmac_counts() {
        let list = addresses(
            " virtual_ipaddress {\n  10.1.0.100/24 dev d1\n  10.2.0.100/24 dev d2 use_vmac\n }",
        );
        let (vmacs, of) = plan("d0", false, false, 51, "vrrp", &list);
        assert_eq!(names(&vmacs), [("vrrp1.51", "d2", V4)]);
        assert_eq!(of, [None, Some(0)]);
    }
}
