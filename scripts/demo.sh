#!/usr/bin/env bash
# A live VRRP failover, entirely inside network namespaces this script
# creates (and deletes on exit): two routers, lb1 and lb2, on a private
# bridge, each running keepalived-rs with examples/vrrp-pair/. The VIP sits
# on lb1; lb1's keepalived-rs is killed; the VIP moves to lb2; lb1 comes
# back and takes it again. Nothing is sent on the machine's real network.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "demo: run as root (it creates network namespaces)" >&2
    exit 1
fi
for tool in ip cargo; do
    command -v "$tool" >/dev/null || { echo "demo: missing $tool" >&2; exit 1; }
done

echo "==> building keepalived-rs, vrrpd and kactl (release)"
cargo build --release --quiet -p keepalived-rs -p vrrpd -p kactl
bin=$PWD/target/release

tag=kdemo$$
sw=$tag-sw
work=$(mktemp -d /tmp/keepalived-rs-demo.XXXXXX)
cleanup() {
    for ns in $tag-lb1 $tag-lb2 $sw; do
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        [ -n "$pids" ] && kill -TERM $pids 2>/dev/null || true
    done
    sleep 0.5
    for ns in $tag-lb1 $tag-lb2 $sw; do
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

echo "==> a lab: bridge namespace $sw, routers $tag-lb1 (192.0.2.1) and $tag-lb2 (192.0.2.2)"
ip netns add $sw
ip -n $sw link add br0 type bridge stp_state 0 forward_delay 0
ip -n $sw link set br0 up
n=0
for host in lb1 lb2; do
    n=$((n + 1))
    ip netns add $tag-$host
    ip -n $tag-$host link set lo up
    ip -n $sw link add p$n type veth peer name eth0 netns $tag-$host
    ip -n $sw link set p$n master br0 up
    ip -n $tag-$host link set eth0 up
    ip -n $tag-$host addr add 192.0.2.$n/24 dev eth0
    # The example tracks nginx with `pgrep -x nginx`; namespaces share one
    # process table, so the demo tracks a per-router flag file instead
    # (present = the web service is healthy). Everything else is the example.
    touch "$work/$host.web-ok"
    sed -e "s|/usr/bin/pgrep -x nginx|/usr/bin/test -e $work/$host.web-ok|" \
        examples/vrrp-pair/$host.conf > "$work/$host.conf"
done

start() {
    ip netns exec $tag-$1 "$bin/keepalived-rs" -n -l -f "$work/$1.conf" --run-dir "$work/run-$1" \
        >> "$work/$1.log" 2>&1 &
    disown
}
vip_on() {
    for host in lb1 lb2; do
        if ip -n $tag-$host -o addr show dev eth0 | grep -q '192.0.2.100/'; then
            echo "$host"
            return
        fi
    done
    echo "nobody"
}
wait_for_vip() {
    local want=$1 t0=$2
    for _ in $(seq 1 200); do
        if [ "$(vip_on)" = "$want" ]; then
            echo "    VIP 192.0.2.100 is on $want after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
            return 0
        fi
        sleep 0.05
    done
    echo "demo: the VIP did not reach $want" >&2
    tail -n 20 "$work"/*.log >&2
    return 1
}

echo "==> starting keepalived-rs on both routers (lb1 has priority 150, lb2 100)"
t0=$(date +%s%N)
start lb1
start lb2
wait_for_vip lb1 "$t0"
sleep 1

echo "==> kactl status on lb2 (the backup hears lb1 as master)"
"$bin/kactl" --run-dir "$work/run-lb2" status | sed 's/^/    /'

echo "==> lb1's web service fails (its track script fails twice: priority 150-60 = 90 < 100)"
t0=$(date +%s%N)
rm "$work/lb1.web-ok"
wait_for_vip lb2 "$t0"
echo "    kactl status on lb1:"
"$bin/kactl" --run-dir "$work/run-lb1" status | sed -n '/^VRRP instances/,$p' | sed 's/^/    /'

echo "==> lb1's web service recovers (two good checks: priority back to 150, lb1 preempts)"
t0=$(date +%s%N)
touch "$work/lb1.web-ok"
wait_for_vip lb1 "$t0"

echo "==> kactl reload on lb1 with the same configuration: nothing moves"
before=$(cat "$work/lb1.log" "$work/lb2.log" | grep -c "Entering")
"$bin/kactl" --run-dir "$work/run-lb1" reload | sed 's/^/    kactl reload: /'
sleep 2
after=$(cat "$work/lb1.log" "$work/lb2.log" | grep -c "Entering")
echo "    VIP on $(vip_on); state changes logged before/after: $before / $after"

echo "==> killing lb1's daemons (SIGKILL: no goodbye advert)"
t0=$(date +%s%N)
kill -KILL $(ip netns pids $tag-lb1)
ip -n $tag-lb1 addr del 192.0.2.100/24 dev eth0 2>/dev/null || true  # a dead host's VIP goes with it
wait_for_vip lb2 "$t0"

echo "==> lb1 comes back and preempts"
t0=$(date +%s%N)
start lb1
wait_for_vip lb1 "$t0"

echo "==> stopping lb1 cleanly (SIGTERM: priority 0, lb2 takes over after Skew_Time)"
t0=$(date +%s%N)
kill -TERM $(ip netns pids $tag-lb1)
wait_for_vip lb2 "$t0"

echo "==> what the daemons logged"
for host in lb1 lb2; do
    sed "s/^/    $host: /" "$work/$host.log"
done
echo "==> done; the namespaces are removed on exit"
