//! Checks that span blocks: every section's own, then the VRRP ones.

use super::Config;
use super::reader::Cx;

pub(crate) fn validate(config: &Config, cx: &mut Cx<'_>) {
    super::global::validate(config, cx);
    super::track::validate(config, cx);
    super::ipaddr::validate(config, cx);
    super::bfd::validate(config, cx);
    super::lvs::validate(config, cx);
    super::checkers::validate(config, cx);
    super::vrrp::validate(config, cx);
}
