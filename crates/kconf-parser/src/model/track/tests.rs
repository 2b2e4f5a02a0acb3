use super::*;
use crate::model::global::values::testing::{parse, problems, round_trip};
use crate::model::{Config, vrrp::VrrpInstance};

#[test]
fn linkbeat_interfaces() {
    let parsed = parse(
        "linkbeat_interfaces {\n eth0\n eth1 ETHTOOL\n eth2 bogus\n eth3 MII extra\n eth0 IOCTL\n}\n",
    );
    let names: Vec<(&str, Option<LinkbeatPolling>)> = parsed
        .config
        .linkbeat_interfaces
        .iter()
        .map(|i| (i.name.as_str(), i.polling))
        .collect();
    assert_eq!(
        names,
        [
            ("eth0", Some(LinkbeatPolling::Ioctl)),
            ("eth1", Some(LinkbeatPolling::Ethtool)),
            ("eth2", None),
            ("eth3", Some(LinkbeatPolling::Mii)),
        ]
    );
    assert_eq!(
        problems(&parsed),
        vec![(Code::InvalidValue, 4, 7), (Code::ExtraArguments, 5, 11)]
    );
    assert_eq!(
        parsed.diagnostics[0].help.as_deref(),
        Some("expected one of: MII, ETHTOOL, IOCTL")
    );
}

#[test]
fn interface_up_down_delays() {
    let parsed = parse(
        "interface_up_down_delays {\n eth0 1.5 2\n eth1 0.00001\n eth2 256\n eth3 0.0000001 1\n eth4\n}\n",
    );
    let delays = &parsed.config.interface_up_down_delays;
    assert_eq!(delays.len(), 2);
    assert_eq!(
        delays[0],
        InterfaceDelay {
            interface: "eth0".into(),
            down: Duration::from_millis(1500),
            up: Some(Duration::from_secs(2))
        }
    );
    assert_eq!(
        (delays[1].down, delays[1].up),
        (Duration::from_micros(10), None)
    );
    assert_eq!(
        problems(&parsed),
        vec![(Code::OutOfRange, 4, 7), (Code::InvalidValue, 5, 7)]
    );
    // A line without a delay does nothing; keepalived only logs it.
    assert_eq!(
        parsed.diagnostics.last().map(|d| (d.severity, d.code)),
        Some((Severity::Note, Code::MissingValue))
    );
}

#[test]
fn track_groups() {
    let parsed = parse(
        "track_group TG1 {\n group {\n VI_1\n VI_2\n }\n}\n\
         track_group TG1 {\n group {\n VI_3\n }\n}\n\
         track_group TG2 {\n group {\n }\n group {\n VI_4\n }\n group {\n VI_5\n }\n}\n\
         track_group {\n}\n",
    );
    let groups = &parsed.config.track_groups;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].name, "TG1");
    let instances: Vec<&str> = groups[0]
        .instances
        .iter()
        .map(|i| i.value.as_str())
        .collect();
    assert_eq!(instances, ["VI_1", "VI_2"]);
    assert_eq!(
        groups[0].instances[1]
            .location
            .as_ref()
            .map(|l| (l.line, l.column)),
        Some((4, 2))
    );
    assert_eq!(groups[1].instances, [Located::bare("VI_4".to_owned())]);
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::Duplicate, 7, 13),
            (Code::MissingValue, 13, 2),
            (Code::Duplicate, 18, 2),
            (Code::MissingValue, 22, 1),
        ]
    );
}

#[test]
fn unknown_track_group_instances_are_notes() {
    let mut config = Config::default();
    config.vrrp_instances.push(VrrpInstance::default());
    config.vrrp_instances[0].name = crate::model::Located::bare("VI_1".to_owned());
    let parsed = parse("track_group TG {\n group {\n VI_1\n VI_X\n }\n}\n");
    config.track_groups = parsed.config.track_groups;
    let mut diagnostics = Vec::new();
    validate(
        &config,
        &mut Cx {
            diagnostics: &mut diagnostics,
            strict: false,
        },
    );
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(
        (d.severity, d.code),
        (Severity::Note, Code::UnknownReference)
    );
    assert_eq!(
        d.location.as_ref().map(|l| (l.line, l.column)),
        Some((4, 2))
    );
}

#[test]
fn track_files() {
    let parsed = parse(
        "track_file tf1 {\n file /run/tf1\n}\n\
         vrrp_track_file tf2 {\n file \"/run/t f2\"\n weight -254 reverse\n init_file 5 overwrite\n}\n\
         track_file tf3 {\n weight 255\n init_file -300 bogus\n file /a\n file /b\n weight 3\n weight 4\n}\n\
         track_file tf4 {\n weight 2\n}\n",
    );
    let files = &parsed.config.track_files;
    assert_eq!(files.len(), 3);
    assert_eq!(
        (files[0].file.as_str(), files[0].weight, files[0].init_file),
        (
            "/run/tf1",
            Weight {
                value: 1,
                reverse: false
            },
            None
        )
    );
    assert_eq!(files[1].file, "/run/t f2");
    assert_eq!(
        files[1].weight,
        Weight {
            value: -254,
            reverse: true
        }
    );
    assert_eq!(
        files[1].init_file,
        Some(TrackFileInit {
            value: 5,
            overwrite: true
        })
    );
    assert_eq!((files[2].file.as_str(), files[2].weight.value), ("/a", 3));
    assert_eq!(
        files[2].init_file,
        Some(TrackFileInit {
            value: -300,
            overwrite: false
        })
    );
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::OutOfRange, 10, 9),
            (Code::OutOfRange, 11, 12),
            (Code::InvalidValue, 11, 17),
            (Code::Duplicate, 13, 7),
            (Code::Duplicate, 15, 9),
            (Code::MissingValue, 17, 12),
        ]
    );
    assert_eq!(
        parsed.diagnostics[0].severity,
        Severity::Note,
        "vrrp_track_file is deprecated"
    );
}

#[test]
fn track_processes() {
    let parsed = parse(
        "vrrp_track_process p1 {\n process haproxy\n weight 10 reverse\n quorum 2\n quorum_max 5\n\
         fork_delay 0.5\n terminate_delay 3600\n full_command\n}\n\
         vrrp_track_process p2 {\n process \"/usr/bin/a b\" -f \"x y\"\n param_match partial\n delay 1\n}\n\
         vrrp_track_process p3 {\n process x\n quorum_max 0\n}\n\
         vrrp_track_process p4 {\n quorum 2\n}\n",
    );
    let processes = &parsed.config.track_processes;
    assert_eq!(processes.len(), 3);
    let p1 = &processes[0];
    assert_eq!(
        (p1.process.as_str(), p1.weight, p1.quorum, p1.quorum_max),
        (
            "haproxy",
            Weight {
                value: 10,
                reverse: true
            },
            2,
            Some(5)
        )
    );
    assert_eq!(
        (p1.fork_delay, p1.terminate_delay),
        (
            Some(Duration::from_millis(500)),
            Some(Duration::from_secs(3600))
        )
    );
    assert!(p1.full_command && p1.parameters.is_empty() && p1.param_match.is_none());
    let p2 = &processes[1];
    assert_eq!(
        (p2.process.as_str(), p2.parameters.as_slice()),
        ("/usr/bin/a b", &["-f".to_owned(), "x y".to_owned()][..])
    );
    assert_eq!(
        (p2.param_match, p2.full_command),
        (Some(ParamMatch::Partial), true)
    );
    assert_eq!(
        (p2.fork_delay, p2.terminate_delay),
        (Some(Duration::from_secs(1)), Some(Duration::from_secs(1)))
    );
    assert_eq!((processes[2].quorum, processes[2].quorum_max), (0, Some(0)));
    assert_eq!(problems(&parsed), vec![(Code::MissingValue, 19, 20)]);
    assert_eq!(
        TrackProcess::default().weight,
        Weight::default(),
        "keepalived 2.2.7 defaults the weight to 0"
    );
}

#[test]
fn track_process_problems() {
    let parsed = parse(
        "vrrp_track_process p {\n process x\n process y\n param_match bogus\n weight 255\n weight 5\n weight 6\n\
         quorum 0\n quorum_max 70000\n fork_delay 0\n terminate_delay 3600.5\n delay 0.0000001\n\
         quorum 3\n quorum_max 2\n}\n",
    );
    let p = &parsed.config.track_processes[0];
    assert_eq!(
        (p.process.as_str(), p.weight.value, p.quorum, p.quorum_max),
        ("x", 5, 3, None)
    );
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::Duplicate, 3, 10),
            (Code::InvalidValue, 4, 14),
            (Code::OutOfRange, 5, 9),
            (Code::Duplicate, 7, 9),
            (Code::OutOfRange, 8, 8),
            (Code::OutOfRange, 9, 13),
            (Code::OutOfRange, 10, 13),
            (Code::OutOfRange, 11, 18),
            (Code::InvalidValue, 12, 8),
            (Code::Inconsistent, 14, 13),
        ]
    );
}

#[test]
fn track_blocks_round_trip() {
    let config = round_trip(
        "linkbeat_interfaces {\n eth0\n eth1 MII\n}\n\
         interface_up_down_delays {\n eth0 0.5\n eth1 1.25 0.000001\n}\n\
         track_group TG1 {\n group {\n VI_1\n \"VI two\"\n }\n}\n\
         track_file tf {\n file \"/run/track file\"\n weight 0 reverse\n init_file\n}\n\
         track_file tf2 {\n file /run/tf2\n init_file -3 overwrite\n}\n\
         vrrp_track_process p1 {\n process nginx \"-g daemon off;\"\n param_match initial\n weight -3\n quorum 2\n\
         quorum_max 4\n terminate_delay 0.25\n}\n\
         vrrp_track_process p2 {\n process sshd\n param_match\n quorum_max 0\n fork_delay 1\n}\n\
         vrrp_track_process p3 {\n process ntpd\n full_command\n}\n",
    );
    assert_eq!(config.track_groups[0].instances[1].value, "VI two");
    assert_eq!(
        config.track_processes[1].param_match,
        Some(ParamMatch::Exact)
    );
    assert!(config.track_processes[2].full_command);
}
