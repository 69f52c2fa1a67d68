"""Per-kernel GPU time of one eager decode step, from an Nsight Compute CSV.

    ncu --metrics gpu__time_duration.sum --csv <flashserve generate ... --disable-cuda-graph> > ncu.csv
    python3 scripts/gpu/profile_decode_step.py ncu.csv

Nsight Compute runs each kernel alone (serialized, caches flushed between kernels), so the
times are each kernel's own cost without the overlap PDL gives inside a graph: read them
as where the bytes and the fixed costs are, not as a step's wall time. The last decode step
is the kernels after the second-to-last argmax launch, up to and including the last one.
"""
import csv
import sys
from collections import OrderedDict


def main(path):
    rows = []
    with open(path, newline="") as f:
        lines = [line for line in f if line.startswith('"')]
    for r in csv.DictReader(lines):
        if r.get("Metric Name") != "gpu__time_duration.sum":
            continue
        value = float(r["Metric Value"].replace(",", ""))
        unit = r.get("Metric Unit", "ns")
        scale = {"ns": 1e-3, "nsecond": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3}.get(unit, 1e-3)
        rows.append((r["Kernel Name"], value * scale))
    argmax = [i for i, (name, _) in enumerate(rows) if "argmax" in name]
    if len(argmax) < 2:
        print(f"only {len(argmax)} argmax launches among {len(rows)} kernels: no whole decode step")
        return 1
    step = rows[argmax[-2] + 1: argmax[-1] + 1]
    totals = OrderedDict()
    for name, us in step:
        short = name.split("(")[0]
        count, total = totals.get(short, (0, 0.0))
        totals[short] = (count + 1, total + us)
    whole = sum(us for _, us in step)
    print(f"one eager decode step: {len(step)} kernels, {whole:.1f} us of kernel time (each kernel alone)")
    print("| kernel | launches | total us | us per launch | share |")
    print("|---|---|---|---|---|")
    for name, (count, total) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        print(f"| {name} | {count} | {total:.1f} | {total / count:.2f} | {100 * total / whole:.1f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
