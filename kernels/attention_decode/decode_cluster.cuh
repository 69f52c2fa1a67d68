// The cluster schedule of the decode kernel, for small batches (Hopper thread block clusters):
// one cluster of C CTAs per (request, kv head) pair, rank r taking tiles
// [r * n / C, (r + 1) * n / C) of the pair's n tiles. The pieces are merged through
// distributed shared memory: each CTA leaves its normalized piece (O rows, log2-sum-exp) in
// its own shared memory, the cluster meets at a barrier, and each rank merges a slice of the
// pair's output elements by reading all C pieces straight from the other CTAs' shared
// memory. That replaces the stream-K path's partial write, fence, split counter and the last
// CTA's L2 round trips (4-6 us of a 1k request's step at batch 1, README) with two cluster
// barriers and one DSMEM round trip.
//
// The split depends on the pair's length only (not on the batch), so a batch and the same
// batch padded to its CUDA-graph bucket compute every real pair the same way: the same bits.
#pragma once
#include "decode_epilogue.cuh"
#include "fs_pdl.cuh"

namespace fs_decode {

__device__ __forceinline__ int cluster_rank() {
  uint32_t r;
  asm volatile("mov.u32 %0, %%cluster_ctarank;\n" : "=r"(r));
  return static_cast<int>(r);
}

__device__ __forceinline__ int cluster_size() {
  uint32_t n;
  asm volatile("mov.u32 %0, %%cluster_nctarank;\n" : "=r"(n));
  return static_cast<int>(n);
}

// Every thread of every CTA of the cluster arrives; shared-memory writes before it are
// visible to the whole cluster after it (release / acquire).
__device__ __forceinline__ void cluster_sync() {
  asm volatile("barrier.cluster.arrive.release.aligned;\n" ::: "memory");
  asm volatile("barrier.cluster.wait.acquire.aligned;\n" ::: "memory");
}

// The shared-memory address `addr` (this CTA's window) in CTA `rank` of the cluster.
__device__ __forceinline__ uint32_t cluster_map(uint32_t addr, int rank) {
  uint32_t remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;\n" : "=r"(remote) : "r"(addr), "r"(rank));
  return remote;
}

__device__ __forceinline__ float4 cluster_load_float4(uint32_t addr) {
  float4 v;
  asm volatile("ld.shared::cluster.v4.f32 {%0, %1, %2, %3}, [%4];\n"
               : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w)
               : "r"(addr)
               : "memory");
  return v;
}

__device__ __forceinline__ float cluster_load_float(uint32_t addr) {
  float v;
  asm volatile("ld.shared::cluster.f32 %0, [%1];\n" : "=f"(v) : "r"(addr) : "memory");
  return v;
}

// The pair's piece computed by this CTA.
__device__ __forceinline__ Segment cluster_segment(const fs_attention_decode_params& p, int pair, int rank,
                                                   int ranks) {
  Segment s;
  s.b = pair / p.kv_heads;
  s.h = pair - s.b * p.kv_heads;
  s.pair = pair;
  s.span = request_span(p, s.b);
  const int n = s.span.num_tiles;
  s.tile_lo = static_cast<int>(static_cast<long long>(rank) * n / ranks);
  s.tile_hi = static_cast<int>(static_cast<long long>(rank + 1) * n / ranks);
  s.pieces = ranks;
  s.first_partial = s.my_partial = -1;  // no global partials
  return s;
}

// Rank `rank`'s slice of the pair's output: items (row of the group, 4 dims) [rank * per,
// (rank + 1) * per). Each thread merges one item over every piece in one pass of independent
// DSMEM loads (PieceMerge, as the stream-K merge). (Session 19 measured the other way round,
// each rank pushing its items into the owner's shared memory with st.async and no final
// cluster barrier: slower, see README.)
template <typename T, typename Cfg>
__device__ __forceinline__ void merge_cluster_pieces(const fs_attention_decode_params& p, const Segment& seg,
                                                     uint32_t piece_o, uint32_t piece_lse, int rank, int ranks) {
  constexpr int D = Cfg::kHeadDim;
  constexpr int kMaxRanks = FS_ATTENTION_DECODE_MAX_CLUSTER;
  const int group = p.q_heads / p.kv_heads;
  const int items = group * (D / 4);
  const int per = (items + ranks - 1) / ranks;
  const int hi = min(items, (rank + 1) * per);
  for (int item = rank * per + static_cast<int>(threadIdx.x); item < hi; item += Cfg::kThreads) {
    const int row = item / (D / 4), d = (item - row * (D / 4)) * 4;
    float lse[kMaxRanks];
    float4 x[kMaxRanks];
#pragma unroll
    for (int k = 0; k < kMaxRanks; ++k) {
      const bool ok = k < ranks;
      lse[k] = ok ? cluster_load_float(cluster_map(piece_lse + row * 4, k)) : -CUDART_INF_F;
      x[k] = ok ? cluster_load_float4(cluster_map(piece_o + (row * D + d) * 4, k)) : make_float4(0.f, 0.f, 0.f, 0.f);
    }
    PieceMerge merge;  // one batch: every rank's piece
    merge.add(lse, x);
    const float lse2 = merge.finish();
    write_output<T>(p, seg, group, row, d, merge.acc, lse2);
  }
}

// One CTA of a pair's cluster: its piece, the 4-warp merge into this CTA's piece buffer,
// then the cluster-wide merge. Every CTA runs every barrier, including ranks with no tiles
// (a request shorter than C tiles), whose piece is empty (lse -inf, weight 0). The entry
// point lets the next kernel launch (PDL trigger) and leaves the wait to this function: first
// thing, or, when the inputs are settled, after its prologue's loads are issued.
template <typename T, typename Cfg>
__device__ __forceinline__ void attention_decode_cluster(const fs_attention_decode_params& p) {
  extern __shared__ __align__(128) unsigned char smem[];
  __shared__ float s_ml[FS_ATTENTION_DECODE_THREADS / 32 * 16 * 2];
  __shared__ __align__(16) float s_piece_lse[16];
  constexpr int D = Cfg::kHeadDim;
  const int rank = cluster_rank(), ranks = cluster_size();
  const int pair = static_cast<int>(blockIdx.x) / ranks;  // the launch's grid is pairs x ranks
  if (!p.inputs_settled) fs_pdl_wait();  // the lengths below may still be being written
  const Segment seg = cluster_segment(p, pair, rank, ranks);
  WarpDecoder<T, Cfg> wd;
  wd.init(p, smem);
  SegmentLoads<T, Cfg> ld;
  if (p.inputs_settled) {
    // The prologue's page-table entries and K/V rows are fetched while the q/k/v product
    // before this kernel finishes; only q and the new key wait for it.
    start_loads_before_wait<T, Cfg>(p, seg, smem, ld);
    fs_pdl_wait();
    start_loads_after_wait<T, Cfg>(p, seg, smem, ld);
    cp_async_wait<0>();  // the prologue's tiles and q (the last group) landed
  } else {
    start_loads<T, Cfg>(p, seg, smem, ld);
    cp_async_wait<Cfg::kStages - 1>();  // the q group landed
  }
  __syncthreads();
  wd.load_q_registers();
  wd.mainloop(ld);
  __syncthreads();  // every warp is done with its ring: stage 0 of each holds its O rows next
  // The piece: [16][D] floats in warp 0's ring stage 1 (free after the main loop; the warps'
  // merge scratch is stage 0 of each ring), its lse in s_piece_lse.
  float* piece = reinterpret_cast<float*>(smem + Cfg::kStageBytes);
  static_assert(16 * D * 4 <= Cfg::kStageBytes, "a piece fits one ring stage");
  merge_warps<T, Cfg>(p, wd, smem, s_ml, [&](int row, int d, const float (&acc)[4], float lse2) {
    *reinterpret_cast<float4*>(piece + row * D + d) = make_float4(acc[0], acc[1], acc[2], acc[3]);
    if (d == 0) s_piece_lse[row] = lse2;
  });
  cluster_sync();  // every piece is written and visible cluster-wide
  merge_cluster_pieces<T, Cfg>(p, seg, smem_addr(piece), smem_addr(s_piece_lse), rank, ranks);
  cluster_sync();  // no CTA leaves while another still reads its piece
}

}  // namespace fs_decode
