use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::values::testing::{parse, problems, round_trip};
use super::*;
use crate::diagnostic::{Code, Severity};

#[test]
fn defaults_are_keepalived_defaults() {
    let g = parse("").config.global;
    assert_eq!(g, GlobalDefs::default());
    assert_eq!(g.vrrp_version, 2);
    assert_eq!(g.daemon.child_wait_time, Duration::from_secs(5));
    assert_eq!(g.notification.smtp_connect_timeout, Duration::from_secs(30));
    assert_eq!(g.vrrp.mcast_group4, Ipv4Addr::new(224, 0, 0, 18));
    assert_eq!(g.vrrp.mcast_group6.to_string(), "ff02::12");
    assert_eq!(g.vrrp.garp_master_delay, Duration::from_secs(5));
    assert_eq!(g.vrrp.garp_master_repeat, 5);
    assert_eq!(g.vrrp.garp_master_refresh_repeat, 1);
    assert_eq!(g.vrrp.down_timer_adverts, 3);
    assert_eq!(g.vrrp.rx_bufs_multiplier, 3);
    assert_eq!(g.firewall.nftables_priority, -1);
    assert_eq!(g.firewall.nftables_ipvs_start_fwmark, 1000);
    assert_eq!(g.processes.vrrp.rlimit_rttime, 10_000);
    assert_eq!(g.processes.startup_script_timeout, Duration::from_secs(10));
    assert_eq!(g.processes.min_auto_priority_delay, Duration::from_secs(1));
}

#[test]
fn top_level_settings() {
    let parsed = parse(
        "net_namespace blue\nnet_namespace_ipvs\nnamespace_with_ipsets\ninstance lb\nuse_pid_dir\n\
         linkbeat_use_polling\nchild_wait_time 30\n",
    );
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let d = parsed.config.global.daemon;
    assert_eq!(d.net_namespace.as_deref(), Some("blue"));
    assert_eq!(d.net_namespace_ipvs, Some(IpvsNamespace::Default));
    assert!(d.namespace_with_ipsets && d.use_pid_dir && d.linkbeat_use_polling);
    assert_eq!(d.instance.as_deref(), Some("lb"));
    assert_eq!(d.child_wait_time, Duration::from_secs(30));

    let parsed = parse("instance a\ninstance b\nchild_wait_time -1\n");
    assert_eq!(parsed.config.global.daemon.instance.as_deref(), Some("a"));
    assert_eq!(
        problems(&parsed),
        vec![(Code::Duplicate, 2, 10), (Code::OutOfRange, 3, 17)]
    );
}

#[test]
fn notification_and_smtp() {
    let parsed = parse(
        "global_defs {\n\
         notification_email {\n a@example.com\n b@example.com\n }\n\
         notification_email_from ka@example.com\n\
         smtp_server 192.0.2.25 2525\n\
         smtp_helo_name lb1\n\
         smtp_connect_timeout 10\n\
         smtp_alert\n\
         smtp_alert_vrrp off\n\
         checker_log_all_failures\n\
         notify_fifo /run/ka.fifo root\n\
         vrrp_notify_fifo_script \"/bin/echo vrrp\" nobody\n\
         }\n",
    );
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let n = parsed.config.global.notification;
    assert_eq!(n.email, ["a@example.com", "b@example.com"]);
    assert_eq!(n.email_from.as_deref(), Some("ka@example.com"));
    let server = n.smtp_server.expect("smtp_server");
    assert_eq!(
        server.host,
        SmtpHost::Address("192.0.2.25".parse().expect("ip"))
    );
    assert_eq!(server.port, 2525);
    assert_eq!(n.smtp_connect_timeout, Duration::from_secs(10));
    assert_eq!(
        (n.smtp_alert, n.smtp_alert_vrrp, n.smtp_alert_checker),
        (Some(true), Some(false), None)
    );
    assert!(n.checker_log_all_failures);
    let fifo = n.notify_fifo.expect("fifo");
    assert_eq!(
        (fifo.path.value.as_str(), fifo.user.as_deref()),
        ("/run/ka.fifo", Some("root"))
    );
    let script = n.vrrp_notify_fifo_script.expect("script");
    assert_eq!(
        (script.command.as_str(), script.user.as_deref()),
        ("/bin/echo vrrp", Some("nobody"))
    );

    let parsed = parse("global_defs {\n smtp_server mail.example.com\n}\n");
    let server = parsed
        .config
        .global
        .notification
        .smtp_server
        .expect("smtp_server");
    assert_eq!(
        (server.host, server.port),
        (SmtpHost::Name("mail.example.com".into()), 25)
    );
}

#[test]
fn notification_problems() {
    let parsed = parse(
        "global_defs {\n\
         smtp_connect_timeout 0\n\
         smtp_connect_timeout 4295\n\
         smtp_alert maybe\n\
         smtp_server 10.0.0.1 abc\n\
         notification_email {\n }\n\
         notify_fifo /a\n\
         notify_fifo /b\n\
         }\n",
    );
    // keepalived: "smtp_conect_timeout must be greater than 0, setting to 1".
    assert_eq!(
        parsed.config.global.notification.smtp_connect_timeout,
        Duration::from_secs(1)
    );
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::OutOfRange, 2, 22),
            (Code::OutOfRange, 3, 22),
            (Code::InvalidValue, 4, 12),
            (Code::InvalidValue, 5, 22),
            (Code::MissingValue, 6, 1),
            (Code::Duplicate, 9, 13),
        ]
    );
    assert_eq!(parsed.diagnostics[0].severity, Severity::Warning);
    assert_eq!(parsed.diagnostics[1].severity, Severity::Error);
}

#[test]
fn vrrp_defaults() {
    let parsed = parse(
        "global_defs {\n\
         vrrp_mcast_group4 224.0.0.19\n\
         default_interface bond0\n\
         vrrp_garp_master_delay 10\n\
         vrrp_garp_master_repeat 2\n\
         vrrp_garp_lower_prio_delay 3\n\
         vrrp_garp_lower_prio_repeat 0\n\
         vrrp_garp_master_refresh 60\n\
         vrrp_garp_interval 0.001\n\
         vrrp_gna_interval 0.000001\n\
         vrrp_garp_extra_if all 100\n\
         vrrp_down_timer_adverts 5\n\
         vrrp_lower_prio_no_advert false\n\
         vrrp_higher_prio_send_advert\n\
         vrrp_version 3\n\
         vrrp_strict\n\
         dynamic_interfaces allow_if_changes\n\
         vrrp_rx_bufs_policy mtu\n\
         vrrp_startup_delay 5.5\n\
         vmac_prefix vr\n\
         }\n",
    );
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let g = parsed.config.global;
    let v = &g.vrrp;
    assert_eq!(v.mcast_group4, Ipv4Addr::new(224, 0, 0, 19));
    assert_eq!(v.default_interface.as_deref(), Some("bond0"));
    assert_eq!(v.garp_master_delay, Duration::from_secs(10));
    assert_eq!(v.garp_master_repeat, 2);
    assert_eq!(v.garp_lower_prio_delay, Some(Duration::from_secs(3)));
    assert_eq!(v.garp_lower_prio_repeat, Some(0));
    assert_eq!(v.garp_master_refresh, Duration::from_secs(60));
    assert_eq!(v.garp_interval, Duration::from_millis(1));
    assert_eq!(v.gna_interval, Duration::from_micros(1));
    assert_eq!(
        v.garp_extra_if,
        Some(GarpExtraInterfaces {
            interval: Duration::from_secs(100),
            all: true
        })
    );
    assert_eq!(v.down_timer_adverts, 5);
    assert_eq!(v.lower_prio_no_advert, Some(false));
    assert!(v.higher_prio_send_advert && v.dynamic_interfaces && v.allow_if_changes);
    assert_eq!(v.rx_bufs_policy, Some(RxBufsPolicy::Mtu));
    assert_eq!(v.startup_delay, Some(Duration::from_millis(5500)));
    assert_eq!(v.vmac_prefix.as_deref(), Some("vr"));
    assert_eq!((g.vrrp_version, g.vrrp_strict), (3, true));
}

#[test]
fn vrrp_problems_point_at_the_value() {
    let parsed = parse(
        "global_defs {\n\
         vrrp_version 4\n\
         vrrp_garp_master_repeat 0\n\
         vrrp_gna_interval 0.0000001\n\
         vrrp_garp_interval 0\n\
         vrrp_garp_extra_if all\n\
         vrrp_mcast_group4 10.0.0.1\n\
         vrrp_mcast_group6 224.0.0.18\n\
         vrrp_down_timer_adverts 101\n\
         vrrp_rx_bufs_policy 4096 MTU\n\
         dynamic_interfaces bogus\n\
         vrrp_vmac_garp_intvl 10\n\
         }\n",
    );
    assert_eq!(parsed.config.global.vrrp_version, 2);
    assert_eq!(parsed.config.global.vrrp.garp_master_repeat, 1);
    assert_eq!(
        parsed.config.global.vrrp.rx_bufs_policy,
        Some(RxBufsPolicy::Size(4096))
    );
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::OutOfRange, 2, 14),
            (Code::OutOfRange, 3, 25),
            (Code::InvalidValue, 4, 19),
            (Code::OutOfRange, 5, 20),
            (Code::MissingValue, 6, 1),
            (Code::InvalidValue, 7, 19),
            (Code::InvalidValue, 8, 19),
            (Code::OutOfRange, 9, 25),
            (Code::Inconsistent, 10, 1),
            (Code::InvalidValue, 11, 20),
            (Code::Inconsistent, 12, 1),
        ]
    );
}

#[test]
fn firewall_keywords() {
    let parsed = parse(
        "global_defs {\n nftables\n nftables_priority -5\n nftables_counters\n nftables_ipvs ipvs_fw\n\
         nftables_ipvs_start_fwmark 2000\n}\n",
    );
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let f = parsed.config.global.firewall;
    assert_eq!(f.nftables.as_deref(), Some("keepalived"));
    assert_eq!(f.nftables_priority, -5);
    assert!(f.nftables_counters && !f.nftables_ifindex);
    assert_eq!(f.nftables_ipvs.as_deref(), Some("ipvs_fw"));
    assert_eq!(f.nftables_ipvs_start_fwmark, 2000);

    // keepalived 2.2.7 (built for nftables) complains about both.
    let parsed = parse(
        "global_defs {\n vrrp_iptables in out\n vrrp_ipsets a b\n nftables x\n nftables y\n}\n",
    );
    let f = &parsed.config.global.firewall;
    assert_eq!(
        f.iptables,
        Some(IptablesChains {
            input: "in".into(),
            output: Some("out".into())
        })
    );
    assert_eq!(f.ipsets, Some(vec!["a".into(), "b".into()]));
    assert_eq!(f.nftables.as_deref(), Some("x"));
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::Inconsistent, 2, 2),
            (Code::UnknownKeyword, 3, 2),
            (Code::Duplicate, 5, 11)
        ]
    );
}

#[test]
fn lvs_keywords() {
    let parsed = parse(
        "global_defs {\n\
         lvs_sync_daemon eth0 inst VI_1 id 5 maxlen 1400 port 8849 ttl 3 group 224.0.0.81\n\
         lvs_timeouts tcp 900 udp 300\n\
         lvs_timeouts tcpfin 120\n\
         lvs_flush\n\
         lvs_flush_on_stop VS\n\
         }\n",
    );
    assert!(problems(&parsed).is_empty(), "{:#?}", parsed.diagnostics);
    // The instance is not defined: keepalived says nothing, we note it.
    assert_eq!(parsed.diagnostics[0].code, Code::UnknownReference);
    let lvs = parsed.config.global.lvs;
    let daemon = lvs.sync_daemon.expect("sync daemon");
    assert_eq!(daemon.interface, "eth0");
    assert_eq!(daemon.instance.as_deref().map(String::as_str), Some("VI_1"));
    assert_eq!(
        (daemon.sync_id, daemon.max_len, daemon.port, daemon.ttl),
        (Some(5), Some(1400), Some(8849), Some(3))
    );
    assert_eq!(daemon.group, Some(IpAddr::V4(Ipv4Addr::new(224, 0, 0, 81))));
    assert_eq!(lvs.timeouts.tcp, Some(Duration::from_secs(900)));
    assert_eq!(lvs.timeouts.tcp_fin, Some(Duration::from_secs(120)));
    assert_eq!(lvs.timeouts.udp, Some(Duration::from_secs(300)));
    assert!(lvs.flush);
    assert_eq!(lvs.flush_on_stop, Some(LvsFlushOnStop::VirtualServers));

    // The old form, and keepalived's option checks.
    let parsed = parse(
        "global_defs {\n lvs_sync_daemon eth0 VI_2 7\n lvs_timeouts udp 2678401 bogus\n lvs_flush_on_stop all\n}\n",
    );
    let daemon = parsed
        .config
        .global
        .lvs
        .sync_daemon
        .clone()
        .expect("sync daemon");
    assert_eq!(
        (
            daemon.instance.as_deref().map(String::as_str),
            daemon.sync_id
        ),
        (Some("VI_2"), Some(7))
    );
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::Inconsistent, 2, 28),
            (Code::OutOfRange, 3, 19),
            (Code::InvalidValue, 3, 27),
            (Code::InvalidValue, 4, 20)
        ]
    );
}

#[test]
fn process_keywords() {
    let parsed = parse(
        "global_defs {\n\
         process_names\n\
         vrrp_process_name ka_vrrp\n\
         vrrp_priority -5\n\
         checker_no_swap\n\
         bfd_rt_priority 30\n\
         vrrp_cpu_affinity 0 1\n\
         checker_rlimit_rttime 1\n\
         max_auto_priority\n\
         min_auto_priority_delay 200000\n\
         startup_script \"/usr/local/bin/fw-up arg\" root\n\
         shutdown_script_timeout 1000\n\
         enable_script_security\n\
         }\n",
    );
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let p = parsed.config.global.processes;
    assert!(p.process_names);
    assert_eq!(p.vrrp.name.as_deref(), Some("ka_vrrp"));
    assert_eq!(p.vrrp.priority, -5);
    assert!(p.checker.no_swap);
    assert_eq!(p.bfd.realtime_priority, Some(30));
    assert_eq!(p.vrrp.cpu_affinity, [0, 1]);
    assert_eq!(p.checker.rlimit_rttime, 2);
    assert_eq!(p.max_auto_priority, 99);
    assert_eq!(p.min_auto_priority_delay, Duration::from_millis(200));
    assert_eq!(
        p.startup_script.expect("script").command,
        "/usr/local/bin/fw-up arg"
    );
    assert_eq!(p.shutdown_script_timeout, Duration::from_secs(1000));

    let parsed = parse(
        "global_defs {\n vrrp_priority 20\n checker_rt_priority 100\n process_name abcdefghijklmnopq\n\
         startup_script_timeout 0\n max_auto_priority -2\n}\n",
    );
    let p = &parsed.config.global.processes;
    assert_eq!(p.checker.realtime_priority, Some(99));
    assert_eq!(p.process_name.as_deref(), Some("abcdefghijklmno"));
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::OutOfRange, 2, 16),
            (Code::OutOfRange, 3, 22),
            (Code::OutOfRange, 4, 15),
            (Code::OutOfRange, 5, 24),
            (Code::OutOfRange, 6, 20),
        ]
    );
}

#[test]
fn configuration_files_and_umask() {
    let parsed = parse(
        "global_defs {\n include_check +match -wildcard_match\n reload_check_config\n reload_file\n\
         reload_time_file /run/ka.reload\n random_seed 42\n umask IWGRP|IWOTH\n data_use_instance\n}\n",
    );
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let c = parsed.config.global.config;
    assert_eq!(
        c.include_check,
        Some(IncludeCheck {
            readable: true,
            matched: true,
            wildcard_match: false,
            brace_match: false
        })
    );
    assert_eq!(c.reload_check_config.as_deref(), Some("/dev/null"));
    assert_eq!(c.reload_file, Some(ReloadFile::Default));
    assert_eq!(c.reload_time_file.as_deref(), Some("/run/ka.reload"));
    assert_eq!(c.random_seed, Some(42));
    assert_eq!(c.umask, Some(0o022));
    assert!(c.data_use_instance);

    for (text, mask) in [
        ("0777", Some(0o777)),
        ("18", Some(18)),
        ("0x12", Some(0x12)),
        ("01000", None),
    ] {
        let parsed = parse(&format!("global_defs {{\n umask {text}\n}}\n"));
        assert_eq!(parsed.config.global.config.umask, mask, "{text}");
    }
    // keepalived 2.2.7 quirks: one unsigned option only, and no 'readable'.
    let parsed = parse(
        "global_defs {\n include_check match brace_match\n include_check readable\n umask IRGRP|\n}\n",
    );
    assert_eq!(
        problems(&parsed),
        vec![
            (Code::Duplicate, 2, 22),
            (Code::InvalidValue, 3, 16),
            (Code::MissingValue, 4, 2)
        ]
    );
}

#[test]
fn unknown_keywords_get_a_suggestion() {
    let parsed = parse("global_defs {\n vrrp_garp_master_delya 5\n}\n");
    assert_eq!(problems(&parsed), vec![(Code::UnknownKeyword, 2, 2)]);
    assert_eq!(
        parsed.diagnostics[0].help.as_deref(),
        Some("did you mean 'vrrp_garp_master_delay'?")
    );
}

#[test]
fn deprecated_spellings_are_notes() {
    let parsed = parse(
        "global_defs {\n lvs_flush_onstop\n vrrp_rlimit_rtime 5000\n enable_snmp_keepalived\n}\n",
    );
    assert!(
        parsed
            .diagnostics
            .iter()
            .all(|d| d.severity == Severity::Note),
        "{:#?}",
        parsed.diagnostics
    );
    assert_eq!(parsed.diagnostics.len(), 3);
    let g = parsed.config.global;
    assert_eq!(g.lvs.flush_on_stop, Some(LvsFlushOnStop::Full));
    assert_eq!(g.processes.vrrp.rlimit_rttime, 5000);
    assert!(g.snmp.vrrp);
    assert!(
        parsed.diagnostics[1]
            .message
            .contains("'vrrp_rlimit_rttime'")
    );
}

#[test]
fn global_defs_round_trip() {
    let config = round_trip(
        "net_namespace blue\n\
         net_namespace_ipvs ipvs_ns\n\
         instance lb\n\
         child_wait_time 9\n\
         global_defs {\n\
         tmp_config_directory /var/tmp\n\
         config_save_dir /var/lib/ka\n\
         include_check\n\
         reload_check_config /var/log/ka-check.log\n\
         reload_file /run/ka.reload\n\
         random_seed 7\n\
         umask 027\n\
         process_names\n\
         process_name ka\n\
         checker_process_name ka_chk\n\
         bfd_priority 3\n\
         vrrp_no_swap\n\
         vrrp_rt_priority 10\n\
         checker_cpu_affinity 1\n\
         bfd_rlimit_rttime 20000\n\
         max_auto_priority -1\n\
         min_auto_priority_delay 5000\n\
         startup_script \"/bin/echo up\" root root\n\
         startup_script_timeout 20\n\
         shutdown_script /bin/true\n\
         notification_email {\n a@example.com\n \"odd name@example.com\"\n }\n\
         notification_email_from ka@example.com\n\
         smtp_server 2001:db8::25 587\n\
         smtp_helo_name lb1\n\
         smtp_connect_timeout 12\n\
         smtp_alert off\n\
         smtp_alert_checker\n\
         no_email_faults\n\
         no_checker_emails\n\
         rs_init_notifies\n\
         vrrp_notify_priority_changes\n\
         notify_fifo /run/all.fifo\n\
         notify_fifo_script /bin/reader\n\
         vrrp_notify_fifo /run/vrrp.fifo root root\n\
         lvs_notify_fifo /run/lvs.fifo\n\
         lvs_notify_fifo_script \"/bin/lvs reader\" nobody\n\
         fifo_write_vrrp_states_on_reload\n\
         router_id lb1\n\
         vrrp_mcast_group6 ff02::13\n\
         default_interface eth1\n\
         vrrp_garp_master_delay 0\n\
         vrrp_garp_master_repeat 1\n\
         vrrp_garp_lower_prio_delay 2\n\
         vrrp_garp_lower_prio_repeat 3\n\
         vrrp_garp_master_refresh 30\n\
         vrrp_garp_master_refresh_repeat 2\n\
         vrrp_garp_interval 0.25\n\
         vrrp_gna_interval 1.000001\n\
         vrrp_min_garp\n\
         vrrp_garp_extra_if 60\n\
         vrrp_down_timer_adverts 10\n\
         vrrp_lower_prio_no_advert\n\
         vrrp_check_unicast_src\n\
         vrrp_skip_check_adv_addr\n\
         dynamic_interfaces\n\
         disable_local_igmp\n\
         vrrp_rx_bufs_policy 65536\n\
         vrrp_rx_bufs_multiplier 4\n\
         vrrp_startup_delay 0.5\n\
         log_unknown_vrids\n\
         vmac_addr_prefix vmac\n\
         vrrp_version 3\n\
         vrrp_strict\n\
         nftables fw\n\
         nftables_ifindex\n\
         nftables_ipvs\n\
         nftables_ipvs_priority 5\n\
         lvs_sync_daemon eth0 inst VI_1 port 9000\n\
         lvs_timeouts tcp 1 tcpfin 2 udp 3\n\
         lvs_flush_on_stop\n\
         vrrp_netlink_cmd_rcv_bufs 100000\n\
         vrrp_netlink_cmd_rcv_bufs_force\n\
         process_monitor_rcv_bufs_force on\n\
         snmp_socket udp:127.0.0.1:705\n\
         enable_snmp_rfc\n\
         enable_traps\n\
         enable_dbus\n\
         dbus_service_name org.keepalived.Vrrp2\n\
         script_user keepalived_script users\n\
         enable_script_security\n\
         }\n",
    );
    let g = config.global;
    assert_eq!(
        g.daemon.net_namespace_ipvs,
        Some(IpvsNamespace::Named("ipvs_ns".into()))
    );
    assert_eq!(g.config.umask, Some(0o27));
    assert!(g.snmp.rfc_v2 && g.snmp.rfc_v3);
    assert_eq!(g.vrrp.gna_interval, Duration::from_micros(1_000_001));
    assert_eq!(
        g.script_user,
        Some(("keepalived_script".into(), Some("users".into())))
    );
    assert_eq!(
        g.netlink.vrrp_cmd,
        ReceiveBuffer {
            size: 100_000,
            force: true
        }
    );
}

#[test]
fn include_check_round_trips_its_partial_forms() {
    for text in [
        "include_check -match",
        "include_check wildcard_match",
        "include_check +brace_match -match",
    ] {
        round_trip(&format!("global_defs {{\n {text}\n}}\n"));
    }
}

#[test]
fn startup_scripts_are_listed_for_the_security_check() {
    // keepalived's verdict on them depends on the host (does the program
    // exist?), so keepalived-rs -t judges them from Config::scripts.
    let parsed = parse(
        "global_defs {\n startup_script \"/bin/true up\" root\n shutdown_script /bin/false\n}\n",
    );
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let scripts = parsed.config.scripts();
    let listed: Vec<(&str, Option<&str>, &str)> = scripts
        .iter()
        .map(|s| (s.command, s.user, s.what.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("/bin/true up", Some("root"), "startup_script"),
            ("/bin/false", None, "shutdown_script")
        ]
    );
    assert_eq!(
        scripts[0].location.map(|l| (l.line, l.column)),
        Some((2, 17))
    );
}

#[test]
fn booleans_are_lower_case_and_lists_need_a_block() {
    let parsed =
        parse("global_defs {\n smtp_alert TRUE\n notification_email a@b\n smtp_helo_name\n}\n");
    assert_eq!(parsed.config.global.notification.smtp_alert, None);
    assert!(parsed.config.global.notification.email.is_empty());
    assert_eq!(
        problems(&parsed),
        vec![(Code::InvalidValue, 2, 13), (Code::BlockMismatch, 3, 2)]
    );
    assert_eq!(
        parsed.diagnostics[2].severity,
        Severity::Note,
        "keepalived ignores smtp_helo_name alone"
    );
}
