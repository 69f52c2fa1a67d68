"""Correctness of the attention prefill kernels against a float32 reference on fresh random
cases: poisoned (NaN) outputs, every row written, no NaN, relative L2 <= 1e-2 for O, LSE close,
and the same bits from a second launch (a moving result would mean a race)."""
import os
import random
import sys
import time

import torch

from prefill_abi import PrefillLauncher
from prefill_reference import build_inputs, random_case, reference

O_TOL = 1e-2
LSE_TOL = 1e-3


def wait_or_die(label, seconds=20.0):
    """A deadlocked kernel would eat the whole device call: give up on it early and say where."""
    ev = torch.cuda.Event()
    ev.record()
    t0 = time.time()
    while not ev.query():
        if time.time() - t0 > seconds:
            print(f"HANG: {label} did not finish in {seconds:.0f} s", flush=True)
            os._exit(3)
        time.sleep(0.001)
    torch.cuda.synchronize()


def has_function(lib, name):
    try:
        lib.function(name)
        return True
    except KeyError:
        return False


def rel_l2(a, b):
    return (torch.linalg.vector_norm(a - b) / torch.linalg.vector_norm(b).clamp_min(1e-30)).item()


def run_case(launcher, case, gen):
    q, k, v, key_rows, table, page_size = build_inputs(case, gen)
    total_q, hq, d = q.shape
    o = torch.full_like(q, float("nan"))
    lse = torch.full((total_q, hq), float("nan"), dtype=torch.float32, device=q.device)
    scale = 1.0 / d ** 0.5
    launch = launcher.prepare(q, k, v, o, case["seqlens_q"], case["seqlens_k"], lse=lse, page_table=table,
                              page_size=page_size, causal=case["causal"], window_left=case["window_left"],
                              window_right=case["window_right"], softcap=case["softcap"], scale=scale,
                              gather=case.get("gather"), wide=case.get("wide"), spread=case.get("spread"),
                              experiment=case.get("experiment", ""))
    launch()
    wait_or_die(f"case {case['index']} ({launch.kernel_name})")
    o_first = o.clone()
    o.fill_(float("nan"))
    launch()
    wait_or_die(f"case {case['index']} second launch")
    ref_o, ref_lse = reference(q, k, v, case["seqlens_q"], case["seqlens_k"], key_rows,
                               window_left=case["window_left"], window_right=case["window_right"],
                               softcap=case["softcap"], scale=scale)
    nan_o = int(torch.isnan(o).sum().item())
    err_o = rel_l2(o.float(), ref_o) if nan_o == 0 else float("nan")
    finite = torch.isfinite(ref_lse)
    lse_inf_ok = bool(torch.equal(torch.isinf(lse) & (lse < 0), ~finite))
    nan_lse = int(torch.isnan(lse).sum().item())
    err_lse = rel_l2(lse[finite], ref_lse[finite]) if finite.any() and nan_lse == 0 else 0.0
    stable = bool(torch.equal(o_first.view(torch.int16), o.view(torch.int16)))
    ok = nan_o == 0 and err_o <= O_TOL and nan_lse == 0 and lse_inf_ok and err_lse <= LSE_TOL and stable
    return dict(ok=ok, kernel=launch.kernel_name, err_o=err_o, err_lse=err_lse, nan_o=nan_o, nan_lse=nan_lse,
                lse_inf_ok=lse_inf_ok, stable=stable)


def describe(case):
    return (f"d={case['d']} {str(case['dtype'])[6:]} hq={case['hq']} hkv={case['hkv']} P={case['paging']} "
            f"causal={int(case['causal'])} wl={case['window_left']} wr={case['window_right']} "
            f"cap={case['softcap']:g} q={case['seqlens_q']} k={case['seqlens_k']}")


def smoke_cases(lib):
    """One small fixed case per kernel variant first: a broken variant is named before the random run."""
    cases = []
    if has_function(lib, "fs_attention_prefill_hd256_tma_nopp_bf16"):  # the experimental entry
        for paging, causal in (("contiguous", True), (16, False), ("contiguous", False)):
            cases.append(dict(d=256, dtype=torch.bfloat16, hq=4, hkv=2, paging=paging, causal=causal,
                              window_left=-1, window_right=0 if causal else -1, softcap=0.0,
                              seqlens_q=[700, 77], seqlens_k=[700, 1000], experiment="nopp"))
    # The 192-key hd 128 kernels, forced on short cases too (the launcher picks them from 8k keys):
    # contiguous `_tmawide`, paged `_tmapagedwide` (P = 8, 16, 64), and the one-warp paged issue
    # `_tmawide` keeps for pages of whole 128-key tiles (forced here at P = 16).
    for paging, causal, dtype, spread in (("contiguous", False, torch.bfloat16, None), (16, False, torch.float16, None),
                                          ("contiguous", True, torch.float16, None), (64, True, torch.bfloat16, None),
                                          (8, True, torch.bfloat16, None), (16, True, torch.float16, None),
                                          (16, False, torch.bfloat16, False)):
        cases.append(dict(d=128, dtype=dtype, hq=4, hkv=2, paging=paging, causal=causal, window_left=-1,
                          window_right=0 if causal else -1, softcap=0.0, seqlens_q=[700, 77],
                          seqlens_k=[700, 1000], wide=True, spread=spread))
    # The paged kernels with four issuing warps (picked for P = 8, 16 and 64) and, forced, the
    # one-warp issue they replaced.
    for d in (64, 128, 256):
        for paging, spread, dtype in ((8, None, torch.bfloat16), (64, None, torch.bfloat16), (16, None, torch.float16),
                                      (16, False, torch.bfloat16), (64, False, torch.float16)):
            cases.append(dict(d=d, dtype=dtype, hq=8, hkv=2, paging=paging, causal=False, window_left=-1,
                              window_right=-1, softcap=0.0, seqlens_q=[700, 77], seqlens_k=[700, 1000],
                              spread=spread))
    for d in (64, 128, 256):
        for paging, gather in (("contiguous", None), (16, None), (1, None), ("contiguous", True)):
            for dtype in (torch.bfloat16, torch.float16):
                cases.append(dict(d=d, dtype=dtype, hq=4, hkv=2, paging=paging, causal=True, window_left=-1,
                                  window_right=0, softcap=0.0, seqlens_q=[300, 77], seqlens_k=[300, 1000],
                                  gather=gather))
    return cases


def run_checks(lib, log_path, n_random=200, seed=None):
    launcher = PrefillLauncher(lib)
    seed = seed if seed is not None else int(time.time())
    rng = random.Random(seed)
    gen = torch.Generator(device="cuda")
    gen.manual_seed(seed)
    torch.backends.cuda.matmul.allow_tf32 = False
    cases = smoke_cases(lib) + [random_case(rng, i) for i in range(n_random)]
    passed, failed, worst = 0, 0, 0.0
    by_kernel = {}
    with open(log_path, "w") as log:
        log.write(f"seed {seed}\n")
        for i, case in enumerate(cases):
            case.setdefault("index", f"smoke{i}")
            r = run_case(launcher, case, gen)
            line = (f"{'ok  ' if r['ok'] else 'FAIL'} {case['index']} {r['kernel']} err_o={r['err_o']:.2e} "
                    f"err_lse={r['err_lse']:.2e} nan_o={r['nan_o']} nan_lse={r['nan_lse']} "
                    f"lse_inf_ok={int(r['lse_inf_ok'])} stable={int(r['stable'])} | {describe(case)}")
            log.write(line + "\n")
            log.flush()
            if not r["ok"]:
                print(line[:400], flush=True)
                failed += 1
            else:
                passed += 1
                worst = max(worst, r["err_o"])
            k = by_kernel.setdefault(r["kernel"], [0, 0])
            k[0 if r["ok"] else 1] += 1
    print(f"prefill correctness: {passed} passed, {failed} failed of {len(cases)} "
          f"(seed {seed}, worst passing rel L2 {worst:.2e})", flush=True)
    for name, (good, bad) in sorted(by_kernel.items()):
        print(f"  {name}: {good} ok, {bad} failed", flush=True)
    return failed == 0


if __name__ == "__main__":
    from fs_launch import KernelLibrary
    out = os.environ.get("OUT", "/tmp")
    sys.exit(0 if run_checks(KernelLibrary(), os.path.join(out, "prefill_check.log"),
                             int(sys.argv[1]) if len(sys.argv) > 1 else 200) else 1)
