"""Float32 reference for attention prefill/extend and random test cases (the GPU checks only)."""
import math
import random

import torch


def reference(q, k_rows, v_rows, seqlens_q, seqlens_k, key_rows, *, window_left, window_right, softcap, scale):
    """O [total_q, Hq, D] float32 and LSE [total_q, Hq] float32 (natural log).
    key_rows[b]: LongTensor of K/V row indices of request b's keys, in key order."""
    total_q, hq, d = q.shape
    hkv = k_rows.shape[1]
    group = hq // hkv
    out = torch.empty(total_q, hq, d, dtype=torch.float32, device=q.device)
    lse = torch.empty(total_q, hq, dtype=torch.float32, device=q.device)
    q0 = 0
    for b, (sq, sk) in enumerate(zip(seqlens_q, seqlens_k)):
        rows = key_rows[b]
        kb = k_rows[rows].float().repeat_interleave(group, dim=1).transpose(0, 1)  # [Hq, sk, D]
        vb = v_rows[rows].float().repeat_interleave(group, dim=1).transpose(0, 1)
        qb = q[q0:q0 + sq].float().transpose(0, 1)                                # [Hq, sq, D]
        pos_q = torch.arange(sq, device=q.device)[:, None] + (sk - sq)
        pos_k = torch.arange(sk, device=q.device)[None, :]
        allowed = torch.ones(sq, sk, dtype=torch.bool, device=q.device)
        if window_right >= 0:
            allowed &= pos_k <= pos_q + window_right
        if window_left >= 0:
            allowed &= pos_k >= pos_q - window_left
        chunk = max(1, (1 << 27) // max(1, sk * hq))  # bound the score matrix to ~512 MB
        for r0 in range(0, sq, chunk):
            r1 = min(sq, r0 + chunk)
            s = torch.matmul(qb[:, r0:r1], kb.transpose(1, 2)) * scale
            if softcap > 0:
                s = softcap * torch.tanh(s / softcap)
            s = s.masked_fill(~allowed[r0:r1][None], float("-inf"))
            m = s.amax(dim=-1, keepdim=True)
            m = torch.where(torch.isinf(m), torch.zeros_like(m), m)
            p = torch.exp(s - m)
            ssum = p.sum(dim=-1, keepdim=True)
            o = torch.matmul(p, vb) / torch.where(ssum == 0, torch.ones_like(ssum), ssum)
            out[q0 + r0:q0 + r1] = o.transpose(0, 1)
            lse[q0 + r0:q0 + r1] = torch.where(ssum[..., 0] == 0, torch.full_like(m[..., 0], float("-inf")),
                                                (m[..., 0] + torch.log(ssum[..., 0]))).transpose(0, 1)
        q0 += sq
    return out, lse


def _log_uniform(rng, lo, hi):
    return int(round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))


def random_case(rng: random.Random, index):
    """One random configuration; the brief's grid: prefixes 0-8k, new 1-8k, P in {1,16,64},
    GQA 1/4/8, head dims 64/128/256, bf16/fp16, causal or not, window and softcap on or off."""
    d = rng.choice([64, 128, 256])
    dtype = rng.choice([torch.bfloat16, torch.float16])
    group = rng.choice([1, 4, 8])
    hkv = rng.choice([1, 2]) if group == 8 else rng.choice([1, 2, 4])
    paging = rng.choice(["contiguous", 1, 16, 64, 16, 1, 8, 3, 256])
    causal = rng.random() < 0.6
    window = rng.random() < 0.3
    softcap = rng.choice([0.0, 0.0, 30.0]) if rng.random() < 0.5 else 0.0
    batch = rng.choice([1, 1, 2, 3, 4, 6])
    budget_q = 12288 if d < 256 else 8192
    seqlens_q, seqlens_k = [], []
    for _ in range(batch):
        sq = _log_uniform(rng, 1, 8192)
        prefix = 0 if rng.random() < 0.25 else rng.randint(0, 8192)
        if paging == "contiguous" and rng.random() < 0.5:
            prefix = 0
        seqlens_q.append(max(1, min(sq, budget_q - sum(seqlens_q) - (batch - 1 - len(seqlens_q)))))
        seqlens_k.append(seqlens_q[-1] + prefix)
    window_left = rng.randint(0, 2048) if window else -1
    window_right = 0 if causal else (rng.randint(0, 512) if window and rng.random() < 0.5 else -1)
    force_gather = paging != "contiguous" and paging % 8 == 0 and rng.random() < 0.25
    if paging == "contiguous" and rng.random() < 0.2:
        force_gather = True
    return dict(index=index, d=d, dtype=dtype, hq=hkv * group, hkv=hkv, paging=paging, causal=causal,
                window_left=window_left, window_right=window_right, softcap=softcap,
                seqlens_q=seqlens_q, seqlens_k=seqlens_k, gather=True if force_gather else None)


def build_inputs(case, gen):
    """Q, K/V rows (a paged pool in random page order, or contiguous rows), the key rows of each
    request for the reference, and the page table. Pool slots nobody owns hold large finite
    values, so a wrong page or a missed mask shows up in the error."""
    d, dtype, hq, hkv = case["d"], case["dtype"], case["hq"], case["hkv"]
    sq, sk = case["seqlens_q"], case["seqlens_k"]
    dev = "cuda"
    q = torch.randn(sum(sq), hq, d, generator=gen, device=dev).to(dtype)
    paging = case["paging"]
    if paging == "contiguous":
        rows = sum(sk)
        k = torch.randn(rows, hkv, d, generator=gen, device=dev).to(dtype)
        v = torch.randn(rows, hkv, d, generator=gen, device=dev).to(dtype)
        starts = [0]
        for n in sk[:-1]:
            starts.append(starts[-1] + n)
        key_rows = [torch.arange(s, s + n, device=dev) for s, n in zip(starts, sk)]
        return q, k, v, key_rows, None, 0
    p = paging
    pages_per = [-(-n // p) for n in sk]
    num_pages = sum(pages_per) + 3
    perm = torch.randperm(num_pages, generator=gen, device=dev)
    k = torch.full((num_pages * p, hkv, d), 60.0, device=dev)
    v = torch.full((num_pages * p, hkv, d), -60.0, device=dev)
    width = max(pages_per) + 2
    table = perm[torch.randint(0, num_pages, (len(sk), width), generator=gen, device=dev)].int()
    key_rows, used = [], 0
    for b, n in enumerate(sk):
        pages = perm[used:used + pages_per[b]]
        used += pages_per[b]
        table[b, :pages_per[b]] = pages.int()
        idx = torch.arange(n, device=dev)
        r = pages[idx // p] * p + idx % p
        key_rows.append(r)
        k[r] = torch.randn(n, hkv, d, generator=gen, device=dev)
        v[r] = torch.randn(n, hkv, d, generator=gen, device=dev)
    return q, k.to(dtype), v.to(dtype), key_rows, table.contiguous(), p
