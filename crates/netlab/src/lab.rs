//! The lab: a naming scope and a scratch directory for hosts and segments.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tempfile::TempDir;

use crate::netns::{self, Namespace};
use crate::{Error, Host, Segment};

/// One lab per test. Hosts and segments made from it are torn down when they
/// are dropped; the scratch directory (configs, logs) when the last of them
/// and the lab are gone.
#[derive(Debug)]
pub struct Lab {
    prefix: String,
    dir: Arc<TempDir>,
}

static NEXT_LAB: AtomicU32 = AtomicU32::new(0);

impl Lab {
    /// Creates a lab, first sweeping namespaces that crashed test runs left.
    /// `test` only labels the scratch directory.
    pub fn new(test: &str) -> Result<Self, Error> {
        let missing = Prerequisites::missing(&[]);
        if !missing.is_empty() {
            return Err(Error::Missing(missing.join(", ")));
        }
        netns::sweep_stale();
        let n = NEXT_LAB.fetch_add(1, Ordering::Relaxed);
        let prefix = format!("nl{}x{n}", std::process::id());
        let dir = tempfile::Builder::new()
            .prefix(&format!("netlab-{test}-"))
            .tempdir()
            .map_err(|source| Error::io("creating the lab directory", source))?;
        Ok(Lab {
            prefix,
            dir: Arc::new(dir),
        })
    }

    /// A lab for a test that needs root, iproute2, nftables and `programs`.
    ///
    /// When something is missing this returns `None` after printing a loud
    /// SKIPPED line, so the test can return early, unless skipping is
    /// forbidden (`CI` or `NETLAB_REQUIRE` set), in which case it panics: in CI
    /// no lab test may skip.
    pub fn for_test(test: &str, programs: &[&str]) -> Option<Self> {
        if Prerequisites::skip(test, programs) {
            return None;
        }
        match Lab::new(test) {
            Ok(lab) => Some(lab),
            Err(err) => panic!("{test}: cannot build the lab: {err}"),
        }
    }

    /// Creates a host: a network namespace with `lo` up and IPv6 duplicate
    /// address detection off, so addresses are usable at once.
    pub fn host(&self, name: &str) -> Result<Host, Error> {
        let namespace = Namespace::create(&self.namespace_name(name)?)?;
        for sysctl in [
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
        ] {
            namespace.run(&["sysctl", "-qw", sysctl])?;
        }
        Ok(Host::new(namespace, name, self.dir.clone()))
    }

    /// Creates an L2 segment: a bridge (no STP, no forwarding delay, no
    /// multicast snooping, so VRRP and IPv6 multicast always flood) inside a
    /// namespace of its own.
    pub fn segment(&self, name: &str) -> Result<Segment, Error> {
        let namespace = Namespace::create(&self.namespace_name(&format!("sw-{name}"))?)?;
        Segment::new(namespace, name)
    }

    /// The scratch directory for configs and logs of this lab.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the scratch directory.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    fn namespace_name(&self, name: &str) -> Result<String, Error> {
        let valid = !name.is_empty()
            && name.len() <= 32
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(format!("{}-{name}", self.prefix))
        } else {
            Err(Error::Invalid(format!(
                "lab name '{name}': use up to 32 letters, digits, '-' or '_'"
            )))
        }
    }
}

/// What the lab and the peers need from the machine.
#[derive(Debug)]
pub struct Prerequisites;

impl Prerequisites {
    /// Everything missing for a lab with `programs`: root, `ip`, `nft`, and
    /// each program (searched like [`crate::peers::find_program`]).
    pub fn missing(programs: &[&str]) -> Vec<String> {
        let mut missing = Vec::new();
        if !nix::unistd::geteuid().is_root() {
            missing.push("root (network namespaces need CAP_SYS_ADMIN)".to_owned());
        }
        for program in ["ip", "nft", "sysctl"].iter().chain(programs) {
            if crate::peers::find_program(program).is_none() {
                missing.push(format!("the program `{program}`"));
            }
        }
        missing
    }

    /// True when `test` should be skipped because something is missing; the
    /// reason is printed. Panics instead when skipping is forbidden.
    pub fn skip(test: &str, programs: &[&str]) -> bool {
        let missing = Self::missing(programs);
        if missing.is_empty() {
            return false;
        }
        let reason = missing.join(", ");
        if skipping_forbidden() {
            panic!("{test}: missing {reason}; skipping is not allowed here (CI or NETLAB_REQUIRE)");
        }
        eprintln!("\n*** SKIPPED {test}: missing {reason} ***\n");
        true
    }
}

fn skipping_forbidden() -> bool {
    ["CI", "NETLAB_REQUIRE"]
        .iter()
        .any(|var| std::env::var_os(var).is_some_and(|value| !value.is_empty() && value != "0"))
}
