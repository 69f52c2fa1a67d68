"""Python mirror of the attention-prefill ABI (Sources/KernelParams/include/attention_prefill_params.h)
and a launcher for the GPU checks: tensor maps, the longest-first tile plan, validation, launch.

The Swift launcher does the same steps; this is the reference for what it must compute.
"""
import ctypes
import math

import numpy as np
import torch

from fs_launch import _cuda, _check

PARAMS_SIZE = 576
NUM_SMS = None


def block_m(head_dim, gather):
    return 192 if head_dim == 64 and not gather else 128


WIDE_MIN_KEYS = 8192  # AttentionPrefillVariant.wideTileMinKeys


def wide_block_n(head_dim):
    """Keys per tile of the `_tmawide` kernels (0: none for this head dim)."""
    return 192 if head_dim == 128 else 0


def block_n(head_dim, gather, wide=False):
    if wide:
        return wide_block_n(head_dim)
    return 80 if head_dim == 256 else 128


def threads(head_dim, gather):
    return 128 + 2 * block_m(head_dim, gather)


def smem_bytes(head_dim, gather, wide=False):
    return (block_m(head_dim, gather) + 4 * block_n(head_dim, gather, wide)) * head_dim * 2 + 2048


class TensorMap(ctypes.Structure):
    _fields_ = [("opaque", ctypes.c_uint64 * 16)]


class PrefillParams(ctypes.Structure):
    _fields_ = [
        ("q_map", TensorMap), ("k_map", TensorMap), ("v_map", TensorMap),
        ("k", ctypes.c_uint64), ("v", ctypes.c_uint64), ("o", ctypes.c_uint64), ("lse", ctypes.c_uint64),
        ("cu_seqlens_q", ctypes.c_uint64), ("seqlens_k", ctypes.c_uint64), ("cu_seqlens_k", ctypes.c_uint64),
        ("page_table", ctypes.c_uint64), ("tile_plan", ctypes.c_uint64), ("tile_counter", ctypes.c_uint64),
        ("k_row_stride", ctypes.c_int64), ("v_row_stride", ctypes.c_int64), ("o_row_stride", ctypes.c_int64),
        ("num_plan_entries", ctypes.c_int32), ("batch", ctypes.c_int32), ("q_heads", ctypes.c_int32),
        ("kv_heads", ctypes.c_int32), ("page_size", ctypes.c_int32), ("page_table_stride", ctypes.c_int32),
        ("kv_box_rows", ctypes.c_int32), ("window_left", ctypes.c_int32), ("window_right", ctypes.c_int32),
        ("softmax_scale", ctypes.c_float), ("softcap", ctypes.c_float), ("heads_per_section", ctypes.c_int32),
        ("reserved", ctypes.c_int32 * 10),
    ]


assert ctypes.sizeof(PrefillParams) == PARAMS_SIZE, ctypes.sizeof(PrefillParams)
assert PrefillParams.k.offset == 384 and PrefillParams.heads_per_section.offset == 532

_DTYPE_CODE = {torch.float16: 6, torch.bfloat16: 9}
_DTYPE_NAME = {torch.float16: "f16", torch.bfloat16: "bf16"}


def encode_rows_map(t, box_rows):
    """Tensor map over a [rows, heads, head_dim] view (row and head strides in elements)."""
    rows, heads, dim = t.shape
    assert t.stride(2) == 1 and dim % 64 == 0
    es = t.element_size()
    m = TensorMap()
    dims = (ctypes.c_uint64 * 3)(dim, heads, rows)
    strides = (ctypes.c_uint64 * 2)(t.stride(1) * es, t.stride(0) * es)
    box = (ctypes.c_uint32 * 3)(64, 1, box_rows)
    elem = (ctypes.c_uint32 * 3)(1, 1, 1)
    _check(_cuda.cuTensorMapEncodeTiled(ctypes.byref(m), ctypes.c_int(_DTYPE_CODE[t.dtype]), ctypes.c_uint32(3),
                                        ctypes.c_void_p(t.data_ptr()), dims, strides, box, elem,
                                        ctypes.c_int(0), ctypes.c_int(3), ctypes.c_int(3), ctypes.c_int(0)),
           "cuTensorMapEncodeTiled")
    return m


L2_BUDGET = 24 << 20  # bytes of K/V that the tiles running at once should share in L2 (of 50 MB)


def heads_per_section(hq, hkv, d, seqlens_k):
    """Largest whole number of KV heads whose K/V (all requests) fit the L2 budget, as q heads."""
    kv_bytes = max(1, sum(seqlens_k) * d * 2 * 2)
    s_kv = max(1, min(hkv, L2_BUDGET // kv_bytes))
    while hkv % s_kv:
        s_kv -= 1
    return s_kv * (hq // hkv)


def tile_plan(seqlens_q, seqlens_k, bm, bn, window_left, window_right, sections):
    """int32 [entries, 2]: {(section << 16) | batch, m_block}; per section, heaviest first."""
    entries, costs = [], []
    for b, (sq, sk) in enumerate(zip(seqlens_q, seqlens_k)):
        delta = sk - sq
        for m in range((sq + bm - 1) // bm):
            first = m * bm - (bm - sq % bm) % bm  # blocks end at the last query (the kernel's first_row)
            lo, hi = max(0, first), first + bm     # real rows only, as the kernel's block_range
            n_max = -(-sk // bn)
            if window_right >= 0:
                n_max = min(n_max, max(0, -(-(hi + delta + window_right) // bn)))
            n_min = max(0, (lo + delta - window_left) // bn) if window_left >= 0 else 0
            entries.append((b, m))
            costs.append(max(0, n_max - n_min) + 1)  # + 1: loading Q and writing O
    order = np.argsort(-np.asarray(costs, dtype=np.int64), kind="stable")
    one = np.asarray(entries, dtype=np.int32)[order]
    plan = np.concatenate([np.stack([one[:, 0] | (sec << 16), one[:, 1]], axis=1) for sec in range(sections)])
    return np.ascontiguousarray(plan, dtype=np.int32)


def num_sms():
    global NUM_SMS
    if NUM_SMS is None:
        NUM_SMS = torch.cuda.get_device_properties(0).multi_processor_count
    return NUM_SMS


class PrefillLauncher:
    """Validates, plans and launches fs_attention_prefill_hd<D>_<load>_<dtype>."""

    def __init__(self, lib):
        self.lib = lib
        self.counter = torch.zeros(1, dtype=torch.int32, device="cuda")

    def prepare(self, q, k, v, o, seqlens_q, seqlens_k, *, lse=None, page_table=None, page_size=0,
                causal=True, window_left=-1, window_right=None, softcap=0.0, scale=None, gather=None,
                wide=None, spread=None, experiment=""):
        """q/o: [total_q, Hq, D]; k/v: [kv_rows, Hkv, D] (paged pool or contiguous rows).
        seqlens_* are host lists. Returns a zero-argument launch function (planning done here).
        gather / wide: None picks as the Swift launcher does (wide: hd 128 on the TMA path when the
        longest request has WIDE_MIN_KEYS keys; spread: the `_tmapaged` kernel when paged by TMA with
        several boxes a tile; both: `_tmapagedwide`);
        True/False forces a kernel.
        experiment: suffix of an experimental entry point (e.g. "nopp"), empty for the product's."""
        total_q, hq, d = q.shape
        hkv = k.shape[1]
        assert d in (64, 128, 256) and q.dtype in _DTYPE_CODE and k.dtype == q.dtype == v.dtype == o.dtype
        assert hq % hkv == 0 and k.shape[2] == d and v.shape == k.shape and o.shape == q.shape
        assert q.stride(2) == 1 and q.stride(1) == d and k.stride(1) == d and v.stride(1) == d and o.stride(1) == d
        batch = len(seqlens_q)
        assert batch < 32768 and sum(seqlens_q) == total_q
        paged = page_table is not None
        if window_right is None:
            window_right = 0 if causal else -1
        if gather is None:
            gather = paged and page_size % 8 != 0
        if spread is None:
            spread = (paged and not gather and not experiment
                      and math.gcd(page_size, block_n(d, False)) < block_n(d, False))
        assert not (spread and (not paged or gather or experiment)), \
            "no _tmapaged kernel for this call"
        if wide is None:
            wide = (not gather and not experiment and wide_block_n(d) > 0
                    and max(seqlens_k) >= WIDE_MIN_KEYS)
        assert not (wide and (gather or wide_block_n(d) == 0 or experiment)), "no wide kernel for this call"
        bm, bn = block_m(d, gather), block_n(d, gather, wide)
        assert max(seqlens_q) <= 65535 * bm
        box_rows = bn
        if paged and not gather:
            box_rows = math.gcd(page_size, bn)
            assert box_rows % 8 == 0, "TMA paging needs page_size % 8 == 0; use the gather kernel"
            assert bn // box_rows <= 32, "one box per producer lane"
        per = heads_per_section(hq, hkv, d, seqlens_k)
        dev = q.device
        cu_q = torch.tensor(np.concatenate([[0], np.cumsum(seqlens_q)]), dtype=torch.int32, device=dev)
        sk = torch.tensor(seqlens_k, dtype=torch.int32, device=dev)
        cu_k = None
        if not paged:
            cu_k = torch.tensor(np.concatenate([[0], np.cumsum(seqlens_k)]), dtype=torch.int32, device=dev)
            assert sum(seqlens_k) <= k.shape[0]
        plan = torch.from_numpy(tile_plan(seqlens_q, seqlens_k, bm, bn, window_left, window_right,
                                          hq // per)).to(dev)
        p = PrefillParams()
        p.q_map = encode_rows_map(q, bm)
        p.k_map = encode_rows_map(k, box_rows)
        p.v_map = encode_rows_map(v, box_rows)
        p.k, p.v, p.o = k.data_ptr(), v.data_ptr(), o.data_ptr()
        p.lse = lse.data_ptr() if lse is not None else 0
        p.cu_seqlens_q, p.seqlens_k = cu_q.data_ptr(), sk.data_ptr()
        p.cu_seqlens_k = cu_k.data_ptr() if cu_k is not None else 0
        p.page_table = page_table.data_ptr() if paged else 0
        p.tile_plan, p.tile_counter = plan.data_ptr(), self.counter.data_ptr()
        p.k_row_stride, p.v_row_stride, p.o_row_stride = k.stride(0), v.stride(0), o.stride(0)
        p.num_plan_entries, p.batch, p.q_heads, p.kv_heads = plan.shape[0], batch, hq, hkv
        p.heads_per_section = per
        p.page_size = page_size if paged else 0
        p.page_table_stride = page_table.stride(0) if paged else 0
        p.kv_box_rows = box_rows
        p.window_left, p.window_right = window_left, window_right
        p.softmax_scale = scale if scale is not None else 1.0 / math.sqrt(d)
        p.softcap = softcap
        load = ("gather" if gather else ("tmapaged" if spread else "tma") + ("wide" if wide else "")) + (
            f"_{experiment}" if experiment else "")
        name = f"fs_attention_prefill_hd{d}_{load}_{_DTYPE_NAME[q.dtype]}"
        fn = self.lib.function(name)
        grid = max(1, min(num_sms(), plan.shape[0] * per))
        keep = (cu_q, sk, cu_k, plan)  # kept alive with the closure

        def launch():
            fn.launch(grid=(grid, 1, 1), block=(threads(d, gather), 1, 1), params=p, smem=smem_bytes(d, gather, wide))
            return keep

        launch.kernel_name = name
        return launch
