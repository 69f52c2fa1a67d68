// The producer warpgroup: takes tiles from the scheduler, publishes them to the consumers and
// fills the Q buffer and the two-stage K and V pipelines.
//
// Order per tile (the consumers' order): K[n_max-1], Q, then K[n-1] before V[n] so that the
// next S = Q K^T can start while P V of the previous block runs, and V[n_min] last.
//   TMA kernels: one warp issues everything; its lanes share the boxes of a paged tile (one box
//     of kv_box_rows rows per page piece), each looking up its own page. The paged kernels
//     (`_tmapaged`, spread issue) deal (box, 64-column chunk) pairs over the four warps (pair
//     i to lane i / 4 of warp i % 4), so that a paged tile's issue is spread evenly: at hd 256
//     and P = 16, 5 boxes x 4 chunks give each warp 5 loads.
//   gather kernels: all 128 threads cp.async 16-byte row segments through the page table,
//     writing the 128-byte swizzle by hand, and arrive on the stage barrier when they land.
#pragma once
#include "attention_prefill_sync.cuh"
#include "prefill_schedule.cuh"
#include "prefill_traits.cuh"

namespace fs_prefill {

// Position in a ring of kStages buffers, as the count of buffers used so far: the stage is
// count % kStages and the parity of its barrier phase (count / kStages) % 2.
template <int kStages>
struct PipeState {
  uint32_t count = 0;
  __device__ __forceinline__ int stage() const { return count % kStages; }
  __device__ __forceinline__ uint32_t phase() const { return (count / kStages) & 1; }
  __device__ __forceinline__ void advance() { ++count; }
};

template <class T>
struct Producer {
  using Element = typename T::Element;
  static constexpr int kM = T::kBlockM, kN = T::kBlockN, kD = T::kHeadDim;

  const fs_attention_prefill_params& p;
  SharedStorage<T>& s;
  int const tid;  // 0..127
  PipeState<T::kStages> k_pipe, v_pipe;

  __device__ Producer(const fs_attention_prefill_params& p_, SharedStorage<T>& s_, int tid_)
      : p(p_), s(s_), tid(tid_) {}

  // Row of key j of the request in the K/V row arrays.
  __device__ __forceinline__ int64_t key_row(const WorkTile& t, int j) const {
    if (p.page_table == 0) return reinterpret_cast<const int*>(p.cu_seqlens_k)[t.batch] + j;
    int page = reinterpret_cast<const int*>(p.page_table)[int64_t(t.batch) * p.page_table_stride + j / p.page_size];
    return int64_t(page) * p.page_size + j % p.page_size;
  }

  // TMA kernels: lane i loads box i (kv_box_rows keys, inside one page) of each K/V tile. The
  // row of that box for key block n, or an out-of-range row for a box past seqlen_k (TMA fills
  // it with zeros and still counts its bytes; no page-table entry past the request's pages is
  // read) or a lane without a box.
  // Spread issue: thread tid's (box, chunk) pair, lane-major over the four warps.
  __device__ __forceinline__ int slot() const { return (tid % 32) * 4 + tid / 32; }
  __device__ __forceinline__ int box() const { return T::kSpreadIssue ? slot() / T::kChunks : tid % 32; }
  __device__ __forceinline__ int box_row(const WorkTile& t, const SeqInfo& si, int n) const {
    int const first = box() * p.kv_box_rows;
    int const j0 = n * kN + first;
    return first < kN && j0 < si.seqlen_k ? static_cast<int>(key_row(t, j0)) : (1 << 30);
  }

  template <bool kIsV>
  __device__ __forceinline__ void load_tma(int row, int kvh) {
    PipeState<T::kStages>& pipe = kIsV ? v_pipe : k_pipe;
    int const stage = pipe.stage();
    uint32_t const full = kIsV ? s.v_full(stage) : s.k_full(stage);
    mbar_wait(kIsV ? s.v_empty(stage) : s.k_empty(stage), pipe.phase() ^ 1);
    // One arrival announces the whole tile's bytes; boxes that other warps complete first
    // only take the transaction count below zero until then (the phase needs the arrival).
    if (tid == 0) mbar_arrive_expect_tx(full, T::kTileKVBytes);
    __syncwarp();
    int const first = box() * p.kv_box_rows;
    if (first < kN) {
      uint32_t const dst = s.base + (kIsV ? SharedStorage<T>::kV : SharedStorage<T>::kK) + stage * T::kTileKVBytes +
                           first * 128;
      if constexpr (T::kSpreadIssue) {  // this thread's one chunk of its box
        int const c = slot() % T::kChunks;
        tma_load_3d(dst + c * kN * 128, kIsV ? &p.v_map : &p.k_map, full, c * 64, kvh, row, kEvictLast);
      } else {
#pragma unroll
        for (int c = 0; c < T::kChunks; ++c) {
          tma_load_3d(dst + c * kN * 128, kIsV ? &p.v_map : &p.k_map, full, c * 64, kvh, row, kEvictLast);
        }
      }
    }
    pipe.advance();
  }

  // One K or V tile by cp.async (all 128 threads): thread tid copies 16-byte segment tid % 8
  // of rows tid / 8 + 16 i, for every 64-column chunk.
  template <bool kIsV>
  __device__ __forceinline__ void load_gather(PipeState<T::kStages>& pipe, const WorkTile& t, const SeqInfo& si,
                                              int kvh, int n) {
    int const stage = pipe.stage();
    mbar_wait(kIsV ? s.v_empty(stage) : s.k_empty(stage), pipe.phase() ^ 1);
    int const seg = tid % 8;
    uint32_t const stage_buf = s.base + (kIsV ? SharedStorage<T>::kV : SharedStorage<T>::kK) + stage * T::kTileKVBytes;
    const Element* const base = reinterpret_cast<const Element*>(kIsV ? p.v : p.k);
    int64_t const row_stride = kIsV ? p.v_row_stride : p.k_row_stride;
#pragma unroll 1
    for (int i = 0; i < kN / 16; ++i) {
      int const r = tid / 8 + 16 * i;
      int const j = n * kN + r;
      bool const valid = j < si.seqlen_k;
      const Element* src = valid ? base + key_row(t, j) * row_stride + int64_t(kvh) * kD + seg * 8 : base;
      uint32_t const dst = stage_buf + r * 128 + ((seg ^ (r % 8)) * 16);
#pragma unroll
      for (int c = 0; c < T::kChunks; ++c) cp_async_16(dst + c * kN * 128, src + c * 64, valid);
    }
    cp_async_arrive_noinc(kIsV ? s.v_full(stage) : s.k_full(stage));
    pipe.advance();
  }

  // Warp 0: once the consumers have released the Q buffer, publish tile `t` (or -1) in its
  // slot and start its Q load; the consumers wait on q_full, then read the slot.
  __device__ __forceinline__ void publish(int t, int iter, const WorkTile& tile, const SeqInfo& si) {
    named_sync(kQueryEmpty, T::kMmaThreads + 32);
    if (tid == 0) {
      st_shared(s.tile_slot(iter & 1), t);
      if (t < 0) {
        mbar_arrive(s.q_full());
      } else {
        mbar_arrive_expect_tx(s.q_full(), T::kTileQBytes);
#pragma unroll
        for (int c = 0; c < T::kChunks; ++c) {
          tma_load_3d(s.base + SharedStorage<T>::kQ + c * kM * 128, &p.q_map, s.q_full(), c * 64, tile.head,
                      si.q_start + first_row<kM>(si, tile.m_block), kEvictFirst);
        }
      }
    }
    __syncwarp();
  }

  // The scheduler runs ahead: the next tile is taken from the counter a few key blocks before
  // the current one's loads end, and its plan entry and lengths are read into a 2-slot
  // shared-memory ring, which every loading thread reads when the tile comes up. The three
  // dependent round trips (counter, plan entry, lengths) leave the gap between two tiles, and
  // the scheduler's state leaves the loading warps' registers: that is what lets hd 64's four
  // issuing warps (`_tmapaged`) fit the 32 registers its three consumer warpgroups leave (they
  // spilled 8 bytes with the tile fetched at the loop's top). In time it measured neutral
  // (same-process A/B against fetching at the top, H100, session 10: 0.98-1.03 at 1k-16k).
  // Not at the tile's start: a CTA holding its next tile for a whole tile breaks the
  // heaviest-first greedy (hd 256 causal lost up to 8 % that way).
  // Who stages: with one loading warp, warp 1 of the producer warpgroup (idle otherwise; the
  // loading warp's 24 registers spill with the round trips in flight there), told when by
  // warp 0; with four, thread 0 itself.
  static constexpr int kStageLeadBlocks = 2;  // key blocks still to issue when the next is staged
  // One thread: takes the next tile from the counter and stages it in `slot`; returns it.
  __device__ __forceinline__ int stage_next(int slot) {
    int const t = fetch_tile(p);
    uint32_t const a = s.next_tile(slot);
    st_shared(a, t);
    if (t < 0) return t;
    WorkTile const w = decode_tile(p, t);
    SeqInfo const si = seq_info(p, w.batch);
    st_shared(a + 4, w.batch);
    st_shared(a + 8, w.m_block);
    st_shared(a + 12, w.head);
    st_shared(a + 16, si.q_start);
    st_shared(a + 20, si.seqlen_q);
    st_shared(a + 24, si.seqlen_k);
    return t;
  }
  // The barrier between the stager and the loading threads, once per tile: it orders the
  // staging stores before the reads, and keeps the stager from restaging a slot before all
  // have read it (a ring of two).
  static constexpr uint32_t kStagingThreads = T::kLoadWarps == 4 ? 128 : 64;
  __device__ __forceinline__ int read_next(int slot, WorkTile& w, SeqInfo& si) {
    named_sync(kProducerTile, kStagingThreads);
    uint32_t const a = s.next_tile(slot);
    w = WorkTile{ld_shared(a + 4), ld_shared(a + 8), ld_shared(a + 12)};
    si = SeqInfo{ld_shared(a + 16), ld_shared(a + 20), ld_shared(a + 24)};
    return ld_shared(a);
  }
  // Warp 1 of the one-loading-warp kernels: stages tile iter + 1 when warp 0 says so (near
  // the end of tile iter's loads).
  __device__ __forceinline__ void run_scheduler() {
    for (int iter = 0;; ++iter) {
      if (iter > 0) named_sync(kStageNext, 64);
      int t = 0;
      if (tid % 32 == 0) t = stage_next(iter & 1);
      t = __shfl_sync(0xffffffffu, t, 0);
      named_sync(kProducerTile, kStagingThreads);  // read_next of tile iter
      if (t < 0) break;  // one fetch past the end per CTA (fetch_tile's reset)
    }
  }
  // Where the next tile is staged: by thread 0, or warp 0 tells warp 1.
  __device__ __forceinline__ void stage_ahead(int iter) {
    if constexpr (T::kLoadWarps == 4) {
      if (tid == 0) stage_next((iter + 1) & 1);
    } else {
      named_arrive(kStageNext, 64);
    }
  }

  // One tile's loads, staging the next tile kStageLeadBlocks blocks before the end (after the
  // last load when the tile has one block). TMA: the page-table lookups for block n - 1 are
  // issued before the loads of block n, so their latency hides behind the waits for free
  // stages.
  __device__ __forceinline__ void load_tile(int t, int iter, const WorkTile& tile, const SeqInfo& si) {
    BlockRange const r = block_range<kM, kN>(p, si, tile.m_block);
    int const kvh = tile.head / (p.q_heads / p.kv_heads);
    int const n_last = r.n_max - 1;
    // The loop's n when the next tile is staged: kStageLeadBlocks before the last, or its first.
    int const stage_at = min(n_last - 1, r.n_min + kStageLeadBlocks);
    if constexpr (T::kGather) {
      if (n_last >= r.n_min) load_gather<false>(k_pipe, tile, si, kvh, n_last);
      if (tid < 32) publish(t, iter, tile, si);
      for (int n = n_last - 1; n >= r.n_min; --n) {
        load_gather<false>(k_pipe, tile, si, kvh, n);
        load_gather<true>(v_pipe, tile, si, kvh, n + 1);
        if (n == stage_at) stage_ahead(iter);
      }
      if (n_last >= r.n_min) load_gather<true>(v_pipe, tile, si, kvh, r.n_min);
    } else {
      int row_v = n_last >= r.n_min ? box_row(tile, si, n_last) : 0;
      if (n_last >= r.n_min) load_tma<false>(row_v, kvh);
      if (tid < 32) publish(t, iter, tile, si);
      int row_next = n_last - 1 >= r.n_min ? box_row(tile, si, n_last - 1) : 0;
      for (int n = n_last - 1; n >= r.n_min; --n) {
        int const row_k = row_next;
        if (n - 1 >= r.n_min) row_next = box_row(tile, si, n - 1);
        load_tma<false>(row_k, kvh);
        load_tma<true>(row_v, kvh);
        row_v = row_k;
        if (n == stage_at) stage_ahead(iter);
      }
      if (n_last >= r.n_min) load_tma<true>(row_v, kvh);
    }
    if (n_last - 1 < r.n_min) stage_ahead(iter);  // one key block or none: the loop never ran
  }

  __device__ __forceinline__ void run() {
    if (T::kLoadWarps == 4 && tid == 0) stage_next(0);
    for (int iter = 0;; ++iter) {
      WorkTile tile;
      SeqInfo si;
      int const t = read_next(iter & 1, tile, si);
      if (t < 0) {
        if (tid < 32) publish(-1, iter, WorkTile{}, SeqInfo{});
        break;
      }
      load_tile(t, iter, tile, si);  // stages tile iter + 1 on the way
    }
    if constexpr (T::kGather) asm volatile("cp.async.wait_all;" ::: "memory");
  }
};

}  // namespace fs_prefill
