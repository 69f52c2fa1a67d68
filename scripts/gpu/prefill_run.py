"""One device call for the attention prefill kernels: correctness first, then the benchmark,
short table last; full logs under $OUT. Builds nothing: run scripts/build-kernels.sh first and
carry build/kernels.

    python3 scripts/gpu/prefill_run.py [--cases 200] [--no-bench] [--flashinfer] [--head-dims 64,128,256]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from fs_launch import KernelLibrary  # noqa: E402
from prefill_bench import print_table, run_bench  # noqa: E402
from prefill_check import run_checks  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--no-bench", action="store_true")
    ap.add_argument("--flashinfer", default="", help="head dims to time FlashInfer at, after the main table")
    ap.add_argument("--head-dims", default="64,128,256")
    ap.add_argument("--seqs", default="1024,4096,16384")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    out = os.environ.get("OUT", "/tmp")
    t0 = time.time()
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, "
          f"cuDNN {torch.backends.cudnn.version()}", flush=True)
    lib = KernelLibrary(os.environ.get("FLASHSERVE_KERNELS", "build/kernels"))
    ok = True
    if args.cases > 0:
        ok = run_checks(lib, os.path.join(out, "prefill_check.log"), args.cases, args.seed)
        print(f"checks took {time.time() - t0:.0f} s", flush=True)
    seqs = tuple(int(x) for x in args.seqs.split(","))
    bench_log = os.path.join(out, "prefill_bench.log")
    if not args.no_bench:
        t1 = time.time()
        rows = run_bench(lib, bench_log, head_dims=tuple(int(x) for x in args.head_dims.split(",")), seqs=seqs)
        print(f"bench took {time.time() - t1:.0f} s", flush=True)
        print_table(rows)
    if args.flashinfer:
        # Last, and in a table of its own: its JIT compile may not finish within the call.
        t2 = time.time()
        rows = run_bench(lib, bench_log, flashinfer=True,
                         head_dims=tuple(int(x) for x in args.flashinfer.split(",")), seqs=seqs)
        print(f"flashinfer bench took {time.time() - t2:.0f} s (JIT included)", flush=True)
        print_table(rows)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
