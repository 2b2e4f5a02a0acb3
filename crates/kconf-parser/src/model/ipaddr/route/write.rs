//! Writing a route back as the words of its line.

use std::time::Duration;

use super::{AddMode, Route, RouteMetric, RouterPreference};
use crate::model::ipaddr::Prefix;
use crate::model::ipaddr::names::{DSFIELD, PROTOCOL, SCOPE, TABLE, realms_text};

fn push_metric(words: &mut Vec<String>, name: &str, metric: &Option<RouteMetric<u32>>) {
    if let Some(metric) = metric {
        words.push(name.to_owned());
        if metric.lock {
            words.push("lock".into());
        }
        words.push(metric.value.to_string());
    }
}

fn push_time(words: &mut Vec<String>, name: &str, metric: &Option<RouteMetric<Duration>>) {
    if let Some(metric) = metric {
        words.push(name.to_owned());
        if metric.lock {
            words.push("lock".into());
        }
        words.push(metric.value.as_millis().to_string());
    }
}

/// The words of a route line.
pub(in crate::model::ipaddr) fn words(r: &Route) -> Vec<String> {
    let mut words = Vec::new();
    if let Some(kind) = r.route_type {
        words.push(kind.to_string());
    }
    words.push(if r.to == Prefix::any(false) {
        "default".to_owned()
    } else {
        r.to.to_string()
    });
    let option = |words: &mut Vec<String>, name: &str, value: Option<String>| {
        if let Some(value) = value {
            words.push(name.to_owned());
            words.push(value);
        }
    };
    option(&mut words, "src", r.src.map(|a| a.to_string()));
    option(&mut words, "from", r.from.map(|p| p.to_string()));
    option(&mut words, "via", r.via.map(|a| a.to_string()));
    option(&mut words, "dev", r.dev.as_ref().map(|d| d.value.clone()));
    option(&mut words, "vrf", r.vrf.clone());
    option(&mut words, "tos", r.tos.as_ref().map(|t| DSFIELD.text(t)));
    option(&mut words, "table", r.table.as_ref().map(|t| TABLE.text(t)));
    option(
        &mut words,
        "protocol",
        r.protocol.as_ref().map(|p| PROTOCOL.text(p)),
    );
    option(&mut words, "scope", r.scope.as_ref().map(|s| SCOPE.text(s)));
    option(&mut words, "metric", r.metric.map(|m| m.to_string()));
    if r.onlink {
        words.push("onlink".into());
    }
    push_metric(&mut words, "mtu", &r.mtu);
    option(&mut words, "hoplimit", r.hoplimit.map(|h| h.to_string()));
    push_metric(&mut words, "advmss", &r.advmss);
    push_time(&mut words, "rtt", &r.rtt);
    push_time(&mut words, "rttvar", &r.rttvar);
    push_metric(&mut words, "reordering", &r.reordering);
    option(&mut words, "window", r.window.map(|v| v.to_string()));
    push_metric(&mut words, "cwnd", &r.cwnd);
    push_metric(&mut words, "ssthresh", &r.ssthresh);
    option(&mut words, "realms", r.realms.as_ref().map(realms_text));
    push_time(&mut words, "rto_min", &r.rto_min);
    option(&mut words, "initcwnd", r.initcwnd.map(|v| v.to_string()));
    option(&mut words, "initrwnd", r.initrwnd.map(|v| v.to_string()));
    if r.features_ecn {
        words.extend(["features".into(), "ecn".into()]);
    }
    option(
        &mut words,
        "quickack",
        r.quickack.map(|on| u8::from(on).to_string()),
    );
    if let Some(congctl) = &r.congctl {
        words.push("congctl".into());
        if congctl.lock {
            words.push("lock".into());
        }
        words.push(congctl.value.clone());
    }
    option(
        &mut words,
        "pref",
        r.pref.map(|pref| match pref {
            RouterPreference::Low => "low".to_owned(),
            RouterPreference::Medium => "medium".to_owned(),
            RouterPreference::High => "high".to_owned(),
            RouterPreference::Other(n) => n.to_string(),
        }),
    );
    option(
        &mut words,
        "ttl-propagate",
        r.ttl_propagate
            .map(|on| if on { "enabled" } else { "disabled" }.to_owned()),
    );
    option(
        &mut words,
        "fastopen_no_cookie",
        r.fastopen_no_cookie.map(|on| u8::from(on).to_string()),
    );
    option(&mut words, "expires", r.expires.map(|v| v.to_string()));
    if !r.encap.is_empty() {
        words.push("encap".into());
        words.extend(r.encap.iter().cloned());
    }
    match r.mode {
        AddMode::Prepend => {}
        AddMode::Add => words.push("add".into()),
        AddMode::Append => words.push("append".into()),
    }
    if r.no_track {
        words.push("no_track".into());
    }
    option(
        &mut words,
        "track_group",
        r.track_group.as_ref().map(|g| g.value.clone()),
    );
    for hop in &r.nexthops {
        words.push("nexthop".into());
        option(&mut words, "via", hop.via.map(|a| a.to_string()));
        option(&mut words, "dev", hop.dev.as_ref().map(|d| d.value.clone()));
        option(&mut words, "weight", hop.weight.map(|w| w.to_string()));
        if hop.onlink {
            words.push("onlink".into());
        }
        option(&mut words, "realms", hop.realms.as_ref().map(realms_text));
        if !hop.encap.is_empty() {
            words.push("encap".into());
            words.extend(hop.encap.iter().cloned());
        }
    }
    words
}
