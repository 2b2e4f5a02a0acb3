//! `keepalived.json` (SIGJSON): keepalived 2.2.7's layout (v1: an array of
//! `{"data": {...}, "stats": {...}}`, one per instance, keys in its order)
//! or, with `--json-version 2`, the layout later keepalived writes for
//! `json_version 2` (`{"vrrp": [...], "track_process": [...]}`).
//!
//! Keys whose value vrrpd does not know (`smtp_alert`, `notify_deleted`,
//! process counts and timers) are left out rather than made up; see
//! docs/DUMPS.md for the list.

use serde_json::Value;
use vrrp_proto::State;
use vrrp_proto::wire::Auth;

use super::{InstanceView, JsonVersion, Settings, Snapshot};

/// A JSON object whose keys stay in the order they were added (serde_json's
/// map sorts them; keepalived's order reads better next to its own dump).
#[derive(Default)]
struct Object(Vec<(&'static str, String)>);

impl Object {
    fn put(&mut self, key: &'static str, value: impl Into<Value>) -> &mut Self {
        self.0.push((key, value.into().to_string()));
        self
    }

    fn put_raw(&mut self, key: &'static str, json: String) -> &mut Self {
        self.0.push((key, json));
        self
    }

    fn finish(&self) -> String {
        let fields: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{}:{v}", Value::from(*k)))
            .collect();
        format!("{{{}}}", fields.join(","))
    }
}

/// keepalived's numbers for states (vrrp.h's VRRP_STATE_*).
fn state_number(state: State) -> u8 {
    match state {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
        State::Stop => 98,
    }
}

/// Seconds as keepalived writes them (whole numbers), with the fraction
/// kept when there is one (keepalived would truncate it).
fn seconds(d: std::time::Duration) -> Value {
    if d.subsec_nanos() == 0 {
        Value::from(d.as_secs())
    } else {
        Value::from(d.as_secs_f64())
    }
}

/// The whole file.
pub(super) fn render(settings: &Settings, snapshot: &Snapshot<'_>) -> String {
    let instances: Vec<String> = snapshot
        .instances
        .iter()
        .map(|view| instance(settings, view))
        .collect();
    let vrrp = format!("[{}]", instances.join(","));
    match settings.json_version {
        JsonVersion::V1 => vrrp,
        JsonVersion::V2 => {
            let processes: Vec<String> = settings
                .processes
                .iter()
                .map(|p| {
                    let mut o = Object::default();
                    o.put("name", p.name.as_str())
                        .put("process", p.process.as_str())
                        .put("param_match", p.param_match)
                        .put("min_processes", p.quorum);
                    if let Some(up) = quorum(snapshot, &p.name) {
                        o.put("have_quorum", up);
                    }
                    o.put("weight", p.weight)
                        .put("terminate_delay", p.terminate_delay)
                        .put("fork_delay", p.fork_delay)
                        .put("full_command", p.full_command);
                    o.finish()
                })
                .collect();
            let mut top = Object::default();
            top.put_raw("vrrp", vrrp)
                .put_raw("track_process", format!("[{}]", processes.join(",")));
            top.finish()
        }
    }
}

/// Whether a tracked process has its quorum, as the instances tracking it
/// last heard (`None`: no instance tracks it).
fn quorum(snapshot: &Snapshot<'_>, name: &str) -> Option<bool> {
    snapshot.instances.iter().find_map(|view| {
        let planned = view.planned;
        let at = planned
            .tracked_object_names
            .iter()
            .position(|(kind, n)| *kind == "process" && n == name)?;
        match view
            .instance
            .tracker_status(planned.tracked_interfaces.len() + at)?
        {
            vrrp_proto::TrackerStatus::Up => Some(true),
            vrrp_proto::TrackerStatus::Down => Some(false),
            _ => None,
        }
    })
}

fn instance(settings: &Settings, view: &InstanceView<'_>) -> String {
    let instance = view.instance;
    let config = instance.config();
    let planned = view.planned;
    let state = state_number(instance.state());
    let garp = &config.garp;
    let mut data = Object::default();
    data.put("iname", config.name.as_str())
        .put("dont_track_primary", 0)
        .put("skip_check_adv_addr", u8::from(config.skip_check_adv_addr))
        .put("strict_mode", u8::from(settings.strict))
        .put(
            "vmac_ifname",
            planned.vmac.as_ref().map_or("", |v| v.name.as_str()),
        )
        .put("ifp_ifname", planned.interface.as_str())
        .put("master_priority", instance.master().map_or(0, |(_, p)| p))
        .put("last_transition", view.since)
        .put("garp_delay", garp.master_delay.as_secs())
        .put("garp_refresh", garp.master_refresh.as_secs())
        .put("garp_rep", garp.master_repeat)
        .put("garp_refresh_rep", garp.master_refresh_repeat)
        .put("garp_lower_prio_delay", garp.lower_prio_delay.as_secs())
        .put("garp_lower_prio_rep", garp.lower_prio_repeat)
        .put(
            "lower_prio_no_advert",
            u8::from(config.lower_prio_no_advert),
        )
        .put(
            "higher_prio_send_advert",
            u8::from(config.higher_prio_send_advert),
        )
        .put("vrid", config.vrid)
        .put("base_priority", config.priority)
        .put("effective_priority", instance.effective_priority())
        .put("vipset", instance.state() == State::Master)
        .put("promote_secondaries", false)
        .put("adver_int", seconds(config.advert_int))
        .put(
            "master_adver_int",
            seconds(instance.master_adver_interval()),
        )
        .put("accept", u8::from(config.accept))
        .put("nopreempt", !config.preempt)
        .put("preempt_delay", seconds(config.preempt_delay))
        .put("state", state)
        // vrrpd has no separate wanted state: it is where it stands.
        .put("wantstate", state)
        .put("version", config.version.number());
    let set = instance.state() == State::Master;
    let (vips, evips): (Vec<String>, Vec<String>) = {
        let mut vips = Vec::new();
        let mut evips = Vec::new();
        for (index, address) in planned.addresses.iter().enumerate() {
            let line = super::data::vip(address, planned.address_interface(index), set);
            if config.virtual_addresses.contains(&address.address) {
                vips.push(line);
            } else {
                evips.push(line);
            }
        }
        (vips, evips)
    };
    data.put("vips", vips);
    if !evips.is_empty() {
        data.put("evips", evips);
    }
    if !planned.tracked_interfaces.is_empty() {
        data.put("track_ifp", planned.tracked_interfaces.clone());
    }
    let scripts: Vec<String> = planned
        .tracked_object_names
        .iter()
        .filter(|(kind, _)| *kind == "script")
        .map(|(_, name)| name.clone())
        .collect();
    if !scripts.is_empty() {
        data.put("track_script", scripts);
    }
    match &config.auth {
        Auth::None => {
            data.put("auth_type", 0);
        }
        Auth::Simple(bytes) => {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            let password = String::from_utf8_lossy(bytes.get(..end).unwrap_or(&[])).into_owned();
            data.put("auth_type", 1).put("auth_data", password);
        }
        Auth::Ah => {
            data.put("auth_type", 2);
        }
        Auth::Unknown(n) => {
            data.put("auth_type", *n);
        }
    }
    let s = instance.stats();
    let mut stats = Object::default();
    stats
        .put("advert_rcvd", s.advert_rcvd)
        .put("advert_sent", s.advert_sent)
        .put("become_master", s.become_master)
        .put("release_master", s.release_master)
        .put("packet_len_err", s.packet_len_err)
        .put("advert_interval_err", s.advert_interval_err)
        .put("ip_ttl_err", s.ip_ttl_err)
        .put("invalid_type_rcvd", s.invalid_type_rcvd)
        .put("addr_list_err", s.addr_list_err)
        .put("invalid_authtype", s.invalid_authtype)
        .put("authtype_mismatch", s.authtype_mismatch)
        .put("auth_failure", s.auth_failure)
        .put("pri_zero_rcvd", s.pri_zero_rcvd)
        .put("pri_zero_sent", s.pri_zero_sent);
    let mut entry = Object::default();
    entry
        .put_raw("data", data.finish())
        .put_raw("stats", stats.finish());
    entry.finish()
}
