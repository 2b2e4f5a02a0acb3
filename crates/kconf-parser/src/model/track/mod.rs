//! The tracking blocks outside VRRP instances: `linkbeat_interfaces`,
//! `interface_up_down_delays`, `track_group`, `track_file` (and its
//! deprecated spelling `vrrp_track_file`) and `vrrp_track_process`.
//!
//! Ranges and defaults are keepalived 2.2.7's. Where its man page and its
//! code disagree the code wins, and the field says so: a `track_file` or
//! `vrrp_track_process` weight is within -254..=254, and a process's default
//! weight is 0.

mod file;
mod process;
#[cfg(test)]
mod tests;

use std::time::Duration;

use super::global::values::{block_name, block_words, error, int_word, micros_word, warning};
use super::reader::{Cx, Keywords, seconds};
use super::types::{Located, Weight};
use super::writer::Writer;
use crate::diagnostic::{Code, Severity};
use crate::syntax::Node;

pub use file::{TrackFile, TrackFileInit};
pub(crate) use file::{read_track_file, write_track_file};
pub use process::{ParamMatch, TrackProcess};
pub(crate) use process::{read_track_process, write_track_process};

/// How an interface's link state is polled instead of read from netlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkbeatPolling {
    /// `MII`: MII registers.
    Mii,
    /// `ETHTOOL`: the ethtool link state.
    Ethtool,
    /// `IOCTL`: the SIOCGIFFLAGS running flag.
    Ioctl,
}

const POLLING: &[(&str, LinkbeatPolling)] = &[
    ("MII", LinkbeatPolling::Mii),
    ("ETHTOOL", LinkbeatPolling::Ethtool),
    ("IOCTL", LinkbeatPolling::Ioctl),
];

model! {
    /// An interface polled for link state: `linkbeat_interfaces { eth0 [MII|ETHTOOL|IOCTL] }`.
    pub struct LinkbeatInterface {
        /// Interface name.
        pub name: String = String::new(),
        /// The preferred polling method (unset: MII, else ethtool, else ioctl,
        /// whichever the interface supports).
        pub polling: Option<LinkbeatPolling> = None,
    }
}

model! {
    /// `track_group NAME { group { VI_1 ... } }`: the VRRP instances that go
    /// to FAULT when a static address, route or rule naming the group is
    /// deleted and cannot be restored.
    pub struct TrackGroup {
        /// Group name.
        pub name: String = String::new(),
        /// `group { ... }`: the VRRP instances.
        pub instances: Vec<Located<String>> = Vec::new(),
    }
}

model! {
    /// One line of `interface_up_down_delays`: `IFNAME DOWN_DELAY [UP_DELAY]`.
    pub struct InterfaceDelay {
        /// Interface name.
        pub interface: String = String::new(),
        /// How long the interface must stay down before instances go to
        /// FAULT (0-255 seconds, microsecond resolution).
        pub down: Duration = Duration::ZERO,
        /// How long it must stay up before they leave FAULT. Unset: the man
        /// page says the down delay, keepalived 2.2.7's code uses 0.
        pub up: Option<Duration> = None,
    }
}

/// Reads `interface_up_down_delays`.
pub(crate) fn read_interface_up_down_delays(
    cx: &mut Cx<'_>,
    node: &Node,
    out: &mut Vec<InterfaceDelay>,
) {
    cx.at_most(node, 0);
    if !cx.require_block(node) {
        return;
    }
    let max = Duration::from_secs(255);
    for line in node.children() {
        cx.no_block(line);
        cx.at_most(line, 2);
        let Some(down_word) = line.args.first() else {
            cx.report(
                Severity::Note,
                Code::MissingValue,
                &line.keyword.location,
                format!(
                    "no delay given for '{}'; the line does nothing",
                    line.name()
                ),
            );
            continue;
        };
        let Some(down) = micros_word(cx, line, down_word, Duration::ZERO..=max) else {
            continue;
        };
        let up = match line.args.get(1) {
            Some(word) => match micros_word(cx, line, word, Duration::ZERO..=max) {
                Some(up) => Some(up),
                None => continue,
            },
            None => None,
        };
        let delay = InterfaceDelay {
            interface: line.name().to_owned(),
            down,
            up,
        };
        match out.iter_mut().find(|d| d.interface == delay.interface) {
            Some(earlier) => *earlier = delay,
            None => out.push(delay),
        }
    }
}

/// Writes `interface_up_down_delays`.
pub(crate) fn write_interface_up_down_delays(items: &[InterfaceDelay], w: &mut Writer) {
    if items.is_empty() {
        return;
    }
    w.open(&["interface_up_down_delays"]);
    for delay in items {
        let down = seconds(delay.down);
        match delay.up {
            Some(up) => w.line(&[&delay.interface, &down, &seconds(up)]),
            None => w.line(&[&delay.interface, &down]),
        }
    }
    w.close();
}

/// Reads `linkbeat_interfaces`.
pub(crate) fn read_linkbeat_interfaces(
    cx: &mut Cx<'_>,
    node: &Node,
    out: &mut Vec<LinkbeatInterface>,
) {
    cx.at_most(node, 0);
    if !cx.require_block(node) {
        return;
    }
    for line in node.children() {
        cx.no_block(line);
        let mut interface = LinkbeatInterface {
            name: line.name().to_owned(),
            polling: None,
        };
        if let Some(word) = line.args.first() {
            interface.polling = cx.choice_word(line, word, POLLING);
        }
        if let Some(extra) = line.args.get(1) {
            error(
                cx,
                Code::ExtraArguments,
                &extra.location,
                format!(
                    "'{}' takes one polling method; '{}' is extra",
                    line.name(),
                    extra.text
                ),
            );
        }
        match out.iter_mut().find(|i| i.name == interface.name) {
            Some(earlier) => *earlier = interface,
            None => out.push(interface),
        }
    }
}

/// Writes `linkbeat_interfaces`.
pub(crate) fn write_linkbeat_interfaces(items: &[LinkbeatInterface], w: &mut Writer) {
    if items.is_empty() {
        return;
    }
    w.open(&["linkbeat_interfaces"]);
    for interface in items {
        let polling = POLLING
            .iter()
            .find(|(_, p)| Some(*p) == interface.polling)
            .map(|(name, _)| *name);
        let mut words = vec![interface.name.as_str()];
        words.extend(polling);
        w.line(&words);
    }
    w.close();
}

const TRACK_GROUP: &Keywords<TrackGroup> = &[("group", |cx, node, group| {
    if !group.instances.is_empty() {
        warning(
            cx,
            Code::Duplicate,
            &node.keyword.location,
            format!(
                "track_group {} already lists its instances; this block is ignored",
                group.name
            ),
        );
        return;
    }
    let Some(instances) = block_words(cx, node) else {
        return;
    };
    if instances.is_empty() {
        warning(
            cx,
            Code::MissingValue,
            &node.keyword.location,
            format!("track_group {} has an empty group block", group.name),
        );
    }
    group.instances = instances;
})];

/// Reads a `track_group`.
pub(crate) fn read_track_group(cx: &mut Cx<'_>, node: &Node, out: &mut Vec<TrackGroup>) {
    let Some(name) = block_name(cx, node) else {
        return;
    };
    if out.iter().any(|group| group.name == name.text) {
        warning(
            cx,
            Code::Duplicate,
            &name.location,
            format!(
                "track_group {} is already defined; this block is skipped",
                name.text
            ),
        );
        return;
    }
    if !cx.require_block(node) {
        return;
    }
    let mut group = TrackGroup {
        name: name.text.clone(),
        instances: Vec::new(),
    };
    cx.read_block(node, "track_group", TRACK_GROUP, &mut group);
    if group.instances.is_empty() && !node.children().iter().any(|c| c.name() == "group") {
        cx.report(
            Severity::Note,
            Code::MissingValue,
            &name.location,
            format!(
                "track_group {} has no group block; it tracks nothing",
                name.text
            ),
        );
    }
    out.push(group);
}

/// Writes a `track_group`.
pub(crate) fn write_track_group(group: &TrackGroup, w: &mut Writer) {
    w.open(&["track_group", &group.name]);
    w.open(&["group"]);
    for instance in &group.instances {
        w.line(&[&instance.value]);
    }
    w.close();
    w.close();
}

/// `weight N [reverse]` within `range`; `None` (after a diagnostic) when wrong.
pub(super) fn weight(
    cx: &mut Cx<'_>,
    node: &Node,
    range: std::ops::RangeInclusive<i128>,
) -> Option<Weight> {
    cx.no_block(node);
    cx.at_most(node, 2);
    let value = cx.arg(node)?;
    let value = int_word(cx, node, value, range)?;
    let reverse = match node.args.get(1) {
        Some(word) if word.text == "reverse" => true,
        Some(word) => {
            error(
                cx,
                Code::InvalidValue,
                &word.location,
                format!(
                    "'weight' takes only 'reverse' after the value, not '{}'; line skipped",
                    word.text
                ),
            );
            return None;
        }
        None => false,
    };
    Some(Weight { value, reverse })
}

pub(super) fn weight_already_set(cx: &mut Cx<'_>, node: &Node, what: &str) {
    let location = node
        .args
        .first()
        .map_or(&node.keyword.location, |w| &w.location);
    warning(
        cx,
        Code::Duplicate,
        location,
        format!("the weight of {what} is already set; keepalived ignores this one"),
    );
}

pub(super) fn write_weight(weight: &Weight, w: &mut Writer) {
    let value = weight.value.to_string();
    if weight.reverse {
        w.line(&["weight", &value, "reverse"]);
    } else {
        w.line(&["weight", &value]);
    }
}

/// Checks of this section that need the whole configuration (references
/// between blocks, combinations keepalived refuses).
///
/// keepalived -t does not check that a track_group's instances exist (it
/// drops unknown ones when VRRP starts), so an unknown one is a note.
pub(crate) fn validate(config: &super::Config, cx: &mut Cx<'_>) {
    for group in &config.track_groups {
        for instance in &group.instances {
            if config
                .vrrp_instances
                .iter()
                .any(|vrrp| vrrp.name.value == instance.value)
            {
                continue;
            }
            if let Some(location) = &instance.location {
                cx.report(
                    Severity::Note,
                    Code::UnknownReference,
                    location,
                    format!(
                        "track_group {} lists vrrp_instance '{}', which is not defined; keepalived ignores it",
                        group.name, instance.value
                    ),
                );
            }
        }
    }
}
