//! The readable tables of `kactl status` and `kactl stats`: aligned
//! columns, one section per kind, empty sections left out.

use ipc_proto::{StatsReport, Status};

/// Rows aligned into columns (the last column is not padded).
fn aligned(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let last = row.len().saturating_sub(1);
        for (i, cell) in row.iter().enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                let pad = widths.get(i).copied().unwrap_or(0) + 2;
                out.push_str(&format!("{cell:<pad$}"));
            }
        }
        out.push('\n');
    }
    out
}

fn section(out: &mut String, title: &str, header: &[&str], rows: &[Vec<String>]) {
    if rows.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(title);
    out.push('\n');
    out.push_str(&aligned(header, rows));
}

/// `kactl status`.
pub(crate) fn status(status: &Status) -> String {
    let mut out = String::new();
    let rows: Vec<Vec<String>> = status
        .daemons
        .iter()
        .map(|d| {
            vec![
                d.role.program().to_owned(),
                d.pid.to_string(),
                d.reloads.to_string(),
                d.restarts.to_string(),
            ]
        })
        .collect();
    section(
        &mut out,
        "Daemons",
        &["DAEMON", "PID", "RELOADS", "RESTARTS"],
        &rows,
    );
    let rows: Vec<Vec<String>> = status
        .vrrp_instances
        .iter()
        .map(|i| {
            let master = match (&i.master_address, i.master_priority) {
                (Some(address), Some(priority)) => format!("{address} ({priority})"),
                _ => "-".to_owned(),
            };
            let trackers: Vec<String> = i
                .trackers
                .iter()
                .map(|t| format!("{} {} {} ({})", t.kind, t.name, t.status, t.weight))
                .collect();
            vec![
                i.iname.clone(),
                i.state.as_str().to_owned(),
                format!("{}/{}", i.base_priority, i.effective_priority),
                i.vrid.to_string(),
                format!("v{}", i.version),
                i.vmac_ifname
                    .clone()
                    .unwrap_or_else(|| i.ifp_ifname.clone()),
                master,
                if i.vips.is_empty() {
                    "-".to_owned()
                } else {
                    i.vips.join(", ")
                },
                if trackers.is_empty() {
                    "-".to_owned()
                } else {
                    trackers.join(", ")
                },
            ]
        })
        .collect();
    section(
        &mut out,
        "VRRP instances",
        &[
            "INSTANCE",
            "STATE",
            "PRIO",
            "VRID",
            "VER",
            "INTERFACE",
            "MASTER HEARD",
            "VIPS",
            "TRACKERS",
        ],
        &rows,
    );
    let rows: Vec<Vec<String>> = status
        .vrrp_sync_groups
        .iter()
        .map(|g| {
            vec![
                g.name.clone(),
                g.state.as_str().to_owned(),
                g.members.join(", "),
            ]
        })
        .collect();
    section(
        &mut out,
        "VRRP sync groups",
        &["GROUP", "STATE", "MEMBERS"],
        &rows,
    );
    let rows: Vec<Vec<String>> = status
        .virtual_servers
        .iter()
        .flat_map(|vs| {
            vs.real_servers.iter().map(move |rs| {
                vec![
                    format!("{} {}", vs.protocol, vs.name),
                    vs.scheduler.clone(),
                    if vs.quorum_up { "up" } else { "down" }.to_owned(),
                    rs.address.clone(),
                    if rs.healthy { "healthy" } else { "failed" }.to_owned(),
                    rs.weight.to_string(),
                    rs.checkers.join(", "),
                ]
            })
        })
        .collect();
    section(
        &mut out,
        "Virtual servers",
        &[
            "VIRTUAL SERVER",
            "SCHED",
            "QUORUM",
            "REAL SERVER",
            "HEALTH",
            "WEIGHT",
            "CHECKS",
        ],
        &rows,
    );
    let rows: Vec<Vec<String>> = status
        .bfd_sessions
        .iter()
        .map(|b| {
            vec![
                b.name.clone(),
                b.neighbor.clone(),
                b.state.clone(),
                format!("{:.3}", b.detection_time),
                b.detections.to_string(),
            ]
        })
        .collect();
    section(
        &mut out,
        "BFD sessions",
        &["SESSION", "NEIGHBOR", "STATE", "DETECT (s)", "DETECTIONS"],
        &rows,
    );
    if status.vrrp_instances.is_empty()
        && status.virtual_servers.is_empty()
        && status.bfd_sessions.is_empty()
    {
        out.push_str("\n(no daemon reported instances, virtual servers or BFD sessions)\n");
    }
    out
}

/// `kactl stats`: one row per counter that is not zero, by owner.
pub(crate) fn stats(stats: &StatsReport) -> String {
    let mut rows = Vec::new();
    let mut add = |owner: String, counters: &ipc_proto::Counters| {
        for (name, value) in counters {
            if *value != 0 {
                rows.push(vec![owner.clone(), name.clone(), value.to_string()]);
            }
        }
    };
    add("keepalived-rs".to_owned(), &stats.supervisor);
    add("vrrpd".to_owned(), &stats.vrrp);
    for (name, counters) in &stats.vrrp_instances {
        add(format!("({name})"), counters);
    }
    for (name, counters) in &stats.real_servers {
        add(name.clone(), counters);
    }
    for (name, counters) in &stats.bfd_sessions {
        add(format!("bfd {name}"), counters);
    }
    let mut out = String::new();
    section(
        &mut out,
        "Counters (zeros left out)",
        &["OF", "COUNTER", "VALUE"],
        &rows,
    );
    if out.is_empty() {
        out.push_str("every counter is zero\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use ipc_proto::{DaemonInfo, Role, TrackerStatus, VrrpInstanceStatus, VrrpState};

    use super::*;

    fn instance(name: &str) -> VrrpInstanceStatus {
        VrrpInstanceStatus {
            iname: name.into(),
            vrid: 51,
            version: 2,
            family: "inet".into(),
            ifp_ifname: "eth0".into(),
            vmac_ifname: None,
            state: VrrpState::Master,
            base_priority: 150,
            effective_priority: 90,
            master_priority: None,
            master_address: None,
            last_transition: 0.0,
            adver_int: 1.0,
            master_adver_int: 1.0,
            nopreempt: false,
            preempt_delay: 0.0,
            accept: false,
            vips: vec!["10.0.0.100/32".into()],
            evips: vec![],
            unicast_peers: vec![],
            sync_group: None,
            trackers: vec![TrackerStatus {
                kind: "script".into(),
                name: "chk_nginx".into(),
                status: "down".into(),
                weight: -60,
            }],
            stats: [("advert_sent".to_owned(), 12)].into_iter().collect(),
            keepalived: ipc_proto::KeepalivedFields::default(),
        }
    }

    #[test]
    fn the_status_table_lines_up() {
        let report = Status {
            daemons: vec![DaemonInfo {
                role: Role::Vrrp,
                pid: 42,
                started: 0.0,
                config_loaded: 0.0,
                reloads: 1,
                restarts: 0,
            }],
            vrrp_instances: vec![instance("VI_1"), instance("VI_LONGER_NAME")],
            ..Status::default()
        };
        let table = status(&report);
        assert!(table.contains("VRRP instances\nINSTANCE        STATE   PRIO    VRID"));
        assert!(table.contains("VI_1            MASTER  150/90  51"));
        assert!(table.contains("script chk_nginx down (-60)"));
        assert!(table.contains("vrrpd   42   1        0"));
        assert!(!table.contains("BFD sessions"));
    }

    #[test]
    fn stats_leave_out_zeros() {
        let mut report = StatsReport::default();
        report.vrrp_instances.insert(
            "VI_1".into(),
            [
                ("advert_sent".to_owned(), 3),
                ("auth_failure".to_owned(), 0),
            ]
            .into_iter()
            .collect(),
        );
        let table = stats(&report);
        assert!(table.contains("(VI_1)  advert_sent  3"));
        assert!(!table.contains("auth_failure"));
        assert_eq!(stats(&StatsReport::default()), "every counter is zero\n");
    }
}
