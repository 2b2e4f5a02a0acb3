//! What a stopping vrrpd leaves behind: keepalived's `-V`
//! (`--dont-release-vrrp`) and `-X` (`--release-vips`).
//!
//! By default a stopping daemon shuts its instances down: a master sends
//! priority 0 and removes its virtual addresses and routes, and the VMACs
//! go. With `--dont-release-vrrp` keepalived skips that shutdown entirely
//! (keepalived(8): "Don't remove VRRP VIPs and VROUTEs on daemon stop"), so
//! no priority-0 advert is sent and the addresses, virtual routes and VMACs
//! stay; a backup takes over after Master_Down. `static_*` state is removed
//! either way, as keepalived does. With `--release-vips` ("Drop VIP on
//! transition from signal") every instance removes its virtual addresses
//! when the signal stops it, not only a master: a backup may hold some left
//! by an earlier run. `-V` wins when both are given, as in keepalived, where
//! the skipped shutdown is the only place `-X` acts on stop.
//!
//! It does not do the reload half of `-X` (there is no reload yet).

/// The release flags vrrpd was started with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Release {
    /// `--dont-release-vrrp`.
    pub(crate) dont_release_vrrp: bool,
    /// `--release-vips`.
    pub(crate) release_vips: bool,
}

/// What to do with the instances on SIGTERM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnStop {
    /// Leave everything as it is: no shutdown, no priority 0.
    Keep,
    /// Shut the instances down; with `every_instance`, also remove the
    /// virtual addresses of those that were not master.
    Shutdown { every_instance: bool },
}

impl Release {
    pub(crate) fn on_stop(self) -> OnStop {
        if self.dont_release_vrrp {
            OnStop::Keep
        } else {
            OnStop::Shutdown {
                every_instance: self.release_vips,
            }
        }
    }

    /// Whether the VMACs are deleted at stop (with `-V` they carry the VIPs
    /// left in place).
    pub(crate) fn removes_vmacs(self) -> bool {
        !self.dont_release_vrrp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalived_release_flags() {
        let release = |dont_release_vrrp, release_vips| Release {
            dont_release_vrrp,
            release_vips,
        };
        assert_eq!(
            release(false, false).on_stop(),
            OnStop::Shutdown {
                every_instance: false
            }
        );
        assert_eq!(
            release(false, true).on_stop(),
            OnStop::Shutdown {
                every_instance: true
            }
        );
        assert_eq!(release(true, false).on_stop(), OnStop::Keep);
        assert_eq!(release(true, true).on_stop(), OnStop::Keep);
        assert!(release(false, true).removes_vmacs());
        assert!(!release(true, false).removes_vmacs());
    }
}
