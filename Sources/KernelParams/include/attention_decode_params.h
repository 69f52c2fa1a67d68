// Paged decode attention (kernels/attention_decode): one query token per request attends
// over its paged K/V cache. Output o[b, h] = softmax(scale * q[b, h] . K[b]^T) V[b], with
// an optional sliding window (left size) and logit softcap, and optionally the natural-log
// log-sum-exp of the scaled (and capped) logits per (b, h).
//
// Layouts (last dimension contiguous, 16-byte aligned rows):
//   q, o        [batch, q_heads, head_dim]            strides in elements below
//   k/v pool    [num_slots, kv_heads, head_dim]       slot = page * P + offset
//   page_table  [batch, page_table_stride] int32      first ceil(seqlen / P) entries used
//   cache_seqlens [batch] int32                       read on the device (graph-safe)
//   new_k/new_v [batch, kv_heads, head_dim]          optional: the step's new rows
// q head h reads kv head h / (q_heads / kv_heads) (grouped-query attention).
//
// Scheduling (stream-K, fixed grid): the grid is a fixed number of CTAs (normally the
// number that fit on the GPU at once), independent of the batch's lengths. Every CTA reads
// all of cache_seqlens, lays the work of all (request, kv head) pairs end to end in tiles
// of 16 tokens and takes an equal contiguous range of it. A pair cut between CTAs is
// merged by the last CTA to finish a piece of it (by log-sum-exp), so a captured graph
// stays valid for any lengths and a long request among short ones is spread over the GPU.
// Cluster schedule (small batches, sm_90): the fs_attention_decode_cluster_* entry points take
// the same params on a grid of batch x kv_heads x C CTAs in clusters of C (<= MAX_CLUSTER): one
// cluster per pair, merged through distributed shared memory; the partial workspace and the
// split counters are not touched.
#ifndef FS_ATTENTION_DECODE_PARAMS_H
#define FS_ATTENTION_DECODE_PARAMS_H
#include "fs_types.h"

#define FS_ATTENTION_DECODE_THREADS 128      // 4 warps per CTA
#define FS_ATTENTION_DECODE_TILE_TOKENS 16   // tokens per pipeline tile (one mma K step)
#define FS_ATTENTION_DECODE_MAX_BATCH 1024   // the schedule's prefix sums live in shared memory
#define FS_ATTENTION_DECODE_MAX_GROUP 16     // q heads per kv head (the mma M dimension)
#define FS_ATTENTION_DECODE_MAX_GRID 1000    // bounds the split-merge scratch in shared memory
#define FS_ATTENTION_DECODE_MAX_CLUSTER 16   // CTAs of a pair's cluster (the cluster schedule)
#define FS_ATTENTION_DECODE_MIN_TILES_PER_CTA 16 // default cap of the floor of a CTA's share (256 tokens)

typedef struct fs_attention_decode_params {
  fs_devptr q;              // [batch, q_heads, head_dim], element type of the kernel
  fs_devptr k_pool;         // [num_slots, kv_heads, head_dim]
  fs_devptr v_pool;         // [num_slots, kv_heads, head_dim]
  fs_devptr page_table;     // [batch, page_table_stride] int32 page ids
  fs_devptr cache_seqlens;  // [batch] int32 tokens in the cache, new token included
  fs_devptr o;              // [batch, q_heads, head_dim], element type of the kernel
  fs_devptr lse;            // [batch, q_heads] float32 natural-log LSE, or 0 for none
  fs_devptr partial_o;      // workspace float32 [partial_slots, group, head_dim]
  fs_devptr partial_lse;    // workspace float32 [partial_slots, group]
  fs_devptr split_counters; // workspace int32 [batch * kv_heads]: zero before the first
                            // launch; every launch that completes leaves it zero again
  int64_t q_batch_stride, q_head_stride;  // elements
  int64_t o_batch_stride, o_head_stride;
  int64_t k_slot_stride, k_head_stride;
  int64_t v_slot_stride, v_head_stride;
  int32_t num_slots;        // pool rows; a slot outside [0, num_slots) reads as zeros
  int32_t page_table_stride;// int32 entries between rows of page_table
  int32_t max_pages;        // entries of a row that may be read; seqlen is clamped to
                            // max_pages * page_size
  int32_t batch;
  int32_t q_heads;
  int32_t kv_heads;
  int32_t log2_page_size;   // page size P = 1 << log2_page_size
  int32_t window_left;      // < 0: no window; else keys [seqlen-1-window_left, seqlen)
  int32_t min_tiles_per_cta;// cap of the floor of a CTA's range, in 16-token tiles (>= 1); the
                            // kernel takes ~1/16 of the longest request's tiles, >= min(4, cap)
  float softmax_scale;
  float softcap;            // <= 0: none; else logit = softcap * tanh(logit / softcap)
  // The step's new K and V rows, [batch, kv_heads, head_dim] (request b's new token is
  // row b, its last key), or 0 when the pool already holds them. When set, the CTA whose
  // tile holds request b's last key reads that key from here and also writes it into its
  // pool slot: a decode step needs no separate KV-store launch.
  fs_devptr new_k;
  fs_devptr new_v;
  int64_t new_k_batch_stride;  // elements between requests' rows; heads are head_dim apart
  int64_t new_v_batch_stride;
  // Nonzero: the lengths, the page table and the cached K/V rows (all but the new keys) are
  // settled before the kernel ahead of this launch runs, so the cluster schedule fetches its
  // first tiles before the PDL wait (the stream-K schedule ignores it).
  int32_t inputs_settled;
} fs_attention_decode_params;

// Pipeline depth per warp (16-24 KB in flight per warp) and the CTAs per SM the kernel is
// built for (__launch_bounds__ min blocks; shared memory 73 / 106 / 210 KB per CTA). The
// grid of a launch is CTAS_PER_SM x SMs: every CTA resident at once, no tail wave.
#define FS_ATTENTION_DECODE_STAGES(head_dim) ((head_dim) <= 64 ? 4 : 3)
#define FS_ATTENTION_DECODE_CTAS_PER_SM(head_dim) ((head_dim) == 64 ? 3 : (head_dim) == 128 ? 2 : 1)

static inline int32_t fs_attention_decode_stages(int32_t head_dim) {
  return FS_ATTENTION_DECODE_STAGES(head_dim);
}

static inline int32_t fs_attention_decode_grid(int32_t head_dim, int32_t multiprocessors) {
  int32_t grid = FS_ATTENTION_DECODE_CTAS_PER_SM(head_dim) * multiprocessors;
  return grid < FS_ATTENTION_DECODE_MAX_GRID ? grid : FS_ATTENTION_DECODE_MAX_GRID;
}

// Dynamic shared memory of a CTA: per warp a ring of K and V tiles, plus the q tile.
static inline int32_t fs_attention_decode_smem_bytes(int32_t head_dim) {
  int32_t tile = FS_ATTENTION_DECODE_TILE_TOKENS * head_dim * 2;  // bytes of a K or V tile
  int32_t ring = (FS_ATTENTION_DECODE_THREADS / 32) * fs_attention_decode_stages(head_dim) * 2 * tile;
  return ring + tile;
}

// Rows of the partial-result workspace: piece k of pair p is stored at row
// (first CTA of p) + p + k, which never exceeds grid + pairs.
static inline int64_t fs_attention_decode_partial_slots(int32_t grid, int32_t batch, int32_t kv_heads) {
  return (int64_t)grid + (int64_t)batch * kv_heads;
}

#endif
