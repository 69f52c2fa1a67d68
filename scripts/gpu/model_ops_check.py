"""The model's elementwise kernels (kernels/model/) on the GPU machine: correctness first,
then timings, with PyTorch references measured in the same run.

Correctness: fresh random inputs each case, outputs poisoned with NaN (or 0xA5 bytes),
float64/float32 references; rel. L2 <= 1e-2 (bit-exact for gather and to_float, 1.2e-7
absolute for the RoPE tables at positions up to 128k); NaN never passes.
Timings: CUDA events, warm-up, median of 30, inputs rotated over sets larger than the
50 MB L2; ratios against the same operation in PyTorch and against a 1 GiB device copy.
Also times torch's bf16 matmul (cuBLAS) at the Llama-3-8B linear shapes, the reference for
the Swift self-test's cuBLASLt numbers. Prints a short table last; full log in $OUT.

    python3 scripts/gpu/model_ops_check.py [--seed S]
"""
import argparse
import ctypes
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from fs_launch import KernelLibrary  # noqa: E402

U64, I64, I32 = ctypes.c_uint64, ctypes.c_int64, ctypes.c_int32


def struct(name, fields):
    return type(name, (ctypes.Structure,), {"_fields_": fields})


# Mirrors of Sources/KernelParams/include/model_params.h, field by field.
GatherParams = struct("GatherParams", [("src", U64), ("indices", U64), ("out", U64), ("src_rows", I64),
                                       ("rows", I32), ("row_vectors", I32), ("bad_index", U64)])
TablesParams = struct("TablesParams", [("positions", U64), ("inv_freq", U64), ("cos", U64), ("sin", U64),
                                       ("rows", I32), ("half", I32)])
ApplyParams = struct("ApplyParams", [("x", U64), ("cos", U64), ("sin", U64), ("row_stride", I64),
                                     ("rows", I32), ("heads", I32), ("head_dim", I32)])
SiluParams = struct("SiluParams", [("gate", U64), ("up", U64), ("out", U64), ("count", I64)])
ToFloatParams = struct("ToFloatParams", [("x", U64), ("out", U64), ("count", I64)])

NAMES = {torch.bfloat16: "bf16", torch.float16: "f16"}
LOG = []


def log(line=""):
    print(line, flush=True)
    LOG.append(line)


def rel_l2(got, ref):
    got, ref = got.double(), ref.double()
    if torch.isnan(got).any():
        return float("inf")
    return (torch.linalg.vector_norm(got - ref) / max(torch.linalg.vector_norm(ref).item(), 1e-30)).item()


class Ops:
    def __init__(self, lib):
        self.gather = lib.function("fs_gather_rows_v16")
        self.tables = lib.function("fs_rope_tables_f32")
        self.apply = {t: lib.function(f"fs_rope_apply_{n}") for t, n in NAMES.items()}
        self.silu = {t: lib.function(f"fs_silu_mul_{n}") for t, n in NAMES.items()}
        self.to_float = {t: lib.function(f"fs_to_float_{n}") for t, n in NAMES.items()}

    def gather_rows(self, src, idx, out, flag=None):
        vectors = src.shape[1] * src.element_size() // 16
        p = GatherParams(src.data_ptr(), idx.data_ptr(), out.data_ptr(), src.shape[0], idx.numel(), vectors,
                         flag.data_ptr() if flag is not None else 0)
        self.gather.launch((idx.numel(),), (min(256, max(32, (vectors // 4 + 31) // 32 * 32)),), p)

    def rope_tables(self, pos, inv, cos, sin):
        rows, half = pos.numel(), inv.numel()
        p = TablesParams(pos.data_ptr(), inv.data_ptr(), cos.data_ptr(), sin.data_ptr(), rows, half)
        self.tables.launch(((rows * half + 255) // 256,), (256,), p)

    def rope_apply(self, x, cos, sin, rows, heads, head_dim, stride):
        p = ApplyParams(x.data_ptr(), cos.data_ptr(), sin.data_ptr(), stride, rows, heads, head_dim)
        items = rows * heads * head_dim // 16
        self.apply[x.dtype].launch(((items + 255) // 256,), (256,), p)

    def silu_mul(self, gate, up, out):
        p = SiluParams(gate.data_ptr(), up.data_ptr(), out.data_ptr(), gate.numel())
        self.silu[gate.dtype].launch(((gate.numel() // 8 + 255) // 256,), (256,), p)

    def widen(self, x, out):
        p = ToFloatParams(x.data_ptr(), out.data_ptr(), x.numel())
        self.to_float[x.dtype].launch(((x.numel() // 8 + 255) // 256,), (256,), p)


def inverse_frequencies(head_dim, base=500000.0):
    return (1.0 / base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)).float().cuda()


def check_all(ops, gen):
    """Returns a list of (name, passed, detail)."""
    results = []
    # Gather: bit-exact rows, out-of-range index -> zero row and flag.
    bad = []
    for rows_src, width, rows, dtype in [(49152, 576, 7, torch.bfloat16), (128256, 4096, 33, torch.float16),
                                         (300, 896, 300, torch.bfloat16), (64, 64, 2, torch.float32)]:
        src = torch.randn(rows_src, width, generator=gen, device="cuda").to(dtype)
        idx = torch.randint(0, rows_src, (rows,), generator=gen, device="cuda", dtype=torch.int32)
        if rows > 2:
            idx[1] = rows_src
        out = torch.full((rows, width), float("nan"), dtype=dtype, device="cuda")
        flag = torch.zeros(1, dtype=torch.int32, device="cuda")
        ops.gather_rows(src, idx, out, flag)
        ref = src[idx.clamp(max=rows_src - 1).long()]
        if rows > 2:
            ref[1] = 0
        ok = torch.equal(out.view(torch.int16 if dtype != torch.float32 else torch.int32),
                         ref.view(torch.int16 if dtype != torch.float32 else torch.int32))
        ok = ok and (flag.item() == (1 if rows > 2 else 0))
        if not ok:
            bad.append(f"{rows}x{width} {dtype}")
    results.append(("gather rows", not bad, "4 cases bit-exact, bad index zeroed+flagged" if not bad else ", ".join(bad)))

    # RoPE tables against float64 sin/cos of the float32 angle; rotation against float64.
    worst_t, worst_r, bad = 0.0, 0.0, []
    for rows, heads, head_dim, extra, dtype in [(1, 32, 128, 0, torch.bfloat16), (37, 8, 64, 0, torch.float16),
                                                (200, 9, 64, 384, torch.bfloat16), (5, 4, 256, 0, torch.bfloat16),
                                                (4096, 40, 128, 8, torch.float16)]:
        half = head_dim // 2
        inv = inverse_frequencies(head_dim)
        pos = torch.randint(0, 131072, (rows,), generator=gen, device="cuda", dtype=torch.int32)
        cos = torch.full((rows, half), float("nan"), device="cuda")
        sin = torch.full((rows, half), float("nan"), device="cuda")
        ops.rope_tables(pos, inv, cos, sin)
        angle = (pos.float()[:, None] * inv[None, :]).double()
        err = max((cos.double() - angle.cos()).abs().max().item(), (sin.double() - angle.sin()).abs().max().item())
        err = err if not math.isnan(err) else float("inf")
        worst_t = max(worst_t, err)
        stride = heads * head_dim + extra
        x = torch.randn(rows, stride, generator=gen, device="cuda").mul(3).to(dtype)
        before = x.clone()
        ops.rope_apply(x, cos, sin, rows, heads, head_dim, stride)
        v = before[:, :heads * head_dim].view(rows, heads, head_dim).double()
        c, s = cos.double()[:, None, :], sin.double()[:, None, :]
        a, b = v[..., :half], v[..., half:]
        ref = torch.cat([a * c - b * s, b * c + a * s], dim=-1)
        got = x[:, :heads * head_dim].view(rows, heads, head_dim)
        e = rel_l2(got, ref)
        worst_r = max(worst_r, e)
        gap_ok = torch.equal(x[:, heads * head_dim:].view(torch.int16), before[:, heads * head_dim:].view(torch.int16))
        if not (err <= 1.2e-7 and e <= 1e-2 and gap_ok):
            bad.append(f"{rows}x{heads}x{head_dim} {dtype}: table {err:.1e} rot {e:.1e} gap {'ok' if gap_ok else 'WRITTEN'}")
    results.append(("rope tables+rotation", not bad,
                    f"tables max abs {worst_t:.1e}, rotation rel. L2 {worst_r:.1e}" if not bad else "; ".join(bad)))

    # SiLU-and-mul (also in place) and widening.
    worst, bad = 0.0, []
    for dtype in NAMES:
        for count, in_place in [(8, False), (1536 * 7, True), (14336 * 33, False), (8 * 100003, True)]:
            g = torch.randn(count, generator=gen, device="cuda").mul(3).to(dtype)
            u = torch.randn(count, generator=gen, device="cuda").to(dtype)
            ref = torch.nn.functional.silu(g.double()) * u.double()
            out = g if in_place else torch.full_like(g, float("nan"))
            ops.silu_mul(g, u, out)
            e = rel_l2(out, ref)
            worst = max(worst, e)
            if not e <= 1e-2:
                bad.append(f"{dtype} {count}: {e:.2e}")
    results.append(("silu-and-mul", not bad, f"8 cases, rel. L2 {worst:.1e}" if not bad else "; ".join(bad)))
    bad = []
    for dtype in NAMES:
        for count in [8, 576 * 3, 49152 * 5 + 8]:
            x = torch.randn(count, generator=gen, device="cuda").mul(100).to(dtype)
            out = torch.full((count,), float("nan"), device="cuda")
            ops.widen(x, out)
            if not torch.equal(out, x.float()):
                bad.append(f"{dtype} {count}")
    results.append(("to-float", not bad, "6 cases exact" if not bad else ", ".join(bad)))
    return results


def median_ms(fn, sets, warmup=5, reps=30):
    for i in range(warmup):
        fn(sets[i % len(sets)])
    start = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    end = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    for i in range(reps):
        start[i].record()
        fn(sets[i % len(sets)])
        end[i].record()
    torch.cuda.synchronize()
    times = sorted(s.elapsed_time(e) for s, e in zip(start, end))
    return times[len(times) // 2]


def sets_for(bytes_each, make):
    """Enough input sets that one rotation outgrows the 50 MB L2 (at most 64: a decode-sized
    input lives in L2 in a real step too, right after the op that wrote it)."""
    return [make() for _ in range(min(64, max(2, (160 << 20) // max(bytes_each, 1) + 1)))]


def hf_rope(x, cos, sin, heads, head_dim):
    """Hugging Face's rotate_half formulation (bf16 tables as HF passes them)."""
    v = x.view(x.shape[0], heads, head_dim)
    half = head_dim // 2
    c = torch.cat([cos, cos], -1).to(x.dtype)[:, None, :]
    s = torch.cat([sin, sin], -1).to(x.dtype)[:, None, :]
    rotated = torch.cat([-v[..., half:], v[..., :half]], -1)
    return (v * c + rotated * s).view_as(x)


def bench_all(ops, gen):
    rows_out = []
    copy = torch.empty(1 << 29, dtype=torch.int16, device="cuda")
    copy_dst = torch.empty_like(copy)
    ms = median_ms(lambda _: copy_dst.copy_(copy), [None], reps=10)
    copy_tbps = 2 * copy.numel() * 2 / (ms / 1e3) / 1e12
    log(f"device copy: {copy_tbps:.2f} TB/s read+write (1 GiB)")
    del copy, copy_dst
    bf = torch.bfloat16

    def row(name, bytes_moved, ours_ms, ref_ms, ref_name):
        ours_tbps = bytes_moved / (ours_ms / 1e3) / 1e12
        rows_out.append((name, ours_ms * 1e3, ours_tbps, ours_tbps / copy_tbps, ref_name, ref_ms * 1e3, ref_ms / ours_ms))
        log(f"{name}: ours {ours_ms * 1e3:.1f} us ({ours_tbps:.2f} TB/s, {ours_tbps / copy_tbps:.2f} of copy), "
            f"{ref_name} {ref_ms * 1e3:.1f} us, speedup {ref_ms / ours_ms:.2f}x")

    for tokens in [1, 64, 8192]:
        # SiLU-and-mul at Llama-3-8B's intermediate width.
        n = tokens * 14336
        sets = sets_for(n * 6, lambda: (torch.randn(n, generator=gen, device="cuda").to(bf),
                                        torch.randn(n, generator=gen, device="cuda").to(bf),
                                        torch.empty(n, dtype=bf, device="cuda")))
        ours = median_ms(lambda s: ops.silu_mul(s[0], s[1], s[2]), sets)
        ref = median_ms(lambda s: torch.mul(torch.nn.functional.silu(s[0]), s[1], out=s[2]), sets)
        row(f"silu_mul {tokens}x14336", n * 6, ours, ref, "torch silu*mul")
        # RoPE on q: 32 heads x 128.
        w = 32 * 128
        inv = inverse_frequencies(128)
        pos = torch.randint(0, 8192, (tokens,), generator=gen, device="cuda", dtype=torch.int32)
        cos, sin = torch.empty(tokens, 64, device="cuda"), torch.empty(tokens, 64, device="cuda")
        ops.rope_tables(pos, inv, cos, sin)
        sets = sets_for(tokens * w * 4, lambda: torch.randn(tokens, w, generator=gen, device="cuda").to(bf))
        ours = median_ms(lambda x: ops.rope_apply(x, cos, sin, tokens, 32, 128, w), sets)
        ref = median_ms(lambda x: hf_rope(x, cos, sin, 32, 128), sets)
        row(f"rope q {tokens}x32x128", tokens * w * 4 + tokens * 64 * 8, ours, ref, "torch rotate_half")
        tab = median_ms(lambda _: ops.rope_tables(pos, inv, cos, sin), [None])
        ref_tab = median_ms(lambda _: torch.outer(pos.float(), inv).cos(), [None])
        row(f"rope tables {tokens}x64", tokens * 64 * 8, tab, ref_tab, "torch cos (one table)")
        # Embedding gather from a 128256 x 4096 table.
        table = torch.randn(128256, 4096, generator=gen, device="cuda").to(bf)
        idx_sets = [torch.randint(0, 128256, (tokens,), generator=gen, device="cuda", dtype=torch.int32) for _ in range(8)]
        out = torch.empty(tokens, 4096, dtype=bf, device="cuda")
        ours = median_ms(lambda i: ops.gather_rows(table, i, out), idx_sets)
        ref = median_ms(lambda i: torch.index_select(table, 0, i, out=out), idx_sets)
        row(f"embedding {tokens}x4096", tokens * 4096 * 4, ours, ref, "torch index_select")
        del table
        # Widening.
        n = tokens * 4096
        sets = sets_for(n * 6, lambda: (torch.randn(n, generator=gen, device="cuda").to(bf),
                                        torch.empty(n, device="cuda")))
        ours = median_ms(lambda s: ops.widen(s[0], s[1]), sets)
        ref = median_ms(lambda s: s[1].copy_(s[0]), sets)
        row(f"to_float {tokens}x4096", n * 6, ours, ref, "torch copy_")
    return rows_out, copy_tbps


def bench_matmul(gen):
    """torch (cuBLAS) bf16 at Llama-3-8B's linear shapes: the reference for the self-test."""
    out = []
    for name, k, n, f32 in [("q/o 4096->4096", 4096, 4096, False), ("gate/up 4096->14336", 4096, 14336, False),
                            ("down 14336->4096", 14336, 4096, False), ("logits 4096->128256", 4096, 128256, True)]:
        copies = max(1, (160 << 20) // (k * n * 2) + 1)
        weights = [torch.randn(n, k, generator=gen, device="cuda").to(torch.bfloat16) for _ in range(copies)]
        for m in [1, 16, 128, 1024, 8192]:
            x = torch.randn(m, k, generator=gen, device="cuda").to(torch.bfloat16)
            try:
                fn = (lambda w: torch.mm(x, w.t(), out_dtype=torch.float32)) if f32 else (lambda w: x @ w.t())
                fn(weights[0])
            except (TypeError, RuntimeError):
                fn = lambda w: x @ w.t()  # noqa: E731 (no out_dtype in this torch: bf16 out)
            ms = median_ms(fn, weights, reps=20)
            tflops = 2 * m * k * n / (ms / 1e3) / 1e12
            tbps = (m * k + n * k) * 2 + m * n * (4 if f32 else 2)
            tbps = tbps / (ms / 1e3) / 1e12
            out.append((name, m, ms, tflops, tbps))
            log(f"torch matmul {name} rows {m}: {ms:.3f} ms, {tflops:.0f} TFLOP/s, {tbps:.2f} TB/s")
        del weights
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    gen = torch.Generator(device="cuda").manual_seed(args.seed)
    log(f"model_ops_check seed {args.seed} on {torch.cuda.get_device_name()}")
    ops = Ops(KernelLibrary())
    results = check_all(ops, gen)
    for name, ok, detail in results:
        log(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")
    bench, copy_tbps = bench_all(ops, gen) if all(ok for _, ok, _ in results) else ([], 0)
    matmul = bench_matmul(gen)
    out_dir = os.environ.get("OUT", ".")
    with open(os.path.join(out_dir, "model_ops_check.full.log"), "w") as f:
        f.write("\n".join(LOG) + "\n")
    print()
    print("| check | result | detail |\n|---|---|---|")
    for name, ok, detail in results:
        print(f"| {name} | {'pass' if ok else 'FAIL'} | {detail} |")
    print(f"\ncopy {copy_tbps:.2f} TB/s\n| op | ours us | TB/s | of copy | reference | ref us | speedup |\n|---|---|---|---|---|---|---|")
    for name, us, tbps, frac, ref_name, ref_us, speedup in bench:
        print(f"| {name} | {us:.1f} | {tbps:.2f} | {frac:.2f} | {ref_name} | {ref_us:.1f} | {speedup:.2f}x |")
    print("\n| torch matmul | rows | ms | TFLOP/s | TB/s |\n|---|---|---|---|---|")
    for name, m, ms, tflops, tbps in matmul:
        print(f"| {name} | {m} | {ms:.3f} | {tflops:.0f} | {tbps:.2f} |")
    sys.exit(0 if all(ok for _, ok, _ in results) else 1)


if __name__ == "__main__":
    main()
