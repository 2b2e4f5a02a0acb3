//! A fixed configuration and running state for the dump format tests: two
//! instances (one VRRPv2 unicast master in a sync group, with PASS
//! authentication and an excluded VIP; one VRRPv3 multicast backup with a
//! tracked interface and process), as the lab test runs them against keepalived.
#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use vrrp_proto::{Instance, State};

use super::{GroupView, InstanceView, JsonVersion, Settings, Snapshot};
use crate::setup::{Planned, PlannedGroup};

pub(crate) const CONFIG: &str = "\
global_defs {
  router_id lab1
}
vrrp_track_process web {
  process nginx
  quorum 2
  weight 10
}
vrrp_sync_group G1 {
  group {
    VI_1
  }
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret1
  }
  virtual_ipaddress {
    10.9.0.100/24
  }
  virtual_ipaddress_excluded {
    10.9.0.101/24
  }
  unicast_peer {
    10.9.0.2
  }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  version 3
  priority 100
  nopreempt
  track_interface {
    eth1 weight 10
  }
  track_process {
    web
  }
  virtual_ipaddress {
    10.9.0.102/24
  }
}
";

/// The running instances the snapshot borrows from.
pub(crate) struct Fixture {
    pub(crate) settings: Settings,
    pub(crate) planned: Vec<Planned>,
    pub(crate) instances: Vec<Instance>,
    pub(crate) groups: Vec<PlannedGroup>,
}

impl Fixture {
    /// VI_1 master; VI_2 backup (its tracked interface and process up)
    /// after one advert from 10.9.0.2 at priority 200.
    pub(crate) fn new(json_version: JsonVersion) -> Self {
        let parsed = kconf_parser::parse_str(CONFIG, &kconf_parser::ParseOptions::default());
        assert_ne!(
            parsed.verdict(),
            kconf_parser::Verdict::Fatal,
            "{:?}",
            parsed.diagnostics
        );
        let primary = |_: &str, _: bool| Some(IpAddr::V4(Ipv4Addr::new(10, 9, 0, 1)));
        let (planned, problems) = crate::setup::plan(&parsed.config, primary);
        assert!(problems.is_empty(), "{problems:?}");
        let (groups, problems) = crate::setup::plan_groups(&parsed.config, &planned);
        assert!(problems.is_empty(), "{problems:?}");
        let mut settings = Settings::of(&parsed.config, json_version);
        settings.utc_offset = time::UtcOffset::UTC;
        let now = Instant::now();
        let mut instances: Vec<Instance> = planned
            .iter()
            .map(|p| Instance::new(p.protocol.clone()))
            .collect();
        for instance in &mut instances {
            instance.handle_tracker(now, 0, true);
            instance.handle_startup(now);
        }
        let vi1 = &mut instances[0];
        let due = vi1.poll_timeout().unwrap();
        vi1.handle_timeout(due);
        while vi1.poll_transmit().is_some() {}
        assert_eq!(vi1.state(), State::Master);
        let vi2 = &mut instances[1];
        vi2.handle_tracker_status(now, 1, vrrp_proto::TrackerStatus::Up);
        let advert = vrrp_proto::wire::AdvertRepr {
            version: vrrp_proto::wire::Version::V3,
            vrid: 52,
            priority: 200,
            advert_int_cs: 100,
            auth: vrrp_proto::wire::Auth::None,
            addresses: vec![IpAddr::V4(Ipv4Addr::new(10, 9, 0, 102))],
            hmac: None,
        };
        let peer = IpAddr::V4(Ipv4Addr::new(10, 9, 0, 2));
        let group = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));
        let mut bytes = vec![0u8; advert.buffer_len()];
        advert.emit(
            &mut vrrp_proto::wire::Packet::new_unchecked(&mut bytes[..]),
            peer,
            group,
            vrrp_proto::wire::ChecksumMode::Standard,
        );
        vi2.handle_packet(now + Duration::from_millis(10), peer, group, 255, &bytes)
            .unwrap();
        assert_eq!(vi2.state(), State::Backup);
        Fixture {
            settings,
            planned,
            instances,
            groups,
        }
    }

    pub(crate) fn snapshot(&self) -> Snapshot<'_> {
        let group_of = |index: usize| {
            self.groups
                .iter()
                .find(|g| g.members.contains(&index))
                .map(|g| g.name.as_str())
        };
        Snapshot {
            instances: self
                .instances
                .iter()
                .zip(&self.planned)
                .enumerate()
                .map(|(index, (instance, planned))| InstanceView {
                    instance,
                    planned,
                    since: 1_796_155_309.811_121,
                    group: group_of(index),
                })
                .collect(),
            groups: self
                .groups
                .iter()
                .map(|g| GroupView {
                    name: &g.name,
                    state: State::Master,
                    members: g
                        .members
                        .iter()
                        .map(|&m| {
                            (
                                self.instances[m].config().name.as_str(),
                                self.instances[m].state(),
                            )
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
