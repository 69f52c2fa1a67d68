"""Correctness of fs_attention_decode_* against a float32 reference (GPU machine).

Fresh random cases: bs 1-256, context 1-32k (ragged within a batch, sometimes a zero
length), P in {1, 16, 32, 64}, GQA 1/4/8 (and 16), head dims 64/128/256, bf16 and fp16,
with and without sliding window / softcap / LSE output, odd strides, grids from 1 CTA to
1000. Outputs are NaN-poisoned before each launch; unused pool rows are NaN. Pass: rel L2
<= 1e-2 overall and per request, LSE within 5e-3, no NaN, bit-identical on a second launch.
Then CUDA-graph cases: capture once, rewrite lengths and page table in place, replay; and
padded batches: one-key rows after the real ones (as a graph bucket pads a batch) must leave
the real rows' outputs bit-identical to the unpadded batch's, with every row right.

    python3 scripts/gpu/decode_check.py [--cases 240] [--small N] [--seed S] [--log FILE]
"""
import argparse
import copy
import json
import math
import random
import sys
import time

import torch

from decode_common import MIN_TILES_PER_CTA, DecodeKernel, PagedCache, kernel_library, reference, rel_l2

TOL, LSE_TOL = 1e-2, 5e-3


def random_case(rng, small=False):
    dtype = rng.choice([torch.bfloat16, torch.float16])
    head_dim = rng.choice([64, 128, 256])
    group = rng.choice([1, 4, 8, 8, 4, 16] if not small else [1, 4, 8])
    kv_heads = rng.choice([1, 2, 4, 8])
    page = rng.choice([1, 1, 16, 16, 64, 32])
    bs = int(round(math.exp(rng.uniform(0, math.log(256)))))
    ctx = int(round(math.exp(rng.uniform(0, math.log(32768)))))
    if rng.random() < 0.1:
        bs, ctx = rng.randint(1, 2), rng.randint(16384, 32768)  # long contexts, split over the GPU
    if small:
        bs, ctx = min(bs, 6), min(ctx, 700)
    budget = (1 << 26) // (kv_heads * head_dim)           # ~ 128 MB per pool in bf16
    ctx = max(1, min(ctx, budget // bs))
    shape = rng.random()
    if shape < 0.2:
        lens = [ctx] * bs
    elif shape < 0.3:
        lens = [rng.randint(1, max(1, ctx // 32)) for _ in range(bs)]
        lens[rng.randrange(bs)] = ctx                      # one long request among short ones
    else:
        lens = [rng.randint(1, ctx) for _ in range(bs)]
    if rng.random() < 0.05:
        lens[rng.randrange(bs)] = 0                        # empty: zeros and lse = -inf
    return dict(
        dtype=dtype, head_dim=head_dim, group=group, kv_heads=kv_heads, page=page, lens=lens,
        bucket=max(lens) + rng.choice([0, 0, 17, 1000]),   # page-table width of a graph bucket
        window=rng.choice([-1, -1, -1, 0, 7, 100, 3000]),
        softcap=rng.choice([0.0, 0.0, 0.0, 30.0, 5.0]),
        temp=rng.choice([1.0, 1.0, 3.0, 0.3]),
        with_lse=rng.random() < 0.7,
        strided=rng.random() < 0.2,
        grid=rng.choice([None] * 6 + [1, 7, 1000]),
        min_tiles=rng.choice([4, 4, 1, 16]),
    )


def run_case(lib, kernels, c, gen):
    key = (c["head_dim"], c["dtype"], c["grid"])
    if key not in kernels:
        kernels[key] = DecodeKernel(lib, c["head_dim"], c["dtype"], grid=c["grid"])
    kern = kernels[key]
    bs, d = len(c["lens"]), c["head_dim"]
    q_heads = c["group"] * c["kv_heads"]
    cache = PagedCache(c["lens"], c["kv_heads"], d, c["page"], c["dtype"], max_context=c["bucket"],
                       slot_pad=(8 * d if c["strided"] else 0), gen=gen)
    qx = (torch.randn(bs, q_heads + (3 if c["strided"] else 0), d, device="cuda") * c["temp"]).to(c["dtype"])
    q = qx[:, :q_heads]                                    # batch stride > q_heads * D when strided
    ox = torch.full((bs, q_heads + (2 if c["strided"] else 0), d), float("nan"), dtype=c["dtype"], device="cuda")
    o = ox[:, :q_heads]
    lse = torch.full((bs, q_heads), float("nan"), device="cuda") if c["with_lse"] else None
    p = kern.params(q, cache, o, lse, window_left=c["window"], softcap=c["softcap"], min_tiles=c["min_tiles"])
    kern.launch(p)
    torch.cuda.synchronize()
    first = o.clone()
    ref_o, ref_lse = reference(q, cache, window_left=c["window"], softcap=c["softcap"])
    o.fill_(float("nan"))
    kern.launch(p)                                         # counters must have been reset
    torch.cuda.synchronize()
    res = {"nan": bool(torch.isnan(o).any().item()), "err": rel_l2(o, ref_o),
           "same_twice": bool(torch.equal(first, o))}
    per_req = [rel_l2(o[b], ref_o[b]) for b in range(bs) if c["lens"][b] > 0]
    res["worst_req"] = max(per_req) if per_req else 0.0
    empty = [b for b in range(bs) if c["lens"][b] <= 0]
    if empty and bool((o[empty] != 0).any().item()):
        res["nan"] = True                                  # an empty request must give zeros
    if ox.shape[1] > q_heads:
        res["nan"] |= not bool(torch.isnan(ox[:, q_heads:]).all().item())  # nothing past o written
    if lse is not None:
        finite = torch.isfinite(ref_lse)
        res["nan"] |= bool(torch.isnan(lse).any().item()) or not torch.equal(torch.isfinite(lse), finite)
        res["lse_err"] = (lse[finite] - ref_lse[finite]).abs().max().item() if finite.any() else 0.0
    else:
        res["lse_err"] = 0.0
    res["ok"] = (not res["nan"] and res["err"] <= TOL and res["worst_req"] <= TOL
                 and res["lse_err"] <= LSE_TOL and res["same_twice"])
    return res


def graph_case(lib, rng, gen, dtype, head_dim, page, bs, bucket):
    """Capture at one set of lengths, replay at others written into the same buffers."""
    kern = DecodeKernel(lib, head_dim, dtype)
    kv_heads, group = 8, 4
    lens0 = [rng.randint(1, bucket) for _ in range(bs)]
    cache = PagedCache(lens0, kv_heads, head_dim, page, dtype, max_context=bucket, gen=gen)
    q = torch.randn(bs, kv_heads * group, head_dim, device="cuda").to(dtype)
    o = torch.full((bs, kv_heads * group, head_dim), float("nan"), dtype=dtype, device="cuda")
    lse = torch.full((bs, kv_heads * group), float("nan"), device="cuda")
    p = kern.params(q, cache, o, lse)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        kern.launch(p)
    torch.cuda.current_stream().wait_stream(s)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        kern.launch(p)
    worst = 0.0
    for step in range(3):
        lens = [rng.randint(1, bucket) for _ in range(bs)] if step else [1] * bs  # step 0: padded rows
        fresh = PagedCache(lens, kv_heads, head_dim, page, dtype, max_context=bucket, gen=gen, fill=False)
        cache.seqlens.copy_(fresh.seqlens)
        cache.seqlens_list = lens
        cache.page_table.copy_(fresh.page_table.clamp(max=cache.k.shape[0] // page - 1))
        cache.fill_used(gen)
        o.fill_(float("nan"))
        graph.replay()
        torch.cuda.synchronize()
        ref_o, ref_lse = reference(q, cache)
        err = rel_l2(o, ref_o)
        if torch.isnan(o).any() or (lse - ref_lse).abs().max().item() > LSE_TOL:
            err = float("inf")
        worst = max(worst, err)
    return worst


def padding_case(lib, gen, dtype, head_dim, page, real_lens, pad, grid=None, min_tiles=MIN_TILES_PER_CTA):
    """The real rows of a batch padded with `pad` one-key rows must come out bit-identical to
    the unpadded batch's (the kernel sizes its split chunk without trailing one-tile requests),
    and all rows right (padding past chunk x grid is taken by the CTAs in turn). Returns
    (worst rel L2 of the padded launch, bit-identical)."""
    kern = DecodeKernel(lib, head_dim, dtype, grid=grid)
    kv_heads, group = 4, 4
    lens = list(real_lens) + [1] * pad
    n = len(real_lens)
    cache = PagedCache(lens, kv_heads, head_dim, page, dtype, gen=gen)
    q = torch.randn(len(lens), kv_heads * group, head_dim, device="cuda").to(dtype)
    o = torch.full(q.shape, float("nan"), dtype=dtype, device="cuda")
    lse = torch.full(q.shape[:2], float("nan"), device="cuda")
    kern.launch(kern.params(q, cache, o, lse, min_tiles=min_tiles))
    torch.cuda.synchronize()
    ref_o, ref_lse = reference(q, cache)
    err = rel_l2(o, ref_o)
    if torch.isnan(o).any() or (lse - ref_lse).abs().max().item() > LSE_TOL:
        err = float("inf")
    real = copy.copy(cache)  # the same pool and pages, the first n requests only
    real.seqlens, real.page_table, real.seqlens_list = cache.seqlens[:n], cache.page_table[:n], lens[:n]
    o_real = torch.full((n,) + tuple(q.shape[1:]), float("nan"), dtype=dtype, device="cuda")
    kern.launch(kern.params(q[:n], real, o_real, min_tiles=min_tiles))
    torch.cuda.synchronize()
    return err, bool(torch.equal(o[:n], o_real))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=240)
    ap.add_argument("--small", type=int, default=0, help="N small cases only (for compute-sanitizer)")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--log", default=None)
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    rng = random.Random(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    lib = kernel_library()
    kernels = {}
    n = args.small or args.cases
    log = open(args.log, "w", buffering=1) if args.log else None
    fails, worst = 0, 0.0
    t0 = time.time()
    for i in range(n):
        c = random_case(rng, small=bool(args.small))
        try:
            r = run_case(lib, kernels, c, gen)
        except Exception as e:  # noqa: BLE001 - report the case, keep checking the others
            r = {"ok": False, "err": float("inf"), "worst_req": float("inf"), "error": repr(e)}
        worst = max(worst, r["err"], r["worst_req"])
        fails += not r["ok"]
        line = {k: (str(v) if k == "dtype" else v) for k, v in c.items() if k != "lens"}
        line.update(bs=len(c["lens"]), max_len=max(c["lens"]), case=i, **r)
        if log:
            log.write(json.dumps(line) + "\n")
        if not r["ok"]:
            print("FAIL", json.dumps(line), flush=True)
    print(f"decode check: {n - fails}/{n} cases passed, worst rel L2 {worst:.2e}, seed {args.seed}, "
          f"{time.time() - t0:.0f} s", flush=True)
    if not args.small:
        gworst = 0.0
        for dtype, hd, page, bs, bucket in [(torch.bfloat16, 128, 1, 8, 3000), (torch.bfloat16, 128, 16, 64, 2048),
                                            (torch.float16, 64, 64, 3, 20000), (torch.bfloat16, 256, 1, 32, 700)]:
            gworst = max(gworst, graph_case(lib, rng, gen, dtype, hd, page, bs, bucket))
        gok = gworst <= TOL
        fails += not gok
        print(f"decode graph replay (lengths and page table rewritten between replays): "
              f"{'pass' if gok else 'FAIL'}, worst rel L2 {gworst:.2e}", flush=True)
        # Padded like a graph bucket: small grids push the padding past chunk x grid.
        pworst, pident = 0.0, True
        for dtype, hd, page, real_lens, pad, grid, min_tiles in [
                (torch.bfloat16, 128, 16, [3000, 700, 50], 400, 7, 16),
                (torch.float16, 64, 1, [5000, 5000, 5000], 5, None, 4),
                (torch.bfloat16, 256, 16, [100] * 20 + [2000], 7, 1, 16),
                (torch.bfloat16, 128, 1, [rng.randint(17, 4000) for _ in range(150)], 10, None, 16)]:
            err, ident = padding_case(lib, gen, dtype, hd, page, real_lens, pad, grid, min_tiles)
            pworst, pident = max(pworst, err), pident and ident
        pok = pworst <= TOL and pident
        fails += not pok
        print(f"decode padded batches (graph-bucket padding): {'pass' if pok else 'FAIL'}, worst rel L2 "
              f"{pworst:.2e}, real rows bit-identical to the unpadded batch: {pident}", flush=True)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
