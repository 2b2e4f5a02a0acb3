#!/usr/bin/env python3
"""Writes a large, realistic keepalived.conf for the config-test benchmark.

Usage: gen-large-config.py OUTPUT

The file has a global_defs block, a few vrrp_script blocks, 200
vrrp_instance blocks (VRIDs 1..200 on eth0) tied together in some
vrrp_sync_group blocks, and 5,000 virtual_server blocks of 4 real_server
each, checked by a mix of TCP_CHECK, HTTP_GET and MISC_CHECK: about 277,000
lines. The output is deterministic (every choice is derived from the block's
index) so runs compare the same input, and it is accepted by keepalived
2.2.7's `keepalived -t -f OUTPUT` without a single diagnostic.

Addresses come from 10.0.0.0/8 (the VIPs: 5,000 distinct ones do not fit in
the documentation ranges) and from the documentation ranges 192.0.2.0/24,
198.51.100.0/24 and 203.0.113.0/24 (real servers, SMTP server). Nothing is
ever sent to them: the file is only parsed.

Prints the number of lines written.
"""

import os
import sys

VRRP_INSTANCES = 200
VIRTUAL_SERVERS = 5000
REAL_SERVERS_PER_VS = 4

# Scripts must live in root-owned, non-world-writable directories, or
# keepalived's script security (enabled below) flags them. /usr/bin/true
# exists everywhere.
SCRIPT = "/usr/bin/true"

VRRP_SCRIPTS = ["chk_nginx", "chk_haproxy", "chk_disk", "chk_upstream"]

LB_ALGOS = ["rr", "wrr", "lc", "wlc", "sh", "dh", "lblc"]
LB_KINDS = ["NAT", "DR", "TUN"]
SERVICE_PORTS = [80, 443, 8080, 8443, 25, 3306]

# Real servers come from the three documentation /24s, hosts .1 .. .253 of
# each; 192.0.2.254 is kept for the sorry server.
REAL_SERVER_NETS = ["192.0.2", "198.51.100", "203.0.113"]


def global_defs():
    yield "global_defs {"
    yield "    notification_email {"
    yield "        noc@example.com"
    yield "        oncall@example.net"
    yield "    }"
    yield "    notification_email_from keepalived@example.org"
    yield "    smtp_server 192.0.2.25"
    yield "    smtp_connect_timeout 30"
    yield "    router_id LVS_BENCH_01"
    yield "    vrrp_garp_master_delay 5"
    yield "    vrrp_garp_master_repeat 3"
    yield "    vrrp_garp_interval 0.001"
    yield "    vrrp_gna_interval 0.000001"
    yield "    vrrp_skip_check_adv_addr"
    # `script_user` set to a non-root user makes keepalived 2.2.7's -t die
    # of SIGTERM; root plus scripts in /usr/bin passes script security
    # cleanly.
    yield "    enable_script_security"
    yield "    script_user root"
    yield "    max_auto_priority 10"
    yield "}"
    yield ""


def vrrp_scripts():
    for n, name in enumerate(VRRP_SCRIPTS):
        yield f"vrrp_script {name} {{"
        yield f'    script "{SCRIPT}"'
        yield f"    interval {2 + n}"
        yield f"    timeout {1 + n}"
        yield f"    weight {-(10 + 5 * n)}"
        yield "    fall 2"
        yield "    rise 2"
        yield "}"
        yield ""


def vrrp_instance(i):
    """Instance i (0-based) has VRID i + 1 and VIPs in 10.200.i.0/24."""
    vrid = i + 1
    master = i % 2 == 0
    yield f"vrrp_instance VI_{vrid:03d} {{"
    yield f"    state {'MASTER' if master else 'BACKUP'}"
    yield "    interface eth0"
    yield f"    virtual_router_id {vrid}"
    yield f"    priority {150 - (i % 50) if master else 100 - (i % 50)}"
    yield f"    advert_int {1 + i % 3}"
    yield "    garp_master_delay 10"
    yield "    smtp_alert"
    if not master and i % 4 == 1:
        # nopreempt is only valid with state BACKUP.
        yield "    nopreempt"
    if i % 3 == 0:
        yield "    authentication {"
        yield "        auth_type PASS"
        # PASS passwords longer than 8 characters are truncated, with a
        # warning; keep them at 8.
        yield f"        auth_pass pw{vrid:06d}"
        yield "    }"
    yield "    virtual_ipaddress {"
    for k in range(1, 2 + i % 3):
        yield f"        10.200.{i}.{k}/24 dev eth0"
    yield f"        10.201.{i}.1/32 dev eth0 label eth0:vi{vrid}"
    yield "    }"
    yield "    track_script {"
    yield f"        {VRRP_SCRIPTS[i % len(VRRP_SCRIPTS)]}"
    yield f"        {VRRP_SCRIPTS[(i + 1) % len(VRRP_SCRIPTS)]}"
    yield "    }"
    yield "}"
    yield ""


def vrrp_sync_groups():
    # The first 80 instances go into 40 sync groups of 2. keepalived
    # ignores (with a warning) the weights of scripts tracked by members of
    # a sync group unless the group says sync_group_tracking_weight.
    for g in range(40):
        a, b = 2 * g + 1, 2 * g + 2
        yield f"vrrp_sync_group VG_{g + 1:02d} {{"
        yield "    group {"
        yield f"        VI_{a:03d}"
        yield f"        VI_{b:03d}"
        yield "    }"
        yield "    sync_group_tracking_weight"
        yield "}"
        yield ""


def real_server(vs, r, port):
    """Real server r (0..3) of virtual server vs, with its health check."""
    # Spread the 4 real servers of consecutive virtual servers over the
    # 3 x 253 documentation hosts; the 4 of one virtual server are distinct.
    host = (vs * REAL_SERVERS_PER_VS + r) % (3 * 253)
    address = f"{REAL_SERVER_NETS[host // 253]}.{host % 253 + 1}"
    kind = (vs + r) % 5  # 0, 1: TCP_CHECK; 2, 3: HTTP_GET; 4: MISC_CHECK
    yield f"    real_server {address} {port} {{"
    yield f"        weight {1 + (vs + r) % 4}"
    if kind in (0, 1):
        yield "        TCP_CHECK {"
        yield "            connect_timeout 3"
        yield f"            connect_port {port}"
        yield "            retry 3"
        yield "            delay_before_retry 2"
        yield "        }"
    elif kind in (2, 3):
        yield "        HTTP_GET {"
        yield "            url {"
        yield f"                path /health/{vs}"
        yield "                status_code 200"
        yield "            }"
        yield "            url {"
        yield "                path /ready"
        yield "                status_code 200-299"
        yield "            }"
        yield "            connect_timeout 5"
        yield "            retry 2"
        yield "            delay_before_retry 3"
        yield "        }"
    else:
        yield "        MISC_CHECK {"
        yield f'            misc_path "{SCRIPT} {address} {port}"'
        yield "            misc_timeout 5"
        yield "        }"
    yield "    }"


def virtual_server(vs):
    """Virtual server vs (0-based) listens on 10.1.B.C, a distinct VIP."""
    vip = f"10.{1 + vs // 62500}.{vs // 250 % 250}.{vs % 250 + 1}"
    port = SERVICE_PORTS[vs % len(SERVICE_PORTS)]
    yield f"virtual_server {vip} {port} {{"
    yield f"    delay_loop {3 + vs % 8}"
    yield f"    lb_algo {LB_ALGOS[vs % len(LB_ALGOS)]}"
    yield f"    lb_kind {LB_KINDS[vs % len(LB_KINDS)]}"
    if vs % 2 == 0:
        yield f"    persistence_timeout {50 + 10 * (vs % 30)}"
    yield "    protocol TCP"
    # alpha: real servers start as failed until their first check passes.
    yield "    alpha"
    if vs % 10 == 0:
        yield f"    sorry_server 192.0.2.254 {port}"
    if vs % 7 == 0:
        yield "    quorum 2"
        yield "    hysteresis 1"
    for r in range(REAL_SERVERS_PER_VS):
        yield from real_server(vs, r, port)
    yield "}"
    yield ""


def config():
    yield f"# Generated by benches/gen-large-config.py: {VRRP_INSTANCES} vrrp_instance,"
    yield f"# {VIRTUAL_SERVERS} virtual_server x {REAL_SERVERS_PER_VS} real_server. Do not edit."
    yield ""
    yield from global_defs()
    yield from vrrp_scripts()
    for i in range(VRRP_INSTANCES):
        yield from vrrp_instance(i)
    yield from vrrp_sync_groups()
    for vs in range(VIRTUAL_SERVERS):
        yield from virtual_server(vs)


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUTPUT")
    output = sys.argv[1]
    lines = list(config())
    # Write beside the target and rename, so an interrupted run never leaves
    # a truncated file that a later run would take as up to date.
    tmp = f"{output}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("\n".join(lines))
        f.write("\n")
    os.replace(tmp, output)
    print(len(lines))


if __name__ == "__main__":
    main()
