//! SMTP alerts on state changes, as keepalived 2.2.7 mails them: which
//! instances and sync groups alert (`smtp_alert` of the instance or group,
//! else `smtp_alert_vrrp`, else `smtp_alert`, else none), which transitions
//! (`no_email_faults` drops FAULT; a state already mailed is not mailed
//! again), and the mail itself, byte for byte but for its date.
//!
//! Sending happens in background tasks, a bounded number at a time, so the
//! event loop never waits for a mail server; a mail that cannot go is one
//! log line. It does not queue or retry mails, and does not mail checker
//! events (checkerd's part).
//!
//! What keepalived sends was captured from keepalived 2.2.7 in a lab
//! namespace with an SMTP sink (`tests/alerts.rs` repeats that comparison):
//!
//! ```text
//! HELO vm
//! MAIL FROM:<vrrp@example.com>
//! RCPT TO:<ops@example.com>          (one per notification_email)
//! DATA
//! Date: Tue, 01 Dec 2026 19:45:04 +0000
//! From: vrrp@example.com
//! Subject: [lab] VRRP Instance VI_1 - Entering MASTER state
//! X-Mailer: Keepalived
//! To: ops@example.com, oncall@example.com
//!
//! => VRRP Instance is now owning VRRP VIPs <=
//!
//! .
//! ```

mod smtp;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kconf_parser::model::Config;
use kconf_parser::model::global::SmtpServer;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};
use tokio::sync::Semaphore;
use vrrp_proto::State;

/// Mails on their way at once; past this a new one is dropped (and logged)
/// rather than piling up tasks behind a dead or slow server.
const MAX_IN_FLIGHT: usize = 8;

/// keepalived's `%a, %d %b %Y %H:%M:%S %z` (RFC 5322 §3.3).
const DATE: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
);

/// What a mail is about: an instance or a sync group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    Instance,
    Group,
}

/// One mail: its subject line and body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mail {
    pub(crate) subject: String,
    pub(crate) body: &'static str,
}

/// Who mails, where to and how: `global_defs`, with keepalived's defaults
/// filled in.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) server: SmtpServer,
    pub(crate) to: Vec<String>,
    pub(crate) from: String,
    pub(crate) helo: String,
    pub(crate) router_id: String,
    /// For connecting and for every reply after (keepalived's meaning).
    pub(crate) step: Duration,
    /// The local time zone's offset, read once at start (reading it later,
    /// with other threads running, is not sound on Linux).
    pub(crate) offset: UtcOffset,
}

impl Settings {
    /// The settings of `config`, or `None` when nothing can be mailed (no
    /// `notification_email` or no `smtp_server`: keepalived then sends
    /// nothing either). `host` is the host name, `user` the name of the user
    /// vrrpd runs as (keepalived's default sender is `user@host`).
    pub(crate) fn of(config: &Config, host: &str, user: &str, offset: UtcOffset) -> Option<Self> {
        let n = &config.global.notification;
        let server = n.smtp_server.clone()?;
        if n.email.is_empty() {
            return None;
        }
        Some(Settings {
            server,
            to: n.email.clone(),
            from: n
                .email_from
                .clone()
                .unwrap_or_else(|| format!("{user}@{host}")),
            helo: n.smtp_helo_name.clone().unwrap_or_else(|| host.to_owned()),
            router_id: config
                .global
                .router_id
                .clone()
                .unwrap_or_else(|| host.to_owned()),
            step: n.smtp_connect_timeout,
            offset,
        })
    }

    /// The message keepalived writes after DATA: headers, blank line, body,
    /// and the empty line its closing dot follows.
    pub(crate) fn message(&self, mail: &Mail, now: OffsetDateTime) -> String {
        let date = now
            .to_offset(self.offset)
            .format(DATE)
            .unwrap_or_else(|_| String::from("Thu, 01 Jan 1970 00:00:00 +0000"));
        format!(
            "Date: {date}\r\nFrom: {}\r\nSubject: {}\r\nX-Mailer: Keepalived\r\nTo: {}\r\n\r\n{}\r\n",
            self.from,
            mail.subject,
            self.to.join(", "),
            mail.body
        )
    }
}

/// Whether one instance or group alerts, and the state it last mailed.
#[derive(Debug, Clone, Default)]
struct Alerted {
    on: bool,
    last_mailed: Option<State>,
}

/// The alerts of the running daemon.
pub(crate) struct Alerts {
    settings: Option<Arc<Settings>>,
    no_email_faults: bool,
    instances: HashMap<String, Alerted>,
    groups: HashMap<String, Alerted>,
    in_flight: Arc<Semaphore>,
    /// This host's name, the user vrrpd runs as and the time zone, kept for
    /// reloads (the offset can only be read safely at start).
    identity: (String, String, UtcOffset),
}

impl Alerts {
    /// Alerts for the instances and groups of `config` (see
    /// [`Settings::of`] for `host`, `user` and `offset`).
    pub(crate) fn of(config: &Config, host: &str, user: &str, offset: UtcOffset) -> Self {
        let n = &config.global.notification;
        // keepalived: the instance's or group's own smtp_alert, else
        // smtp_alert_vrrp, else smtp_alert, else off.
        let default = n.smtp_alert_vrrp.or(n.smtp_alert).unwrap_or(false);
        let alerted = |own: Option<bool>| Alerted {
            on: own.unwrap_or(default),
            last_mailed: None,
        };
        Alerts {
            identity: (host.to_owned(), user.to_owned(), offset),
            settings: Settings::of(config, host, user, offset).map(Arc::new),
            no_email_faults: n.no_email_faults,
            instances: config
                .vrrp_instances
                .iter()
                .map(|vi| (vi.name.value.clone(), alerted(vi.smtp_alert)))
                .collect(),
            groups: config
                .sync_groups
                .iter()
                .map(|g| (g.name.value.clone(), alerted(g.smtp_alert)))
                .collect(),
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        }
    }

    /// The alerts of this host: its name, the user vrrpd runs as and the
    /// local time zone. Call before other threads start (see
    /// [`Settings::offset`]).
    pub(crate) fn for_this_host(config: &Config) -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|name| name.trim().to_owned())
            .unwrap_or_default();
        let host = if host.is_empty() {
            "localhost".to_owned()
        } else {
            host
        };
        let user = nix::unistd::User::from_uid(nix::unistd::geteuid())
            .ok()
            .flatten()
            .map_or_else(|| "keepalived".to_owned(), |u| u.name);
        let offset = UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC);
        Alerts::of(config, &host, &user, offset)
    }

    /// The alerts of a reloaded configuration: the states already mailed
    /// are remembered for the instances and groups that remain, so a reload
    /// mails nothing by itself.
    pub(crate) fn reloaded(&self, config: &Config) -> Self {
        let (host, user, offset) = &self.identity;
        let mut next = Alerts::of(config, host, user, *offset);
        for (name, alerted) in &mut next.instances {
            alerted.last_mailed = self.instances.get(name).and_then(|a| a.last_mailed);
        }
        for (name, alerted) in &mut next.groups {
            alerted.last_mailed = self.groups.get(name).and_then(|a| a.last_mailed);
        }
        next
    }

    /// Instance `name` entered `state`: mails it if it should (in a
    /// background task).
    pub(crate) fn instance(&mut self, name: &str, state: State) {
        if let Some(mail) = self.decide(Subject::Instance, name, state) {
            self.spawn(mail);
        }
    }

    /// Sync group `name` entered `state`.
    pub(crate) fn group(&mut self, name: &str, state: State) {
        if let Some(mail) = self.decide(Subject::Group, name, state) {
            self.spawn(mail);
        }
    }

    /// The mail for `name` entering `state`, if one is due; records it as
    /// mailed.
    fn decide(&mut self, subject: Subject, name: &str, state: State) -> Option<Mail> {
        let settings = self.settings.as_ref()?;
        let alerted = match subject {
            Subject::Instance => self.instances.get_mut(name)?,
            Subject::Group => self.groups.get_mut(name)?,
        };
        if !alerted.on || (self.no_email_faults && state == State::Fault) {
            return None;
        }
        if alerted.last_mailed == Some(state) {
            return None;
        }
        let mail = mail(&settings.router_id, subject, name, state)?;
        alerted.last_mailed = Some(state);
        Some(mail)
    }

    fn spawn(&self, mail: Mail) {
        let Some(settings) = self.settings.clone() else {
            return;
        };
        let Ok(permit) = Arc::clone(&self.in_flight).try_acquire_owned() else {
            eprintln!(
                "SMTP alert \"{}\" dropped: {MAX_IN_FLIGHT} alerts to {} still in flight",
                mail.subject,
                smtp::server_label(&settings.server)
            );
            return;
        };
        let message = settings.message(&mail, OffsetDateTime::now_utc());
        tokio::spawn(async move {
            let envelope = smtp::Envelope {
                helo: &settings.helo,
                from: &settings.from,
                to: &settings.to,
            };
            // Each step has its own timeout; this bounds a server that
            // answers every step just in time, byte by byte.
            let whole = settings.step.saturating_mul(8);
            let sending = smtp::send(&settings.server, settings.step, &envelope, &message);
            let server = smtp::server_label(&settings.server);
            match tokio::time::timeout(whole, sending).await {
                Ok(Ok(())) => eprintln!("SMTP alert \"{}\" sent to {server}", mail.subject),
                Ok(Err(err)) => {
                    eprintln!(
                        "SMTP alert \"{}\" not sent to {server}: {err}",
                        mail.subject
                    )
                }
                Err(_) => eprintln!(
                    "SMTP alert \"{}\" not sent to {server}: not done within {whole:?}",
                    mail.subject
                ),
            }
            drop(permit);
        });
    }
}

/// keepalived's subject and body for `state`; `None` for the states it
/// does not mail. keepalived composes a STOP mail too ("Stopping"), but
/// exits before its event loop sends it: none ever arrives, so vrrpd
/// composes none.
fn mail(router_id: &str, subject: Subject, name: &str, state: State) -> Option<Mail> {
    let entering = match state {
        State::Master => "MASTER",
        State::Backup => "BACKUP",
        State::Fault => "FAULT",
        State::Init | State::Stop => return None,
    };
    let (what, body) = match (subject, state) {
        (Subject::Instance, State::Master) => {
            ("Instance", "=> VRRP Instance is now owning VRRP VIPs <=")
        }
        (Subject::Instance, _) => (
            "Instance",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        (Subject::Group, State::Master) => (
            "Group",
            "=> All VRRP group instances are now in MASTER state <=",
        ),
        (Subject::Group, State::Backup) => (
            "Group",
            "=> All VRRP group instances are now in BACKUP state <=",
        ),
        (Subject::Group, _) => (
            "Group",
            "=> All VRRP group instances are now in FAULT state <=",
        ),
    };
    Some(Mail {
        subject: format!("[{router_id}] VRRP {what} {name} - Entering {entering} state"),
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        let parsed = kconf_parser::parse_str(text, &kconf_parser::ParseOptions::default());
        assert_ne!(
            parsed.verdict(),
            kconf_parser::Verdict::Fatal,
            "{:?}",
            parsed.diagnostics
        );
        parsed.config
    }

    const INSTANCES: &str = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n \
        priority 100\n virtual_ipaddress {\n 10.0.0.100\n }\n}\n\
        vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n priority 100\n \
        smtp_alert off\n virtual_ipaddress {\n 10.0.0.101\n }\n}\n\
        vrrp_instance VI_3 {\n interface eth0\n virtual_router_id 53\n priority 100\n \
        smtp_alert\n virtual_ipaddress {\n 10.0.0.102\n }\n}\n\
        vrrp_sync_group G1 {\n group {\n VI_1\n VI_2\n }\n}\n";

    fn alerts(global: &str) -> Alerts {
        let text = format!("global_defs {{\n{global}\n}}\n{INSTANCES}");
        Alerts::of(&config(&text), "vm", "root", UtcOffset::UTC)
    }

    const MAILING: &str =
        "notification_email {\n ops@example.com\n oncall@example.com\n}\nsmtp_server 10.0.0.9\n";

    fn decided(alerts: &mut Alerts, subject: Subject, name: &str, state: State) -> Option<String> {
        alerts.decide(subject, name, state).map(|m| m.subject)
    }

    #[test]
    fn instance_and_group_subjects_and_bodies_are_keepalived_s() {
        let mut a = alerts(&format!("{MAILING}router_id lab\nsmtp_alert"));
        let mail = a.decide(Subject::Instance, "VI_1", State::Master).unwrap();
        assert_eq!(
            mail.subject,
            "[lab] VRRP Instance VI_1 - Entering MASTER state"
        );
        assert_eq!(mail.body, "=> VRRP Instance is now owning VRRP VIPs <=");
        let mail = a.decide(Subject::Instance, "VI_1", State::Backup).unwrap();
        assert_eq!(
            mail.subject,
            "[lab] VRRP Instance VI_1 - Entering BACKUP state"
        );
        assert_eq!(
            mail.body,
            "=> VRRP Instance is no longer owning VRRP VIPs <="
        );
        let mail = a.decide(Subject::Instance, "VI_1", State::Fault).unwrap();
        assert_eq!(
            mail.subject,
            "[lab] VRRP Instance VI_1 - Entering FAULT state"
        );
        assert_eq!(
            mail.body,
            "=> VRRP Instance is no longer owning VRRP VIPs <="
        );
        for (state, word) in [
            (State::Backup, "BACKUP"),
            (State::Master, "MASTER"),
            (State::Fault, "FAULT"),
        ] {
            let mail = a.decide(Subject::Group, "G1", state).unwrap();
            assert_eq!(
                mail.subject,
                format!("[lab] VRRP Group G1 - Entering {word} state")
            );
            assert_eq!(
                mail.body,
                format!("=> All VRRP group instances are now in {word} state <=")
            );
        }
        // Stop and Init are never mailed (see `mail`).
        assert_eq!(
            decided(&mut a, Subject::Instance, "VI_1", State::Stop),
            None
        );
        assert_eq!(decided(&mut a, Subject::Group, "G1", State::Init), None);
    }

    #[test]
    fn the_message_is_keepalived_s_byte_for_byte() {
        let a = alerts(&format!(
            "{MAILING}router_id lab\nnotification_email_from vrrp@example.com\nsmtp_alert"
        ));
        let settings = a.settings.as_deref().unwrap();
        let mail = mail("lab", Subject::Instance, "VI_1", State::Master).unwrap();
        let now = time::macros::datetime!(2026-12-01 19:45:04 UTC);
        // As captured from keepalived 2.2.7 (module doc).
        assert_eq!(
            settings.message(&mail, now),
            "Date: Tue, 01 Dec 2026 19:45:04 +0000\r\nFrom: vrrp@example.com\r\n\
             Subject: [lab] VRRP Instance VI_1 - Entering MASTER state\r\nX-Mailer: Keepalived\r\n\
             To: ops@example.com, oncall@example.com\r\n\r\n\
             => VRRP Instance is now owning VRRP VIPs <=\r\n"
        );
        let east = Settings {
            offset: UtcOffset::from_hms(5, 30, 0).unwrap(),
            ..settings.clone()
        };
        assert!(
            east.message(&mail, now)
                .starts_with("Date: Wed, 02 Dec 2026 01:15:04 +0530\r\n")
        );
        let west = Settings {
            offset: UtcOffset::from_hms(-8, 0, 0).unwrap(),
            ..settings.clone()
        };
        assert!(
            west.message(&mail, now)
                .starts_with("Date: Tue, 01 Dec 2026 11:45:04 -0800\r\n")
        );
    }

    #[test]
    fn defaults_are_the_host_and_user() {
        let a = alerts(MAILING);
        let s = a.settings.as_deref().unwrap();
        assert_eq!(s.from, "root@vm");
        assert_eq!(s.helo, "vm");
        assert_eq!(s.router_id, "vm");
        assert_eq!(s.server.port, 25);
        assert_eq!(s.step, Duration::from_secs(30));
        let a = alerts(&format!(
            "{MAILING}smtp_helo_name relay.lab\nsmtp_connect_timeout 3\nrouter_id r1"
        ));
        let s = a.settings.as_deref().unwrap();
        assert_eq!((s.helo.as_str(), s.router_id.as_str()), ("relay.lab", "r1"));
        assert_eq!(s.step, Duration::from_secs(3));
    }

    #[test]
    fn nothing_is_mailed_without_recipients_or_server() {
        let mut a = alerts("smtp_server 10.0.0.9\nsmtp_alert");
        assert!(a.settings.is_none());
        assert_eq!(
            decided(&mut a, Subject::Instance, "VI_1", State::Master),
            None
        );
        let mut a = alerts("notification_email {\n ops@example.com\n}\nsmtp_alert");
        assert_eq!(
            decided(&mut a, Subject::Instance, "VI_1", State::Master),
            None
        );
    }

    #[test]
    fn precedence_own_then_vrrp_then_global() {
        // Nothing said: only VI_3, which asks, alerts.
        let mut a = alerts(MAILING);
        assert_eq!(
            decided(&mut a, Subject::Instance, "VI_1", State::Master),
            None
        );
        assert_eq!(
            decided(&mut a, Subject::Instance, "VI_2", State::Master),
            None
        );
        assert!(decided(&mut a, Subject::Instance, "VI_3", State::Master).is_some());
        assert_eq!(decided(&mut a, Subject::Group, "G1", State::Master), None);
        // smtp_alert: every one but VI_2, which says off.
        let mut a = alerts(&format!("{MAILING}smtp_alert"));
        assert!(decided(&mut a, Subject::Instance, "VI_1", State::Master).is_some());
        assert_eq!(
            decided(&mut a, Subject::Instance, "VI_2", State::Master),
            None
        );
        assert!(decided(&mut a, Subject::Group, "G1", State::Master).is_some());
        // smtp_alert_vrrp off wins over smtp_alert on.
        let mut a = alerts(&format!("{MAILING}smtp_alert\nsmtp_alert_vrrp off"));
        assert_eq!(
            decided(&mut a, Subject::Instance, "VI_1", State::Master),
            None
        );
        assert_eq!(decided(&mut a, Subject::Group, "G1", State::Master), None);
        assert!(decided(&mut a, Subject::Instance, "VI_3", State::Master).is_some());
        // smtp_alert_checker says nothing about VRRP.
        let mut a = alerts(&format!("{MAILING}smtp_alert_checker"));
        assert_eq!(
            decided(&mut a, Subject::Instance, "VI_1", State::Master),
            None
        );
        // Unknown names are never mailed.
        assert_eq!(
            decided(&mut a, Subject::Instance, "VI_9", State::Master),
            None
        );
    }

    #[test]
    fn a_state_already_mailed_is_not_mailed_again_and_faults_can_be_muted() {
        let mut a = alerts(&format!("{MAILING}smtp_alert\nno_email_faults"));
        let mut sequence = Vec::new();
        for state in [
            State::Backup,
            State::Master,
            State::Fault,
            State::Master,
            State::Fault,
            State::Backup,
            State::Backup,
        ] {
            sequence.push(decided(&mut a, Subject::Instance, "VI_1", state).is_some());
        }
        // As keepalived: FAULT is muted and leaves the last mailed state at
        // MASTER, so MASTER after FAULT is not mailed again.
        assert_eq!(sequence, [true, true, false, false, false, true, false]);
        let mut a = alerts(&format!("{MAILING}smtp_alert"));
        assert!(decided(&mut a, Subject::Group, "G1", State::Fault).is_some());
        assert_eq!(decided(&mut a, Subject::Group, "G1", State::Fault), None);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn alerts_beyond_the_bound_are_dropped_not_queued() {
        // A server that accepts connections and never says a word.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let global = format!(
            "notification_email {{\n ops@example.com\n}}\nsmtp_server 127.0.0.1 {port}\n\
             smtp_connect_timeout 1\nsmtp_alert"
        );
        let mut a = alerts(&global);
        for (i, state) in [State::Backup, State::Master]
            .into_iter()
            .cycle()
            .take(MAX_IN_FLIGHT + 3)
            .enumerate()
        {
            a.instance("VI_1", state);
            let expected = MAX_IN_FLIGHT.saturating_sub(i + 1);
            assert_eq!(a.in_flight.available_permits(), expected);
        }
        // The event loop went on at once; the stuck tasks end at their
        // timeout and give their places back.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(a.in_flight.available_permits(), MAX_IN_FLIGHT);
        drop(listener);
    }
}
