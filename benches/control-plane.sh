#!/usr/bin/env bash
# Control-plane cost at scale, side by side: how long an operator (or a
# Prometheus scrape) waits for the state of INSTANCES VRRP instances
# (default 1,000: 4 interfaces x 250 VRIDs, VRRPv3 advert_int 0.1 s, the
# daemon master of all of them, sending 10,000 adverts/s meanwhile).
#   keepalived-rs: `kactl status --json`, `kactl stats --json`, a scrape of
#   `--metrics` /metrics, each REPEAT times (median and max, bytes).
#   keepalived 2.2.7: the nearest it has, a SIGJSON dump: from the signal
#   to /tmp/keepalived.json complete (its TMPDIR is a private directory).
# Everything runs in two namespaces this script creates (the master, and a
# silent peer namespace at the other end of the veths) and deletes on exit.
#
# Usage: benches/control-plane.sh          (as root)
# Environment: INTERFACES (default 4), VRIDS (per interface, default 250),
#              REPEAT (default 20), KEEPALIVED (default /usr/sbin/keepalived).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

INTERFACES=${INTERFACES:-4}
VRIDS=${VRIDS:-250}
REPEAT=${REPEAT:-20}
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
for var in INTERFACES VRIDS REPEAT; do
    if ! [[ ${!var} =~ ^[1-9][0-9]*$ ]]; then
        echo "control-plane: $var must be a positive integer, not '${!var}'" >&2
        exit 1
    fi
done
if [ "$VRIDS" -gt 255 ]; then
    echo "control-plane: VRIDS is at most 255" >&2
    exit 1
fi
# shellcheck source=benches/lib.sh
source benches/lib.sh
bench_prerequisites control-plane
INSTANCES=$((INTERFACES * VRIDS))

step "cargo build --release -p vrrpd -p keepalived-rs -p kactl"
cargo build --release --locked --quiet -p vrrpd -p keepalived-rs -p kactl
bin=$PWD/target/release

tag=vcp$$
M=$tag-m
B=$tag-p   # a silent peer: nothing runs there
work=$(mktemp -d /tmp/control-plane.XXXXXX)
STOP_STEPS=200
trap 'lab_down control-plane' EXIT
lab_up
python3 - "$work/k.conf" "$INTERFACES" "$VRIDS" <<'EOF'
import sys
path, interfaces, vrids = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as f:
    f.write("global_defs {\n    router_id cp\n}\n")
    for k in range(interfaces):
        for vrid in range(1, vrids + 1):
            f.write(
                f"vrrp_instance VI_{k}_{vrid} {{\n    interface eth{k}\n    virtual_router_id {vrid}\n"
                "    priority 200\n    version 3\n    advert_int 0.1\n"
                f"    virtual_ipaddress {{\n        10.{100 + k}.0.{vrid}/32 dev eth{k}\n    }}\n}}\n"
            )
EOF

wait_masters() {
    if ! wait_count 120 "$INSTANCES" vips_on "$M"; then
        echo "control-plane: only $(vips_on "$M") of $INSTANCES VIPs after 120 s" >&2
        exit 1
    fi
}

# time_ms COMMAND...: milliseconds the command took; its output to $work/out.
time_ms() {
    local t0 t1
    t0=$(now)
    "$@" >"$work/out"
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}

# summary LABEL FILE-OF-MS BYTES: "label median max bytes".
summary() {
    sort -n "$2" | awk -v label="$1" -v bytes="$3" '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%-44s %10.1f %10.1f %12s\n", label, m, v[NR], bytes }'
}

step "keepalived-rs: $INSTANCES instances, master of all"
ip netns exec $M "$bin/keepalived-rs" -n -G -f "$work/k.conf" --run-dir "$work/run" \
    --metrics 127.0.0.1:9650 >"$work/rs.log" 2>&1 &
disown
wait_masters
sleep 3
results=()
for what in status stats metrics; do
    : >"$work/$what.ms"
    for _ in $(seq "$REPEAT"); do
        case $what in
        status) time_ms "$bin/kactl" --run-dir "$work/run" status --json >>"$work/$what.ms" ;;
        stats) time_ms "$bin/kactl" --run-dir "$work/run" stats --json >>"$work/$what.ms" ;;
        metrics)
            # Plain HTTP/1.0 over bash's /dev/tcp: no client start-up cost.
            time_ms ip netns exec $M bash -c 'exec 3<>/dev/tcp/127.0.0.1/9650
                printf "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3
                cat <&3' >>"$work/$what.ms"
            ;;
        esac
    done
    results+=("$(summary "keepalived-rs: $what" "$work/$what.ms" "$(wc -c <"$work/out")")")
done
stop_ns $M 200

step "keepalived 2.2.7: $INSTANCES instances, master of all"
mkdir -p "$work/tmp"
ip netns exec $M env TMPDIR="$work/tmp" "$KEEPALIVED" -n -l -G -P -f "$work/k.conf" \
    -p "$work/ka.pid" -r "$work/ka-vrrp.pid" >"$work/ka.log" 2>&1 &
disown
wait_masters
sleep 3
json=$("$KEEPALIVED" --signum=JSON)
: >"$work/ka-json.ms"
for _ in $(seq "$REPEAT"); do
    rm -f "$work/tmp/keepalived.json"
    t0=$(now)
    kill -"$json" "$(cat "$work/ka.pid")"
    # Complete once it parses: keepalived writes in place, not by rename.
    # Polled cheaply (size, no interpreter) until the size holds still.
    last=-1
    for _ in $(seq 10000); do
        size=$(stat -c %s "$work/tmp/keepalived.json" 2>/dev/null || echo 0)
        if [ "$size" -gt 0 ] && [ "$size" = "$last" ] &&
            python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/tmp/keepalived.json" 2>/dev/null; then
            break
        fi
        last=$size
        sleep 0.002
    done
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$work/ka-json.ms"
done
results+=("$(summary "keepalived 2.2.7: SIGJSON to keepalived.json" "$work/ka-json.ms" "$(wc -c <"$work/tmp/keepalived.json")")")

step "results: $INSTANCES instances, $REPEAT requests each (ms; bytes of one answer)"
printf '%-44s %10s %10s %12s\n' "request" "median" "max" "bytes"
printf '%s\n' "${results[@]}"
