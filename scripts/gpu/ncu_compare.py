"""Side by side: the metrics of the kernel launches in an Nsight Compute CSV (`ncu --csv
--page details`), one column per launch, for the rows that differ most (relative), plus a
fixed list of rows worth reading whatever they do (duration, throughputs, stall reasons).
Runs anywhere (no GPU): python3 scripts/gpu/ncu_compare.py ncu.csv [--top 40]"""
import argparse
import csv
import sys

ALWAYS = ("Duration", "Compute (SM) Throughput", "Memory Throughput", "DRAM Throughput", "L2 Hit Rate",
          "Achieved Occupancy", "Registers Per Thread", "Issue Slots Busy", "Executed Ipc Active")


def load(path):
    launches = {}  # launch id -> {(section, metric, unit): value}
    names = {}
    with open(path, newline="") as f:
        lines = [line for line in f if line.startswith('"')]  # skip the program's own output
    for row in csv.DictReader(lines):
        key = row.get("ID")
        if key is None:
            continue
        names[key] = row.get("Kernel Name", "?")
        launches.setdefault(key, {})[(row.get("Section Name", ""), row.get("Metric Name", ""),
                                      row.get("Metric Unit", ""))] = row.get("Metric Value", "")
    return launches, names


def number(text):
    try:
        return float(text.replace(",", ""))
    except (AttributeError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()
    launches, names = load(args.csv)
    ids = sorted(launches, key=int)
    if not ids:
        sys.exit("no launches in the CSV")
    keys = sorted(set().union(*(launches[i].keys() for i in ids)))
    print("launches: " + "; ".join(f"{i} {names[i][:60]}" for i in ids))
    scored = []
    for key in keys:
        values = [launches[i].get(key, "") for i in ids]
        nums = [number(v) for v in values]
        spread = 0.0
        if all(n is not None for n in nums) and max(abs(n) for n in nums) > 0:
            spread = (max(nums) - min(nums)) / max(abs(n) for n in nums)
        always = any(key[1].startswith(a) for a in ALWAYS) or key[0] == "WarpStateStats"
        scored.append((always, spread, key, values))
    picked = [s for s in scored if s[0]] + sorted((s for s in scored if not s[0]), key=lambda s: -s[1])[:args.top]
    print("| section | metric | unit | " + " | ".join(ids) + " |")
    print("|---|---|---|" + "---|" * len(ids))
    for _, _, (section, metric, unit), values in picked:
        print(f"| {section} | {metric} | {unit} | " + " | ".join(values) + " |")


if __name__ == "__main__":
    main()
