// Stream-K schedule of the decode kernel. Work is counted in 16-token tiles; the pairs
// (request b, kv head h) are laid end to end, b-major, each pair taking the tiles of its
// request's attended key range. CTA c takes the flat range [c * chunk, (c+1) * chunk),
// chunk = max(min_tiles, ceil(total / grid)), so every CTA gets the same amount of work
// whatever the lengths are: the grid stays fixed (CUDA graphs), and one long request among
// short ones is spread over every SM instead of bounding the step.
// A pair cut into pieces by CTA boundaries is merged by log-sum-exp (decode_epilogue.cuh);
// piece k of pair p writes partial row (first CTA of p) + p + k, rows < grid + pairs.
#pragma once
#include "decode_config.cuh"

namespace fs_decode {

// One request's attended keys [start, seqlen), widened to whole tiles.
struct RequestSpan {
  int seqlen;      // cache length, clamped to what the page table row can address
  int start;       // first attended key (sliding window), 0 without window
  int tile_begin;  // first tile, start / 16
  int num_tiles;   // >= 1: an empty request keeps one fully masked tile so that its
                   // output (zeros, lse = -inf) is still written by someone
};

__device__ __forceinline__ RequestSpan request_span(const fs_attention_decode_params& p, int b) {
  const int* seqlens = reinterpret_cast<const int*>(p.cache_seqlens);
  long long addressable = static_cast<long long>(p.max_pages) << p.log2_page_size;
  long long len = min(static_cast<long long>(max(__ldg(seqlens + b), 0)), addressable);
  RequestSpan s;
  s.seqlen = static_cast<int>(len);
  s.start = p.window_left >= 0 ? max(0, s.seqlen - 1 - p.window_left) : 0;
  s.tile_begin = s.start / FS_ATTENTION_DECODE_TILE_TOKENS;
  int tile_end = (s.seqlen + FS_ATTENTION_DECODE_TILE_TOKENS - 1) / FS_ATTENTION_DECODE_TILE_TOKENS;
  s.num_tiles = max(tile_end - s.tile_begin, 1);
  return s;
}

// What the schedule's sizing reads from the lengths, besides the prefix sums.
struct TileCounts {
  int most;       // the most tiles any request has
  int sized;      // requests up to the last one of two or more tiles: trailing one-tile
                  // requests (CUDA-graph padding rows have one key) do not size the chunk
};

// Block-wide: s_prefix[b] = tiles of requests before b, s_prefix[batch] = total; returns the
// TileCounts to every thread. Each of the 128 threads owns 8 consecutive requests
// (batch <= 1024). s_warp_ints holds 3 ints per warp.
__device__ __forceinline__ TileCounts build_tile_prefix(const fs_attention_decode_params& p, int* s_prefix,
                                                        int* s_warp_ints) {
  constexpr int kPerThread = FS_ATTENTION_DECODE_MAX_BATCH / FS_ATTENTION_DECODE_THREADS;
  constexpr int kWarpCount = FS_ATTENTION_DECODE_THREADS / 32;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  int tiles[kPerThread];
  int sum = 0, most = 0, sized = 0;
#pragma unroll
  for (int j = 0; j < kPerThread; ++j) {
    int b = tid * kPerThread + j;
    tiles[j] = b < p.batch ? request_span(p, b).num_tiles : 0;
    sum += tiles[j];
    most = max(most, tiles[j]);
    if (tiles[j] >= 2) sized = b + 1;
  }
  most = __reduce_max_sync(0xffffffffu, most);
  sized = __reduce_max_sync(0xffffffffu, sized);
  if (lane == 0) {
    s_warp_ints[kWarpCount + warp] = most;
    s_warp_ints[2 * kWarpCount + warp] = sized;
  }
  int inclusive = sum;  // warp inclusive scan of the per-thread sums
#pragma unroll
  for (int d = 1; d < 32; d <<= 1) {
    int up = __shfl_up_sync(0xffffffffu, inclusive, d);
    if (lane >= d) inclusive += up;
  }
  if (lane == 31) s_warp_ints[warp] = inclusive;
  __syncthreads();
  int base = inclusive - sum;
  for (int w = 0; w < warp; ++w) base += s_warp_ints[w];
#pragma unroll
  for (int j = 0; j < kPerThread; ++j) {
    int b = tid * kPerThread + j;
    if (b < p.batch) s_prefix[b] = base;
    base += tiles[j];
  }
  if (tid == FS_ATTENTION_DECODE_THREADS - 1) s_prefix[p.batch] = base;  // the total
  TileCounts counts{0, 0};
#pragma unroll
  for (int w = 0; w < kWarpCount; ++w) {
    counts.most = max(counts.most, s_warp_ints[kWarpCount + w]);
    counts.sized = max(counts.sized, s_warp_ints[2 * kWarpCount + w]);
  }
  return counts;
}

// A CTA's least share, in tiles: about a sixteenth of the longest request's tiles, between
// min(4, cap) and cap (the launcher's min_tiles_per_cta). Measured on the H100 (bench/RESULTS.md
// session 8), batch 1, Llama-3-8B heads: the kernel alone is fastest at floor 4 for 32 tiles
// (512 keys), 8 for 64-128, 16 from 256 (4k keys); inside a step floor 4 at 1k and 16 at 4k.
// Every CTA computes it from the same lengths, so the chunk is the grid's.
// The divisor is a knob for kernel-only timing variants (scripts/gpu/pack-kernel-variants.sh):
// at 1k keys, 16 gives floor 4 and 17 pieces a pair, whose merge is the kernel's last 4-6 µs
// in a step (session 9 trace); 8 gives floor 8 and 9 pieces.
#ifndef FS_DECODE_FLOOR_DIVISOR
#define FS_DECODE_FLOOR_DIVISOR 16
#endif
__device__ __forceinline__ int cta_floor(int cap, int most_tiles) {
  cap = max(cap, 1);
  return min(cap, max(min(4, cap), most_tiles / FS_DECODE_FLOOR_DIVISOR));
}

// Largest b with s_prefix[b] * kv_heads <= pos (prefix strictly increases: every request
// has at least one tile).
__device__ __forceinline__ int find_request(const int* s_prefix, int batch, int kv_heads, long long pos) {
  int lo = 0, hi = batch - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) >> 1;
    if (static_cast<long long>(s_prefix[mid]) * kv_heads <= pos) lo = mid; else hi = mid - 1;
  }
  return lo;
}

// The piece of one pair that this CTA computes.
struct Segment {
  int b, h, pair;
  RequestSpan span;
  int tile_lo, tile_hi;  // relative to span.tile_begin, within [0, span.num_tiles)
  int pieces;            // CTAs sharing the pair; 1 means this CTA owns it whole
  int first_partial;     // partial-workspace row of piece 0
  int my_partial;        // this piece's row
};

__device__ __forceinline__ Segment segment_at(const fs_attention_decode_params& p, const int* s_prefix,
                                              long long pos, long long range_end, long long chunk) {
  Segment s;
  s.b = find_request(s_prefix, p.batch, p.kv_heads, pos);
  s.span = request_span(p, s.b);
  long long request_off = static_cast<long long>(s_prefix[s.b]) * p.kv_heads;
  s.h = static_cast<int>((pos - request_off) / s.span.num_tiles);
  s.pair = s.b * p.kv_heads + s.h;
  long long pair_off = request_off + static_cast<long long>(s.h) * s.span.num_tiles;
  s.tile_lo = static_cast<int>(pos - pair_off);
  s.tile_hi = static_cast<int>(min(static_cast<long long>(s.span.num_tiles), range_end - pair_off));
  int first_cta = static_cast<int>(pair_off / chunk);
  int last_cta = static_cast<int>((pair_off + s.span.num_tiles - 1) / chunk);
  s.pieces = last_cta - first_cta + 1;
  s.first_partial = first_cta + s.pair;
  s.my_partial = static_cast<int>(pos / chunk) + s.pair;  // the chunk's index (its CTA's, below the grid)
  return s;
}

}  // namespace fs_decode
