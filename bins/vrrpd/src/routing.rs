//! Which routes and rules go into the kernel, and when: an instance's
//! `virtual_routes`/`virtual_rules` while it is master, the `static_*`
//! blocks from start to stop, as keepalived does (it also removes its
//! static addresses, routes and rules when it stops).
//!
//! Everything is planned once, at start: a line that cannot be expressed is
//! reported there with its owner (the instance, or `static_routes`) and left
//! out, never dropped silently. It does not watch the kernel: a tracked
//! route or rule deleted by someone else is not noticed yet.

use kconf_parser::model::Config;
use kconf_parser::model::ipaddr::{IpAddress, Route, Rule};

use crate::netlink::{KernelRoute, KernelRule, Netlink, VirtualAddress};

/// The preference keepalived gives the first rule that names none; the next
/// ones count down from it.
pub(crate) const FIRST_DEFAULT_PREFERENCE: u32 = 16384;

/// The routes and rules of one owner, ready to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Routing {
    pub(crate) routes: Vec<KernelRoute>,
    pub(crate) rules: Vec<KernelRule>,
}

/// Gives out the preferences of rules that name none.
#[derive(Debug)]
pub(crate) struct Preferences(u32);

impl Default for Preferences {
    fn default() -> Self {
        Preferences(FIRST_DEFAULT_PREFERENCE)
    }
}

impl Preferences {
    fn next(&mut self) -> u32 {
        let preference = self.0;
        self.0 = self.0.saturating_sub(1);
        preference
    }
}

impl Routing {
    /// Plans `routes` and `rules` of `owner` (an instance name or a
    /// `static_*` keyword); what cannot be sent goes to `problems`.
    pub(crate) fn plan(
        owner: &str,
        routes: &[Route],
        rules: &[Rule],
        preferences: &mut Preferences,
        problems: &mut Vec<String>,
    ) -> Routing {
        let mut routing = Routing::default();
        for route in routes {
            match KernelRoute::plan(route) {
                Ok(route) => routing.routes.push(route),
                Err(reason) => problems.push(format!("({owner}) {reason}; route not installed")),
            }
        }
        for rule in rules {
            let preference = match rule.preference {
                Some(preference) => preference,
                None => {
                    let preference = preferences.next();
                    problems.push(format!(
                        "({owner}) a rule has no preference; it gets {preference}, as keepalived gives it"
                    ));
                    preference
                }
            };
            match KernelRule::plan(rule, preference) {
                Ok(rule) => routing.rules.push(rule),
                Err(reason) => {
                    problems.push(format!("({owner}) rule: {reason}; rule not installed"))
                }
            }
        }
        routing
    }

    /// Adds the routes, then the rules (a rule may point at a table the
    /// routes fill). Failures are reported and the rest goes on.
    pub(crate) async fn install(&self, owner: &str, netlink: &Netlink) {
        for route in &self.routes {
            if let Err(err) = netlink.add_route(route).await {
                eprintln!("({owner}) {err}");
            }
        }
        for rule in &self.rules {
            if let Err(err) = netlink.add_rule(rule).await {
                eprintln!("({owner}) {err}");
            }
        }
    }

    /// Removes the rules, then the routes.
    pub(crate) async fn remove(&self, owner: &str, netlink: &Netlink) {
        for rule in &self.rules {
            if let Err(err) = netlink.remove_rule(rule).await {
                eprintln!("({owner}) {err}");
            }
        }
        for route in &self.routes {
            if let Err(err) = netlink.remove_route(route).await {
                eprintln!("({owner}) {err}");
            }
        }
    }
}

/// `static_ipaddress`, `static_routes` and `static_rules`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Static {
    /// The addresses, each with the interface it goes on.
    pub(crate) addresses: Vec<(String, IpAddress)>,
    pub(crate) routing: Routing,
}

impl Static {
    /// Plans the static blocks of `config`.
    pub(crate) fn plan(
        config: &Config,
        preferences: &mut Preferences,
        problems: &mut Vec<String>,
    ) -> Static {
        // keepalived puts a static address without `dev` on default_interface.
        let default_interface = config
            .global
            .vrrp
            .default_interface
            .clone()
            .unwrap_or_else(|| "eth0".to_owned());
        let addresses = config
            .static_addresses
            .iter()
            .map(|a| {
                let dev = a
                    .dev
                    .as_ref()
                    .map_or_else(|| default_interface.clone(), |d| d.value.clone());
                (dev, a.clone())
            })
            .collect();
        let routing = Routing::plan(
            "static",
            &config.static_routes,
            &config.static_rules,
            preferences,
            problems,
        );
        Static { addresses, routing }
    }

    async fn addresses(&self, netlink: &Netlink) -> Vec<VirtualAddress> {
        let mut out = Vec::new();
        for (dev, address) in &self.addresses {
            match netlink.link_index(dev).await {
                Ok(Some(index)) => out.push(VirtualAddress {
                    label: address.label.clone(),
                    peer: address.peer,
                    no_dad: address.no_dad,
                    ..VirtualAddress::new(index, address.address, address.prefix_len)
                }),
                Ok(None) => eprintln!(
                    "(static) interface {dev} does not exist; {} left alone",
                    address.address
                ),
                Err(err) => eprintln!("(static) {err}"),
            }
        }
        out
    }

    /// Adds the addresses, routes and rules. keepalived first clears what
    /// an earlier run may have left; adds here are idempotent instead.
    pub(crate) async fn install(&self, netlink: &Netlink) {
        for address in self.addresses(netlink).await {
            if let Err(err) = netlink.add_address(&address).await {
                eprintln!("(static) {err}");
            }
        }
        self.routing.install("static", netlink).await;
    }

    /// Removes the rules, routes and addresses, as keepalived does at stop.
    pub(crate) async fn remove(&self, netlink: &Netlink) {
        self.routing.remove("static", netlink).await;
        for address in self.addresses(netlink).await {
            if let Err(err) = netlink.remove_address(&address).await {
                eprintln!("(static) {err}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_cannot_be_sent_is_reported_with_its_owner() {
        let text = "static_routes {\n 10.1.0.0/16 dev eth0 vrf blue\n 10.2.0.0/16 dev eth0\n}\n\
                    static_rules {\n from 10.0.0.0/8 table 100\n from 10.9.0.0/16 table 101 preference 7\n}\n\
                    static_ipaddress {\n 192.0.2.9/24\n 192.0.2.10/24 dev eth1\n}\n";
        let parsed = kconf_parser::parse_str(text, &kconf_parser::ParseOptions::default());
        let mut problems = Vec::new();
        let mut preferences = Preferences::default();
        let s = Static::plan(&parsed.config, &mut preferences, &mut problems);
        assert_eq!(s.routing.routes.len(), 1);
        assert_eq!(s.routing.rules.len(), 2);
        assert!(
            problems[0].starts_with("(static) route 10.1.0.0/16"),
            "{problems:?}"
        );
        assert!(problems[1].contains("gets 16384"), "{problems:?}");
        assert!(s.routing.rules[0].text.ends_with("pref 16384"));
        assert!(s.routing.rules[1].text.ends_with("pref 7"));
        let devs: Vec<&str> = s.addresses.iter().map(|(d, _)| d.as_str()).collect();
        assert_eq!(devs, ["eth0", "eth1"]);
        // The next rule without a preference counts down.
        assert_eq!(preferences.next(), 16383);
    }
}
