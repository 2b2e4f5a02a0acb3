# Shared by the side-by-side VRRP benchmarks: sourced, not run.

step() { printf '\n==> %s\n' "$*"; }
now() { echo "${EPOCHREALTIME/,/.}"; }

# stop_ns NS [GRACE_STEPS]: stops every process in a namespace: TERM, then
# KILL what is left after GRACE_STEPS × 50 ms (default 50: 2.5 s).
stop_ns() {
    local ns=$1 steps=${2:-50} pids
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -z "$pids" ] && return 0
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq "$steps"); do
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        [ -z "$pids" ] && return 0
        sleep 0.05
    done
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
}

# bench_prerequisites NAME: root, tcpdump (installed from Debian if
# missing: the adverts on the wire are the measure), the tools the scripts
# call, and keepalived at $KEEPALIVED; exits with a message otherwise.
bench_prerequisites() {
    local name=$1 tool
    if [ "$(id -u)" -ne 0 ]; then
        echo "$name: run as root (it creates network namespaces)" >&2
        exit 1
    fi
    if ! command -v tcpdump >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tcpdump >/dev/null
    fi
    for tool in ip tcpdump python3 cargo; do
        command -v "$tool" >/dev/null || { echo "$name: missing $tool" >&2; exit 1; }
    done
    if [ ! -x "$KEEPALIVED" ]; then
        echo "$name: $KEEPALIVED not found (scripts/install-deps.sh installs it)" >&2
        exit 1
    fi
}

# start SYSTEM NS CONF LOG: keepalived-rs (rs) or keepalived (ka) in the
# foreground inside NS, its output to LOG; the supervisor's pid goes to
# $work/NS.supervisor. Uses $work, $KEEPALIVED_RS and $KEEPALIVED;
# KEEPALIVED_DETAIL=1 adds keepalived's -D (its detailed lines mark events
# some benchmarks time).
start() {
    local system=$1 ns=$2 conf=$3 log=$4 detail=()
    [ -n "${KEEPALIVED_DETAIL:-}" ] && detail=(-D)
    case $system in
    rs)
        ip netns exec "$ns" "$KEEPALIVED_RS" -n -l -f "$conf" --run-dir "$work/run-$ns" \
            >"$log" 2>&1 &
        ;;
    ka)
        # A killed keepalived leaves its pid files; with a recycled pid in
        # them it refuses to start ("daemon is already running").
        rm -f "$work/$ns.pid" "$work/$ns-vrrp.pid"
        ip netns exec "$ns" "$KEEPALIVED" -n -l "${detail[@]}" -G -P -f "$conf" \
            -p "$work/$ns.pid" -r "$work/$ns-vrrp.pid" >"$log" 2>&1 &
        ;;
    esac
    # `ip netns exec` execs the program: $! is the supervisor itself.
    echo $! >"$work/$ns.supervisor"
    disown
}

# tree PID: the process and all its descendants.
tree() {
    local pid=$1 child
    [ -d "/proc/$pid" ] || return 0
    echo "$pid"
    for child in $(pgrep -P "$pid" || true); do
        tree "$child"
    done
}

# vips_on NS: how many of the benchmarks' VIPs (10.1XX.0.Y) NS holds.
vips_on() {
    ip -n "$1" -o -4 addr show | grep -c ' inet 10\.1[0-9][0-9]\.0\.' || true
}

# wait_count SECONDS WANT COMMAND...: until COMMAND prints at least WANT.
wait_count() {
    local limit=$1 want=$2 got
    shift 2
    for _ in $(seq $((limit * 4))); do
        got=$("$@")
        [ "$got" -ge "$want" ] && return 0
        sleep 0.25
    done
    return 1
}

# backups_logged LOG: "Entering BACKUP STATE" lines in LOG.
backups_logged() { grep -c 'Entering BACKUP STATE' "$1" || true; }

# start_pair NAME SYSTEM MASTER_LOG BACKUP_LOG: SYSTEM (rs or ka) as the
# master of $INSTANCES instances in namespace $M ($work/master.conf), then
# keepalived as their backup in $B ($work/backup.conf); returns once every
# VIP is on the master, every backup instance logged BACKUP and $SETTLE s
# of steady state passed. On failure it says why (NAME: the script's), sets
# KEEP_WORK and returns 1.
start_pair() {
    local name=$1 system=$2 log=$3 blog=$4 t_up
    t_up=$(now)
    start "$system" "$M" "$work/master.conf" "$log"
    if ! wait_count 120 "$INSTANCES" vips_on "$M"; then
        echo "$name: master $system holds only $(vips_on "$M") of $INSTANCES VIPs after 120 s" >&2
        tail -n 20 "$log" >&2
        KEEP_WORK=1
        return 1
    fi
    printf 'all %d VIPs on the master %.1f s after start\n' "$INSTANCES" \
        "$(awk -v a="$t_up" -v b="$(now)" 'BEGIN { print b - a }')"
    start ka "$B" "$work/backup.conf" "$blog"
    if ! wait_count 120 "$INSTANCES" backups_logged "$blog"; then
        echo "$name: the backup logged BACKUP for only $(backups_logged "$blog") instances" >&2
        KEEP_WORK=1
        return 1
    fi
    echo "backup keepalived: all $INSTANCES instances BACKUP; settling ${SETTLE} s"
    sleep "$SETTLE"
}

# lab_up: namespaces $M and $B joined by $INTERFACES veth pairs ethK,
# 10.K.0.1/24 on $M and 10.K.0.2/24 on $B.
lab_up() {
    local ns k
    for ns in "$M" "$B"; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
    done
    for k in $(seq 0 $((INTERFACES - 1))); do
        ip -n "$M" link add "eth$k" type veth peer name "eth$k" netns "$B"
        ip -n "$M" link set "eth$k" up
        ip -n "$B" link set "eth$k" up
        ip -n "$M" addr add "10.$k.0.1/24" dev "eth$k"
        ip -n "$B" addr add "10.$k.0.2/24" dev "eth$k"
    done
}

# lab_down NAME: stops everything in $M and $B (${STOP_STEPS:-50} × 50 ms
# of grace), deletes them, and removes $work, or with $KEEP_WORK keeps it
# and says where.
lab_down() {
    local name=$1 ns
    for ns in "$M" "$B"; do
        stop_ns "$ns" "${STOP_STEPS:-50}"
        ip netns del "$ns" 2>/dev/null || true
    done
    if [ -n "${KEEP_WORK:-}" ]; then
        echo "$name: logs kept in $work"
    else
        rm -rf "$work"
    fi
}
