//! VRRP: `vrrp_script`, `vrrp_sync_group`, `garp_group` and `vrrp_instance`.

mod checks;
mod group;
mod instance;
mod script;
mod tracking;

pub use group::{GarpGroup, SyncGroup};
pub use instance::{
    AuthHmac, AuthType, Authentication, HmacMode, Ipvlan, IpvlanMode, OldChecksum, State,
    UnicastPeer, Vmac, VrrpInstance,
};
pub use script::VrrpScript;
pub use tracking::{TrackInterface, TrackRef};

pub(crate) use checks::validate;
pub(crate) use group::{read_garp_group, read_sync_group, write_garp_group, write_sync_group};
pub(crate) use instance::{read_vrrp_instance, write_vrrp_instance};
pub(crate) use script::{read_vrrp_script, write_vrrp_script};
