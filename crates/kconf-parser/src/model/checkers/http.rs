//! `HTTP_GET { ... }` and `SSL_GET { ... }`: GET each `url` and check the
//! status code, an MD5 digest of the body, or a regular expression.
//!
//! keepalived 2.2.7 only logs (it does not count as a configuration error)
//! a bad regular expression, an unknown `regex_options` word, bad
//! `regex_*_offset` or `regex_stack` values and regex settings without a
//! `regex`: these are notes here.

use std::fmt;
use std::net::IpAddr;
use std::ops::RangeInclusive;

use super::options::{self, CheckOptions, CheckerBlock, ConnectOptions};
use crate::diagnostic::{Code, Severity};
use crate::model::lvs::values;
use crate::model::reader::{Cx, Keywords};
use crate::model::writer::Writer;
use crate::syntax::Node;

/// The HTTP status codes keepalived accepts in `status_code`.
pub const STATUS_CODES: RangeInclusive<u16> = 100..=599;

model! {
    /// `HTTP_GET` or `SSL_GET`.
    pub struct HttpCheck {
        /// `retry` (or the deprecated `nb_get_retry`), `delay_loop`, ...
        pub options: CheckOptions = CheckOptions::default(),
        /// `connect_ip`, `connect_port`, ...
        pub connection: ConnectOptions = ConnectOptions::default(),
        /// `virtualhost NAME`: the Host header (default: the real server's).
        pub virtualhost: Option<String> = None,
        /// `http_protocol 1.0|1.0C|1.1`; default 1.0.
        pub protocol: HttpProtocol = HttpProtocol::Http10,
        /// `enable_sni [BOOL]`: send the virtual host as TLS SNI; default off.
        pub enable_sni: bool = false,
        /// `fast_recovery [BOOL]`: check all URLs at once when recovering; default off.
        pub fast_recovery: bool = false,
        /// The `url` blocks, at least one.
        pub urls: Vec<Url> = Vec::new(),
    }
}

/// `http_protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpProtocol {
    /// `1.0` (the default).
    Http10,
    /// `1.0C`: 1.0 with `Connection: close`.
    Http10Close,
    /// `1.1` (which closes the connection too).
    Http11,
}

const PROTOCOLS: &[(&str, HttpProtocol)] = &[
    ("1.0", HttpProtocol::Http10),
    ("1.0C", HttpProtocol::Http10Close),
    ("1.0c", HttpProtocol::Http10Close),
    ("1.1", HttpProtocol::Http11),
];

impl fmt::Display for HttpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(values::name_of(PROTOCOLS, *self))
    }
}

model! {
    /// `url { path ... }`: one request and what its answer must be.
    pub struct Url {
        /// `path`: the request path (required).
        pub path: String = String::new(),
        /// `digest HEX`: the MD5 of the body (32 hex digits).
        pub digest: Option<[u8; 16]> = None,
        /// `status_code N|N-M ...`: the accepted status codes (default 200-299).
        pub status_codes: Vec<RangeInclusive<u16>> = Vec::new(),
        /// `virtualhost NAME`: the Host header (default: the checker's).
        pub virtualhost: Option<String> = None,
        /// `regex PATTERN`: a PCRE2 pattern the body must match.
        pub regex: Option<String> = None,
        /// `regex_no_match`: the body must not match instead; default off.
        pub regex_no_match: bool = false,
        /// `regex_options ...`: PCRE2 compile options.
        pub regex_options: Vec<RegexOption> = Vec::new(),
        /// `regex_min_offset N`: where in the body matching starts.
        pub regex_min_offset: Option<u64> = None,
        /// `regex_max_offset N`: the last offset a match may start at.
        pub regex_max_offset: Option<u64> = None,
        /// `regex_stack START MAX`: the PCRE2 JIT stack sizes in bytes.
        pub regex_stack: Option<(u64, u64)> = None,
    }
}

/// A PCRE2 compile option of `regex_options`, named as keepalived names it
/// (the `PCRE2_` constant in lower case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegexOption {
    /// `allow_empty_class` (`PCRE2_ALLOW_EMPTY_CLASS`).
    AllowEmptyClass,
    /// `alt_bsux` (`PCRE2_ALT_BSUX`).
    AltBsux,
    /// `auto_callout` (`PCRE2_AUTO_CALLOUT`).
    AutoCallout,
    /// `caseless` (`PCRE2_CASELESS`).
    Caseless,
    /// `dollar_endonly` (`PCRE2_DOLLAR_ENDONLY`).
    DollarEndonly,
    /// `dotall` (`PCRE2_DOTALL`).
    Dotall,
    /// `dupnames` (`PCRE2_DUPNAMES`).
    Dupnames,
    /// `extended` (`PCRE2_EXTENDED`).
    Extended,
    /// `firstline` (`PCRE2_FIRSTLINE`).
    Firstline,
    /// `match_unset_backref` (`PCRE2_MATCH_UNSET_BACKREF`).
    MatchUnsetBackref,
    /// `multiline` (`PCRE2_MULTILINE`).
    Multiline,
    /// `never_ucp` (`PCRE2_NEVER_UCP`).
    NeverUcp,
    /// `never_utf` (`PCRE2_NEVER_UTF`).
    NeverUtf,
    /// `no_auto_capture` (`PCRE2_NO_AUTO_CAPTURE`).
    NoAutoCapture,
    /// `no_auto_possess` (`PCRE2_NO_AUTO_POSSESS`).
    NoAutoPossess,
    /// `no_dotstar_anchor` (`PCRE2_NO_DOTSTAR_ANCHOR`).
    NoDotstarAnchor,
    /// `no_start_optimize` (`PCRE2_NO_START_OPTIMIZE`).
    NoStartOptimize,
    /// `ucp` (`PCRE2_UCP`).
    Ucp,
    /// `ungreedy` (`PCRE2_UNGREEDY`).
    Ungreedy,
    /// `utf` (`PCRE2_UTF`).
    Utf,
    /// `never_backslash_c` (`PCRE2_NEVER_BACKSLASH_C`).
    NeverBackslashC,
    /// `alt_circumflex` (`PCRE2_ALT_CIRCUMFLEX`).
    AltCircumflex,
    /// `alt_verbnames` (`PCRE2_ALT_VERBNAMES`).
    AltVerbnames,
    /// `use_offset_limit` (`PCRE2_USE_OFFSET_LIMIT`).
    UseOffsetLimit,
}

const REGEX_OPTIONS: &[(&str, RegexOption)] = &[
    ("allow_empty_class", RegexOption::AllowEmptyClass),
    ("alt_bsux", RegexOption::AltBsux),
    ("auto_callout", RegexOption::AutoCallout),
    ("caseless", RegexOption::Caseless),
    ("dollar_endonly", RegexOption::DollarEndonly),
    ("dotall", RegexOption::Dotall),
    ("dupnames", RegexOption::Dupnames),
    ("extended", RegexOption::Extended),
    ("firstline", RegexOption::Firstline),
    ("match_unset_backref", RegexOption::MatchUnsetBackref),
    ("multiline", RegexOption::Multiline),
    ("never_ucp", RegexOption::NeverUcp),
    ("never_utf", RegexOption::NeverUtf),
    ("no_auto_capture", RegexOption::NoAutoCapture),
    ("no_auto_possess", RegexOption::NoAutoPossess),
    ("no_dotstar_anchor", RegexOption::NoDotstarAnchor),
    ("no_start_optimize", RegexOption::NoStartOptimize),
    ("ucp", RegexOption::Ucp),
    ("ungreedy", RegexOption::Ungreedy),
    ("utf", RegexOption::Utf),
    ("never_backslash_c", RegexOption::NeverBackslashC),
    ("alt_circumflex", RegexOption::AltCircumflex),
    ("alt_verbnames", RegexOption::AltVerbnames),
    ("use_offset_limit", RegexOption::UseOffsetLimit),
];

impl fmt::Display for RegexOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(values::name_of(REGEX_OPTIONS, *self))
    }
}

impl CheckerBlock for HttpCheck {
    fn options(&mut self) -> &mut CheckOptions {
        &mut self.options
    }
    fn connection(&mut self) -> Option<&mut ConnectOptions> {
        Some(&mut self.connection)
    }
}

/// The keywords of `HTTP_GET`/`SSL_GET` besides the shared ones.
const HTTP: &Keywords<HttpCheck> = &[
    ("nb_get_retry", |cx, node, check| {
        cx.report_help(
            Severity::Warning,
            Code::InvalidValue,
            &node.keyword.location,
            "'nb_get_retry' is deprecated".into(),
            "use 'retry'".into(),
        );
        if let Some(retry) = values::u32_in(cx, node, 0..=u32::MAX) {
            check.options.retry = Some(retry);
        }
    }),
    ("virtualhost", |cx, node, check| {
        if let Some(host) = cx.string(node) {
            check.virtualhost = Some(host);
        }
    }),
    ("http_protocol", |cx, node, check| {
        if let Some(protocol) = cx.choice(node, PROTOCOLS) {
            check.protocol = protocol;
        }
    }),
    ("enable_sni", |cx, node, check| {
        if let Some(on) = cx.flag(node) {
            check.enable_sni = on;
        }
    }),
    ("fast_recovery", |cx, node, check| {
        if let Some(on) = cx.flag(node) {
            check.fast_recovery = on;
        }
    }),
    ("url", |cx, node, check| {
        if let Some(url) = read_url(cx, node) {
            check.urls.push(url);
        }
    }),
];

/// The keywords of a `url` block.
const URL: &Keywords<Url> = &[
    ("path", |cx, node, url| {
        if let Some(path) = cx.string(node) {
            url.path = path;
        }
    }),
    ("digest", read_digest),
    ("status_code", read_status_codes),
    ("virtualhost", |cx, node, url| {
        if let Some(host) = cx.string(node) {
            url.virtualhost = Some(host);
        }
    }),
    ("regex", |cx, node, url| {
        cx.no_block(node);
        match node.args.as_slice() {
            [pattern] => url.regex = Some(pattern.text.clone()),
            _ => note(
                cx,
                node,
                "'regex' takes one (quoted) pattern; keepalived ignores the line",
            ),
        }
    }),
    ("regex_no_match", |cx, node, url| {
        url.regex_no_match = values::bare_flag(cx, node)
    }),
    ("regex_options", |cx, node, url| {
        cx.no_block(node);
        for word in &node.args {
            match REGEX_OPTIONS.iter().find(|(name, _)| *name == word.text) {
                Some((_, option)) if !url.regex_options.contains(option) => {
                    url.regex_options.push(*option)
                }
                Some(_) => {}
                None => cx.report(
                    Severity::Note,
                    Code::InvalidValue,
                    &word.location,
                    format!(
                        "unknown regex option '{}'; keepalived ignores it",
                        word.text
                    ),
                ),
            }
        }
    }),
    ("regex_min_offset", |cx, node, url| {
        if let Some(offset) = offset(cx, node) {
            url.regex_min_offset = Some(offset);
        }
    }),
    ("regex_max_offset", |cx, node, url| {
        if let Some(offset) = offset(cx, node) {
            url.regex_max_offset = Some(offset);
        }
    }),
    ("regex_stack", |cx, node, url| {
        cx.no_block(node);
        let numbers: Vec<Option<u64>> = node.args.iter().map(|w| w.text.parse().ok()).collect();
        match numbers.as_slice() {
            [Some(start), Some(max)] if start <= max => url.regex_stack = Some((*start, *max)),
            [Some(_), Some(_)] => note(
                cx,
                node,
                "regex_stack start exceeds its max; keepalived ignores the line",
            ),
            _ => note(
                cx,
                node,
                "'regex_stack' takes two sizes, START MAX; keepalived ignores the line",
            ),
        }
    }),
];

/// Reads an `HTTP_GET` or `SSL_GET` block; keepalived drops the checker
/// without a URL (and 2.2.7 then crashes).
pub(super) fn read(cx: &mut Cx<'_>, node: &Node, real_server: IpAddr) -> Option<HttpCheck> {
    let mut check = HttpCheck::default();
    if !options::read_block(cx, node, HTTP, &mut check) {
        return None;
    }
    check.urls.shrink_to_fit();
    if check.urls.is_empty() {
        cx.report_help(
            Severity::Warning,
            Code::MissingValue,
            &node.keyword.location,
            format!("{} has no url; keepalived ignores the checker", node.name()),
            "add 'url { path / }'".into(),
        );
        return None;
    }
    options::connection_usable(cx, node, &check.connection, real_server).then_some(check)
}

/// A `url` block; dropped (with a warning) without a path, as keepalived does.
fn read_url(cx: &mut Cx<'_>, node: &Node) -> Option<Url> {
    cx.at_most(node, 0);
    let mut url = Url::default();
    cx.read_block(node, "url", URL, &mut url);
    node.block.as_ref()?;
    if url.path.is_empty() {
        cx.report(
            Severity::Warning,
            Code::MissingValue,
            &node.keyword.location,
            "url has no path; keepalived ignores it".into(),
        );
        return None;
    }
    let has_regex_settings = url.regex_no_match
        || !url.regex_options.is_empty()
        || url.regex_min_offset.is_some()
        || url.regex_max_offset.is_some()
        || url.regex_stack.is_some();
    if url.regex.is_none() && has_regex_settings {
        note(
            cx,
            node,
            "regex settings without 'regex'; keepalived ignores them",
        );
        url.regex_no_match = false;
        url.regex_options.clear();
        url.regex_min_offset = None;
        url.regex_max_offset = None;
        url.regex_stack = None;
    }
    if let (Some(min), Some(max)) = (url.regex_min_offset, url.regex_max_offset) {
        if min > max {
            note(
                cx,
                node,
                "regex_min_offset is past regex_max_offset; keepalived ignores both",
            );
            url.regex_min_offset = None;
            url.regex_max_offset = None;
        }
    }
    Some(url)
}

/// `digest HEX`: 32 hex digits; keepalived keeps the first of two.
fn read_digest(cx: &mut Cx<'_>, node: &Node, url: &mut Url) {
    let Some(word) = cx.single(node) else { return };
    let text = word.text.as_str();
    if url.digest.is_some() {
        cx.report(
            Severity::Warning,
            Code::Duplicate,
            &word.location,
            format!("a second digest '{text}'; keepalived keeps the first"),
        );
        return;
    }
    let mut digest = [0u8; 16];
    let valid = text.len() == 32
        && text.is_char_boundary(32)
        && digest.iter_mut().enumerate().all(|(i, byte)| {
            text.get(2 * i..2 * i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .map(|value| *byte = value)
                .is_some()
        });
    if !valid {
        cx.report(
            Severity::Error,
            Code::InvalidValue,
            &word.location,
            format!("'digest' needs 32 hex digits (an MD5 sum), not '{text}'"),
        );
        return;
    }
    url.digest = Some(digest);
}

/// `status_code 200 300-399 ...`: codes 100-599; every line adds to the set,
/// and a bad word is reported and skipped alone.
fn read_status_codes(cx: &mut Cx<'_>, node: &Node, url: &mut Url) {
    cx.no_block(node);
    if node.args.is_empty() {
        cx.arg(node);
    }
    for word in &node.args {
        let (first, last) = word
            .text
            .split_once('-')
            .unwrap_or((&word.text, &word.text));
        match (first.parse::<u16>(), last.parse::<u16>()) {
            (Ok(first), Ok(last))
                if STATUS_CODES.contains(&first)
                    && STATUS_CODES.contains(&last)
                    && first <= last =>
            {
                url.status_codes.push(first..=last)
            }
            _ => cx.report(
                Severity::Error,
                Code::OutOfRange,
                &word.location,
                format!(
                    "'status_code' needs codes or ranges within 100-599, not '{}'",
                    word.text
                ),
            ),
        }
    }
}

/// A regex offset: keepalived only logs a bad one and uses 0.
fn offset(cx: &mut Cx<'_>, node: &Node) -> Option<u64> {
    cx.no_block(node);
    match node.args.as_slice() {
        [word] => match word.text.parse() {
            Ok(offset) => Some(offset),
            Err(_) => {
                note(
                    cx,
                    node,
                    "the offset is not a number; keepalived ignores it",
                );
                None
            }
        },
        _ => {
            note(
                cx,
                node,
                "the offset takes one number; keepalived ignores the line",
            );
            None
        }
    }
}

fn note(cx: &mut Cx<'_>, node: &Node, message: &str) {
    cx.report(
        Severity::Note,
        Code::InvalidValue,
        &node.keyword.location,
        format!("'{}': {message}", node.name()),
    );
}

/// Writes an `HTTP_GET` (or, with `keyword`, `SSL_GET`) block.
pub(super) fn write(keyword: &str, check: &HttpCheck, w: &mut Writer) {
    w.open(&[keyword]);
    options::write_connection(&check.connection, w);
    options::write_options(&check.options, w);
    w.opt("virtualhost", &check.virtualhost);
    if check.protocol != HttpProtocol::Http10 {
        w.value("http_protocol", check.protocol);
    }
    w.flag("enable_sni", check.enable_sni);
    w.flag("fast_recovery", check.fast_recovery);
    for url in &check.urls {
        w.open(&["url"]);
        w.value("path", &url.path);
        if let Some(digest) = &url.digest {
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            w.value("digest", hex);
        }
        if !url.status_codes.is_empty() {
            let codes: Vec<String> = url
                .status_codes
                .iter()
                .map(|r| {
                    if r.start() == r.end() {
                        r.start().to_string()
                    } else {
                        format!("{}-{}", r.start(), r.end())
                    }
                })
                .collect();
            let mut words = vec!["status_code"];
            words.extend(codes.iter().map(String::as_str));
            w.line(&words);
        }
        w.opt("virtualhost", &url.virtualhost);
        w.opt("regex", &url.regex);
        w.flag("regex_no_match", url.regex_no_match);
        if !url.regex_options.is_empty() {
            let names: Vec<String> = url.regex_options.iter().map(ToString::to_string).collect();
            let mut words = vec!["regex_options"];
            words.extend(names.iter().map(String::as_str));
            w.line(&words);
        }
        values::write_opt(w, "regex_min_offset", url.regex_min_offset);
        values::write_opt(w, "regex_max_offset", url.regex_max_offset);
        if let Some((start, max)) = url.regex_stack {
            w.line(&["regex_stack", &start.to_string(), &max.to_string()]);
        }
        w.close();
    }
    w.close();
}
