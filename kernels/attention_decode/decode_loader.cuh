// One warp's gather side for one segment: which tiles it owns, where their K/V rows live,
// and the cp.async ring they land in. Kept apart from the math (decode_mainloop.cuh) so a
// CTA can start the next segment's loads while it still merges the current one.
//
// Ring layout per warp: kStages stages of [K tile | V tile]. Tile i of a segment lands in
// stage (i + 1) % kStages, so stage 0 is free at every segment boundary: it is the warp's
// merge scratch while stages 1.. already receive the next segment's first tiles.
#pragma once
#include "attention_decode_ptx.cuh"
#include "decode_schedule.cuh"

namespace fs_decode {

template <typename T, typename Cfg>
struct SegmentLoads {
  static constexpr int kS = Cfg::kStages;

  const T* k_base;  // pool + head offset
  const T* v_base;
  long long k_stride, v_stride;
  const int* pt_row;
  int log2_page, num_slots;
  RequestSpan span;
  uint32_t ring;       // shared address of this warp's ring
  uint64_t l2_policy;  // evict_first for the streamed K/V (LoadHint 2)
  int lane, tile_first, count;  // this warp's tiles: tile_first + i * kWarps, i < count
  int slot_next;       // slots of tile kS - 1, fetched by the prologue

  __device__ __forceinline__ void init(const fs_attention_decode_params& p, const Segment& seg, unsigned char* smem) {
    lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    k_base = reinterpret_cast<const T*>(p.k_pool) + seg.h * p.k_head_stride;
    v_base = reinterpret_cast<const T*>(p.v_pool) + seg.h * p.v_head_stride;
    k_stride = p.k_slot_stride;
    v_stride = p.v_slot_stride;
    pt_row = reinterpret_cast<const int*>(p.page_table) + static_cast<long long>(seg.b) * p.page_table_stride;
    log2_page = p.log2_page_size;
    num_slots = p.num_slots;
    span = seg.span;
    ring = smem_addr(smem) + warp * kS * Cfg::kStageBytes;
    l2_policy = Cfg::kLoadHint == 2 ? l2_evict_first_policy() : 0;
    int n = seg.tile_hi - seg.tile_lo - warp;
    count = n > 0 ? (n + Cfg::kWarps - 1) / Cfg::kWarps : 0;
    tile_first = span.tile_begin + seg.tile_lo + warp;
  }

  __device__ __forceinline__ int tile_at(int i) const { return tile_first + i * Cfg::kWarps; }
  __device__ __forceinline__ static int stage_of(int i) { return (i + 1) % kS; }
  __device__ __forceinline__ uint32_t k_stage(int stage) const { return ring + stage * Cfg::kStageBytes; }

  // Lanes 0..15 return the pool slot of token row `lane` of the tile, -1 when masked.
  __device__ __forceinline__ int fetch_slot(int tile) const {
    int t = tile * Cfg::kTile + (lane & 15);
    int slot = -1;
    if (t >= span.start && t < span.seqlen) {
      int page = __ldg(pt_row + (t >> log2_page));
      long long s = (static_cast<long long>(page) << log2_page) + (t & ((1 << log2_page) - 1));
      if (page >= 0 && s < num_slots) slot = static_cast<int>(s);
    }
    return slot;
  }

  // Gathers the tile's 16 K rows and 16 V rows into `stage` (masked rows zero-filled).
  __device__ __forceinline__ void issue_tile(int stage, int row_slot) const {
    uint32_t k_dst = k_stage(stage);
    uint32_t v_dst = k_dst + Cfg::kTileBytes;
    int chunk = lane % Cfg::kChunks;
#pragma unroll
    for (int pass = 0; pass < Cfg::kPasses; ++pass) {
      int row = lane / Cfg::kChunks + pass * Cfg::kRowsPerPass;
      int slot = __shfl_sync(0xffffffffu, row_slot, row);
      bool ok = slot >= 0;
      long long s = ok ? slot : 0;
      uint32_t off = swizzled<Cfg::kChunks>(row, chunk);
      cp_async_16_hint<Cfg::kLoadHint>(k_dst + off, k_base + s * k_stride + chunk * 8, ok, l2_policy);
      cp_async_16_hint<Cfg::kLoadHint>(v_dst + off, v_base + s * v_stride + chunk * 8, ok, l2_policy);
    }
  }

  // Issues tiles 0 .. kS-2 (one commit group each, empty groups keep the count) and reads
  // the page-table entries of tile kS-1 ahead of the main loop.
  __device__ __forceinline__ void prologue() {
    int slots[kS - 1];
#pragma unroll
    for (int s = 0; s < kS - 1; ++s) slots[s] = s < count ? fetch_slot(tile_at(s)) : -1;
#pragma unroll
    for (int s = 0; s < kS - 1; ++s) {
      if (s < count) issue_tile(stage_of(s), slots[s]);
      cp_async_commit();
    }
    slot_next = kS - 1 < count ? fetch_slot(tile_at(kS - 1)) : -1;
  }
};

}  // namespace fs_decode
