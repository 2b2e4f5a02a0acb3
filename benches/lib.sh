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
