"""Shared pieces of the paged-decode GPU check and bench (run on the GPU machine).

- DecodeParams: ctypes mirror of fs_attention_decode_params (attention_decode_params.h).
- DecodeKernel: loads fs_attention_decode_hd{D}_{dtype}, sizes the fixed grid from the
  occupancy API (CTAs per SM x SMs), owns the workspace, launches on torch's stream.
- PagedCache: a fragmented paged K/V pool (pages in random order, unused rows NaN so that a
  stray read shows up) with its page table and lengths.
- reference(): float32 attention over the gathered cache, same masking rules.
"""
import ctypes
import os
import math

import torch

from fs_launch import KernelLibrary, _check, _cuda

THREADS = 128
TILE = 16
MAX_BATCH = 1024
MAX_GRID = 1000
MIN_TILES_PER_CTA = 16


class DecodeParams(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        "q", "k_pool", "v_pool", "page_table", "cache_seqlens", "o", "lse",
        "partial_o", "partial_lse", "split_counters")] + \
        [(n, ctypes.c_int64) for n in (
            "q_batch_stride", "q_head_stride", "o_batch_stride", "o_head_stride",
            "k_slot_stride", "k_head_stride", "v_slot_stride", "v_head_stride")] + \
        [(n, ctypes.c_int32) for n in (
            "num_slots", "page_table_stride", "max_pages", "batch", "q_heads", "kv_heads",
            "log2_page_size", "window_left", "min_tiles_per_cta")] + \
        [("softmax_scale", ctypes.c_float), ("softcap", ctypes.c_float)] + \
        [("new_k", ctypes.c_uint64), ("new_v", ctypes.c_uint64),
         ("new_k_batch_stride", ctypes.c_int64), ("new_v_batch_stride", ctypes.c_int64),
         ("inputs_settled", ctypes.c_int32)]


def stages(head_dim, variant=None):
    """Ring depth: the shipped default, or the first digit of an experimental variant
    name x<stages><CTAs per SM><load hint> (attention_decode.cu)."""
    if variant:
        return int(variant[1])
    return 4 if head_dim <= 64 else 3


def smem_bytes(head_dim, variant=None):
    tile = TILE * head_dim * 2
    return (THREADS // 32) * stages(head_dim, variant) * 2 * tile + tile


def dtype_name(dtype):
    return {torch.bfloat16: "bf16", torch.float16: "f16"}[dtype]


class DecodeKernel:
    def __init__(self, lib, head_dim, dtype, grid=None, variant=None):
        self.head_dim, self.dtype = head_dim, dtype
        prefix = f"{variant}_" if variant else ""
        self.fn = lib.function(f"fs_attention_decode_{prefix}hd{head_dim}_{dtype_name(dtype)}")
        self.smem = smem_bytes(head_dim, variant)
        _check(_cuda.cuFuncSetAttribute(self.fn.handle, 8, ctypes.c_int(self.smem)), "cuFuncSetAttribute")
        self.fn._smem_limit = self.smem
        blocks = ctypes.c_int()
        _check(_cuda.cuOccupancyMaxActiveBlocksPerMultiprocessor(
            ctypes.byref(blocks), self.fn.handle, ctypes.c_int(THREADS), ctypes.c_size_t(self.smem)),
            "cuOccupancyMaxActiveBlocksPerMultiprocessor")
        self.ctas_per_sm = blocks.value
        sms = torch.cuda.get_device_properties(0).multi_processor_count
        self.grid = grid or min(MAX_GRID, sms * self.ctas_per_sm)
        self._ws = {}

    def workspace(self, batch, q_heads, kv_heads):
        key = (batch, q_heads, kv_heads)
        if key not in self._ws:
            group = q_heads // kv_heads
            rows = MAX_GRID + batch * kv_heads  # room for any grid <= MAX_GRID (grid sweeps)
            self._ws[key] = (
                torch.empty(rows * group * self.head_dim, dtype=torch.float32, device="cuda"),
                torch.empty(rows * group, dtype=torch.float32, device="cuda"),
                torch.zeros(batch * kv_heads, dtype=torch.int32, device="cuda"))
        return self._ws[key]

    def params(self, q, cache, o, lse=None, scale=None, window_left=-1, softcap=0.0,
               min_tiles=MIN_TILES_PER_CTA):
        bs, q_heads, d = q.shape
        assert d == self.head_dim and q.dtype == self.dtype and q.stride(2) == 1
        part_o, part_lse, counters = self.workspace(bs, q_heads, cache.kv_heads)
        p = DecodeParams()
        p.q, p.k_pool, p.v_pool = q.data_ptr(), cache.k.data_ptr(), cache.v.data_ptr()
        p.page_table, p.cache_seqlens = cache.page_table.data_ptr(), cache.seqlens.data_ptr()
        p.o, p.lse = o.data_ptr(), (lse.data_ptr() if lse is not None else 0)
        p.partial_o, p.partial_lse, p.split_counters = part_o.data_ptr(), part_lse.data_ptr(), counters.data_ptr()
        p.q_batch_stride, p.q_head_stride = q.stride(0), q.stride(1)
        p.o_batch_stride, p.o_head_stride = o.stride(0), o.stride(1)
        p.k_slot_stride, p.k_head_stride = cache.k.stride(0), cache.k.stride(1)
        p.v_slot_stride, p.v_head_stride = cache.v.stride(0), cache.v.stride(1)
        p.num_slots = cache.k.shape[0]
        p.page_table_stride, p.max_pages = cache.page_table.stride(0), cache.page_table.shape[1]
        p.batch, p.q_heads, p.kv_heads = bs, q_heads, cache.kv_heads
        p.log2_page_size = int(math.log2(cache.page_size))
        p.window_left, p.min_tiles_per_cta = window_left, min_tiles
        p.softmax_scale = scale if scale is not None else 1.0 / math.sqrt(d)
        p.softcap = softcap
        return p

    def launch(self, params, grid=None):
        assert (grid or self.grid) <= MAX_GRID, "the workspace holds MAX_GRID + pairs partial rows"
        self.fn.launch(grid=(grid or self.grid, 1, 1), block=(THREADS, 1, 1), params=params, smem=self.smem)


class PagedCache:
    """K/V pools [num_slots, kv_heads, D] (views of wider rows when `slot_pad` > 0) with
    pages in random order. Page 0 is reserved (the graph padding sink)."""

    def __init__(self, seqlens, kv_heads, head_dim, page_size, dtype, max_context=None,
                 slot_pad=0, spare_pages=3, gen=None, fill=True):
        self.kv_heads, self.head_dim, self.page_size = kv_heads, head_dim, page_size
        self.seqlens_list = [int(x) for x in seqlens]
        bs = len(seqlens)
        max_context = max(max_context or 0, max(self.seqlens_list), 1)
        self.max_pages = -(-max_context // page_size)
        need = [-(-L // page_size) for L in self.seqlens_list]
        num_pages = 1 + sum(need) + spare_pages
        perm = torch.randperm(num_pages - 1, generator=gen) + 1  # fragmented cache
        table = torch.randint(1, num_pages, (bs, self.max_pages), generator=gen, dtype=torch.int32)
        at = 0
        for b, n in enumerate(need):  # unused entries keep random valid ids: stray reads show
            table[b, :n] = perm[at:at + n].to(torch.int32)
            at += n
        self.page_table = table.cuda()
        self.seqlens = torch.tensor(self.seqlens_list, dtype=torch.int32, device="cuda")
        slots = num_pages * page_size
        width = kv_heads * head_dim + slot_pad
        self._k_rows = torch.full((slots, width), float("nan"), dtype=dtype, device="cuda")
        self._v_rows = torch.full((slots, width), float("nan"), dtype=dtype, device="cuda")
        self.k = self._k_rows[:, :kv_heads * head_dim].view(slots, kv_heads, head_dim) if slot_pad == 0 else \
            self._k_rows.as_strided((slots, kv_heads, head_dim), (width, head_dim, 1))
        self.v = self._v_rows[:, :kv_heads * head_dim].view(slots, kv_heads, head_dim) if slot_pad == 0 else \
            self._v_rows.as_strided((slots, kv_heads, head_dim), (width, head_dim, 1))
        if fill:
            self.fill_used(gen)

    def token_slots(self, b, length=None):
        length = self.seqlens_list[b] if length is None else length
        t = torch.arange(length, device="cuda")
        return self.page_table[b, t // self.page_size].long() * self.page_size + t % self.page_size

    def fill_used(self, gen=None):
        """Random N(0,1) rows for every referenced slot; everything else stays NaN."""
        used = torch.cat([self.token_slots(b) for b in range(len(self.seqlens_list))] +
                         [torch.empty(0, dtype=torch.long, device="cuda")])
        shape = (used.numel(), self.kv_heads, self.head_dim)
        self.k[used] = torch.randn(shape, device="cuda", dtype=torch.float32).to(self.k.dtype)
        self.v[used] = torch.randn(shape, device="cuda", dtype=torch.float32).to(self.v.dtype)

    @property
    def kv_bytes(self):
        return sum(self.seqlens_list) * self.kv_heads * self.head_dim * 2 * self.k.element_size()


def reference(q, cache, scale=None, window_left=-1, softcap=0.0, max_elems=1 << 26):
    """float32 decode attention; returns (o [bs, Hq, D] float32, lse [bs, Hq] natural log)."""
    bs, q_heads, d = q.shape
    kvh = cache.kv_heads
    g = q_heads // kvh
    scale = scale if scale is not None else 1.0 / math.sqrt(d)
    out = torch.zeros(bs, q_heads, d, dtype=torch.float32, device="cuda")
    lse = torch.full((bs, q_heads), float("-inf"), dtype=torch.float32, device="cuda")
    for b in range(bs):  # per request: exact lengths, no padding tricks to get wrong
        L = min(cache.seqlens_list[b], cache.max_pages * cache.page_size)
        if L <= 0:
            continue
        start = max(0, L - 1 - window_left) if window_left >= 0 else 0
        slots = cache.token_slots(b, L)[start:]
        k = cache.k[slots].float()                     # [n, kvh, D]
        v = cache.v[slots].float()
        qf = q[b].float().view(kvh, g, d)
        logits = torch.einsum("hgd,nhd->hgn", qf, k) * scale
        if softcap > 0:
            logits = softcap * torch.tanh(logits / softcap)
        lse[b] = torch.logsumexp(logits, dim=-1).reshape(q_heads)
        out[b] = torch.einsum("hgn,nhd->hgd", torch.softmax(logits, dim=-1), v).reshape(q_heads, d)
    return out, lse


def rel_l2(x, ref):
    num = (x.float() - ref).norm().item()
    den = ref.norm().item()
    return num / den if den > 0 else num


def kernel_library():
    return KernelLibrary(os.environ.get("FS_DECODE_KERNELS", "build/decode"))
