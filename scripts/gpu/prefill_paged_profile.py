"""The hd 128 prefill kernel on the same inputs read contiguously and through a page table of
16-token pages in random order (the P = 16 path, where the issue's "within 5 % of
contiguous" target is missed): two launches of each, 16k tokens of 4k sequences, causal,
bf16, for Nsight Compute to compare (scripts/gpu/prefill_paged_profile.sh runs it under ncu).
Launch order: contiguous, paged, contiguous, paged; the first two are warm-up.

    python3 scripts/gpu/prefill_paged_profile.py     (device; FLASHSERVE_KERNELS or build/kernels)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from fs_launch import KernelLibrary  # noqa: E402
from prefill_abi import PrefillLauncher  # noqa: E402
from prefill_bench import TOKENS, paged_pool  # noqa: E402

SEQ, HEADS, D = 4096, 32, 128


def main():
    gen = torch.Generator(device="cuda").manual_seed(0)
    launcher = PrefillLauncher(KernelLibrary())
    q, k, v = (torch.randn(TOKENS, HEADS, D, generator=gen, device="cuda").to(torch.bfloat16) for _ in range(3))
    o_contiguous, o_paged = torch.empty_like(q), torch.empty_like(q)
    pk, pv, table = paged_pool(k, v, 16, gen)
    batch = TOKENS // SEQ
    lens = [SEQ] * batch
    contiguous = launcher.prepare(q, k, v, o_contiguous, lens, lens, causal=True)
    paged = launcher.prepare(q, pk, pv, o_paged, lens, lens, causal=True, page_table=table.view(batch, SEQ // 16),
                             page_size=16)
    for _ in range(2):
        contiguous()
        paged()
    torch.cuda.synchronize()
    diff = (o_contiguous.float() - o_paged.float()).abs().max().item()
    print(f"contiguous vs paged P=16 outputs: max |diff| {diff:.3g} (same keys, same tiles: expect 0)")


if __name__ == "__main__":
    main()
