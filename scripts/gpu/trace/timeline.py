#!/usr/bin/env python3
"""One decode layer's kernels, CTA by CTA, from the TL lines of an FS_TIMELINE variant
(kernels/common/fs_timeline.cuh; scripts/gpu/timeline_run.sh).

Each TL line is one CTA: its start (globaltimer, ns), end, and SM-clock marks since its start.
The q/k/v, decode and add-squares kernels count their launches separately, so launch L of q/k/v
and of decode and launches 2L, 2L + 1 of add-squares (o, then down) are one layer. Prints, for
the first layer printed, every kernel's first and last CTA start and end and the median and
latest CTA at each mark, in µs from the q/k/v kernel's last CTA end.
usage: timeline.py LOG
"""
import re
import statistics
import sys
from collections import defaultdict

MARKS = {
    "qkv": ["after PDL wait"],
    "decode": ["first tiles issued", "after PDL wait", "q + tile 0 landed", "main loop done", "warps merged",
               "cluster sync 1", "cluster merge done", "cluster sync 2"],
    "addsq": ["after PDL wait", "products done", "partials written"],
}


def main():
    line = re.compile(r"^TL (\w+) launch (\d+) cta (\d+) sm (\d+) g0 (\d+) end (\d+) marks (.*)$")
    ctas = defaultdict(list)
    for text in open(sys.argv[1], errors="replace"):
        m = line.match(text.strip())
        if not m:
            continue
        name, launch, cta, sm, g0, end, marks = m.groups()
        ctas[(name, int(launch))].append((int(g0), int(end), [float(x) for x in marks.split()], int(sm)))
    if not ctas:
        print("no TL lines")
        return
    first = min(l for (n, l) in ctas if n == "qkv")
    layer = [("qkv", first), ("decode", first), ("addsq o", 2 * first), ("addsq down", 2 * first + 1),
             ("qkv", first + 1)]
    zero = max(e for g, e, _, _ in ctas[("qkv", first)])
    print(f"layer of q/k/v launch {first}; µs from the q/k/v kernel's last CTA end")
    print("| kernel | CTAs | first start | last start | median end | last end | mark: median / last (absolute) |")
    print("|---|---|---|---|---|---|---|")
    for label, launch in layer:
        name = label.split()[0]
        rows = ctas.get((name, launch))
        if not rows:
            continue
        starts = sorted(g for g, _, _, _ in rows)
        ends = sorted(e for _, e, _, _ in rows)
        marks = []
        for i, what in enumerate(MARKS[name]):
            absolute = [g + d[i] for g, _, d, _ in rows if d[i] >= 0]
            if absolute:
                marks.append(f"{what} {(statistics.median(absolute) - zero) / 1000:.2f} / {(max(absolute) - zero) / 1000:.2f}")
        print(f"| {label} | {len(rows)} | {(starts[0] - zero) / 1000:.2f} | {(starts[-1] - zero) / 1000:.2f} | "
              f"{(statistics.median(ends) - zero) / 1000:.2f} | {(ends[-1] - zero) / 1000:.2f} | {'; '.join(marks)} |")


if __name__ == "__main__":
    main()
