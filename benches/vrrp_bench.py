#!/usr/bin/env python3
"""Analysis for the VRRP side-by-side benchmarks (vrrp-failover.sh and
vrrp-scale.sh): reads the pcap files tcpdump wrote in the backup's namespace
and the `ip -ts monitor address` logs, and prints figures for the shell
scripts. It measures nothing itself and never touches the network.

Subcommands:
  takeover  one failover run: signal -> VIP on the backup, and the last
            master advert -> VIP (phase-free; compare with Master_Down or
            Skew_Time). Prints `signal_ms=.. advert_ms=.. kind=..`.
  failover-report RESULTS.tsv
            the table of medians, min/max and ratios over all runs.
  lateness  per-VRID gaps between consecutive adverts in a capture window.
            Prints `key=value` lines.
  flaps     address events in an `ip monitor address` log inside a window.
  scale-report FIGURES.tsv
            the vrrp-scale.sh table: medians over rounds and rs/ka ratios.

Python 3 standard library only.
"""

import argparse
import datetime
import ipaddress
import re
import statistics
import struct
import sys

# pcap link types tcpdump writes: Ethernet, Linux cooked v1 and v2 (-i any).
LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
IPPROTO_VRRP = 112


def read_pcap(path):
    """Yields (timestamp seconds, IPv4 packet bytes) for each IPv4 frame."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        endian, scale = "<", 1e-6
    elif magic == b"\x4d\x3c\xb2\xa1":
        endian, scale = "<", 1e-9
    elif magic == b"\xa1\xb2\xc3\xd4":
        endian, scale = ">", 1e-6
    elif magic == b"\xa1\xb2\x3c\x4d":
        endian, scale = ">", 1e-9
    else:
        raise SystemExit(f"{path}: not a pcap file")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    offset = 24
    while offset + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[offset : offset + 16])
        offset += 16
        frame = data[offset : offset + caplen]
        offset += caplen
        if len(frame) < caplen:
            break  # truncated by a killed tcpdump
        if linktype == LINKTYPE_ETHERNET:
            ethertype, payload = frame[12:14], frame[14:]
        elif linktype == LINKTYPE_LINUX_SLL:
            ethertype, payload = frame[14:16], frame[16:]
        elif linktype == LINKTYPE_LINUX_SLL2:
            ethertype, payload = frame[0:2], frame[20:]
        else:
            raise SystemExit(f"{path}: unsupported link type {linktype}")
        if ethertype == b"\x08\x00":
            yield sec + frac * scale, payload


def vrrp_adverts(path):
    """Yields (time, source address, vrid, priority) for each VRRP advert."""
    for ts, ip in read_pcap(path):
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != IPPROTO_VRRP:
            continue
        ihl = (ip[0] & 0x0F) * 4
        vrrp = ip[ihl:]
        if len(vrrp) < 4:
            continue
        yield ts, str(ipaddress.IPv4Address(ip[12:16])), vrrp[1], vrrp[2]


# `ip -ts monitor` prints local time as [YYYY-MM-DDTHH:MM:SS.micros]; the
# scripts run it with TZ=UTC.
MONITOR_LINE = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\]\s*(Deleted\s+)?(.*)$")


def monitor_events(path):
    """Yields (time, added, line) for each address event of the log."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = MONITOR_LINE.match(line.strip())
            if not m:
                continue
            when = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f")
            ts = when.replace(tzinfo=datetime.timezone.utc).timestamp()
            yield ts, m.group(2) is None, m.group(3)


def cmd_takeover(args):
    vip = re.compile(r"\binet " + re.escape(args.vip) + r"/")
    added = [ts for ts, is_add, line in monitor_events(args.monitor) if is_add and vip.search(line)]
    after = [ts for ts in added if ts >= args.signal]
    if not after:
        print("error=no-vip")
        return 1
    t_vip = after[0]
    adverts = [
        (ts, prio) for ts, src, _, prio in vrrp_adverts(args.pcap) if src == args.master and ts <= t_vip
    ]
    # SIGKILL: the master's last advert before the signal. SIGTERM: its
    # priority-0 advert (the takeover then waits Skew_Time).
    zero = [ts for ts, prio in adverts if prio == 0 and ts >= args.signal]
    live = [ts for ts, prio in adverts if prio > 0 and ts <= args.signal]
    if zero:
        ref, kind = zero[0], "prio0"
    elif live:
        ref, kind = live[-1], "last"
    else:
        ref, kind = None, "none"
    advert_ms = f"{(t_vip - ref) * 1000:.1f}" if ref is not None else "nan"
    print(f"signal_ms={(t_vip - args.signal) * 1000:.1f} advert_ms={advert_ms} kind={kind}")
    return 0


def fmt(values):
    if not values:
        return "-"
    return f"{statistics.median(values):7.1f} ({min(values):.0f}-{max(values):.0f})"


def cmd_failover_report(args):
    # Rows: scenario system run signal_ms advert_ms kind
    rows = {}
    order = []
    with open(args.results, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 5:
                continue
            scenario, system, _, signal_ms, advert_ms = parts[:5]
            if scenario not in order:
                order.append(scenario)
            entry = rows.setdefault((scenario, system), ([], []))
            if signal_ms != "nan":
                entry[0].append(float(signal_ms))
            if advert_ms != "nan":
                entry[1].append(float(advert_ms))
    print("signal -> VIP on the backup, ms: median (min-max)")
    header = f"{'scenario':<26} {'keepalived-rs':>22} {'keepalived 2.2.7':>22} {'ratio':>6}"
    print(header)
    status = 0
    for metric, title in ((0, None), (1, "last master advert (or priority-0 advert) -> VIP, ms")):
        if title:
            print()
            print(title)
            print(header)
        for scenario in order:
            ours = rows.get((scenario, "rs"), ([], []))[metric]
            theirs = rows.get((scenario, "ka"), ([], []))[metric]
            ratio = "-"
            if ours and theirs and statistics.median(theirs) > 0:
                ratio = f"{statistics.median(ours) / statistics.median(theirs):.2f}"
            runs = f"n={len(ours)}/{len(theirs)}"
            print(f"{scenario:<26} {fmt(ours):>22} {fmt(theirs):>22} {ratio:>6}  {runs}")
    return status


def percentile(sorted_values, fraction):
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def cmd_lateness(args):
    per_key = {}
    for ts, src, vrid, prio in vrrp_adverts(args.pcap):
        if ts < args.start or ts > args.end:
            continue
        if args.source_prefix and not src.startswith(args.source_prefix):
            continue
        per_key.setdefault((src, vrid), []).append(ts)
    lateness = []
    early = 0
    for times in per_key.values():
        times.sort()
        for a, b in zip(times, times[1:]):
            lateness.append(b - a - args.interval)
    lateness.sort()
    late = sum(1 for x in lateness if x > args.threshold)
    early = sum(1 for x in lateness if x < -args.threshold)
    adverts = sum(len(t) for t in per_key.values())
    span = args.end - args.start
    print(f"instances_seen={len(per_key)}")
    print(f"adverts={adverts}")
    print(f"adverts_per_s={adverts / span:.0f}" if span > 0 else "adverts_per_s=0")
    print(f"gaps={len(lateness)}")
    print(f"max_late_ms={(lateness[-1] * 1000 if lateness else 0):.2f}")
    print(f"p99_late_ms={percentile(lateness, 0.99) * 1000:.2f}")
    print(f"p50_late_ms={percentile(lateness, 0.50) * 1000:.2f}")
    print(f"late_over_threshold={late}")
    print(f"early_over_threshold={early}")
    return 0


# (label, key, whether a ratio means something) for the scale table.
SCALE_ROWS = (
    ("master processes measured", "processes", False),
    ("CPU seconds in the window", "cpu", True),
    ("  of which user space", "cpu_user", True),
    ("  of which kernel (system)", "cpu_system", True),
    ("peak RSS, MiB (sum of processes)", "rss_peak", True),
    ("average RSS, MiB", "rss_avg", True),
    ("peak PSS, MiB", "pss_peak", True),
    ("average PSS, MiB", "pss_avg", True),
    ("peak anonymous RSS, MiB (heap, stacks)", "anon_peak", True),
    ("VIPs on the master, before", "vips_m0", False),
    ("VIPs on the master, after", "vips_m1", False),
    ("VIPs on the backup, before", "vips_b0", False),
    ("VIPs on the backup, after", "vips_b1", False),
    ("VIP removals on the master in the window", "vip_del_m", False),
    ("VIP additions on the backup in the window", "vip_add_b", False),
    ("instances seen on the wire", "instances_seen", False),
    ("adverts/s on the wire", "adverts_per_s", True),
    ("advert lateness max, ms", "max_late_ms", True),
    ("advert lateness p99, ms", "p99_late_ms", True),
    ("advert lateness median, ms", "p50_late_ms", False),
    ("adverts late by > 10 ms", "late_over_threshold", False),
    ("adverts early by > 10 ms", "early_over_threshold", False),
    ("capture drops (tcpdump)", "dropped", False),
)


def cmd_scale_report(args):
    # Lines: round system key value
    values = {}
    rounds = set()
    with open(args.figures, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 4:
                continue
            rnd, system, key, value = parts
            rounds.add(rnd)
            try:
                number = float(value)
            except ValueError:
                continue
            values.setdefault((system, key), []).append((int(rnd), number))

    def cell(system, key):
        found = sorted(values.get((system, key), []))
        if not found:
            return None, "-"
        numbers = [v for _, v in found]
        median = statistics.median(numbers)
        text = f"{median:g}"
        if len(numbers) > 1:
            text += " [" + " ".join(f"{v:g}" for v in numbers) + "]"
        return median, text

    print(f"{'master':<42} {'keepalived-rs':>22} {'keepalived 2.2.7':>22} {'rs/ka':>6}")
    for label, key, with_ratio in SCALE_ROWS:
        ours, ours_text = cell("rs", key)
        theirs, theirs_text = cell("ka", key)
        ratio = ""
        if with_ratio and ours is not None and theirs:
            ratio = f"{ours / theirs:.2f}"
        print(f"{label:<42} {ours_text:>22} {theirs_text:>22} {ratio:>6}")
    if len(rounds) > 1:
        print("(median of the rounds, then each round's figure in brackets)")
    return 0


def cmd_flaps(args):
    count = 0
    for ts, is_add, line in monitor_events(args.monitor):
        if args.start <= ts <= args.end and (is_add == (args.kind == "add")):
            count += 1
    print(count)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("takeover")
    p.add_argument("--monitor", required=True)
    p.add_argument("--pcap", required=True)
    p.add_argument("--signal", type=float, required=True)
    p.add_argument("--vip", required=True)
    p.add_argument("--master", required=True)
    p = sub.add_parser("failover-report")
    p.add_argument("results")
    p = sub.add_parser("lateness")
    p.add_argument("--pcap", required=True)
    p.add_argument("--start", type=float, required=True)
    p.add_argument("--end", type=float, required=True)
    p.add_argument("--interval", type=float, required=True)
    p.add_argument("--threshold", type=float, default=0.010)
    p.add_argument("--source-prefix", default="")
    p = sub.add_parser("scale-report")
    p.add_argument("figures")
    p = sub.add_parser("flaps")
    p.add_argument("--monitor", required=True)
    p.add_argument("--start", type=float, required=True)
    p.add_argument("--end", type=float, required=True)
    p.add_argument("--kind", choices=("add", "del"), required=True)
    args = parser.parse_args()
    handler = {
        "takeover": cmd_takeover,
        "failover-report": cmd_failover_report,
        "lateness": cmd_lateness,
        "flaps": cmd_flaps,
        "scale-report": cmd_scale_report,
    }[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
