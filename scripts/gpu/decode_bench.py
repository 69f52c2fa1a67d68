"""Paged decode bench (GPU machine): FlashServe's fs_attention_decode against FlashInfer
0.6.13's paged decode and PyTorch SDPA (cuDNN) on dense K/V, all measured in this run.

Shapes: (bs, context) in {(1,4k), (8,4k), (32,8k), (64,4k), (128,2k), (32,32k)} x P in {1,16},
32 q / 8 kv heads, hd128, bf16, pages in random order; plus two ragged batches. Every time is
kernel time per call: N back-to-back calls captured in one CUDA graph, replayed 15 times
between two events, median / N; each call reads another copy of the pools (>= 150 MB in
rotation, beyond the 50 MB L2). GB/s counts K+V bytes read; "copy" is a 1 GiB device-to-
device copy in this run (bytes read + written).

    python3 scripts/gpu/decode_bench.py [--out DIR] [--no-flashinfer]
"""
import argparse
import json
import math
import os
import statistics
import sys

import torch

from decode_common import DecodeKernel, PagedCache, kernel_library, rel_l2

HQ, HKV, D, DT = 32, 8, 128, torch.bfloat16
SHAPES = [(1, 4096), (8, 4096), (32, 8192), (64, 4096), (128, 2048), (32, 32768)]


def time_calls(calls, est_us):
    """Median per-call µs of the callables (round-robin) replayed from one CUDA graph."""
    n = max(4, min(400, int(4000 / max(est_us, 1.0))))
    for f in calls:
        f()
    torch.cuda.synchronize()
    try:
        graph = torch.cuda.CUDAGraph()
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for f in calls:
                f()
        torch.cuda.current_stream().wait_stream(s)
        with torch.cuda.graph(graph):
            for i in range(n):
                calls[i % len(calls)]()
        run, how = graph.replay, "graph"
    except Exception as e:  # noqa: BLE001 - fall back to eager back-to-back launches
        print(f"  (graph capture failed: {e}; timing eager launches)", flush=True)

        def run():
            for i in range(n):
                calls[i % len(calls)]()
        how = "eager"
    run()
    torch.cuda.synchronize()
    times = []
    for _ in range(15):
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        e0.record()
        run()
        e1.record()
        e1.synchronize()
        times.append(e0.elapsed_time(e1) * 1000.0 / n)
    return statistics.median(times), how


def copy_bandwidth():
    """Best device-to-device copy rate over a few sizes (bytes read + written)."""
    best = 0.0
    for size in (256 << 20, 1 << 30, 2 << 30):
        src = torch.empty(size, dtype=torch.uint8, device="cuda").random_()
        dst = torch.empty_like(src)
        us, _ = time_calls([lambda: dst.copy_(src)], size / 2.5e6)
        best = max(best, 2 * size / (us * 1e-6) / 1e9)
        del src, dst
    return best


def random_pools(cache, copies):
    pools = [(cache.k, cache.v)]
    for _ in range(copies - 1):
        pools.append((torch.randn_like(cache.k, dtype=torch.float32).to(DT),
                      torch.randn_like(cache.v, dtype=torch.float32).to(DT)))
    cache.k.copy_(torch.randn_like(cache.k, dtype=torch.float32))
    cache.v.copy_(torch.randn_like(cache.v, dtype=torch.float32))
    return pools


def bench_case(kern, lens, page, fi_make, label, min_tiles=None, grids=None, variants=()):
    cache = PagedCache(lens, HKV, D, page, DT, fill=False)
    kv_bytes = cache.kv_bytes
    copies = max(1, math.ceil(150e6 / kv_bytes))
    pools = random_pools(cache, copies)
    bs = len(lens)
    qs = [torch.randn(bs, HQ, D, device="cuda").to(DT) for _ in pools]
    o = torch.empty(bs, HQ, D, dtype=DT, device="cuda")
    est = kv_bytes / 2.5e6 + 3
    row = {"case": label, "bs": bs, "ctx": max(lens), "P": page, "MB": kv_bytes / 1e6}
    params = []
    for (k, v), q in zip(pools, qs):
        cache.k, cache.v = k, v
        params.append(kern.params(q, cache, o, **({"min_tiles": min_tiles} if min_tiles else {})))
    row["ours_us"], row["timing"] = time_calls([lambda p=p: kern.launch(p) for p in params], est)
    for g in grids or []:  # grid sweep (tuning data): same work, other CTA counts
        row[f"ours_us_grid{g}"], _ = time_calls([lambda p=p: kern.launch(p, grid=g) for p in params], est)
    for vk in variants:  # experimental kernels on the same buffers
        row[f"{vk.variant}_us"], _ = time_calls([lambda p=p: vk.launch(p) for p in params], est)
    if fi_make is not None:
        cache.k, cache.v = pools[0]
        kern.launch(params[0])
        ours = o.clone()
        for tc in (True, False):
            name = "fi_tc" if tc else "fi_cc"
            try:
                run = fi_make(cache, HQ, DT, use_tensor_cores=tc)
                fo = run(qs[0], *pools[0])
                torch.cuda.synchronize()
                row[name + "_vs_ours"] = rel_l2(ours, fo.float())
                row[name + "_us"], _ = time_calls([lambda q=q, kv=kv: run(q, *kv) for q, kv in zip(qs, pools)], est)
            except Exception as e:  # noqa: BLE001
                print(f"  flashinfer ({name}) failed on {label}: {e}", flush=True)
    return row, cache, pools, qs


def bench_sdpa(lens, est):
    bs, L = len(lens), lens[0]
    kv_bytes = bs * L * HKV * D * 2 * 2
    copies = max(1, math.ceil(150e6 / kv_bytes))
    ks = [torch.randn(bs, HKV, L, D, device="cuda").to(DT) for _ in range(copies)]
    vs = [torch.randn(bs, HKV, L, D, device="cuda").to(DT) for _ in range(copies)]
    q = torch.randn(bs, HKV, HQ // HKV, D, device="cuda").to(DT)  # the group as query rows
    from torch.nn.attention import SDPBackend, sdpa_kernel
    sdpa = torch.nn.functional.scaled_dot_product_attention
    with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
        try:
            us, _ = time_calls([lambda k=k, v=v: sdpa(q, k, v) for k, v in zip(ks, vs)], est)
            return us, "cudnn"
        except Exception as e:  # noqa: BLE001
            print(f"  cudnn sdpa failed: {e}", flush=True)
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
        us, _ = time_calls([lambda k=k, v=v: sdpa(q, k, v) for k, v in zip(ks, vs)], est)
        return us, "flash"


def profile(spec):
    shape, _, page = spec.partition(":")
    bs, ctx = (int(x) for x in shape.split("x"))
    kern = DecodeKernel(kernel_library(), D, DT)
    cache = PagedCache([ctx] * bs, HKV, D, int(page or 1), DT)
    q = torch.randn(bs, HQ, D, device="cuda").to(DT)
    o = torch.empty(bs, HQ, D, dtype=DT, device="cuda")
    p = kern.params(q, cache, o)
    for _ in range(3):
        kern.launch(p)
    torch.cuda.synchronize()
    print(f"profiled {spec}: grid {kern.grid}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.environ.get("OUT", "."))
    ap.add_argument("--no-flashinfer", action="store_true")
    ap.add_argument("--variants", default="", help="comma-separated experimental kernels (fs_attention_decode_<name>_hd128_bf16), none built now")
    ap.add_argument("--profile", default="", help="BSxCTX[:P]: just launch that case 3 times (run under ncu)")
    args = ap.parse_args()
    if args.profile:
        return profile(args.profile)
    torch.manual_seed(0)
    lib = kernel_library()
    kern = DecodeKernel(lib, D, DT)
    variants = []
    for name in filter(None, args.variants.split(",")):
        vk = DecodeKernel(lib, D, DT, variant=name)
        vk.variant = name
        variants.append(vk)
    fi_make = None
    if not args.no_flashinfer:
        try:
            from decode_flashinfer import make_decode as fi_make
        except Exception as e:  # noqa: BLE001
            print(f"flashinfer unavailable: {e}", flush=True)
    copy_gbs = copy_bandwidth()
    tiny = torch.zeros(1, device="cuda")
    floor_us, _ = time_calls([lambda: tiny.add_(1)], 2)
    print(f"device {torch.cuda.get_device_name(0)}, copy {copy_gbs:.0f} GB/s, grid {kern.grid} "
          f"({kern.ctas_per_sm} CTAs/SM), a 1-element torch kernel takes {floor_us:.1f} us per call "
          f"(the launch floor of this timing method); variants "
          f"{[(v.variant, v.grid, v.ctas_per_sm) for v in variants]}", flush=True)
    rows = []
    gen = torch.Generator().manual_seed(1)
    cases = [(f"{bs}x{ctx}", [ctx] * bs, page) for bs, ctx in SHAPES for page in (1, 16)]
    ragged = [int(x) for x in torch.randint(1, 8193, (32,), generator=gen)]
    cases += [("ragged32<=8k", ragged, 16), ("1x32k+31x256", [32768] + [256] * 31, 16)]
    for label, lens, page in cases:
        grids = [132] if label in ("1x4096", "8x4096") else None
        row, *_ = bench_case(kern, lens, page, fi_make, label, grids=grids, variants=variants)
        est = row["MB"] / 2.5 + 3
        if len(set(lens)) == 1 and page == 1:
            row["sdpa_us"], row["sdpa_backend"] = bench_sdpa(lens, est)
        row["ours_GBs"] = row["MB"] * 1e6 / (row["ours_us"] * 1e-6) / 1e9
        row["ours_vs_copy"] = row["ours_GBs"] / copy_gbs
        rows.append(row)
        print(json.dumps(row), flush=True)
        torch.cuda.empty_cache()
    copy_end = copy_bandwidth()
    print(f"copy bandwidth at start {copy_gbs:.0f} GB/s, at end {copy_end:.0f} GB/s", flush=True)
    copy_gbs = max(copy_gbs, copy_end)
    for row in rows:
        row["ours_vs_copy"] = row["ours_GBs"] / copy_gbs
    with open(os.path.join(args.out, "decode_bench.json"), "w") as f:
        json.dump({"copy_GBs": copy_gbs, "launch_floor_us": floor_us, "device": torch.cuda.get_device_name(0),
                   "rows": rows}, f, indent=1)
    if variants:
        print("\nvariants, us per call (shipped kernel first):")
        print(f"{'case':>14} {'P':>3} {'shipped':>8} " + " ".join(f"{v.variant:>8}" for v in variants))
        for r in rows:
            print(f"{r['case']:>14} {r['P']:>3} {r['ours_us']:>8.1f} " +
                  " ".join(f"{r.get(v.variant + '_us', float('nan')):>8.1f}" for v in variants))
    print(f"\n{'case':>14} {'P':>3} {'MB':>7} {'ours us':>8} {'GB/s':>6} {'/copy':>6} {'FI-tc us':>8} "
          f"{'FI-cc us':>8} {'FI/ours':>7} {'SDPA us':>8}")
    for r in rows:
        fi = min([r[k] for k in ("fi_tc_us", "fi_cc_us") if k in r], default=float("nan"))
        print(f"{r['case']:>14} {r['P']:>3} {r['MB']:>7.1f} {r['ours_us']:>8.1f} {r['ours_GBs']:>6.0f} "
              f"{r['ours_vs_copy']:>6.2f} {r.get('fi_tc_us', float('nan')):>8.1f} {r.get('fi_cc_us', float('nan')):>8.1f} "
              f"{fi / r['ours_us']:>7.2f} {r.get('sdpa_us', float('nan')):>8.1f}")
    print(f"copy bandwidth {copy_gbs:.0f} GB/s; times are per call from CUDA-graph replays "
          f"(kernel time, no host overhead); FI/ours > 1 means ours is faster than FlashInfer's best")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
