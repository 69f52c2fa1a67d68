"""FlashInfer 0.6.13 paged decode as the reference of the decode bench (GPU machine).

FlashInfer JIT-compiles its kernels on first use (minutes); `python3 decode_flashinfer.py
--warm` compiles the modules the bench uses (bf16, hd128, tensor-core and CUDA-core decode)
into its cache, so it can run in the background while the correctness check runs.
"""
import argparse
import time

import torch


def make_decode(cache, q_heads, dtype, use_tensor_cores=True, workspace_mb=256):
    """Returns run(q, k, v) -> o for FlashInfer's BatchDecodeWithPagedKVCacheWrapper, planned
    for `cache`'s lengths and page table (pools passed per call, same layout)."""
    import flashinfer
    ws = torch.zeros(workspace_mb << 20, dtype=torch.uint8, device="cuda")
    wrapper = flashinfer.BatchDecodeWithPagedKVCacheWrapper(ws, "NHD", use_tensor_cores=use_tensor_cores)
    P, kvh, d = cache.page_size, cache.kv_heads, cache.head_dim
    pages = [-(-L // P) for L in cache.seqlens_list]
    indptr = torch.tensor([0] + list(torch.tensor(pages).cumsum(0).tolist()), dtype=torch.int32, device="cuda")
    indices = torch.cat([cache.page_table[b, :n] for b, n in enumerate(pages)]).to(torch.int32)
    last = torch.tensor([L - (n - 1) * P for L, n in zip(cache.seqlens_list, pages)], dtype=torch.int32,
                        device="cuda")
    wrapper.plan(indptr, indices, last, q_heads, kvh, d, P, q_data_type=dtype, kv_data_type=dtype)
    wrapper._keepalive = ws

    def run(q, k, v):
        return wrapper.run(q, (k.view(-1, P, kvh, d), v.view(-1, P, kvh, d)))
    return run


def warm():
    from decode_common import PagedCache
    t0 = time.time()
    for tc in (True, False):
        for page in (1, 16):
            cache = PagedCache([100, 37], 8, 128, page, torch.bfloat16)
            q = torch.randn(2, 32, 128, device="cuda").to(torch.bfloat16)
            run = make_decode(cache, 32, torch.bfloat16, use_tensor_cores=tc, workspace_mb=16)
            run(q, cache.k, cache.v)
            torch.cuda.synchronize()
        print(f"flashinfer warm: tensor_cores={tc} ready after {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--warm", action="store_true")
    if ap.parse_args().warm:
        warm()
