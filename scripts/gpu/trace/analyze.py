#!/usr/bin/env python3
"""Where a decode step's GPU time goes, from fs_kernel_trace's CSV.

Graph replays are cut out of the trace (a replay ends where a graph node id repeats). For
every kernel of a replay, its critical-path share is end(kernel) - end(previous kernel):
with PDL the kernels overlap, so a kernel's own duration overstates it. Prints, per kernel
name, launches per replay, median duration and median share, then the replay totals and the
GPU's idle time between consecutive replays (the host's part of a step when steps are timed
one by one).
With --timeline N, also prints the first N kernels of one replay (the median-length one):
each kernel's start and end relative to the previous kernel's end, so PDL overlap shows as a
negative start.
usage: analyze.py trace.csv [--timeline N]
"""
import csv
import statistics
import sys
from collections import defaultdict


def short(name):
    """Our kernels by their full name; library kernels (cuBLASLt's mangled ones) cut short."""
    return name if name.startswith("fs_") else name[:60]


def main():
    path = sys.argv[1]
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            rows.append((int(r["start_ns"]), int(r["end_ns"]), int(r["graph_node"]), r["name"]))
    graph = sorted([r for r in rows if r[2] != 0])
    eager = sorted([r for r in rows if r[2] == 0])
    replays, current, seen = [], [], set()
    for r in graph:
        if r[2] in seen:
            replays.append(current)
            current, seen = [], set()
        current.append(r)
        seen.add(r[2])
    if current:
        replays.append(current)
    # Keep the replays of the most common node count (one bucket).
    by_len = defaultdict(list)
    for rp in replays:
        by_len[len(rp)].append(rp)
    if not by_len:
        print("no graph replays in the trace")
        return
    n, group = max(by_len.items(), key=lambda kv: len(kv[1]))
    print(f"{len(rows)} kernels traced; {len(graph)} in graphs, {len(eager)} eager; "
          f"{len(group)} replays of {n} kernels analysed")
    share = defaultdict(list)
    duration = defaultdict(list)
    count = defaultdict(int)
    for rp in group:
        per_name_share = defaultdict(float)
        per_name_dur = defaultdict(float)
        for i, (s, e, node, name) in enumerate(rp):
            prev_end = rp[i - 1][1] if i else s
            per_name_share[name] += (e - prev_end) / 1000
            per_name_dur[name] += (e - s) / 1000
        for name in per_name_share:
            share[name].append(per_name_share[name])
            duration[name].append(per_name_dur[name])
    for s, e, node, name in group[0]:
        count[name] += 1
    totals = [(rp[-1][1] - rp[0][0]) / 1000 for rp in group]
    gaps = [(group[i][0][0] - group[i - 1][-1][1]) / 1000 for i in range(1, len(group))]
    print(f"\n| kernel | per replay | median µs on the path (sum) | per launch | median busy µs (sum) |")
    print("|---|---|---|---|---|")
    for name in sorted(share, key=lambda k: -statistics.median(share[k])):
        m = statistics.median(share[name])
        d = statistics.median(duration[name])
        print(f"| {short(name)} | {count[name]} | {m:.1f} | {m / count[name]:.2f} | {d:.1f} |")
    print(f"\nreplay first start to last end: median {statistics.median(totals):.1f} µs "
          f"(min {min(totals):.1f}, max {max(totals):.1f})")
    if "--timeline" in sys.argv:
        limit = int(sys.argv[sys.argv.index("--timeline") + 1])
        rp = sorted(group, key=lambda r: r[-1][1] - r[0][0])[len(group) // 2]
        print("\n| # | kernel | start − prev end µs | end − prev end µs | busy µs |")
        print("|---|---|---|---|---|")
        for i, (s, e, node, name) in enumerate(rp[:limit]):
            prev_end = rp[i - 1][1] if i else s
            print(f"| {i} | {short(name)} | {(s - prev_end) / 1000:.2f} | {(e - prev_end) / 1000:.2f} | {(e - s) / 1000:.2f} |")
    if gaps:
        gs = sorted(gaps)
        print(f"GPU idle between consecutive replays: median {statistics.median(gs):.1f} µs, "
              f"p10 {gs[len(gs) // 10]:.1f}, p90 {gs[(9 * len(gs)) // 10]:.1f}")


if __name__ == "__main__":
    main()
