#!/usr/bin/env python3
"""Analysis for the VRRP side-by-side benchmarks (vrrp-failover.sh,
vrrp-scale.sh and vrrp-reload.sh): reads the pcap files tcpdump wrote in the backup's namespace
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
  reload    one reload window of vrrp-reload.sh: gratuitous ARPs and
            adverts the master sent (frames the backup's namespace received),
            the largest advert gap per VRID, gaps past 3 x advert_int.
  addr-events
            address additions and removals in an `ip monitor address` log
            inside a window, checked against the addresses expected.
  wait-log  waits for a pattern to appear in a log past a byte offset and
            prints when it was seen (polled every 2 ms).
  reload-report FIGURES.tsv
            the vrrp-reload.sh table: per reload kind, medians and ratios.

Python 3 standard library only.
"""

import argparse
import datetime
import ipaddress
import re
import statistics
import struct
import sys
import time

# pcap link types tcpdump writes: Ethernet, Linux cooked v1 and v2 (-i any).
LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
IPPROTO_VRRP = 112


# Linux cooked captures say which way a frame went; PACKET_OUTGOING is a
# frame this namespace sent, every other type one it received.
PACKET_OUTGOING = 4


def read_frames(path):
    """Yields (timestamp seconds, ethertype bytes, outgoing, payload) for each
    frame; outgoing is None when the link type does not say (Ethernet)."""
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
            ethertype, payload, outgoing = frame[12:14], frame[14:], None
        elif linktype == LINKTYPE_LINUX_SLL:
            ethertype, payload = frame[14:16], frame[16:]
            outgoing = len(frame) >= 2 and struct.unpack(">H", frame[0:2])[0] == PACKET_OUTGOING
        elif linktype == LINKTYPE_LINUX_SLL2:
            ethertype, payload = frame[0:2], frame[20:]
            outgoing = len(frame) >= 11 and frame[10] == PACKET_OUTGOING
        else:
            raise SystemExit(f"{path}: unsupported link type {linktype}")
        yield sec + frac * scale, ethertype, outgoing, payload


def read_pcap(path):
    """Yields (timestamp seconds, IPv4 packet bytes) for each IPv4 frame."""
    for ts, ethertype, _, payload in read_frames(path):
        if ethertype == b"\x08\x00":
            yield ts, payload


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


def received(path):
    """Yields (time, kind, fields) for the frames a namespace received:
    ("arp", (sender ip, target ip)) and ("vrrp", (source, vrid, priority))."""
    for ts, ethertype, outgoing, payload in read_frames(path):
        if outgoing:
            continue
        if ethertype == b"\x08\x06":
            # ARP for IPv4 over Ethernet: sender IP at 14, target IP at 24.
            if len(payload) >= 28 and payload[2:4] == b"\x08\x00" and payload[4] == 6 and payload[5] == 4:
                yield ts, "arp", (payload[14:18], payload[24:28])
        elif ethertype == b"\x08\x00":
            ip = payload
            if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != IPPROTO_VRRP:
                continue
            ihl = (ip[0] & 0x0F) * 4
            vrrp = ip[ihl:]
            if ihl < 20 or len(vrrp) < 4:
                continue
            yield ts, "vrrp", (str(ipaddress.IPv4Address(ip[12:16])), vrrp[1], vrrp[2])


def cmd_reload(args):
    # Zero GARPs from an empty or broken capture would read as a clean
    # reload: no capture is an error, not a figure.
    with open(args.pcap, "rb") as f:
        if len(f.read(24)) < 24:
            raise SystemExit(f"{args.pcap}: no pcap header (did tcpdump start?)")
    # A gap counts when its second advert falls in [start, end]: the capture
    # starts before the reload, so the gap around the reload itself counts.
    garps = 0
    garp_vips = set()
    last = {}
    gaps = []
    worst = (0.0, None)
    adverts = 0
    prio0 = 0
    for ts, kind, fields in received(args.pcap):
        if ts > args.end:
            continue  # -i any merges links: not strictly in time order
        if kind == "arp":
            sender, target = fields
            if sender == target and ts >= args.start:
                garps += 1
                garp_vips.add(sender)
            continue
        src, vrid, prio = fields
        key = (src, vrid)
        if ts >= args.start:
            adverts += 1
            if prio == 0:
                prio0 += 1
        # A priority-0 advert ends an instance: no gap after it is a delay.
        if key in last and ts >= args.start and last[key][1] != 0:
            gap = ts - last[key][0]
            gaps.append(gap)
            if gap > worst[0]:
                worst = (gap, vrid)
        last[key] = (ts, prio)
    over = sum(1 for g in gaps if g > args.takeover * args.interval)
    # Sent out of turn: a second advert within half an interval.
    short = sum(1 for g in gaps if g < args.interval / 2)
    gaps.sort()
    print(f"garps={garps}")
    print(f"garp_vips={len(garp_vips)}")
    print(f"adverts={adverts}")
    print(f"prio0_adverts={prio0}")
    print(f"gaps={len(gaps)}")
    print(f"max_gap_ms={worst[0] * 1000:.1f}")
    print(f"max_gap_vrid={worst[1] if worst[1] is not None else '-'}")
    print(f"p99_gap_ms={percentile(gaps, 0.99) * 1000:.1f}")
    print(f"gaps_over_takeover={over}")
    print(f"gaps_short={short}")
    return 0


def read_addresses(path):
    if not path:
        return set()
    with open(path, encoding="utf-8") as f:
        return {line.strip() for line in f if line.strip()}


INET = re.compile(r"\binet (\S+?)/")


def cmd_addr_events(args):
    added, deleted = [], []
    for ts, is_add, line in monitor_events(args.monitor):
        if not args.start <= ts <= args.end:
            continue
        m = INET.search(line)
        if not m or not m.group(1).startswith(args.prefix):
            continue
        (added if is_add else deleted).append(m.group(1))
    want_add, want_del = read_addresses(args.expect_add), read_addresses(args.expect_del)
    print(f"add={len(added)}")
    print(f"del={len(deleted)}")
    # Each expected address once, nothing else: a flap shows as an
    # unexpected event, or as the same address twice.
    print(f"add_unexpected={len(added) - len(set(added) & want_add)}")
    print(f"del_unexpected={len(deleted) - len(set(deleted) & want_del)}")
    print(f"add_missing={len(want_add - set(added))}")
    print(f"del_missing={len(want_del - set(deleted))}")
    return 0


def cmd_wait_log(args):
    pattern = re.compile(args.pattern.encode())
    deadline = time.monotonic() + args.timeout
    buffer = b""
    with open(args.log, "rb") as f:
        f.seek(args.offset)
        while time.monotonic() < deadline:
            chunk = f.read()
            if chunk:
                buffer += chunk
                if pattern.search(buffer):
                    print(f"{time.time():.6f}")
                    return 0
                # Keep a partial last line: the pattern may span two reads.
                buffer = buffer[buffer.rfind(b"\n") + 1 :]
            else:
                time.sleep(0.002)
    print("timeout")
    return 1


# (label, key, whether a ratio means something) for the reload table.
RELOAD_ROWS = (
    ("reload duration, ms", "duration_ms", True),
    ("  the VRRP daemon's 'done' line (see above)", "child_done_ms", False),
    ("  keepalived's parent: 'Reload complete'", "parent_done_ms", False),
    ("CPU ms of the master, signal -> done", "cpu_reload_ms", True),
    ("CPU ms of the master, 10 s window", "cpu_window_ms", True),
    ("master processes", "processes", False),
    ("gratuitous ARPs received from the master", "garps", False),
    ("  for how many VIPs", "garp_vips", False),
    ("VIP additions on the master", "m_add", False),
    ("VIP removals on the master", "m_del", False),
    ("  not expected / expected but missing", "m_wrong", False),
    ("VIP additions on the backup", "b_add", False),
    ("VIP removals on the backup", "b_del", False),
    ("  not expected / expected but missing", "b_wrong", False),
    ("VIPs on the master / backup after", "vips_after", False),
    ("state transitions logged by the master", "transitions_m", False),
    ("state transitions logged by the backup", "transitions_b", False),
    ("priority-0 adverts from the master", "prio0_adverts", False),
    ("adverts from the master in the window", "adverts", False),
    ("largest advert gap, ms", "max_gap_ms", True),
    ("  on VRID", "max_gap_vrid", False),
    ("advert gap p99, ms", "p99_gap_ms", False),
    ("gaps > 3 x advert_int (a backup takes over)", "gaps_over_takeover", False),
    ("gaps < advert_int / 2 (adverts out of turn)", "gaps_short", False),
    ("capture drops (tcpdump)", "dropped", False),
)

# Figures that name something (a VRID): listed per round, never a median.
RELOAD_LABELS = ("max_gap_vrid",)

RELOAD_KINDS = (
    ("none", "no reload (steady state, for reference)"),
    ("unchanged", "reload with the same configuration"),
    ("changed", "reload adding 10% new instances and removing 10%"),
)


def cmd_reload_report(args):
    # Lines: round system kind key value (value may be text, e.g. "0/0").
    values = {}
    rounds = set()
    with open(args.figures, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 5:
                continue
            rnd, system, kind, key, value = parts
            rounds.add(rnd)
            values.setdefault((system, kind, key), []).append((int(rnd), value))

    def cell(system, kind, key):
        found = sorted(values.get((system, kind, key), []))
        if not found:
            return None, "-"
        texts = [v for _, v in found]
        if key in RELOAD_LABELS:
            return None, " ".join(texts)
        try:
            numbers = [float(v) for v in texts]
        except ValueError:
            return None, " ".join(texts)
        median = statistics.median(numbers)
        text = f"{median:g}"
        if len(numbers) > 1:
            text += " [" + " ".join(f"{v:g}" for v in numbers) + "]"
        return median, text

    for kind, title in RELOAD_KINDS:
        if not any(k[1] == kind for k in values):
            continue
        print()
        print(f"{title}:")
        print(f"{'':<46} {'keepalived-rs':>18} {'keepalived 2.2.7':>18} {'rs/ka':>6}")
        for label, key, with_ratio in RELOAD_ROWS:
            if not any(k[1] == kind and k[2] == key for k in values):
                continue
            ours, ours_text = cell("rs", kind, key)
            theirs, theirs_text = cell("ka", kind, key)
            ratio = ""
            if with_ratio and ours is not None and theirs:
                ratio = f"{ours / theirs:.2f}"
            print(f"{label:<46} {ours_text:>18} {theirs_text:>18} {ratio:>6}")
    if len(rounds) > 1:
        print("(median of the rounds, then each round's figure in brackets)")
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
    p = sub.add_parser("reload")
    p.add_argument("--pcap", required=True)
    p.add_argument("--start", type=float, required=True)
    p.add_argument("--end", type=float, required=True)
    p.add_argument("--interval", type=float, required=True)
    p.add_argument("--takeover", type=float, default=3.0, help="gaps past this many advert_int are counted")
    p = sub.add_parser("addr-events")
    p.add_argument("--monitor", required=True)
    p.add_argument("--start", type=float, required=True)
    p.add_argument("--end", type=float, required=True)
    p.add_argument("--prefix", default="", help="only addresses starting with this text")
    p.add_argument("--expect-add", default="")
    p.add_argument("--expect-del", default="")
    p = sub.add_parser("wait-log")
    p.add_argument("--log", required=True)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--pattern", required=True)
    p.add_argument("--timeout", type=float, default=60.0)
    p = sub.add_parser("reload-report")
    p.add_argument("figures")
    args = parser.parse_args()
    handler = {
        "reload": cmd_reload,
        "addr-events": cmd_addr_events,
        "wait-log": cmd_wait_log,
        "reload-report": cmd_reload_report,
        "takeover": cmd_takeover,
        "failover-report": cmd_failover_report,
        "lateness": cmd_lateness,
        "flaps": cmd_flaps,
        "scale-report": cmd_scale_report,
    }[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
