#!/usr/bin/env bash
# Installs what the tests need and runs every test: formatting, lints, unit
# and property tests, the network-namespace lab and interop tests against
# the real peers. This is exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

step() { printf '\n==> %s\n' "$*"; }

step "prerequisites"
scripts/install-deps.sh

# A lab test that cannot find root or a peer must fail, never skip, here.
export NETLAB_REQUIRE=1
export CARGO_TERM_COLOR=never

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

# The lab tests run the binaries the supervisor starts and the operator
# types (vrrpd, kactl) from target/debug: build every binary first, since
# `cargo test` builds only those with integration tests of their own.
step "cargo build --workspace --bins"
cargo build --workspace --bins --locked

step "cargo test (unit, property, doc, netlab and interop tests)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"

step "fuzz targets (each for ${FUZZ_SECONDS:-30}s)"
scripts/fuzz.sh

# One closing line over all test binaries (cargo prints one per binary, and
# the last of them is often a crate's empty doc-test run).
summary=$(awk '/^test result:/ { p += $4; f += $6; i += $8 }
               END { printf "%d passed, %d failed, %d skipped", p, f, i }' "$log")
step "done in $(( $(date +%s) - start )) s"
echo "tests: $summary"
