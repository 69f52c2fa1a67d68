"""Reference numbers for `flashserve bench attention` (GPU machine): PyTorch SDPA (cuDNN, FA2)
and FlashInfer 0.6.13 on the shapes the Swift command times our kernels on, nothing of ours.
The Swift command runs this as a subprocess after its own timings and prints both side by
side; the timing code is the decode and prefill bench scripts' own (imported from them).

    python3 scripts/gpu/attention_references.py --decode  --json OUT.json [--deadline S] [--no-flashinfer]
    python3 scripts/gpu/attention_references.py --prefill --json OUT.json [--deadline S] [--no-flashinfer]
    python3 scripts/gpu/attention_references.py --warm decode-tc|decode-cc|prefill-64|prefill-128|prefill-256

--json is rewritten after every row (write then rename), so a run cut short by its caller still
leaves every row measured so far. --deadline: seconds from start after which FlashInfer cases are
skipped and marked so (its kernels JIT-compile on first use; `--warm` builds one module so that
several can compile in parallel before the bench needs them).
"""
import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

DECODE_SHAPES = [(1, 4096), (8, 4096), (32, 8192), (64, 4096), (128, 2048), (32, 32768)]
DECODE_PAGES = (1, 16)
PREFILL_HEAD_DIMS = (64, 128, 256)
PREFILL_SEQS = (1024, 4096, 16384)


class Report:
    """The JSON document, rewritten atomically after each change."""

    def __init__(self, path, kind):
        self.path, self.doc = path, {
            "kind": kind, "device": torch.cuda.get_device_name(0), "torch": torch.__version__,
            "cudnn": torch.backends.cudnn.version(), "flashinfer": None, "flashinfer_error": None,
            "complete": False, "rows": []}

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(finite(self.doc), f, indent=1)
        os.replace(tmp, self.path)


def finite(x):
    """JSON has no NaN or infinity (the Swift reader rejects them): such numbers become null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite(v) for v in x]
    return x


def flashinfer_version(report):
    try:
        import flashinfer
        report.doc["flashinfer"] = flashinfer.__version__
        return True
    except Exception as e:  # noqa: BLE001 - reported, the other references still run
        report.doc["flashinfer_error"] = f"import failed: {e}"
        return False


def decode_references(report, deadline, use_flashinfer):
    from decode_bench import DT, HKV, HQ, D, bench_sdpa, random_pools, time_calls
    from decode_common import PagedCache
    report.doc["timing"] = ("per call: N back-to-back calls captured in one CUDA graph, median of 15 replays / N; "
                            "inputs rotated over >= 150 MB; SDPA on dense K/V [bs, 8, ctx, 128], the 4 q heads "
                            "of a group as query rows; FlashInfer BatchDecodeWithPagedKVCacheWrapper, tensor-core "
                            "(tc) and CUDA-core (cc), pages in random order")
    rows = {}
    for bs, ctx in DECODE_SHAPES:  # SDPA first: no JIT, always fits the time
        lens = [ctx] * bs
        est = bs * ctx * HKV * D * 4 / 2.5e6 + 3
        us, backend = bench_sdpa(lens, est)
        for page in DECODE_PAGES:
            row = {"bs": bs, "ctx": ctx, "P": page, "sdpa_us": us, "sdpa_backend": backend}
            rows[(bs, ctx, page)] = row
            report.doc["rows"].append(row)
        report.save()
        torch.cuda.empty_cache()
    if use_flashinfer and flashinfer_version(report):
        from decode_flashinfer import make_decode
        for bs, ctx in DECODE_SHAPES:
            for page in DECODE_PAGES:
                row = rows[(bs, ctx, page)]
                if time.time() > deadline:
                    row["flashinfer_skipped"] = "deadline reached before this case"
                    continue
                cache = PagedCache([ctx] * bs, HKV, D, page, DT, fill=False)
                pools = random_pools(cache, max(1, math.ceil(150e6 / cache.kv_bytes)))
                qs = [torch.randn(bs, HQ, D, device="cuda").to(DT) for _ in pools]
                est = cache.kv_bytes / 2.5e6 + 3
                for tc in (False, True):  # CUDA-core first: its module compiles sooner
                    name = "fi_tc_us" if tc else "fi_cc_us"
                    try:
                        run = make_decode(cache, HQ, DT, use_tensor_cores=tc)
                        row[name], _ = time_calls([lambda q=q, kv=kv: run(q, *kv) for q, kv in zip(qs, pools)], est)
                    except Exception as e:  # noqa: BLE001
                        row[name + "_error"] = str(e)[:300]
                report.save()
                del cache, pools, qs
                torch.cuda.empty_cache()


def prefill_references(report, deadline, use_flashinfer):
    from prefill_bench import TOKENS, FlashInferRunner, flops, time_ms
    from torch.nn.attention import SDPBackend, sdpa_kernel
    import torch.nn.functional as F
    report.doc["timing"] = ("per call: CUDA events around back-to-back launches after 3 warm-ups, median of 10; "
                            "two input sets > 50 MB alternate; MHA, bf16; FlashInfer BatchPrefillWithRaggedKVCache"
                            "Wrapper, backend fa3")
    gen = torch.Generator(device="cuda")
    gen.manual_seed(4321)

    def input_sets(d):
        """Two sets of Q, K, V [16k tokens, heads, d] (each > 50 MB), alternated between calls."""
        heads = 16 if d == 256 else 32
        return [tuple(torch.randn(TOKENS, heads, d, generator=gen, device="cuda").to(torch.bfloat16)
                      for _ in range(3)) for _ in range(2)]

    rows = []
    for d in PREFILL_HEAD_DIMS:  # SDPA first for every shape: no JIT, always fits the time
        sets = input_sets(d)
        heads = 16 if d == 256 else 32
        for seq in PREFILL_SEQS:
            batch = TOKENS // seq
            for causal in (True, False):
                fl = flops(seq, batch, heads, d, causal)
                row = {"d": d, "seq": seq, "causal": causal, "heads": heads, "batch": batch}
                for name, backend in (("cudnn", SDPBackend.CUDNN_ATTENTION), ("fa2", SDPBackend.FLASH_ATTENTION)):
                    fns = []
                    for q, k, v in sets:
                        q4, k4, v4 = (x.view(batch, seq, heads, d).transpose(1, 2) for x in (q, k, v))

                        def f(q4=q4, k4=k4, v4=v4, backend=backend):
                            with sdpa_kernel(backend):
                                return F.scaled_dot_product_attention(q4, k4, v4, is_causal=causal)
                        fns.append(f)
                    try:
                        row[name + "_tflops"] = fl / (time_ms(fns) * 1e-3) / 1e12
                    except Exception as e:  # noqa: BLE001 - a backend that cannot run a shape is reported
                        row[name + "_error"] = str(e)[:300]
                row["flops"] = fl
                rows.append(row)
                report.doc["rows"].append(row)
                report.save()
        del sets
        torch.cuda.empty_cache()
    if not (use_flashinfer and flashinfer_version(report)):
        return
    try:
        fi = FlashInferRunner()
    except Exception as e:  # noqa: BLE001
        report.doc["flashinfer_error"] = str(e)[:300]
        return
    for d in (128, 64, 256):  # hd 128 first: its JIT module is the one most worth waiting for
        sets = input_sets(d)
        for row in (r for r in rows if r["d"] == d):
            if time.time() > deadline:
                row["flashinfer_skipped"] = "deadline reached before this case"
                continue
            try:
                fns = [fi.ragged(q, k, v, row["seq"], row["batch"], row["causal"]) for q, k, v in sets]
                row["flashinfer_tflops"] = row["flops"] / (time_ms(fns) * 1e-3) / 1e12
            except Exception as e:  # noqa: BLE001
                row["flashinfer_error"] = str(e)[:300]
            report.save()
        del sets
        torch.cuda.empty_cache()


def warm(target):
    """Builds one FlashInfer JIT module (bf16) by running it once on a tiny input."""
    t0 = time.time()
    if target.startswith("decode-"):
        from decode_common import PagedCache
        from decode_flashinfer import make_decode
        cache = PagedCache([100, 37], 8, 128, 16, torch.bfloat16)
        q = torch.randn(2, 32, 128, device="cuda").to(torch.bfloat16)
        make_decode(cache, 32, torch.bfloat16, use_tensor_cores=target == "decode-tc", workspace_mb=16)(
            q, cache.k, cache.v)
    else:
        from prefill_bench import FlashInferRunner
        d = int(target.split("-")[1])
        heads = 16 if d == 256 else 32
        q, k, v = (torch.randn(256, heads, d, device="cuda").to(torch.bfloat16) for _ in range(3))
        FlashInferRunner().ragged(q, k, v, 128, 2, True)()
    torch.cuda.synchronize()
    print(f"flashinfer {target} ready after {time.time() - t0:.0f} s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--decode", action="store_true")
    mode.add_argument("--prefill", action="store_true")
    mode.add_argument("--warm", default="")
    ap.add_argument("--json", help="where to write the rows")
    ap.add_argument("--deadline", type=float, default=1e9, help="seconds; FlashInfer cases after it are skipped")
    ap.add_argument("--no-flashinfer", action="store_true")
    args = ap.parse_args()
    if args.warm:
        return warm(args.warm)
    if not args.json:
        ap.error("--json is required with --decode / --prefill")
    deadline = time.time() + args.deadline
    torch.manual_seed(0)
    report = Report(args.json, "decode" if args.decode else "prefill")
    report.save()
    if args.decode:
        decode_references(report, deadline, not args.no_flashinfer)
    else:
        prefill_references(report, deadline, not args.no_flashinfer)
    report.doc["complete"] = True
    report.save()


if __name__ == "__main__":
    main()
