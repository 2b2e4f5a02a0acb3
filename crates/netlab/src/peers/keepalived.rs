//! The real keepalived (2.2.7 on Debian 12): VRRP peer and config oracle.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::netns::describe;
use crate::{Error, Host, Process};

/// A keepalived running in the foreground inside a lab host, with its pid
/// files in the lab directory so several can run at once.
#[derive(Debug)]
pub struct Keepalived {
    process: Process,
    config: PathBuf,
}

impl Keepalived {
    /// Writes `config` to the lab directory and starts keepalived on `host`
    /// with console logging (`-n -l -D -G`).
    pub fn start(host: &Host, config: &str) -> Result<Self, Error> {
        let config_path = host.write_file("keepalived.conf", config)?;
        let program = super::find_program("keepalived")
            .ok_or_else(|| Error::Missing("the program `keepalived`".into()))?;
        let pid = |name: &str| host.path(name).display().to_string();
        let process = host.spawn(
            "keepalived",
            &[
                &program.display().to_string(),
                "--dont-fork",
                "--log-console",
                "--log-detail",
                "--no-syslog",
                "--use-file",
                &config_path.display().to_string(),
                "--pid",
                &pid("keepalived.pid"),
                "--vrrp_pid",
                &pid("keepalived-vrrp.pid"),
                "--checkers_pid",
                &pid("keepalived-checkers.pid"),
                "--bfd_pid",
                &pid("keepalived-bfd.pid"),
            ],
        )?;
        Ok(Keepalived {
            process,
            config: config_path,
        })
    }

    /// The configuration file keepalived was started with.
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// The underlying process (for its log, pid and signals).
    pub fn process(&mut self) -> &mut Process {
        &mut self.process
    }

    /// Waits until the log says `(<instance>) Entering <STATE> STATE` after
    /// `mark` (see [`Process::log_mark`]); `state` is MASTER, BACKUP or FAULT.
    pub fn wait_for_state(
        &mut self,
        mark: usize,
        instance: &str,
        state: &str,
        timeout: Duration,
    ) -> Result<Duration, Error> {
        let needle = format!("({instance}) Entering {state} STATE");
        self.process.wait_for_log_after(mark, &needle, timeout)
    }
}

/// What `keepalived -t` said about a configuration file.
#[derive(Debug, Clone)]
pub struct ConfigTest {
    /// Whether keepalived exited successfully. keepalived 2.2.7 exits 0 even
    /// for some broken files (a missing file, for one), so read the text too.
    pub success: bool,
    /// Everything it printed.
    pub diagnostics: String,
}

/// Runs `keepalived -t -f path`. The config test sends nothing on the network,
/// so it may run in the root namespace.
pub fn config_test(path: &Path) -> Result<ConfigTest, Error> {
    let program = super::find_program("keepalived")
        .ok_or_else(|| Error::Missing("the program `keepalived`".into()))?;
    let mut command = Command::new(program);
    command.arg("--config-test").arg("--use-file").arg(path);
    let output = command.output().map_err(|source| Error::Spawn {
        command: describe(&command),
        source,
    })?;
    let mut diagnostics = String::from_utf8_lossy(&output.stdout).into_owned();
    diagnostics.push_str(&String::from_utf8_lossy(&output.stderr));
    Ok(ConfigTest {
        success: output.status.success(),
        diagnostics,
    })
}

/// A `vrrp_instance` block for generated test configurations.
#[derive(Debug, Clone)]
pub struct VrrpInstance {
    /// Instance name, e.g. `VI_1`.
    pub name: String,
    /// `interface`.
    pub interface: String,
    /// `virtual_router_id`.
    pub vrid: u8,
    /// `priority`.
    pub priority: u8,
    /// `state`: MASTER or BACKUP.
    pub state: String,
    /// `advert_int` in seconds (fractions allowed with VRRPv3).
    pub advert_int: f64,
    /// `version` (2 or 3); `None` leaves keepalived's default (2).
    pub version: Option<u8>,
    /// `virtual_ipaddress` entries, e.g. `10.0.0.100/24`.
    pub virtual_ipaddress: Vec<String>,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `authentication { auth_type PASS auth_pass ... }`.
    pub auth_pass: Option<String>,
    /// `unicast_src_ip`.
    pub unicast_src_ip: Option<String>,
    /// `unicast_peer` addresses; empty means multicast.
    pub unicast_peers: Vec<String>,
    /// `native_ipv6`: an IPv6 instance even before its addresses say so.
    pub native_ipv6: bool,
    /// Further keyword lines, verbatim.
    pub extra: Vec<String>,
}

impl VrrpInstance {
    /// An instance with keepalived's usual defaults: BACKUP, advert_int 1,
    /// version 2, multicast, no authentication.
    pub fn new(name: &str, interface: &str, vrid: u8, priority: u8) -> Self {
        VrrpInstance {
            name: name.to_owned(),
            interface: interface.to_owned(),
            vrid,
            priority,
            state: "BACKUP".to_owned(),
            advert_int: 1.0,
            version: None,
            virtual_ipaddress: Vec::new(),
            nopreempt: false,
            auth_pass: None,
            unicast_src_ip: None,
            unicast_peers: Vec::new(),
            native_ipv6: false,
            extra: Vec::new(),
        }
    }

    /// Adds a virtual address.
    pub fn vip(mut self, address: &str) -> Self {
        self.virtual_ipaddress.push(address.to_owned());
        self
    }

    /// Sets `version` (2 or 3).
    pub fn version(mut self, version: u8) -> Self {
        self.version = Some(version);
        self
    }

    /// Sets `advert_int` in seconds.
    pub fn advert_int(mut self, seconds: f64) -> Self {
        self.advert_int = seconds;
        self
    }

    /// Sets `authentication { auth_type PASS auth_pass <pass> }`.
    pub fn auth_pass(mut self, pass: &str) -> Self {
        self.auth_pass = Some(pass.to_owned());
        self
    }

    /// Sends unicast from `source` to `peers` instead of multicast.
    pub fn unicast(mut self, source: &str, peers: &[&str]) -> Self {
        self.unicast_src_ip = Some(source.to_owned());
        self.unicast_peers = peers.iter().map(|p| (*p).to_owned()).collect();
        self
    }

    /// Sets `native_ipv6`.
    pub fn native_ipv6(mut self) -> Self {
        self.native_ipv6 = true;
        self
    }

    /// The block as keepalived.conf text.
    pub fn render(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(text, "vrrp_instance {} {{", self.name);
        let _ = writeln!(text, "    state {}", self.state);
        let _ = writeln!(text, "    interface {}", self.interface);
        let _ = writeln!(text, "    virtual_router_id {}", self.vrid);
        let _ = writeln!(text, "    priority {}", self.priority);
        let _ = writeln!(text, "    advert_int {}", self.advert_int);
        if let Some(version) = self.version {
            let _ = writeln!(text, "    version {version}");
        }
        if self.native_ipv6 {
            let _ = writeln!(text, "    native_ipv6");
        }
        if self.nopreempt {
            let _ = writeln!(text, "    nopreempt");
        }
        if let Some(pass) = &self.auth_pass {
            let _ = writeln!(
                text,
                "    authentication {{\n        auth_type PASS\n        auth_pass {pass}\n    }}"
            );
        }
        if let Some(src) = &self.unicast_src_ip {
            let _ = writeln!(text, "    unicast_src_ip {src}");
        }
        if !self.unicast_peers.is_empty() {
            let _ = writeln!(text, "    unicast_peer {{");
            for peer in &self.unicast_peers {
                let _ = writeln!(text, "        {peer}");
            }
            let _ = writeln!(text, "    }}");
        }
        let _ = writeln!(text, "    virtual_ipaddress {{");
        for vip in &self.virtual_ipaddress {
            let _ = writeln!(text, "        {vip}");
        }
        let _ = writeln!(text, "    }}");
        for line in &self.extra {
            let _ = writeln!(text, "    {line}");
        }
        text.push_str("}\n");
        text
    }
}

/// A whole keepalived.conf: `global_defs` with `router_id` and the instances.
pub fn config(router_id: &str, instances: &[VrrpInstance]) -> String {
    let mut text = format!("global_defs {{\n    router_id {router_id}\n}}\n");
    for instance in instances {
        text.push_str(&instance.render());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_complete_instance() {
        let mut instance = VrrpInstance::new("VI_1", "eth0", 51, 150).vip("10.0.0.100/24");
        instance.version = Some(3);
        instance.advert_int = 0.5;
        instance.nopreempt = true;
        instance.auth_pass = Some("secret".into());
        instance.unicast_src_ip = Some("10.0.0.1".into());
        instance.unicast_peers = vec!["10.0.0.2".into()];
        let text = config("lab1", &[instance]);
        for expected in [
            "router_id lab1",
            "vrrp_instance VI_1 {",
            "virtual_router_id 51",
            "priority 150",
            "advert_int 0.5",
            "version 3",
            "nopreempt",
            "auth_pass secret",
            "unicast_src_ip 10.0.0.1",
            "        10.0.0.2",
            "        10.0.0.100/24",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert_eq!(text.matches('{').count(), text.matches('}').count());
        assert!(!text.contains("native_ipv6"));
    }

    #[test]
    fn builder_methods_render_ipv6_and_unicast_instances() {
        let v6 = VrrpInstance::new("VI_6", "eth0", 53, 100)
            .version(3)
            .advert_int(0.05)
            .native_ipv6()
            .vip("fd00::100/64");
        let text = v6.render();
        for expected in [
            "version 3",
            "advert_int 0.05",
            "native_ipv6",
            "        fd00::100/64",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        let unicast = VrrpInstance::new("VI_U", "eth0", 51, 100)
            .auth_pass("pw")
            .unicast("10.0.0.2", &["10.0.0.1", "10.0.0.3"])
            .render();
        for expected in [
            "auth_pass pw",
            "unicast_src_ip 10.0.0.2",
            "        10.0.0.1\n        10.0.0.3\n",
        ] {
            assert!(
                unicast.contains(expected),
                "missing {expected:?} in\n{unicast}"
            );
        }
    }
}
