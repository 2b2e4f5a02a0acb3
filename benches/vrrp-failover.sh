#!/usr/bin/env bash
# VRRP failover benchmark, side by side: a pair of keepalived-rs and a pair
# of the real keepalived 2.2.7, each in turn on the same two-host lab, for
#   {VRRPv2 advert_int 1 with PASS auth, VRRPv3 advert_int 0.05}
#   x {SIGKILL of the master host's daemons, SIGTERM of the master}.
# Each run starts the master (priority 150) and the backup (priority 100),
# waits until the master holds the VIP and the backup logged BACKUP, then
# signals the master and measures the time until the VIP is on the backup.
#
# How it is measured, the same for both systems: `ip -ts monitor address`
# runs in the backup's namespace from before the signal; its timestamp of the
# VIP's RTM_NEWADDR (the moment the kernel has the address, whoever added it)
# minus the wall clock read just before kill(2) is the takeover time. A
# tcpdump in the backup's namespace also records the master's adverts, so
# each run also gives the phase-free time from the master's last advert (or,
# after SIGTERM, its priority-0 advert) to the VIP: compare it with
# Master_Down_Interval (3 x advert_int + Skew_Time) and Skew_Time.
#
# Everything runs in network namespaces this script creates and deletes on
# exit; nothing is sent on the machine's own network.
#
# Usage: benches/vrrp-failover.sh        (as root)
# Environment: RUNS (runs per system and case, default 5),
#              KEEPALIVED (default /usr/sbin/keepalived),
#              SCENARIOS (default "v2-1s v3-50ms").
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
SCENARIOS=${SCENARIOS:-v2-1s v3-50ms}
if ! [[ $RUNS =~ ^[1-9][0-9]*$ ]]; then
    echo "vrrp-failover: RUNS must be a positive integer, not '$RUNS'" >&2
    exit 1
fi
# shellcheck source=benches/lib.sh
source benches/lib.sh
# keepalived's -D lines mark the events this benchmark times.
KEEPALIVED_DETAIL=1
bench_prerequisites vrrp-failover


step "cargo build --release -p vrrpd -p keepalived-rs"
cargo build --release --locked --quiet -p vrrpd -p keepalived-rs
KEEPALIVED_RS=$PWD/target/release/keepalived-rs
"$KEEPALIVED" --version 2>&1 | sed -n 1p
ANALYSE=$PWD/benches/vrrp_bench.py

tag=vfo$$
sw=$tag-sw
lb1=$tag-lb1
lb2=$tag-lb2
VIP=192.0.2.100
work=$(mktemp -d /tmp/vrrp-failover.XXXXXX)

cleanup() {
    for ns in $lb1 $lb2 $sw; do
        stop_ns "$ns"
        ip netns del "$ns" 2>/dev/null || true
    done
    if [ -n "${KEEP_WORK:-}" ]; then
        echo "vrrp-failover: logs kept in $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

step "lab: bridge namespace $sw, $lb1 (192.0.2.1, master) and $lb2 (192.0.2.2, backup)"
ip netns add $sw
ip -n $sw link add br0 type bridge stp_state 0 forward_delay 0
ip -n $sw link set br0 up
n=0
for ns in $lb1 $lb2; do
    n=$((n + 1))
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n $sw link add p$n type veth peer name eth0 netns "$ns"
    ip -n $sw link set p$n master br0 up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" addr add 192.0.2.$n/24 dev eth0
done
# write_config FILE PRIORITY SCENARIO
write_config() {
    local file=$1 priority=$2 scenario=$3
    {
        echo "global_defs {"
        echo "    router_id bench$priority"
        echo "}"
        echo "vrrp_instance VI_1 {"
        echo "    state BACKUP"
        echo "    interface eth0"
        echo "    virtual_router_id 51"
        echo "    priority $priority"
        case $scenario in
        v2-1s)
            echo "    version 2"
            echo "    advert_int 1"
            echo "    authentication {"
            echo "        auth_type PASS"
            echo "        auth_pass s3cr3t"
            echo "    }"
            ;;
        v3-50ms)
            echo "    version 3"
            echo "    advert_int 0.05"
            ;;
        esac
        echo "    virtual_ipaddress {"
        echo "        $VIP/24 dev eth0"
        echo "    }"
        echo "}"
    } >"$file"
}


pcap_bigger() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt "$2" ]; }
holds_vip() { ip -n "$1" -o addr show dev eth0 | grep -q " $VIP/"; }

# wait_until SECONDS COMMAND...: polls every 20 ms.
wait_until() {
    local limit=$1
    shift
    local deadline
    deadline=$(awk -v t="$(now)" -v l="$limit" 'BEGIN { printf "%.3f", t + l }')
    until "$@"; do
        if awk -v t="$(now)" -v d="$deadline" 'BEGIN { exit !(t > d) }'; then
            return 1
        fi
        sleep 0.02
    done
}

# run_once SCENARIO SYSTEM SIGNAL RUN: appends a row to $work/results.tsv.
run_once() {
    local scenario=$1 system=$2 sig=$3 run=$4
    local id=$scenario-$system-$sig-$run
    local mlog=$work/$id-master.log blog=$work/$id-backup.log
    local interval pids t_sig result
    case $scenario in v2-1s) interval=1 ;; *) interval=0.05 ;; esac
    stop_ns $lb1
    stop_ns $lb2
    ip -n $lb1 addr del $VIP/24 dev eth0 2>/dev/null || true
    ip -n $lb2 addr del $VIP/24 dev eth0 2>/dev/null || true

    start "$system" $lb2 "$work/$scenario-backup.conf" "$blog"
    start "$system" $lb1 "$work/$scenario-master.conf" "$mlog"
    if ! wait_until 15 holds_vip $lb1 || ! wait_until 5 grep -q "(VI_1) Entering BACKUP STATE" "$blog" ||
        holds_vip $lb2; then
        echo "vrrp-failover: $id: the pair did not settle (master holds the VIP, backup is BACKUP)" >&2
        tail -n 5 "$mlog" "$blog" >&2
        echo "$scenario $system $run nan nan none" >>"$work/results.tsv"
        return 0
    fi
    TZ=UTC ip -n $lb2 -ts monitor address dev eth0 >"$work/$id-monitor.log" 2>&1 &
    local monitor=$!
    local pcap=$work/$id.pcap
    ip netns exec $lb2 tcpdump -i eth0 -n -s 96 -U --immediate-mode --time-stamp-precision=nano \
        -w "$pcap" ip proto 112 >/dev/null 2>&1 &
    local capture_pid=$!
    # Steady state: the capture holds three adverts (about 60 bytes each
    # after the 24-byte file header), so the backup's timer runs on adverts.
    if ! wait_until 10 pcap_bigger "$pcap" 200; then
        echo "vrrp-failover: $id: no adverts captured on the backup" >&2
    fi
    # Just after an advert, then a delay that spreads the signal over the
    # advert interval: the same delays, in the same order, for both systems.
    wait_until 3 pcap_bigger "$pcap" "$(stat -c %s "$pcap")" || true
    sleep "$(awk -v r="$run" -v n="$RUNS" -v i="$interval" 'BEGIN { printf "%.3f", (r - 0.5) / n * i }')"
    if [ "$sig" = KILL ]; then
        # A crash of the master host: every daemon process at once.
        pids=$(ip netns pids $lb1)
    else
        # A clean stop: SIGTERM to the supervisor, as systemd would; it
        # passes it on to its VRRP process.
        pids=$(cat "$work/$lb1.supervisor")
    fi
    # No subshell between the clock and kill(2).
    t_sig=${EPOCHREALTIME/,/.}
    if [ "$sig" = KILL ]; then
        # SIGSTOP first, which nothing can handle: between the SIGKILLs of
        # the supervisor and of its child, the child may notice its parent's
        # death and send a priority-0 advert (one keepalived run did), which
        # makes a clean stop of a crash.
        kill -STOP $pids
    fi
    kill -"$sig" $pids
    if ! wait_until 10 holds_vip $lb2; then
        echo "vrrp-failover: $id: the VIP did not reach the backup" >&2
    fi
    sleep 0.1
    kill $monitor $capture_pid 2>/dev/null || true
    wait $monitor $capture_pid 2>/dev/null || true
    result=$(python3 "$ANALYSE" takeover --monitor "$work/$id-monitor.log" --pcap "$work/$id.pcap" \
        --signal "$t_sig" --vip $VIP --master 192.0.2.1 || true)
    printf '%-8s %-3s %-4s run %d: %s\n' "$scenario" "$system" "$sig" "$run" "$result"
    local signal_ms advert_ms kind
    signal_ms=$(sed -n 's/.*signal_ms=\([^ ]*\).*/\1/p' <<<"$result")
    advert_ms=$(sed -n 's/.*advert_ms=\([^ ]*\).*/\1/p' <<<"$result")
    kind=$(sed -n 's/.*kind=\([^ ]*\).*/\1/p' <<<"$result")
    echo "$scenario-$sig $system $run ${signal_ms:-nan} ${advert_ms:-nan} ${kind:-none}" \
        >>"$work/results.tsv"
}

: >"$work/results.tsv"
for scenario in $SCENARIOS; do
    write_config "$work/$scenario-master.conf" 150 "$scenario"
    write_config "$work/$scenario-backup.conf" 100 "$scenario"
    for sig in KILL TERM; do
        step "$scenario, SIG$sig of the master, $RUNS runs per system (alternating which goes first)"
        for run in $(seq "$RUNS"); do
            if [ $((run % 2)) -eq 1 ]; then
                order="rs ka"
            else
                order="ka rs"
            fi
            for system in $order; do
                run_once "$scenario" "$system" "$sig" "$run"
            done
        done
    done
done
stop_ns $lb1
stop_ns $lb2

step "results (rs = keepalived-rs pair, ka = keepalived 2.2.7 pair; ratio = rs / ka medians)"
python3 "$ANALYSE" failover-report "$work/results.tsv"
cat <<EOF

Expected (RFC 5798, backup priority 100): v2-1s Master_Down = 3.609 s after the
last advert, Skew_Time = 0.609 s; v3-50ms Master_Down = 0.180 s, Skew_Time = 0.030 s.
EOF
if grep -q ' nan ' "$work/results.tsv"; then
    echo "vrrp-failover: some runs failed (nan above); their logs are in $work" >&2
    KEEP_WORK=1
    exit 1
fi
