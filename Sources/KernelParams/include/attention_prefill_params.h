// Attention prefill / extend on Hopper (kernels/attention_prefill/prefill_hd*_sm90.cu), built
// with the FlashAttention-3 techniques (wgmma, TMA, warp specialisation, pingpong, persistent
// longest-first scheduler).
//
// Request b brings seqlen_q = cu_seqlens_q[b+1] - cu_seqlens_q[b] new query tokens and has
// seqlen_k = seqlens_k[b] keys: its cached prefix followed by the new tokens, whose K/V are
// already stored. Query i sits at key position i + seqlen_k - seqlen_q and attends key j when
//     j < seqlen_k
//     and (window_right < 0 || j <= i + seqlen_k - seqlen_q + window_right)   (causal: window_right = 0)
//     and (window_left  < 0 || j >= i + seqlen_k - seqlen_q - window_left)
// with score = softcap > 0 ? softcap * tanh(q.k * scale / softcap) : q.k * scale.
// A query row with no key gets O = 0 and LSE = -inf.
//
// Key j of request b lives in row
//     paged (page_table != 0):  page_table[b * page_table_stride + j / page_size] * page_size + j % page_size
//     contiguous:               cu_seqlens_k[b] + j
// of the K and V row arrays [kv_rows, kv_heads, head_dim] (a layer's pool when paged).
// Paged rows past seqlen_k in a request's last page are read and masked: keep the pool finite
// (zero it at allocation).
//
// Kernels (`fs_attention_prefill_hd<D>_<load>_<bf16|f16>`):
//   _tma:    K/V tiles by TMA. Contiguous K/V, or paged with page_size % 8 == 0; the K/V tensor
//            maps then use kv_box_rows = gcd(page_size, BLOCK_N) rows per box (BLOCK_N when
//            contiguous), so that one tile is BLOCK_N / kv_box_rows boxes, each inside a page.
//   _tmawide: as _tma with FS_PREFILL_WIDE_BLOCK_N keys per tile (hd 128).
//   _tmapaged: as _tma with a tile's (box, column chunk) copies issued by four producer warps, for
//            paged calls whose tile is several boxes (every head dim).
//   _tmapagedwide: as _tmapaged with FS_PREFILL_WIDE_BLOCK_N keys per tile (hd 128).
//   _gather: K/V rows by 16-byte cp.async through the page table: any page size (or contiguous).
// Work: a tile is (request, m_block of BLOCK_M queries, q head). The blocks end at the request's
// last query: m_block m holds rows [m * BLOCK_M - pad, (m + 1) * BLOCK_M - pad) with
// pad = (BLOCK_M - seqlen_q % BLOCK_M) % BLOCK_M, so a partial block is m_block 0, where causal
// rows see the fewest keys; its rows below zero are computed and never stored. The host plan lists entries
// (request, m_block, head section): heads are cut into sections of heads_per_section (a multiple
// of q_heads / kv_heads dividing q_heads, sized so that a section's K/V stays in L2), and the
// entries of each section come heaviest first (most key blocks); sections follow each other.
// Tile t is entry t / heads_per_section, head section * heads_per_section + t % heads_per_section.
// Launch: grid = min(#SMs, tiles), block = FS_PREFILL_THREADS(D, G), dynamic shared memory =
// FS_PREFILL_SMEM_BYTES(D, G) (_tmawide, _tmapagedwide: FS_PREFILL_SMEM_BYTES_N(D, 0, FS_PREFILL_WIDE_BLOCK_N(D))),
// where tiles = num_plan_entries * heads_per_section and G = 1 for _gather.
#ifndef FS_ATTENTION_PREFILL_PARAMS_H
#define FS_ATTENTION_PREFILL_PARAMS_H
#include "fs_types.h"

// Tile sizes: query rows (BLOCK_M, 64 per consumer warpgroup) x keys (BLOCK_N). Head dim 64
// takes three consumer warpgroups with TMA loads; the gather producer needs more registers
// than three consumer warpgroups leave it, so its head-dim-64 tile keeps two.
#define FS_PREFILL_BLOCK_M(head_dim, gather) ((head_dim) == 64 && !(gather) ? 192 : 128)
#define FS_PREFILL_BLOCK_N(head_dim, gather) ((head_dim) == 256 ? 80 : 128)
// The `_tmawide` kernels (hd 128 only; 0 = none): 192 keys per tile, for calls whose longest
// request has many keys (the host picks them; measured faster at 16k keys, slower at 1k-4k).
#define FS_PREFILL_WIDE_BLOCK_N(head_dim) ((head_dim) == 128 ? 192 : 0)
#define FS_PREFILL_THREADS(head_dim, gather) (128 + 2 * FS_PREFILL_BLOCK_M(head_dim, gather))
// Q tile + two stages of K and V tiles (16-bit elements) + 2 KiB for alignment and barriers.
#define FS_PREFILL_SMEM_BYTES_N(head_dim, gather, block_n) \
  ((FS_PREFILL_BLOCK_M(head_dim, gather) + 4 * (block_n)) * (head_dim) * 2 + 2048)
#define FS_PREFILL_SMEM_BYTES(head_dim, gather) \
  FS_PREFILL_SMEM_BYTES_N(head_dim, gather, FS_PREFILL_BLOCK_N(head_dim, gather))

// TMA needs its tensor maps 64-byte aligned in the kernel's parameter space, so the CUDA
// compiler sees the alignment. Swift cannot import over-aligned records; the layout is the
// same without it (every field sits at its natural offset, the size is 9 x 64 bytes).
#ifdef __CUDACC__
#define FS_PREFILL_ALIGN64 __attribute__((aligned(64)))
#else
#define FS_PREFILL_ALIGN64
#endif

// A CUtensorMap: opaque, 128 bytes, 64-byte aligned; encoded on the host by
// cuTensorMapEncodeTiled over a [rows, heads, head_dim] tensor as dims {head_dim, heads, rows},
// 16-bit elements, box {64, 1, box_rows}, CU_TENSOR_MAP_SWIZZLE_128B, no interleave,
// L2 promotion 256B, OOB fill zeros.
typedef struct fs_tensor_map {
  uint64_t opaque[16];
} FS_PREFILL_ALIGN64 fs_tensor_map;

typedef struct fs_attention_prefill_params {
  fs_tensor_map q_map;   // Q [total_q, q_heads, head_dim], box rows BLOCK_M
  fs_tensor_map k_map;   // K rows, box rows kv_box_rows (_tma kernels only)
  fs_tensor_map v_map;   // V rows, box rows kv_box_rows (_tma kernels only)
  fs_devptr k;           // K rows [kv_rows, kv_heads, head_dim] (_gather kernels)
  fs_devptr v;           // V rows [kv_rows, kv_heads, head_dim] (_gather kernels)
  fs_devptr o;           // [total_q, q_heads, head_dim], element type of the kernel
  fs_devptr lse;         // [total_q, q_heads] float32 natural-log sum-exp, or 0
  fs_devptr cu_seqlens_q;  // int32 [batch + 1]
  fs_devptr seqlens_k;     // int32 [batch]: keys of each request (prefix + new)
  fs_devptr cu_seqlens_k;  // int32 [batch + 1]: first K/V row of each request (contiguous), or 0
  fs_devptr page_table;    // int32 [batch, page_table_stride] (paged), or 0 (contiguous)
  fs_devptr tile_plan;     // int32 [num_plan_entries][2]: {(head_section << 16) | batch, m_block}
  fs_devptr tile_counter;  // uint32, zero before the first launch; each launch leaves it zero
  int64_t k_row_stride;    // elements between consecutive K rows
  int64_t v_row_stride;
  int64_t o_row_stride;
  int32_t num_plan_entries;
  int32_t batch;
  int32_t q_heads;
  int32_t kv_heads;        // divides q_heads
  int32_t page_size;       // keys per page (paged); ignored when contiguous
  int32_t page_table_stride;
  int32_t kv_box_rows;     // rows per K/V TMA box (_tma kernels)
  int32_t window_left;     // -1: unlimited
  int32_t window_right;    // -1: unlimited; 0: causal
  float softmax_scale;
  float softcap;           // 0: off
  int32_t heads_per_section;
  int32_t reserved[10];    // keeps the size a multiple of 64 bytes
} fs_attention_prefill_params;

// The same numbers as functions, for Swift (which does not import function-like macros).
static inline int32_t fs_attention_prefill_block_m(int32_t head_dim, int32_t gather) {
  return FS_PREFILL_BLOCK_M(head_dim, gather);
}
static inline int32_t fs_attention_prefill_block_n(int32_t head_dim, int32_t gather) {
  return FS_PREFILL_BLOCK_N(head_dim, gather);
}
static inline int32_t fs_attention_prefill_wide_block_n(int32_t head_dim) {
  return FS_PREFILL_WIDE_BLOCK_N(head_dim);
}
static inline int32_t fs_attention_prefill_smem_bytes_n(int32_t head_dim, int32_t gather, int32_t block_n) {
  return FS_PREFILL_SMEM_BYTES_N(head_dim, gather, block_n);
}
static inline int32_t fs_attention_prefill_threads(int32_t head_dim, int32_t gather) {
  return FS_PREFILL_THREADS(head_dim, gather);
}
static inline int32_t fs_attention_prefill_smem_bytes(int32_t head_dim, int32_t gather) {
  return FS_PREFILL_SMEM_BYTES(head_dim, gather);
}

#ifdef __cplusplus
static_assert(sizeof(fs_attention_prefill_params) == 576, "ABI size changed: update the mirrors");
#else
_Static_assert(sizeof(fs_attention_prefill_params) == 576, "ABI size changed: update the mirrors");
#endif

#endif
