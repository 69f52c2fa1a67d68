// One warp's gather side for one segment: which tiles it owns, where their K/V rows live,
// and the cp.async ring they land in. Kept apart from the math (decode_mainloop.cuh) so a
// CTA can start the next segment's loads while it still merges the current one.
//
// Ring layout per warp: kStages stages of [K tile | V tile]. Tile i of a segment lands in
// stage (i + 1) % kStages, so stage 0 is free at every segment boundary: it is the warp's
// merge scratch while stages 1.. already receive the next segment's first tiles.
//
// New-token rows (decode steps, params new_k/new_v set): the request's last key is not in
// the pool yet. The lane that gathers a chunk of that row copies it from the step's new
// rows instead, and also writes it to the row's pool slot, which the page table names as
// for any other key: the KV store happens here, in the one CTA that owns the last tile.
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
  int new_key;         // the key read from new_k/new_v (seqlen - 1), or -1
  int new_b, new_h;    // the segment's (request, kv head)
  // A chunk of the new key met by a tile issued before the PDL wait, when new_k/new_v are not
  // written yet: this lane copies it into the ring (and the pool) after the wait.
  int deferred_slot;   // its pool row, or -1
  int deferred_chunk;
  uint32_t deferred_k; // its K chunk's shared address (V's is kTileBytes on)
  const fs_attention_decode_params* params;

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
    params = &p;
    // The step's new key is the request's last one, unless its length was clamped to what the
    // page table can address (inconsistent metadata): then no key is taken for the new one,
    // so no pool row is overwritten.
    const bool whole = __ldg(reinterpret_cast<const int*>(p.cache_seqlens) + seg.b) == span.seqlen;
    new_key = Cfg::kNewKeys && p.new_k != 0 && whole ? span.seqlen - 1 : -1;
    new_b = seg.b;
    new_h = seg.h;
    deferred_slot = -1;
  }

  // Slot encoding of fetch_slot: >= 0 a pool row, -1 masked, <= -2 the new key whose pool
  // row is -2 - code.
  __device__ __forceinline__ static int new_key_code(int slot) { return -2 - slot; }

  __device__ __forceinline__ int tile_at(int i) const { return tile_first + i * Cfg::kWarps; }
  __device__ __forceinline__ static int stage_of(int i) { return (i + 1) % kS; }
  __device__ __forceinline__ uint32_t k_stage(int stage) const { return ring + stage * Cfg::kStageBytes; }

  // Lanes 0..15 return the pool slot of token row `lane` of the tile, -1 when masked,
  // new_key_code(slot) for the new key.
  __device__ __forceinline__ int fetch_slot(int tile) const {
    int t = tile * Cfg::kTile + (lane & 15);
    int slot = -1;
    if (t >= span.start && t < span.seqlen) {
      int page = __ldg(pt_row + (t >> log2_page));
      long long s = (static_cast<long long>(page) << log2_page) + (t & ((1 << log2_page) - 1));
      if (page >= 0 && s < num_slots) slot = t == new_key ? new_key_code(static_cast<int>(s)) : static_cast<int>(s);
    }
    return slot;
  }

  // The new key's rows of this (request, kv head) in new_k / new_v.
  __device__ __forceinline__ const T* new_key_row(fs_devptr rows, int64_t batch_stride) const {
    return reinterpret_cast<const T*>(rows) + new_b * batch_stride + new_h * Cfg::kHeadDim;
  }

  // Writes chunk `chunk` of the new key's K and V rows into pool row `slot`: the KV store.
  // After the tile's loads are issued, so the read's latency does not delay them.
  __device__ __forceinline__ void store_new_key_chunk(int slot, int chunk) const {
    const uint4 k = *reinterpret_cast<const uint4*>(new_key_row(params->new_k, params->new_k_batch_stride) + chunk * 8);
    const uint4 v = *reinterpret_cast<const uint4*>(new_key_row(params->new_v, params->new_v_batch_stride) + chunk * 8);
    *reinterpret_cast<uint4*>(const_cast<T*>(k_base + static_cast<long long>(slot) * k_stride + chunk * 8)) = k;
    *reinterpret_cast<uint4*>(const_cast<T*>(v_base + static_cast<long long>(slot) * v_stride + chunk * 8)) = v;
  }

  // Gathers the tile's 16 K rows and 16 V rows into `stage` (masked rows zero-filled).
  // kDefer (before the PDL wait): the new key's chunk is only noted, for finish_deferred.
  template <bool kDefer = false>
  __device__ __forceinline__ void issue_tile(int stage, int row_slot) {
    uint32_t k_dst = k_stage(stage);
    uint32_t v_dst = k_dst + Cfg::kTileBytes;
    int chunk = lane % Cfg::kChunks;
    int new_slot = -1;  // this lane's chunk of the new key goes to this pool row
#pragma unroll
    for (int pass = 0; pass < Cfg::kPasses; ++pass) {
      int row = lane / Cfg::kChunks + pass * Cfg::kRowsPerPass;
      int slot = __shfl_sync(0xffffffffu, row_slot, row);
      uint32_t off = swizzled<Cfg::kChunks>(row, chunk);
      if (Cfg::kNewKeys && slot <= -2) {  // the new key: from the step's rows, stored to its slot below
        new_slot = new_key_code(slot);
        if (kDefer) {
          deferred_slot = new_slot;
          deferred_chunk = chunk;
          deferred_k = k_dst + off;
          continue;
        }
        cp_async_16(k_dst + off, new_key_row(params->new_k, params->new_k_batch_stride) + chunk * 8, true);
        cp_async_16(v_dst + off, new_key_row(params->new_v, params->new_v_batch_stride) + chunk * 8, true);
        continue;
      }
      bool ok = slot >= 0;
      long long s = ok ? slot : 0;
      cp_async_16_hint<Cfg::kLoadHint>(k_dst + off, k_base + s * k_stride + chunk * 8, ok, l2_policy);
      cp_async_16_hint<Cfg::kLoadHint>(v_dst + off, v_base + s * v_stride + chunk * 8, ok, l2_policy);
    }
    if (!kDefer && Cfg::kNewKeys && new_slot >= 0) store_new_key_chunk(new_slot, chunk);
  }

  // After the PDL wait: the deferred chunk of the new key into its ring stage (a plain
  // shared store, visible to the warp after the caller's barrier) and into its pool row.
  __device__ __forceinline__ void finish_deferred() const {
    if (!Cfg::kNewKeys || deferred_slot < 0) return;
    const uint4 k = *reinterpret_cast<const uint4*>(new_key_row(params->new_k, params->new_k_batch_stride) + deferred_chunk * 8);
    const uint4 v = *reinterpret_cast<const uint4*>(new_key_row(params->new_v, params->new_v_batch_stride) + deferred_chunk * 8);
    st_shared_16(deferred_k, k);
    st_shared_16(deferred_k + Cfg::kTileBytes, v);
    *reinterpret_cast<uint4*>(const_cast<T*>(k_base + static_cast<long long>(deferred_slot) * k_stride + deferred_chunk * 8)) = k;
    *reinterpret_cast<uint4*>(const_cast<T*>(v_base + static_cast<long long>(deferred_slot) * v_stride + deferred_chunk * 8)) = v;
  }

  // Issues tiles 0 .. kS-2 (one commit group each, empty groups keep the count) and reads
  // the page-table entries of tile kS-1 ahead of the main loop; kDefer as for issue_tile.
  template <bool kDefer = false>
  __device__ __forceinline__ void prologue() {
    int slots[kS - 1];
#pragma unroll
    for (int s = 0; s < kS - 1; ++s) slots[s] = s < count ? fetch_slot(tile_at(s)) : -1;
#pragma unroll
    for (int s = 0; s < kS - 1; ++s) {
      if (s < count) issue_tile<kDefer>(stage_of(s), slots[s]);
      cp_async_commit();
    }
    slot_next = kS - 1 < count ? fetch_slot(tile_at(kS - 1)) : -1;
  }
};

// Starts a segment's loads: its q rows (zero rows pad the mma M dimension to 16) as one
// commit group, then every warp's K/V prologue.
template <typename T, typename Cfg>
__device__ __forceinline__ void issue_q(const fs_attention_decode_params& p, const Segment& seg, unsigned char* smem) {
  const int group = p.q_heads / p.kv_heads;
  const T* q = reinterpret_cast<const T*>(p.q) + seg.b * p.q_batch_stride;
  const uint32_t q_tile = smem_addr(smem) + Cfg::kRingBytes;
  for (int i = threadIdx.x; i < 16 * Cfg::kChunks; i += Cfg::kThreads) {
    int row = i / Cfg::kChunks, chunk = i % Cfg::kChunks;
    bool ok = row < group;
    const T* src = ok ? q + (seg.h * group + row) * p.q_head_stride + chunk * 8 : q;
    cp_async_16(q_tile + swizzled<Cfg::kChunks>(row, chunk), src, ok);
  }
  cp_async_commit();
}

template <typename T, typename Cfg>
__device__ __forceinline__ void start_loads(const fs_attention_decode_params& p, const Segment& seg,
                                            unsigned char* smem, SegmentLoads<T, Cfg>& ld) {
  issue_q<T, Cfg>(p, seg, smem);
  ld.init(p, seg, smem);
  ld.prologue();
}

// The same loads split around the PDL wait, for a launch whose lengths, page table and
// cached K/V rows no running kernel writes (params.inputs_settled, from the launcher's
// AttentionDecodeLaunchOrder): before the wait, the whole prologue (each warp's tiles
// 0 .. kS-2, the new key's chunk noted, not read, and tile kS-1's page-table entries); after
// it, q and the new key. A warp with two tiles (a 1k request's 69 tiles over 16 ranks give
// some warps two) then reads no page table after the wait. Commit groups: tiles 0 .. kS-2,
// then q; the caller waits for all of them, and the main loop's waits still find tile i among
// the groups they complete.
template <typename T, typename Cfg>
__device__ __forceinline__ void start_loads_before_wait(const fs_attention_decode_params& p, const Segment& seg,
                                                        unsigned char* smem, SegmentLoads<T, Cfg>& ld) {
  ld.init(p, seg, smem);
  ld.template prologue<true>();
}

template <typename T, typename Cfg>
__device__ __forceinline__ void start_loads_after_wait(const fs_attention_decode_params& p, const Segment& seg,
                                                       unsigned char* smem, SegmentLoads<T, Cfg>& ld) {
  issue_q<T, Cfg>(p, seg, smem);
  ld.finish_deferred();
}

}  // namespace fs_decode
