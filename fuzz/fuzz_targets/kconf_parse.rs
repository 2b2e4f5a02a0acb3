//! Any bytes as keepalived.conf: the parser must answer with diagnostics,
//! never a panic, a hang or unbounded memory. The file includes itself
//! under a second name, so include handling and loop detection are fuzzed
//! too, and the model is written back and read again.
#![no_main]

use std::path::Path;

use kconf_parser::{MemoryResolver, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let files = MemoryResolver::new()
        .with_file("/etc/keepalived/keepalived.conf", data.to_vec())
        .with_file("/etc/keepalived/other.conf", data.to_vec());
    let mut options = ParseOptions { config_id: "main".into(), ..ParseOptions::default() };
    // Small limits keep each run fast; the limits themselves are what is
    // being tested.
    options.limits.max_lines = 100_000;
    options.limits.max_generator_values = 10_000;
    let parsed = kconf_parser::parse_file_with(
        Path::new("/etc/keepalived/keepalived.conf"),
        &options,
        &files,
    );
    let written = kconf_parser::model::write_config(&parsed.config);
    let again = kconf_parser::parse_str_with(&written, Path::new("/dump.conf"), &options, &files);
    assert_eq!(again.config, parsed.config, "a dump must read back as the same model");
});
