#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a short time (FUZZ_SECONDS each,
# default 30) from its seed corpus. A crash fails the run and leaves the
# input in fuzz/artifacts/<target>/.
#
# cargo-fuzz needs nightly-only compiler flags (sanitizers); the machine's
# only toolchain is stable, so RUSTC_BOOTSTRAP=1 unlocks them for this build
# alone. The fuzz crate is outside the workspace, so nothing else sees it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${FUZZ_SECONDS:-30}

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo install cargo-fuzz --locked --quiet
fi

export RUSTC_BOOTSTRAP=1
for target in $(cargo fuzz list); do
    corpus="corpus/$target"
    work=$(mktemp -d)
    # Fuzz into a scratch copy so the committed seeds stay as they are.
    cp -r "$corpus/." "$work/" 2>/dev/null || true
    echo "fuzz: $target for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
    if ! cargo fuzz run "$target" "$work" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
        > "$work.log" 2>&1; then
        tail -n 60 "$work.log"
        echo "fuzz: $target FAILED; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E "^Done [0-9]+ runs" "$work.log" | sed "s/^/fuzz: $target: /"
    rm -rf "$work" "$work.log"
done
