// Which work a CTA does: the persistent tile scheduler and the per-tile key-block range.
//
// A tile is (request, m_block, q head). The host plan lists (request, m_block, head section)
// entries: within a section of heads, heaviest first (most key blocks to visit); tile t is entry
// t / heads_per_section and a head of its section. So the tiles running at once read the K/V of
// one section's heads only, which the host sizes to stay in L2 (every K/V block is then read from
// DRAM about once, not once per m-block), and the q heads of a GQA group run side by side.
// CTAs take tiles from a global counter (atomicAdd): the longest tiles of a section start
// first and the short ones fill the gaps (greedy LPT). The last CTA to find the counter
// exhausted resets it to zero for the next launch: no host-side clearing between launches.
#pragma once
#include "attention_prefill_params.h"

namespace fs_prefill {

struct WorkTile {
  int batch, m_block, head;
};

struct SeqInfo {
  int q_start;   // first row of the request in Q / O / LSE
  int seqlen_q;  // new tokens
  int seqlen_k;  // keys: cached prefix + new tokens
};

// Key blocks a tile visits, in descending order, and which of them need element masks:
// n in [n_right, n_max) cross the right (causal / window_right / seqlen_k) edge, n in
// [n_min, n_left) cross the left window edge; the block n_max - 1 is always masked.
struct BlockRange {
  int n_min, n_max, n_right, n_left;
};

__device__ __forceinline__ int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
__device__ __forceinline__ int ceil_div_i(int a, int b) { return -floor_div(-a, b); }

__device__ __forceinline__ int total_tiles(const fs_attention_prefill_params& p) {
  return p.num_plan_entries * p.heads_per_section;
}

// Taken by one thread; returns the tile index, or -1 when the work is done.
__device__ __forceinline__ int fetch_tile(const fs_attention_prefill_params& p) {
  unsigned* counter = reinterpret_cast<unsigned*>(p.tile_counter);
  unsigned total = static_cast<unsigned>(total_tiles(p));
  unsigned t = atomicAdd(counter, 1u);
  if (t < total) return static_cast<int>(t);
  // Every CTA ends with exactly one fetch past the end: the last of those resets the counter.
  if (t == total + gridDim.x - 1) atomicExch(counter, 0u);
  return -1;
}

__device__ __forceinline__ WorkTile decode_tile(const fs_attention_prefill_params& p, int t) {
  int const per = p.heads_per_section;
  int const entry = t / per;
  int2 const e = reinterpret_cast<const int2*>(p.tile_plan)[entry];
  return WorkTile{e.x & 0xffff, e.y, (e.x >> 16) * per + (t - entry * per)};
}

__device__ __forceinline__ SeqInfo seq_info(const fs_attention_prefill_params& p, int b) {
  const int* cu_q = reinterpret_cast<const int*>(p.cu_seqlens_q);
  int q0 = cu_q[b];
  return SeqInfo{q0, cu_q[b + 1] - q0, reinterpret_cast<const int*>(p.seqlens_k)[b]};
}

// First row of an m-block, within the request. The blocks end at the request's last row, so
// when seqlen_q is not a multiple of kBlockM the partial block is m_block 0, whose rows start
// below zero: under bottom-right causal masking its real rows see the fewest keys, so the rows
// that exist only to fill the tile (never stored) cost one key block instead of all of them.
// (Cut from the top, hd 64's 192-row tiles at 1k queries spent a third of their causal work on
// a last block of 64 real rows that visits every key block.)
template <int kBlockM>
__device__ __forceinline__ int first_row(const SeqInfo& s, int m_block) {
  return m_block * kBlockM - (kBlockM - s.seqlen_q % kBlockM) % kBlockM;
}

template <int kBlockM, int kBlockN>
__device__ __forceinline__ BlockRange block_range(const fs_attention_prefill_params& p,
                                                  const SeqInfo& s, int m_block) {
  int const delta = s.seqlen_k - s.seqlen_q;  // query i sits at key position i + delta
  // The real rows only: the partial block's rows below zero are never stored, so they need no
  // keys of their own (without the clamp a left window would visit one more block for them).
  // Their scores are garbage or fully masked (the kCheckInf softmax), never NaN in real rows.
  int const first = first_row<kBlockM>(s, m_block);
  int const row_lo = max(first, 0);
  int const row_hi = first + kBlockM;  // exclusive, <= seqlen_q
  BlockRange r;
  r.n_max = ceil_div_i(s.seqlen_k, kBlockN);
  r.n_min = 0;
  if (p.window_right >= 0) {
    // The last row sees keys up to row_hi - 1 + delta + window_right.
    r.n_max = min(r.n_max, max(0, ceil_div_i(row_hi + delta + p.window_right, kBlockN)));
  }
  if (p.window_left >= 0) {
    // The first row sees keys from row_lo + delta - window_left.
    r.n_min = max(0, floor_div(row_lo + delta - p.window_left, kBlockN));
  }
  // Block n is whole for every row on the right when (n + 1) * kBlockN - 1 <= first row's limit.
  r.n_right = p.window_right >= 0
                  ? floor_div(row_lo + delta + p.window_right + 1, kBlockN)
                  : r.n_max;
  // ... and on the left when n * kBlockN >= the last row's first key.
  r.n_left = p.window_left >= 0 ? ceil_div_i(row_hi - 1 + delta - p.window_left, kBlockN) : r.n_min;
  r.n_right = max(r.n_min, min(r.n_right, r.n_max));
  r.n_left = max(r.n_min, min(r.n_left, r.n_max));
  return r;
}

}  // namespace fs_prefill
