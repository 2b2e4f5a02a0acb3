#!/usr/bin/env bash
# VRRP scale benchmark, side by side: 1,000 VRRPv3 instances (4 interfaces x
# 250 VRIDs, advert_int 0.1 s, so 10,000 adverts/s, one VIP each) mastered by
# one host (priority 200), with the real keepalived 2.2.7 as the backup of
# every instance (priority 100). It runs twice: master = keepalived-rs, then
# master = keepalived 2.2.7 (the backup is keepalived both times). Over the
# same DURATION seconds of steady state it measures, for the master:
#   - CPU seconds: utime + stime (+ cutime + cstime of reaped children) of
#     the supervisor and all its descendants, from /proc/PID/stat;
#   - RSS and PSS: the sum over those processes, sampled every 0.5 s from
#     /proc/PID/smaps_rollup (peak and average; PSS shares a forked child's
#     pages fairly between parent and child), and the anonymous part of RSS
#     (heap and stacks: what grows with the instances; the rest is code);
#   - VIPs held: addresses counted on the master (all 1,000) and on the
#     backup (none), before and after, and address events during the window
#     (`ip monitor address` on both hosts: any is a flap);
#   - advert lateness on the wire: tcpdump in the backup's namespace on all
#     four links; per VRID the gaps between consecutive adverts, lateness =
#     gap - 100 ms: max, p99, and the count late by more than 10 ms.
#
# Everything runs in network namespaces this script creates (two hosts joined
# by four veth pairs) and deletes on exit; nothing is sent on the machine's
# own network.
#
# Usage: benches/vrrp-scale.sh          (as root)
# Environment: DURATION (measured seconds, default 20), ROUNDS (runs of each
#              master, alternating, default 1; the table shows medians and
#              each round's figure), SETTLE (seconds of
#              steady state before measuring, default 8), INTERFACES
#              (default 4), VRIDS (per interface, default 250),
#              MASTERS (default "rs ka"), KEEPALIVED (default
#              /usr/sbin/keepalived), PERF=1 (perf record -g the master for
#              the window; report in the kept work directory), SMAPS=1
#              (each master process's /proc/PID/smaps at the window's end,
#              kept in the work directory).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20}
ROUNDS=${ROUNDS:-1}
SETTLE=${SETTLE:-8}
INTERFACES=${INTERFACES:-4}
VRIDS=${VRIDS:-250}
MASTERS=${MASTERS:-rs ka}
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
for var in DURATION ROUNDS SETTLE INTERFACES VRIDS; do
    if ! [[ ${!var} =~ ^[1-9][0-9]*$ ]]; then
        echo "vrrp-scale: $var must be a positive integer, not '${!var}'" >&2
        exit 1
    fi
done
if [ "$VRIDS" -gt 255 ] || [ "$INTERFACES" -gt 50 ]; then
    echo "vrrp-scale: VRIDS is at most 255 and INTERFACES at most 50" >&2
    exit 1
fi
# shellcheck source=benches/lib.sh
source benches/lib.sh
bench_prerequisites vrrp-scale
INSTANCES=$((INTERFACES * VRIDS))
INTERVAL=0.1


step "cargo build --release -p vrrpd -p keepalived-rs"
cargo build --release --locked --quiet -p vrrpd -p keepalived-rs
KEEPALIVED_RS=$PWD/target/release/keepalived-rs
"$KEEPALIVED" --version 2>&1 | sed -n 1p
ANALYSE=$PWD/benches/vrrp_bench.py
CLK_TCK=$(getconf CLK_TCK)

tag=vsc$$
M=$tag-m
B=$tag-b
work=$(mktemp -d /tmp/vrrp-scale.XXXXXX)
KEEP_WORK=${KEEP_WORK:-}

# 1,000 instances take a while to stop: up to 10 s (200 steps) before KILL.
STOP_STEPS=200
trap 'lab_down vrrp-scale' EXIT

step "lab: $M (master, 10.K.0.1) and $B (backup, 10.K.0.2) joined by $INTERFACES veth pairs"
lab_up

# write_config FILE PRIORITY: every instance; VIP 10.(100+K).0.VRID/32.
write_config() {
    local file=$1 priority=$2
    python3 - "$file" "$priority" "$INTERFACES" "$VRIDS" <<'EOF'
import sys
path, priority, interfaces, vrids = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(path, "w") as f:
    f.write(f"global_defs {{\n    router_id scale{priority}\n}}\n")
    for k in range(interfaces):
        for vrid in range(1, vrids + 1):
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
write_config "$work/master.conf" 200
write_config "$work/backup.conf" 100
echo "$INSTANCES instances per host ($(wc -l <"$work/master.conf") config lines)"



# CPU ticks (utime + stime + cutime + cstime) summed over the pids given.
cpu_ticks() {
    local total=0 pid t
    for pid in "$@"; do
        # Fields after "(comm) ": $12 utime, $13 stime, $14 cutime, $15 cstime.
        t=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }')
        total=$((total + ${t:-0}))
    done
    echo "$total"
}

# "USER SYSTEM" CPU ticks (with reaped children's) summed over the pids
# given: what the daemon's own code costs, and what the kernel costs it
# (sending and receiving adverts), which is the same work for both systems.
cpu_split() {
    local user=0 system=0 pid u s
    for pid in "$@"; do
        read -r u s < <(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $14, $13 + $15 }')
        user=$((user + ${u:-0}))
        system=$((system + ${s:-0}))
    done
    echo "$user $system"
}

# "RSS PSS ANON" in KiB summed over the pids given (ANON: anonymous
# memory, what the daemon allocates; the rest of RSS is mapped code).
memory_kib() {
    local pid
    for pid in "$@"; do
        cat "/proc/$pid/smaps_rollup" 2>/dev/null || true
    done | awk '$1 == "Rss:" { r += $2 } $1 == "Pss:" { p += $2 } $1 == "Anonymous:" { a += $2 }
        END { print r + 0, p + 0, a + 0 }'
}



# measure SYSTEM ROUND: one whole run with SYSTEM as the master; its
# figures go to fig[SYSTEM,KEY] and, as "ROUND SYSTEM KEY VALUE" lines,
# to $work/figures.tsv.
measure() {
    local system=$1 round=$2 log=$work/master-$1-$2.log blog=$work/backup-$1-$2.log
    declare -A fig=()
    local t0 t1 pids c0 c1 samples=0 rss_sum=0 pss_sum=0 rss_peak=0 pss_peak=0 anon_peak=0 rss pss anon
    stop_ns $M $STOP_STEPS
    stop_ns $B $STOP_STEPS
    step "master = $system: starting $INSTANCES instances on $M"
    start_pair vrrp-scale "$system" "$log" "$blog" || return 1

    fig[$system,vips_m0]=$(vips_on $M)
    fig[$system,vips_b0]=$(vips_on $B)
    TZ=UTC ip -n $M -ts monitor address >"$work/monitor-m-$system-$round.log" 2>&1 &
    local mon_m=$!
    TZ=UTC ip -n $B -ts monitor address >"$work/monitor-b-$system-$round.log" 2>&1 &
    local mon_b=$!
    ip netns exec $B tcpdump -i any -n -s 96 -B 65536 --time-stamp-precision=nano \
        -w "$work/adverts-$system-$round.pcap" ip proto 112 >"$work/tcpdump-$system-$round.log" 2>&1 &
    local capture=$!
    sleep 1
    local perf=
    if [ -n "${PERF:-}" ]; then
        perf record -g -o "$work/perf-$system-$round.data" -p "$(tree "$(cat "$work/$M.supervisor")" | paste -sd,)" \
            -- sleep "$DURATION" >"$work/perf-$system-$round.log" 2>&1 &
        perf=$!
    fi

    mapfile -t pids < <(tree "$(cat "$work/$M.supervisor")")
    t0=$(now)
    c0=$(cpu_ticks "${pids[@]}")
    read -r u0 s0 < <(cpu_split "${pids[@]}")
    local end
    end=$(awk -v t="$t0" -v d="$DURATION" 'BEGIN { printf "%.6f", t + d }')
    while awk -v t="$(now)" -v e="$end" 'BEGIN { exit !(t < e) }'; do
        read -r rss pss anon < <(memory_kib "${pids[@]}")
        samples=$((samples + 1))
        rss_sum=$((rss_sum + rss))
        pss_sum=$((pss_sum + pss))
        [ "$rss" -gt "$rss_peak" ] && rss_peak=$rss
        [ "$pss" -gt "$pss_peak" ] && pss_peak=$pss
        [ "$anon" -gt "$anon_peak" ] && anon_peak=$anon
        sleep 0.5
    done
    mapfile -t pids < <(tree "$(cat "$work/$M.supervisor")")
    if [ -n "${SMAPS:-}" ]; then
        local pid
        for pid in "${pids[@]}"; do
            cat "/proc/$pid/smaps" >"$work/smaps-$system-$round-$(cat "/proc/$pid/comm" 2>/dev/null)-$pid.txt" 2>/dev/null || true
        done
        KEEP_WORK=1
    fi
    c1=$(cpu_ticks "${pids[@]}")
    read -r u1 s1 < <(cpu_split "${pids[@]}")
    t1=$(now)
    # tcpdump (not in immediate mode, to spare the CPU the daemons share)
    # reads the kernel's ring in blocks that wait up to a second.
    sleep 1.5
    [ -n "$perf" ] && wait "$perf" 2>/dev/null || true
    kill -INT $capture 2>/dev/null || true
    kill $mon_m $mon_b 2>/dev/null || true
    wait $capture $mon_m $mon_b 2>/dev/null || true

    fig[$system,vips_m1]=$(vips_on $M)
    fig[$system,vips_b1]=$(vips_on $B)
    fig[$system,processes]=${#pids[@]}
    fig[$system,cpu]=$(awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / hz }')
    fig[$system,cpu_user]=$(awk -v a="$u0" -v b="$u1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / hz }')
    fig[$system,cpu_system]=$(awk -v a="$s0" -v b="$s1" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / hz }')
    fig[$system,window]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    fig[$system,rss_peak]=$(awk -v k="$rss_peak" 'BEGIN { printf "%.1f", k / 1024 }')
    fig[$system,rss_avg]=$(awk -v k="$rss_sum" -v n="$samples" 'BEGIN { printf "%.1f", k / n / 1024 }')
    fig[$system,pss_peak]=$(awk -v k="$pss_peak" 'BEGIN { printf "%.1f", k / 1024 }')
    fig[$system,anon_peak]=$(awk -v k="$anon_peak" 'BEGIN { printf "%.1f", k / 1024 }')
    fig[$system,pss_avg]=$(awk -v k="$pss_sum" -v n="$samples" 'BEGIN { printf "%.1f", k / n / 1024 }')
    fig[$system,vip_del_m]=$(python3 "$ANALYSE" flaps --monitor "$work/monitor-m-$system-$round.log" \
        --start "$t0" --end "$t1" --kind del)
    fig[$system,vip_add_b]=$(python3 "$ANALYSE" flaps --monitor "$work/monitor-b-$system-$round.log" \
        --start "$t0" --end "$t1" --kind add)
    fig[$system,dropped]=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$work/tcpdump-$system-$round.log")
    while IFS='=' read -r key value; do
        fig[$system,$key]=$value
    done < <(python3 "$ANALYSE" lateness --pcap "$work/adverts-$system-$round.pcap" \
        --start "$t0" --end "$t1" --interval "$INTERVAL" --threshold 0.010)
    printf 'window %s s: CPU %s s, RSS peak %s MiB avg %s MiB, PSS peak %s MiB, %s adverts/s from %s instances, max late %s ms, p99 %s ms, %s late > 10 ms\n' \
        "${fig[$system,window]}" "${fig[$system,cpu]}" "${fig[$system,rss_peak]}" "${fig[$system,rss_avg]}" \
        "${fig[$system,pss_peak]}" "${fig[$system,adverts_per_s]}" "${fig[$system,instances_seen]}" \
        "${fig[$system,max_late_ms]}" "${fig[$system,p99_late_ms]}" "${fig[$system,late_over_threshold]}"
    local key
    for key in "${!fig[@]}"; do
        [ "${key%%,*}" = "$system" ] && echo "$round $system ${key#*,} ${fig[$key]:--}"
    done >>"$work/figures.tsv"
    if [ -n "${PERF:-}" ]; then
        perf report -i "$work/perf-$system-$round.data" --no-children --stdio --percent-limit 1 \
            >"$work/perf-$system-$round.txt" 2>/dev/null || true
        KEEP_WORK=1
    fi
    stop_ns $M $STOP_STEPS
    stop_ns $B $STOP_STEPS
}

: >"$work/figures.tsv"
for round in $(seq "$ROUNDS"); do
    for system in $MASTERS; do
        measure "$system" "$round"
    done
done

step "results: $INSTANCES VRRPv3 instances, advert_int 0.1 s, ${DURATION} s window, $ROUNDS round(s); backup = keepalived 2.2.7"
python3 "$ANALYSE" scale-report "$work/figures.tsv"
echo
echo "Targets: keepalived-rs CPU and RSS at most half keepalived's (ratio <= 0.5),"
echo "every VIP held ($INSTANCES on the master, 0 on the backup), no advert late by more than 10 ms."
