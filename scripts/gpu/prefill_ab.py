"""Same-process A/B of two prefill fatbin folders (e.g. main's and an experiment's), on the GPU
machine: for each (head dim, sequence, causal) both builds are timed as the references and the
product bench time ours (prefill_bench.time_ms: two calls, one per input set, median of 10),
in alternating rounds so that clock drift falls on both alike. Contiguous and paged P = 16.
Prints the median of the rounds per build and B / A.

    python3 scripts/gpu/prefill_ab.py A_DIR B_DIR [--rounds 5] [--seqs 1024,4096] [--head-dims 64,128,256]
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from fs_launch import KernelLibrary  # noqa: E402
from prefill_abi import PrefillLauncher  # noqa: E402
from prefill_bench import TOKENS, flops, make_sets, time_ms  # noqa: E402
from prefill_check import has_function  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seqs", default="1024,4096")
    ap.add_argument("--head-dims", default="64,128,256")
    args = ap.parse_args()
    launchers = [PrefillLauncher(KernelLibrary(d)) for d in (args.a, args.b)]
    gen = torch.Generator(device="cuda")
    gen.manual_seed(4321)
    print(f"A = {args.a}, B = {args.b}; TFLOP/s, median of {args.rounds} alternating rounds")
    print(f"{'hd':>3} {'seq':>5} {'causal':>6} {'layout':>6} {'A':>6} {'B':>6} {'B/A':>6}")
    for d in (int(x) for x in args.head_dims.split(",")):
        heads = 16 if d == 256 else 32
        sets = make_sets(d, heads, gen)
        for seq in (int(x) for x in args.seqs.split(",")):
            batch = TOKENS // seq
            lens = [seq] * batch
            for causal in (True, False):
                fl = flops(seq, batch, heads, d, causal)
                for layout in ("contig", "pg16"):
                    fns = []
                    for launcher in launchers:
                        if layout == "contig":
                            fns.append([launcher.prepare(q, k, v, o, lens, lens, causal=causal)
                                        for (q, k, v, o, pk, pv, table) in sets])
                        else:  # a build without this head dim's `_tmapaged` kernel: its one-warp issue
                            spread = None if has_function(launcher.lib, f"fs_attention_prefill_hd{d}_tmapaged_bf16") else False
                            fns.append([launcher.prepare(q, pk, pv, o, lens, lens, causal=causal, spread=spread,
                                                         page_table=table.view(batch, seq // 16), page_size=16)
                                        for (q, k, v, o, pk, pv, table) in sets])
                    times = [[], []]
                    for _ in range(args.rounds):
                        for i in (0, 1):
                            times[i].append(time_ms(fns[i]))
                    a, b = (fl / (statistics.median(t) * 1e-3) / 1e12 for t in times)
                    print(f"{d:>3} {seq:>5} {str(causal):>6} {layout:>6} {a:6.0f} {b:6.0f} {b / a:6.3f}", flush=True)
        del sets
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
