"""The decode kernel's floor on a CTA's share (min_tiles_per_cta, in 16-token tiles) at
small batches, Llama-3-8B heads (32 q / 8 kv, hd 128, bf16), P = 16: kernel time per
value. With the adaptive floor (`cta_floor`) the value is the floor's cap: columns below 4
are fixed floors, 4 and up let the kernel pick up to that. The floor is a launch parameter, so a captured graph keeps
the one it was captured with; it only matters where ceil(tiles / grid) is below it.

    python3 scripts/gpu/decode_min_tiles_sweep.py      (device; carry build/kernels)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from decode_bench import bench_case  # noqa: E402
from decode_common import DecodeKernel, kernel_library  # noqa: E402
import torch  # noqa: E402

FLOORS = (1, 2, 4, 8, 16)
CASES = [(1, 512), (1, 1024), (1, 2048), (1, 4096), (1, 8192), (4, 1024), (8, 1024), (32, 1024)]


def main():
    torch.manual_seed(0)
    kern = DecodeKernel(kernel_library(), 128, torch.bfloat16)
    print(f"grid {kern.grid}; us per launch, P = 16")
    print("| bs x ctx | " + " | ".join(f"floor {f}" for f in FLOORS) + " |")
    print("|---|" + "---|" * len(FLOORS))
    for bs, ctx in CASES:
        times = []
        for floor in FLOORS:
            row, *_ = bench_case(kern, [ctx] * bs, 16, None, f"{bs}x{ctx}", min_tiles=floor)
            times.append(row["ours_us"])
        best = min(times)
        print(f"| {bs} x {ctx} | " + " | ".join(f"{'**' if t == best else ''}{t:.1f}{'**' if t == best else ''}"
                                              for t in times) + " |", flush=True)


if __name__ == "__main__":
    main()
