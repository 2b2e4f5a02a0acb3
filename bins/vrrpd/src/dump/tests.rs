//! The three formats rendered from the fixture, checked against the lines
//! and keys keepalived 2.2.7 writes for the same configuration (observed in
//! a lab namespace; see docs/DUMPS.md).

use super::fixture::Fixture;
use super::*;

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[test]
fn data_has_keepalived_lines_for_each_instance() {
    let fixture = Fixture::new(JsonVersion::V1);
    let text = render(Kind::Data, &fixture.settings, &fixture.snapshot());
    let lines = lines(&text);
    for expected in [
        "------< Global definitions >------",
        " Router ID = lab1",
        " VRRP IPv4 mcast group = 224.0.0.18",
        " VRRP IPv6 mcast group = ff02::12",
        " Gratuitous ARP delay = 5",
        " VRRP default protocol version = 2",
        "------< VRRP Topology >------",
        " VRRP Instance = VI_1",
        "   VRRP Version = 2",
        "   Sync group = G1",
        "   State = MASTER",
        "     Using unicast",
        "   Last transition = 1796155309.811121 (Tue Dec  1 20:01:49.811121 2026)",
        "   Interface = eth0",
        "   Using src_ip = 10.9.0.1",
        "   Virtual Router ID = 51",
        "   Priority = 150",
        "   Effective priority = 150",
        "   Advert interval = 1 sec",
        "   Accept = enabled",
        "   Preempt = enabled",
        "   Authentication type = SIMPLE_PASSWORD",
        "   Password = secret1",
        "   Virtual IP (1):",
        "     10.9.0.100/24 dev eth0 scope global set",
        "   Virtual IP Excluded :",
        "     10.9.0.101/24 dev eth0 scope global set",
        "   Unicast Peer :",
        " VRRP Instance = VI_2",
        "   VRRP Version = 3",
        "   State = BACKUP",
        "   Multicast address 224.0.0.18",
        "   Virtual Router ID = 52",
        "   Priority = 100",
        "   Effective priority = 120",
        "   Tracked interfaces :",
        "     eth1 weight 10",
        "   Tracked processes :",
        "     web, weight 10",
        "   Advert interval = 1000 milli-sec",
        "   Preempt = disabled",
        "     10.9.0.102/24 dev eth0 scope global",
        "------< VRRP Sync groups >------",
        " VRRP Sync Group = G1, MASTER",
        "   Num member fault 0, num member init 0",
        "     VI_1",
    ] {
        assert!(lines.contains(&expected), "missing {expected:?} in\n{text}");
    }
    // VI_2 is not master: its VIP is not marked set, it has no password.
    let vi2 = text.split(" VRRP Instance = VI_2").nth(1).unwrap();
    assert!(!vi2.contains("scope global set"));
    assert!(!vi2.contains("Authentication type"), "VRRPv3 has none");
}

#[test]
fn data_file_name_follows_data_use_instance() {
    let with = kconf_parser::parse_str(
        "instance lab\nglobal_defs {\n data_use_instance\n}\n",
        &kconf_parser::ParseOptions::default(),
    );
    assert_eq!(
        Settings::of(&with.config, JsonVersion::V1).file_name(Kind::Data),
        "keepalived.lab.data"
    );
    let without = kconf_parser::parse_str("instance lab\n", &Default::default());
    let settings = Settings::of(&without.config, JsonVersion::V1);
    assert_eq!(settings.file_name(Kind::Data), "keepalived.data");
    assert_eq!(settings.file_name(Kind::Stats), "keepalived.stats");
    assert_eq!(settings.file_name(Kind::Json), "keepalived.json");
}

#[test]
fn stats_match_keepalived_layout() {
    let fixture = Fixture::new(JsonVersion::V1);
    let text = render(Kind::Stats, &fixture.settings, &fixture.snapshot());
    let s1 = fixture.instances[0].stats();
    let s2 = fixture.instances[1].stats();
    // keepalived 2.2.7's layout, line for line.
    let block = |name: &str, s: &vrrp_proto::Stats| {
        format!(
            "VRRP Instance: {name}\n  Advertisements:\n    Received: {}\n    Sent: {}\n  \
             Became master: {}\n  Released master: {}\n  Packet Errors:\n    Length: 0\n    \
             TTL: 0\n    Invalid Type: 0\n    Advertisement Interval: 0\n    Address List: 0\n  \
             Authentication Errors:\n    Invalid Type: 0\n    Type Mismatch: 0\n    Failure: 0\n  \
             Priority Zero:\n    Received: 0\n    Sent: 0\n",
            s.advert_rcvd, s.advert_sent, s.become_master, s.release_master
        )
    };
    assert_eq!(text, block("VI_1", s1) + &block("VI_2", s2));
    assert!(text.contains(
        "VRRP Instance: VI_1\n  Advertisements:\n    Received: 0\n    Sent: 1\n  Became master: 1\n"
    ));
    assert!(text.contains("VRRP Instance: VI_2\n  Advertisements:\n    Received: 1\n"));
}

/// The keys keepalived 2.2.7 wrote for the same instances in the lab.
const KEEPALIVED_DATA_KEYS: &[&str] = &[
    "iname",
    "dont_track_primary",
    "skip_check_adv_addr",
    "strict_mode",
    "vmac_ifname",
    "ifp_ifname",
    "master_priority",
    "last_transition",
    "garp_delay",
    "garp_refresh",
    "garp_rep",
    "garp_refresh_rep",
    "garp_lower_prio_delay",
    "garp_lower_prio_rep",
    "lower_prio_no_advert",
    "higher_prio_send_advert",
    "vrid",
    "base_priority",
    "effective_priority",
    "vipset",
    "promote_secondaries",
    "adver_int",
    "master_adver_int",
    "accept",
    "nopreempt",
    "preempt_delay",
    "state",
    "wantstate",
    "version",
    "smtp_alert",
    "notify_deleted",
    "vips",
    "evips",
    "track_ifp",
    "track_script",
    "auth_type",
    "auth_data",
];
const KEEPALIVED_STATS_KEYS: &[&str] = &[
    "advert_rcvd",
    "advert_sent",
    "become_master",
    "release_master",
    "packet_len_err",
    "advert_interval_err",
    "ip_ttl_err",
    "invalid_type_rcvd",
    "addr_list_err",
    "invalid_authtype",
    "authtype_mismatch",
    "auth_failure",
    "pri_zero_rcvd",
    "pri_zero_sent",
];

fn check_instances(array: &serde_json::Value) {
    let array = array.as_array().unwrap();
    assert_eq!(array.len(), 2);
    for entry in array {
        let data = entry["data"].as_object().unwrap();
        for key in data.keys() {
            assert!(
                KEEPALIVED_DATA_KEYS.contains(&key.as_str()),
                "{key} is not keepalived's"
            );
        }
        let stats = entry["stats"].as_object().unwrap();
        let mut keys: Vec<&str> = stats.keys().map(String::as_str).collect();
        let mut expected = KEEPALIVED_STATS_KEYS.to_vec();
        keys.sort_unstable();
        expected.sort_unstable();
        assert_eq!(keys, expected);
    }
    let vi1 = &array[0]["data"];
    assert_eq!(vi1["iname"], "VI_1");
    assert_eq!(vi1["vrid"], 51);
    assert_eq!(vi1["state"], 2);
    assert_eq!(vi1["wantstate"], 2);
    assert_eq!(vi1["base_priority"], 150);
    assert_eq!(vi1["effective_priority"], 150);
    assert_eq!(vi1["version"], 2);
    assert_eq!(vi1["adver_int"], 1);
    assert_eq!(vi1["nopreempt"], false);
    assert_eq!(vi1["vipset"], true);
    assert_eq!(vi1["last_transition"], 1_796_155_309.811_121);
    assert_eq!(vi1["vips"][0], "10.9.0.100/24 dev eth0 scope global set");
    assert_eq!(vi1["evips"][0], "10.9.0.101/24 dev eth0 scope global set");
    assert_eq!(vi1["auth_type"], 1);
    assert_eq!(vi1["auth_data"], "secret1");
    assert_eq!(array[0]["stats"]["become_master"], 1);
    let vi2 = &array[1]["data"];
    assert_eq!(vi2["state"], 1);
    assert_eq!(vi2["version"], 3);
    assert_eq!(vi2["nopreempt"], true);
    assert_eq!(vi2["master_priority"], 200);
    assert_eq!(vi2["effective_priority"], 120);
    assert_eq!(vi2["track_ifp"][0], "eth1");
    assert_eq!(vi2["vipset"], false);
    assert!(vi2.get("evips").is_none());
    assert_eq!(array[1]["stats"]["advert_rcvd"], 1);
}

#[test]
fn json_v1_is_keepalived_2_2_7_array() {
    let fixture = Fixture::new(JsonVersion::V1);
    let text = render(Kind::Json, &fixture.settings, &fixture.snapshot());
    assert!(
        text.starts_with("[{\"data\":{\"iname\":\"VI_1\",\"dont_track_primary\":0,"),
        "{text}"
    );
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    check_instances(&value);
}

#[test]
fn json_v2_names_the_instances_and_adds_track_processes() {
    let fixture = Fixture::new(JsonVersion::V2);
    let text = render(Kind::Json, &fixture.settings, &fixture.snapshot());
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    check_instances(&value["vrrp"]);
    let processes = value["track_process"].as_array().unwrap();
    assert_eq!(processes.len(), 1);
    let web = &processes[0];
    assert_eq!(web["name"], "web");
    assert_eq!(web["process"], "nginx");
    assert_eq!(web["param_match"], "none");
    assert_eq!(web["min_processes"], 2);
    assert_eq!(web["have_quorum"], true);
    assert_eq!(web["weight"], 10);
    assert_eq!(web["full_command"], false);
}

#[test]
fn json_strings_are_escaped() {
    let mut fixture = Fixture::new(JsonVersion::V1);
    fixture.planned[0].interface = "we\"ird\\\n".to_owned();
    let text = render(Kind::Json, &fixture.settings, &fixture.snapshot());
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value[0]["data"]["ifp_ifname"], "we\"ird\\\n");
}

#[test]
fn write_puts_the_dump_in_the_settings_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut fixture = Fixture::new(JsonVersion::V1);
    fixture.settings.dir = dir.path().to_owned();
    write(Kind::Stats, &fixture.settings, &fixture.snapshot());
    let text = std::fs::read_to_string(dir.path().join("keepalived.stats")).unwrap();
    assert!(text.starts_with("VRRP Instance: VI_1\n"));
    // A directory that is not there: logged, nothing else.
    fixture.settings.dir = dir.path().join("missing");
    write(Kind::Data, &fixture.settings, &fixture.snapshot());
}

#[test]
fn signal_numbers_are_keepalived_s() {
    assert_eq!(json_signal(), 36);
}
