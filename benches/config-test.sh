#!/usr/bin/env bash
# Config-test benchmark: runs `keepalived -t -f` (the real keepalived 2.2.7)
# and `keepalived-rs -t -f` side by side, in the same run, on the same large
# generated keepalived.conf, and prints median wall time, peak RSS, their
# ratios (keepalived-rs / keepalived) and the exit statuses.
#
# The generated file is clean: both programs must exit 0 and print nothing.
# The script exits non-zero if either does not (a failed run or a diagnostic
# means the two parsers disagree, and its figures mean nothing).
#
# Usage: benches/config-test.sh         (as root: it may apt-get install time)
# Environment: RUNS (timed runs of each program, default 7),
#              KEEPALIVED (default /usr/sbin/keepalived).
# `keepalived -t` only parses the file; nothing is sent on the network.
set -euo pipefail
# Numbers are printed and sorted with a "." decimal point.
export LC_ALL=C
cd "$(dirname "$0")/.."

RUNS=${RUNS:-7}
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
if ! [[ $RUNS =~ ^[1-9][0-9]*$ ]]; then
    echo "config-test: RUNS must be a positive integer, not '$RUNS'" >&2
    exit 1
fi
KEEPALIVED_RS=target/release/keepalived-rs
GENERATOR=benches/gen-large-config.py
OUT_DIR=target/bench
CONF=$OUT_DIR/large.conf
# Holds the generator's hash when $CONF was written by it.
STAMP=$CONF.generator-sha256

step() { printf '\n==> %s\n' "$*"; }

# Seconds since the epoch with microseconds (bash 5), for wall times: GNU
# time's %e has only 10 ms resolution, too coarse for a fast parser.
now() { echo "${EPOCHREALTIME/,/.}"; }

# Median of the numbers given as arguments.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Largest of the numbers given as arguments.
maximum() { printf '%s\n' "$@" | sort -g | tail -n 1; }

step "prerequisites"
if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "config-test: /usr/bin/time is missing; run as root to install it" >&2
        exit 1
    fi
    # GNU time gives peak RSS (%M); bash's `time` keyword cannot.
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
if [ ! -x "$KEEPALIVED" ]; then
    echo "config-test: $KEEPALIVED not found (scripts/install-deps.sh installs it)" >&2
    exit 1
fi
"$KEEPALIVED" -v 2>&1 | sed -n 1p

step "cargo build --release -p keepalived-rs"
cargo build --release --locked -p keepalived-rs

step "config $CONF"
mkdir -p "$OUT_DIR"
hash=$(sha256sum "$GENERATOR" | cut -d' ' -f1)
if [ -f "$CONF" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$hash" ]; then
    echo "up to date ($(wc -l <"$CONF") lines)"
else
    start=$(now)
    lines=$(python3 "$GENERATOR" "$CONF")
    echo "$hash" >"$STAMP"
    echo "generated $lines lines in $(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }') s"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run NAME PROGRAM: one config test of PROGRAM on $CONF. Appends the wall
# time (s), peak RSS (KiB) and exit status to $work/NAME.{time,rss,status},
# and keeps the output (stderr and stdout: a clean config test prints
# nothing at all) of the last run that printed something in $work/NAME.out.
run() {
    local name=$1 program=$2 start end status
    start=$(now)
    # GNU time exits with the program's status (128 + N if killed by signal
    # N); -q keeps its "exited with non-zero status" line out of the -o file.
    status=0
    /usr/bin/time -q -f '%M' -o "$work/$name.rss1" \
        "$program" -t -f "$CONF" >"$work/$name.run-out" 2>&1 || status=$?
    end=$(now)
    if [ -s "$work/$name.run-out" ]; then
        cp "$work/$name.run-out" "$work/$name.out"
    fi
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }' >>"$work/$name.time"
    tail -n 1 "$work/$name.rss1" >>"$work/$name.rss"
    echo "$status" >>"$work/$name.status"
}

step "config test, $RUNS runs of each, alternating which goes first"
# One untimed run of each first, so that both find the file in the page
# cache and the binaries loaded.
run warmup-ka "$KEEPALIVED"
run warmup-rs "$KEEPALIVED_RS"
for i in $(seq "$RUNS"); do
    # Swap which goes first every run, so that drift (CPU frequency, a busy
    # neighbour on the VM) hits both programs alike.
    if [ $((i % 2)) -eq 1 ]; then
        run ka "$KEEPALIVED"
        run rs "$KEEPALIVED_RS"
    else
        run rs "$KEEPALIVED_RS"
        run ka "$KEEPALIVED"
    fi
    printf 'run %d: keepalived %.3f s exit %s, keepalived-rs %.3f s exit %s\n' "$i" \
        "$(tail -n 1 "$work/ka.time")" "$(tail -n 1 "$work/ka.status")" \
        "$(tail -n 1 "$work/rs.time")" "$(tail -n 1 "$work/rs.status")"
done

# Per program: median time (s), max RSS (MiB), the distinct exit statuses.
declare -A time_s rss_mib statuses
for name in ka rs; do
    mapfile -t t <"$work/$name.time"
    mapfile -t m <"$work/$name.rss"
    time_s[$name]=$(median "${t[@]}")
    rss_mib[$name]=$(awk -v k="$(maximum "${m[@]}")" 'BEGIN { printf "%.1f", k / 1024 }')
    statuses[$name]=$(sort -un "$work/$name.status" | paste -sd, -)
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

step "results ($CONF, $(wc -l <"$CONF") lines, $RUNS runs each)"
printf '%-16s %12s %12s %6s\n' "" "median time" "max RSS" "exit"
printf '%-16s %10.3f s %8s MiB %6s\n' keepalived "${time_s[ka]}" "${rss_mib[ka]}" "${statuses[ka]}"
printf '%-16s %10.3f s %8s MiB %6s\n' keepalived-rs "${time_s[rs]}" "${rss_mib[rs]}" "${statuses[rs]}"
printf '%-16s %12s %12s\n' "ratio (rs / ka)" \
    "$(ratio "${time_s[rs]}" "${time_s[ka]}")" "$(ratio "${rss_mib[rs]}" "${rss_mib[ka]}")"

# Every run must exit 0 and print nothing; report each program that did not.
failed=0
check() {
    local name=$1 label=$2
    if [ "${statuses[$name]}" != 0 ]; then
        echo "FAIL: $label -t failed (exit ${statuses[$name]})" >&2
        failed=1
    elif [ -s "$work/$name.out" ]; then
        echo "FAIL: $label -t exited 0 but printed diagnostics on a clean config" >&2
        failed=1
    else
        return 0
    fi
    # Output of the last run that printed anything: enough to see what went
    # wrong (the runs are all alike).
    if [ -s "$work/$name.out" ]; then
        head -n 20 "$work/$name.out" | sed 's/^/    /' >&2
    fi
}
check ka keepalived
check rs keepalived-rs
if [ "$failed" -ne 0 ]; then
    echo "config-test: FAILED (the figures above are not comparable)" >&2
    exit 1
fi
echo "config-test: both programs accept the config cleanly"
