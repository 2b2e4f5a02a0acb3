//! Every configuration under `examples/` is one a user can start from, so the
//! real keepalived 2.2.7 must accept each without a single diagnostic.

use std::path::{Path, PathBuf};

use netlab::peers::keepalived;

fn example_configs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut configs = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "conf") {
                configs.push(path);
            }
        }
    }
    configs.sort();
    configs
}

#[test]
fn keepalived_accepts_every_example() {
    if netlab::Prerequisites::skip("examples", &["keepalived"]) {
        return;
    }
    let configs = example_configs();
    assert!(
        configs.len() >= 4,
        "examples/ lost its configs: {configs:?}"
    );
    for config in configs {
        let verdict = keepalived::config_test(&config)
            .unwrap_or_else(|e| panic!("{}: {e}", config.display()));
        assert!(
            verdict.success && verdict.diagnostics.trim().is_empty(),
            "keepalived -t rejects {}:\n{}",
            config.display(),
            verdict.diagnostics
        );
    }
}
