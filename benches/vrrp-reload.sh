#!/usr/bin/env bash
# VRRP reload benchmark, side by side: N VRRPv3 instances (default 200,
# advert_int 0.1 s, one /32 VIP each) mastered by one host (priority 200),
# with the real keepalived 2.2.7 as the backup of every instance (priority
# 100). The master is keepalived-rs (reloaded with `kactl reload`), then
# keepalived 2.2.7 (reloaded with SIGHUP to its parent); the backup is
# keepalived both times and is never reloaded. After steady state, three
# windows of WINDOW seconds (default 10) each:
#   none       no reload: the steady state, for reference;
#   unchanged  a reload with the same file: ideally nothing at all happens;
#   changed    a reload with a file that drops the first 10% of the
#              instances and adds 10% new ones (the backup's file is not
#              changed: a new instance wins with nobody else, a removed
#              one hands its VIP to the backup).
# For each window, from the moment of the reload:
#   - reload duration: ours, the time `kactl reload` takes to return (it
#     answers once the supervisor has checked the file and vrrpd has
#     applied it); keepalived's, from SIGHUP until both of its processes
#     are done: the parent logs "Reload complete" once it has re-read the
#     file and passed SIGHUP on to the VRRP child (not when the child is
#     done), and the child logs nothing at its end but, with -D, a "VRRP
#     sockpool: ..." line once its instances are set up again. Both are
#     shown, and so is the time to vrrpd's "reload done" line for ours
#     (the logs are polled every 2 ms);
#   - CPU of the master's processes (sum over all their threads of
#     /proc/PID/task/TID/schedstat, nanoseconds) from the signal to done,
#     and over the whole window;
#   - gratuitous ARPs the master sent (frames with sender IP = target IP
#     received in the backup's namespace) and for how many VIPs;
#   - VIP additions and removals on both hosts (`ip monitor address`),
#     checked against the addresses the change should move;
#   - state transitions ("Entering ... STATE") both hosts logged;
#   - adverts: per VRID the largest gap between consecutive adverts of the
#     master seen by the backup (the gap around the reload included), and
#     how many gaps exceed 3 x advert_int (where a backup starts to take
#     over: Master_Down = 3 x advert_int + Skew_Time).
#
# VRRPv3 at 0.1 s rather than v2 at 1 s: a reload that holds the event
# loop for 100 ms shows as a late advert here and would vanish in a 1 s
# interval, and a backup takes over after ~0.36 s instead of ~3.6 s.
#
# Everything runs in network namespaces this script creates (two hosts joined
# by veth pairs, up to 250 VRIDs each) and deletes on exit; nothing is sent on
# the machine's own network.
#
# Usage: benches/vrrp-reload.sh          (as root)
# Environment: INSTANCES (default 200), WINDOW (seconds after each reload,
#              default 10), ROUNDS (runs of each master, default 1; the
#              table shows medians and each round's figure), SETTLE (seconds
#              of steady state before the first window, default 8: past the
#              second GARP burst, garp_master_delay 5 s after the
#              transition), MASTERS
#              (default "rs ka"), KEEPALIVED (default /usr/sbin/keepalived),
#              KEEP_WORK=1 (keep logs and captures).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

INSTANCES=${INSTANCES:-200}
WINDOW=${WINDOW:-10}
ROUNDS=${ROUNDS:-1}
SETTLE=${SETTLE:-8}
MASTERS=${MASTERS:-rs ka}
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
for var in INSTANCES WINDOW ROUNDS SETTLE; do
    if ! [[ ${!var} =~ ^[1-9][0-9]*$ ]]; then
        echo "vrrp-reload: $var must be a positive integer, not '${!var}'" >&2
        exit 1
    fi
done
if [ "$INSTANCES" -lt 10 ] || [ "$INSTANCES" -gt 5000 ]; then
    echo "vrrp-reload: INSTANCES is between 10 and 5000" >&2
    exit 1
fi
for system in $MASTERS; do
    case $system in
    rs | ka) ;;
    *)
        echo "vrrp-reload: MASTERS lists rs and/or ka, not '$system'" >&2
        exit 1
        ;;
    esac
done
# shellcheck source=benches/lib.sh
source benches/lib.sh
# keepalived's -D lines mark the events this benchmark times.
KEEPALIVED_DETAIL=1
bench_prerequisites vrrp-reload
if [ ! -r /proc/self/schedstat ]; then
    echo "vrrp-reload: /proc/PID/schedstat is missing (kernel without CONFIG_SCHED_INFO)" >&2
    exit 1
fi
INTERVAL=0.1
VRIDS_PER_LINK=250
# The change: the first CHURN instances go, CHURN new ones come.
CHURN=$((INSTANCES / 10))
SLOTS=$((INSTANCES + CHURN))
INTERFACES=$(((SLOTS + VRIDS_PER_LINK - 1) / VRIDS_PER_LINK))

step "cargo build --release -p vrrpd -p keepalived-rs -p kactl"
cargo build --release --locked --quiet -p vrrpd -p keepalived-rs -p kactl
KEEPALIVED_RS=$PWD/target/release/keepalived-rs
KACTL=$PWD/target/release/kactl
"$KEEPALIVED" --version 2>&1 | sed -n 1p
ANALYSE=$PWD/benches/vrrp_bench.py

tag=vrl$$
M=$tag-m
B=$tag-b
work=$(mktemp -d /tmp/vrrp-reload.XXXXXX)
KEEP_WORK=${KEEP_WORK:-}
STOP_STEPS=200
# Capture and monitor processes of the current window, stopped by cleanup
# too if the script dies in the middle of one.
watchers=()
cleanup() {
    local pid
    for pid in "${watchers[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    lab_down vrrp-reload
}
trap cleanup EXIT

step "lab: $M (master, 10.K.0.1) and $B (backup, 10.K.0.2) joined by $INTERFACES veth pair(s)"
lab_up

# write_config FILE PRIORITY FIRST LAST: instances FIRST..LAST (slot S is
# on eth(S / 250) with VRID S % 250 + 1 and VIP 10.(100+K).0.VRID/32).
write_config() {
    python3 - "$@" "$VRIDS_PER_LINK" <<'EOF'
import sys
path, priority, first, last, per_link = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
with open(path, "w") as f:
    f.write(f"global_defs {{\n    router_id reload{priority}\n}}\n")
    for slot in range(first, last + 1):
        k, vrid = divmod(slot, per_link)
        vrid += 1
        f.write(
            f"vrrp_instance VI_{k}_{vrid} {{\n"
            "    state BACKUP\n"
            f"    interface eth{k}\n"
            f"    virtual_router_id {vrid}\n"
            f"    priority {priority}\n"
            "    version 3\n"
            "    advert_int 0.1\n"
            "    virtual_ipaddress {\n"
            f"        10.{100 + k}.0.{vrid}/32 dev eth{k}\n"
            "    }\n"
            "}\n"
        )
EOF
}
# vips FIRST LAST: the VIPs of slots FIRST..LAST, one a line.
vips() {
    local slot
    for slot in $(seq "$1" "$2"); do
        echo "10.$((100 + slot / VRIDS_PER_LINK)).0.$((slot % VRIDS_PER_LINK + 1))"
    done
}
write_config "$work/master-initial.conf" 200 0 $((INSTANCES - 1))
write_config "$work/master-changed.conf" 200 "$CHURN" $((SLOTS - 1))
write_config "$work/backup.conf" 100 0 $((INSTANCES - 1))
vips 0 $((CHURN - 1)) >"$work/removed.vips"
vips "$INSTANCES" $((SLOTS - 1)) >"$work/added.vips"
: >"$work/none.vips"
echo "$INSTANCES instances; the changed file removes $CHURN and adds $CHURN"



# CPU nanoseconds run by every thread of the pids given (schedstat: ns
# resolution, where /proc/PID/stat counts 10 ms ticks and a reload of a
# few hundred instances takes a few of them).
cpu_ns() {
    local pid
    for pid in "$@"; do
        cat /proc/"$pid"/task/*/schedstat 2>/dev/null || true
    done | awk '{ total += $1 } END { printf "%d", total }'
}


size_of() { stat -c %s "$1"; }
# transitions LOG OFFSET: "Entering ... STATE" lines past OFFSET bytes.
transitions() { tail -c +$(($2 + 1)) "$1" | grep -c 'Entering [A-Z]* STATE' || true; }

# window SYSTEM ROUND KIND: captures, reloads (unless KIND is none), waits
# WINDOW seconds and records "ROUND SYSTEM KIND KEY VALUE" lines.
window() {
    local system=$1 round=$2 kind=$3
    local log=$work/master-$system-$round.log blog=$work/backup-$system-$round.log
    local name=$system-$round-$kind pcap=$work/frames-$system-$round-$kind.pcap
    local expect_add=$work/none.vips expect_del=$work/none.vips expect_b_add=$work/none.vips
    declare -A fig=()
    local t0 t_done='' t_end c0 c_done c1 mlog0 blog0 pids watch='' watch_parent=''
    if [ "$kind" = changed ]; then
        cp "$work/master-changed.conf" "$work/master.conf"
        expect_add=$work/added.vips
        expect_del=$work/removed.vips
        expect_b_add=$work/removed.vips
    fi
    TZ=UTC ip -n $M -ts monitor address >"$work/monitor-m-$name.log" 2>&1 &
    watchers=($!)
    TZ=UTC ip -n $B -ts monitor address >"$work/monitor-b-$name.log" 2>&1 &
    watchers+=($!)
    ip netns exec $B tcpdump -i any -n -s 96 -B 65536 --time-stamp-precision=nano \
        -w "$pcap" arp or ip proto 112 >"$work/tcpdump-$name.log" 2>&1 &
    watchers+=($!)
    mlog0=$(size_of "$log")
    blog0=$(size_of "$blog")
    # The VRRP daemon's own "done" line: vrrpd's summary, or the line
    # keepalived's VRRP child logs once its instances are set up again.
    local done_pattern='vrrpd: reload done'
    [ "$system" = ka ] && done_pattern='VRRP sockpool'
    if [ "$kind" != none ]; then
        python3 "$ANALYSE" wait-log --log "$log" --offset "$mlog0" --pattern "$done_pattern" \
            --timeout 120 >"$work/done-$name" &
        watch=$!
        watchers+=("$watch")
    fi
    if [ "$system" = ka ] && [ "$kind" != none ]; then
        python3 "$ANALYSE" wait-log --log "$log" --offset "$mlog0" --pattern 'Reload complete' \
            --timeout 120 >"$work/parent-done-$name" &
        watch_parent=$!
        watchers+=("$watch_parent")
    fi
    # tcpdump and the watchers start up before the reload.
    sleep 1
    # An empty monitor log or capture would read as "nothing happened".
    local i
    for i in 0 1 2; do
        if ! kill -0 "${watchers[$i]}" 2>/dev/null; then
            echo "vrrp-reload: a capture (ip monitor or tcpdump) of the $kind window did not start:" >&2
            cat "$work/monitor-m-$name.log" "$work/monitor-b-$name.log" "$work/tcpdump-$name.log" >&2
            KEEP_WORK=1
            return 1
        fi
    done
    mapfile -t pids < <(tree "$(cat "$work/$M.supervisor")")
    c0=$(cpu_ns "${pids[@]}")
    t0=$(now)
    case $system,$kind in
    *,none) ;;
    rs,*)
        if ! "$KACTL" --run-dir "$work/run-$M" reload >"$work/kactl-$name.log" 2>&1; then
            echo "vrrp-reload: kactl reload failed:" >&2
            cat "$work/kactl-$name.log" >&2
            KEEP_WORK=1
            return 1
        fi
        t_done=$(now)
        ;;
    ka,*)
        kill -HUP "$(cat "$work/$M.pid")"
        if ! wait "$watch_parent" || ! grep -q '^[0-9]' "$work/parent-done-$name"; then
            echo "vrrp-reload: keepalived did not log 'Reload complete' in 120 s" >&2
            KEEP_WORK=1
            return 1
        fi
        ;;
    esac
    if [ "$kind" != none ]; then
        if ! wait "$watch" || ! grep -q '^[0-9]' "$work/done-$name"; then
            echo "vrrp-reload: the master did not log '$done_pattern' in 120 s" >&2
            KEEP_WORK=1
            return 1
        fi
        local t_child t_parent
        t_child=$(cat "$work/done-$name")
        fig[child_done_ms]=$(awk -v a="$t0" -v b="$t_child" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
    fi
    if [ "$system" = ka ] && [ "$kind" != none ]; then
        t_parent=$(cat "$work/parent-done-$name")
        t_done=$(awk -v a="$t_child" -v b="$t_parent" 'BEGIN { printf "%.6f", (a > b ? a : b) }')
        fig[parent_done_ms]=$(awk -v a="$t0" -v b="$t_parent" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
    fi
    mapfile -t pids < <(tree "$(cat "$work/$M.supervisor")")
    c_done=$(cpu_ns "${pids[@]}")
    t_end=$(awk -v t="$t0" -v d="$WINDOW" 'BEGIN { printf "%.6f", t + d }')
    sleep "$(awk -v t="$t_end" -v n="$(now)" 'BEGIN { d = t - n; printf "%.3f", (d > 0 ? d : 0) }')"
    mapfile -t pids < <(tree "$(cat "$work/$M.supervisor")")
    c1=$(cpu_ns "${pids[@]}")
    # tcpdump (not in immediate mode) writes the kernel's ring in blocks
    # that wait up to a second.
    sleep 1.5
    # tcpdump writes its drop count on SIGINT.
    kill -INT "${watchers[2]}" 2>/dev/null || true
    kill "${watchers[0]}" "${watchers[1]}" 2>/dev/null || true
    wait "${watchers[@]}" 2>/dev/null || true
    watchers=()

    if [ "$kind" != none ]; then
        fig[duration_ms]=$(awk -v a="$t0" -v b="$t_done" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
        fig[cpu_reload_ms]=$(awk -v a="$c0" -v b="$c_done" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
    fi
    fig[cpu_window_ms]=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
    fig[processes]=${#pids[@]}
    fig[vips_after]="$(vips_on $M)/$(vips_on $B)"
    fig[transitions_m]=$(transitions "$log" "$mlog0")
    fig[transitions_b]=$(transitions "$blog" "$blog0")
    fig[dropped]=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$work/tcpdump-$name.log")
    local key value
    while IFS='=' read -r key value; do
        fig[$key]=$value
    done < <(python3 "$ANALYSE" reload --pcap "$pcap" --start "$t0" --end "$t_end" --interval "$INTERVAL")
    if [ "${fig[adverts]:-0}" -eq 0 ]; then
        echo "vrrp-reload: no advert from the master in $pcap ($kind window of $system)" >&2
        cat "$work/tcpdump-$name.log" >&2
        KEEP_WORK=1
        return 1
    fi
    declare -A events=()
    while IFS='=' read -r key value; do
        events[m_$key]=$value
    done < <(python3 "$ANALYSE" addr-events --monitor "$work/monitor-m-$name.log" --start "$t0" \
        --end "$t_end" --prefix 10.1 --expect-add "$expect_add" --expect-del "$expect_del")
    while IFS='=' read -r key value; do
        events[b_$key]=$value
    done < <(python3 "$ANALYSE" addr-events --monitor "$work/monitor-b-$name.log" --start "$t0" \
        --end "$t_end" --prefix 10.1 --expect-add "$expect_b_add" --expect-del "$work/none.vips")
    local host
    for host in m b; do
        fig[${host}_add]=${events[${host}_add]}
        fig[${host}_del]=${events[${host}_del]}
        fig[${host}_wrong]="$((events[${host}_add_unexpected] + events[${host}_del_unexpected]))/$((events[${host}_add_missing] + events[${host}_del_missing]))"
    done
    printf '%-9s duration %s ms, CPU %s ms (window %s ms), GARPs %s, VIP +%s -%s on the master, +%s -%s on the backup, transitions %s/%s, max gap %s ms (VRID %s), %s gaps > 3 x advert_int\n' \
        "$kind" "${fig[duration_ms]:--}" "${fig[cpu_reload_ms]:--}" "${fig[cpu_window_ms]}" "${fig[garps]}" \
        "${fig[m_add]}" "${fig[m_del]}" "${fig[b_add]}" "${fig[b_del]}" "${fig[transitions_m]}" \
        "${fig[transitions_b]}" "${fig[max_gap_ms]}" "${fig[max_gap_vrid]}" "${fig[gaps_over_takeover]}"
    for key in "${!fig[@]}"; do
        echo "$round $system $kind $key ${fig[$key]:--}"
    done >>"$work/figures.tsv"
}

# measure SYSTEM ROUND: the master started fresh, then the three windows.
measure() {
    local system=$1 round=$2 log=$work/master-$1-$2.log blog=$work/backup-$1-$2.log
    stop_ns $M $STOP_STEPS
    stop_ns $B $STOP_STEPS
    ip -n $M -4 addr flush to 10.100.0.0/14 2>/dev/null || true
    ip -n $B -4 addr flush to 10.100.0.0/14 2>/dev/null || true
    cp "$work/master-initial.conf" "$work/master.conf"
    step "master = $system, round $round: starting $INSTANCES instances on $M"
    start_pair vrrp-reload "$system" "$log" "$blog" || return 1
    local kind
    for kind in none unchanged changed; do
        window "$system" "$round" "$kind"
    done
    stop_ns $M $STOP_STEPS
    stop_ns $B $STOP_STEPS
}

: >"$work/figures.tsv"
for round in $(seq "$ROUNDS"); do
    for system in $MASTERS; do
        measure "$system" "$round"
    done
done

step "results: $INSTANCES VRRPv3 instances, advert_int 0.1 s, ${WINDOW} s after each reload, $ROUNDS round(s); backup = keepalived 2.2.7"
python3 "$ANALYSE" reload-report "$work/figures.tsv"
echo
echo "Expected: an unchanged reload moves nothing (0 GARPs, 0 VIP events, 0 transitions,"
echo "no gap > 3 x advert_int); a changed one moves exactly the $CHURN added and $CHURN removed VIPs"
echo "(on the backup: the $CHURN removed ones arrive), and no unchanged instance's advert is late."
