"""TFLOP/s of the attention prefill kernels beside PyTorch SDPA (cuDNN, FA2) and FlashInfer,
all measured in the same run: 16k tokens per batch, 32 q heads (16 at head dim 256), MHA,
sequences 1k/4k/16k, causal and not; ours contiguous and paged (P = 16, pages in random order).
Kernel time only: CUDA events around back-to-back launches, after warm-up; median of reps;
two input sets alternate so that nothing is served from the 50 MB L2."""
import math
import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from prefill_abi import WIDE_MIN_KEYS, PrefillLauncher
from prefill_check import has_function

TOKENS = 16384


def time_ms(fns, reps=10, warmup=3):
    """Median over reps of the mean time of one call, cycling through fns (one per input set)."""
    for _ in range(warmup):
        for f in fns:
            f()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for f in fns:
            f()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) / len(fns))
    times.sort()
    return times[len(times) // 2]


def flops(seq, batch, heads, d, causal):
    f = 4.0 * seq * seq * heads * d * batch
    return f / 2 if causal else f


def paged_pool(k, v, page_size, gen):
    """The same keys placed page by page in random order; returns pool K, V and the page table."""
    rows = k.shape[0]
    pages = rows // page_size
    perm = torch.randperm(pages, generator=gen, device=k.device)
    pool_k, pool_v = torch.empty_like(k), torch.empty_like(v)
    src = torch.arange(rows, device=k.device)
    dst = perm[src // page_size] * page_size + src % page_size
    pool_k[dst], pool_v[dst] = k, v
    return pool_k, pool_v, perm.int()


class FlashInferRunner:
    def __init__(self):
        import flashinfer  # noqa: F401  (JIT-compiles on first use)
        self.fi = flashinfer
        self.ws = torch.empty(256 << 20, dtype=torch.uint8, device="cuda")

    def ragged(self, q, k, v, seq, batch, causal):
        w = self.fi.BatchPrefillWithRaggedKVCacheWrapper(self.ws, "NHD", backend="fa3")
        indptr = torch.arange(0, (batch + 1) * seq, seq, dtype=torch.int32, device="cuda")
        w.plan(indptr, indptr, q.shape[1], k.shape[1], q.shape[2], causal=causal, q_data_type=q.dtype)
        return lambda: w.run(q, k, v)


def bench_config(launcher, d, seq, causal, sets, fi, log):
    heads = 16 if d == 256 else 32
    batch = TOKENS // seq
    row = dict(d=d, seq=seq, causal=causal)
    fl = flops(seq, batch, heads, d, causal)
    tf = lambda ms: fl / (ms * 1e-3) / 1e12  # noqa: E731
    ours, paged, cudnn, fa2, finf = [], [], [], [], []
    # Measured beside the product's kernels, for the next decision: the gather kernel at P = 16
    # (is TMA-by-page-piece the right path?), the one-warp TMA issue that the paged kernels
    # replaced, and at hd 256 the no-pingpong experiment.
    paged_gather, paged_one_warp, nopp, paged_n128 = [], [], [], []
    has_nopp = d == 256 and has_function(launcher.lib, "fs_attention_prefill_hd256_tma_nopp_bf16")
    # hd 128 with the other key tile than the launcher picks (192 keys from WIDE_MIN_KEYS, else 128).
    other = [] if d == 128 else None
    other_wide = seq < WIDE_MIN_KEYS
    for (q, k, v, o, pk, pv, table) in sets:
        lens = [seq] * batch
        ours.append(launcher.prepare(q, k, v, o, lens, lens, causal=causal))
        # Each request's pages: the table row lists its pages in key order.
        per = seq // 16
        t2 = table.view(batch, per)
        paged.append(launcher.prepare(q, pk, pv, o, lens, lens, causal=causal, page_table=t2, page_size=16))
        paged_gather.append(launcher.prepare(q, pk, pv, o, lens, lens, causal=causal, page_table=t2, page_size=16,
                                             gather=True))
        if other is not None and not other_wide:  # long keys: the paged 128-key kernel the wide one replaced
            paged_n128.append(launcher.prepare(q, pk, pv, o, lens, lens, causal=causal, page_table=t2, page_size=16,
                                               wide=False))
        paged_one_warp.append(launcher.prepare(q, pk, pv, o, lens, lens, causal=causal, page_table=t2,
                                               page_size=16, spread=False))
        if has_nopp:
            nopp.append(launcher.prepare(q, k, v, o, lens, lens, causal=causal, experiment="nopp"))
        if other is not None:
            other.append(launcher.prepare(q, k, v, o, lens, lens, causal=causal, wide=other_wide))
        q4, k4, v4 = (x.view(batch, seq, heads, d).transpose(1, 2) for x in (q, k, v))

        def sdpa(backend, q4=q4, k4=k4, v4=v4):
            def f():
                with sdpa_kernel(backend):
                    return F.scaled_dot_product_attention(q4, k4, v4, is_causal=causal)
            return f
        cudnn.append(sdpa(SDPBackend.CUDNN_ATTENTION))
        fa2.append(sdpa(SDPBackend.FLASH_ATTENTION))
        if fi is not None:
            finf.append(fi.ragged(q, k, v, seq, batch, causal))
    row["ours"] = tf(time_ms(ours))
    row["paged16"] = tf(time_ms(paged))
    row["paged16_gather"] = tf(time_ms(paged_gather))
    row["paged16_1w"] = tf(time_ms(paged_one_warp))
    row["paged16_n128"] = tf(time_ms(paged_n128)) if paged_n128 else float("nan")
    row["nopp"] = tf(time_ms(nopp)) if nopp else float("nan")
    row["n192" if other_wide else "n128"] = tf(time_ms(other)) if other else float("nan")
    for name, fns in (("cudnn", cudnn), ("fa2", fa2), ("flashinfer", finf)):
        if not fns:
            row[name] = float("nan")
            continue
        try:
            row[name] = tf(time_ms(fns))
        except Exception as e:  # a reference that cannot run this shape is reported, not fatal
            log.write(f"{name} d={d} seq={seq} causal={causal}: {e}\n")
            row[name] = float("nan")
    log.write(f"{row}\n")
    log.flush()
    return row


def make_sets(d, heads, gen, n_sets=2):
    sets = []
    for _ in range(n_sets):
        q, k, v = (torch.randn(TOKENS, heads, d, generator=gen, device="cuda").to(torch.bfloat16) for _ in range(3))
        o = torch.empty_like(q)
        pk, pv, table = paged_pool(k, v, 16, gen)
        sets.append((q, k, v, o, pk, pv, table))
    return sets


def run_bench(lib, log_path, flashinfer=False, head_dims=(64, 128, 256), seqs=(1024, 4096, 16384)):
    """flashinfer: also time FlashInfer (its kernels JIT-compile on first use: minutes)."""
    launcher = PrefillLauncher(lib)
    gen = torch.Generator(device="cuda")
    gen.manual_seed(1234)
    fi = None
    if flashinfer:
        try:
            fi = FlashInferRunner()
        except Exception as e:
            print(f"flashinfer unavailable: {e}", flush=True)
    rows = []
    with open(log_path, "a") as log:
        for d in head_dims:
            sets = make_sets(d, 16 if d == 256 else 32, gen)
            for seq in seqs:
                for causal in (True, False):
                    t0 = time.time()
                    rows.append(bench_config(launcher, d, seq, causal, sets, fi, log))
                    log.write(f"  ({time.time() - t0:.1f} s)\n")
            del sets
            torch.cuda.empty_cache()
    return rows


def print_table(rows):
    print("attention prefill, bf16, TFLOP/s (kernel time; 16k tokens/batch); pg16g: gather kernel at P = 16;"
          " pg1w: P = 16 with one TMA-issuing warp (hd 128: and 192-key tiles from 8k keys), as before session 7;"
          " nopp: hd 256 without pingpong; n128/n192: hd 128 forced to 128/192-key tiles (ours picks 192 from 8k keys);"
          " pgn128: hd 128 P = 16 forced to 128-key tiles from 8k keys (pg16 takes 192 there)")
    print(f"{'hd':>3} {'seq':>5} {'causal':>6} {'ours':>6} {'pg16':>6} {'cuDNN':>6} {'FA2':>6} {'FI':>6}"
          f" {'ours/cuDNN':>10} {'pg/ours':>7} {'ours/FI':>7} {'pg16g':>6} {'pg1w':>6} {'nopp':>6} {'n128':>6} {'n192':>6} {'pgn128':>6}")
    for r in rows:
        ratio = lambda a, b: a / b if b == b and b > 0 else float("nan")  # noqa: E731
        print(f"{r['d']:>3} {r['seq']:>5} {str(r['causal']):>6} {r['ours']:6.0f} {r['paged16']:6.0f} "
              f"{r['cudnn']:6.0f} {r['fa2']:6.0f} {r['flashinfer']:6.0f} {ratio(r['ours'], r['cudnn']):10.2f} "
              f"{ratio(r['paged16'], r['ours']):7.2f} {ratio(r['ours'], r['flashinfer']):7.2f} "
              f"{r['paged16_gather']:6.0f} {r.get('paged16_1w', float('nan')):6.0f} {r['nopp']:6.0f} {r.get('n128', float('nan')):6.0f} "
              f"{r.get('n192', float('nan')):6.0f} {r.get('paged16_n128', float('nan')):6.0f}")
