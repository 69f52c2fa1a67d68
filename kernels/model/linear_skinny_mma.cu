// Linear layers of decode steps of 5-16 rows (see fs_linear_skinny_params and
// SkinnyMMALinearKernel.swift) on the tensor cores. The FMA skinny kernel (linear_skinny.cu)
// re-reads every row of x from L1 for each weight vector it streams: at 8 rows that is 8 x-loads
// per 16 weight bytes, and L1, not HBM, sets its pace (Llama-3-8B's gate/up at 8 rows: 72 µs
// against cuBLASLt's 51). Here the product is turned around, outᵀ = W · xᵀ, so the weight
// matrix is mma's A operand (16 features by 16 k) and the few rows of x its B (16 k by 8 rows):
// one mma.m16n8k16 does 16 × 8 × 16 multiply-adds from two 16-byte weight loads and one x load
// a lane, and the weights still stream once at memory speed.
//
// The k order inside a fragment is ours to choose, as long as A and B agree: mma gives lane
// (g = lane / 4, t = lane % 4) A's columns {2t, 2t+1, 2t+8, 2t+9} of rows g and g+8, and B's
// rows {2t, 2t+1, 2t+8, 2t+9} of column g. So lane t loads 8 consecutive k elements
// [32c + 8t, 32c + 8t + 8) of weight rows g and g+8 and of x's row g, one 16-byte vector each,
// and feeds them as two k16 steps (elements 0-3, then 4-7): every load is a full 16 bytes and
// a warp's four lanes of a row read 64 contiguous bytes.
//
// A CTA owns 16 features at a time; its 8 warps split k (warp w takes 32-element chunks w,
// w + 8, ...), four chunks in flight each, and their partial sums meet in shared memory in a
// fixed order: a row's result does not depend on how many rows run beside it.
#include <stdint.h>
#include "fs_vec.cuh"
#include "model_params.h"
#include "fs_pdl.cuh"
#include "skinny_common.cuh"

namespace {

constexpr int kWarps = 8;
constexpr int kFeatures = 16;   // features a CTA owns at a time (mma's M)
constexpr int kChunk = 32;      // k elements of one warp step: 4 lanes x 8
constexpr int kUnroll = 4;      // chunks in flight per warp

template <typename T>
__device__ __forceinline__ void mma_16x8x16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1);

template <>
__device__ __forceinline__ void mma_16x8x16<__nv_bfloat16>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0,
                                                          uint32_t b1) {
  asm(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

template <>
__device__ __forceinline__ void mma_16x8x16<__half>(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// The two k16 steps of one chunk: lo/hi are the lane's 16-byte vectors of weight rows g and
// g + 8, xs[n] its vector of x's row 8n + g.
template <typename T, int N>
__device__ __forceinline__ void chunk_mma(float (&acc)[N][4], uint4 lo, uint4 hi, const uint4 (&xs)[N]) {
  const uint32_t step0[4] = {lo.x, hi.x, lo.y, hi.y};  // elements 0-1 and 2-3 of each row
  const uint32_t step1[4] = {lo.z, hi.z, lo.w, hi.w};  // elements 4-5 and 6-7
#pragma unroll
  for (int n = 0; n < N; ++n) {
    mma_16x8x16<T>(acc[n], step0, xs[n].x, xs[n].y);
    mma_16x8x16<T>(acc[n], step1, xs[n].z, xs[n].w);
  }
}

// One step of a warp: chunks c, c + 8, ... (kSteps of them; kGuarded: only those below
// `chunks`), every load issued before the first mma (the mma is plain asm, not volatile, and
// the kernel may take 255 registers: ptxas then keeps the loads together; with volatile asm it
// sank each load to its mma, one or two loads in flight a warp). x rows past the batch are read as row 0
// and zeroed, so the unguarded step has no branch for ptxas to schedule loads across.
template <typename T, int N, int kSteps, bool kGuarded>
__device__ __forceinline__ void warp_step(const uint4* row_lo, const uint4* row_hi, const uint4* const (&xrow)[N],
                                          const bool (&xlive)[N], int c, int chunks, float (&acc)[N][4]) {
  constexpr int kVectorsPerChunk = kChunk / 8;
  uint4 lo[kSteps], hi[kSteps], xs[kSteps][N];
#pragma unroll
  for (int u = 0; u < kSteps; ++u) {
    const int at = (c + kWarps * u) * kVectorsPerChunk;
    if (!kGuarded || c + kWarps * u < chunks) {
      lo[u] = __ldcs(row_lo + at);  // weights stream once: evict first
      hi[u] = __ldcs(row_hi + at);
#pragma unroll
      for (int n = 0; n < N; ++n) xs[u][n] = xrow[n][at];  // x: every CTA reads it, cached
    } else {
      lo[u] = hi[u] = make_uint4(0, 0, 0, 0);
#pragma unroll
      for (int n = 0; n < N; ++n) xs[u][n] = make_uint4(0, 0, 0, 0);
    }
  }
#pragma unroll
  for (int u = 0; u < kSteps; ++u) {
#pragma unroll
    for (int n = 0; n < N; ++n) {
      if (!xlive[n]) xs[u][n] = make_uint4(0, 0, 0, 0);
    }
    chunk_mma<T, N>(acc, lo[u], hi[u], xs[u]);
  }
}

// This warp's share of the 16 features starting at `w` (row stride k): the chunks w, w + 8, ...
template <typename T, int N>
__device__ __forceinline__ void warp_chunks(const T* x, const T* w, int k, int rows, int warp, int lane,
                                            float (&acc)[N][4]) {
  const int g = lane >> 2, t = lane & 3;
  const uint4* row_lo = reinterpret_cast<const uint4*>(w + int64_t(g) * k) + t;
  const uint4* row_hi = reinterpret_cast<const uint4*>(w + int64_t(g + 8) * k) + t;
  const uint4* xrow[N];
  bool xlive[N];
#pragma unroll
  for (int n = 0; n < N; ++n) {
    xlive[n] = 8 * n + g < rows;
    xrow[n] = reinterpret_cast<const uint4*>(x + int64_t(xlive[n] ? 8 * n + g : 0) * k) + t;
  }
  const int chunks = k / kChunk;
  int c = warp;
  for (; c + kWarps * (kUnroll - 1) < chunks; c += kWarps * kUnroll) {
    warp_step<T, N, kUnroll, false>(row_lo, row_hi, xrow, xlive, c, chunks, acc);
  }
  // The rest (fewer than kUnroll chunks a warp; all of a short row such as SmolLM2's 576) in
  // one guarded step: one memory round trip, not one a chunk.
  if (c < chunks) warp_step<T, N, kUnroll, true>(row_lo, row_hi, xrow, xlive, c, chunks, acc);
}

// N = 1: rows 1-8 (one n8 tile of x); N = 2: rows 9-16.
template <typename T, int N>
__device__ __forceinline__ void linear_skinny_mma(const fs_linear_skinny_params& p) {
  __shared__ float partial[kWarps][kFeatures][8 * N];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int tiles = p.features / kFeatures;
  fs_pdl_trigger();
  if (static_cast<int>(blockIdx.x) < tiles) {
    // Weights do not depend on the previous kernel: pull the first tile's rows' first 2 KB
    // (a step of all 8 warps) into L2 while it finishes.
    const int feature = blockIdx.x * kFeatures;
    const fs_linear_skinny_segment seg = fs_skinny::segment_of(p, feature);
    const int row = threadIdx.x >> 4;  // 16 threads a row, one line each
    fs_skinny::prefetch_l2(reinterpret_cast<const T*>(seg.w) + int64_t(feature - seg.first_feature + row) * p.k,
                           p.k * int(sizeof(T)), 2048, threadIdx.x & 15, 0);
  }
  fs_pdl_wait();
  for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const int feature = tile * kFeatures;
    const fs_linear_skinny_segment seg = fs_skinny::segment_of(p, feature);
    const int local = feature - seg.first_feature;
    float acc[N][4];
#pragma unroll
    for (int n = 0; n < N; ++n) acc[n][0] = acc[n][1] = acc[n][2] = acc[n][3] = 0.f;
    warp_chunks<T, N>(reinterpret_cast<const T*>(p.x), reinterpret_cast<const T*>(seg.w) + int64_t(local) * p.k, p.k,
                      p.rows, warp, lane, acc);
    // acc[n]: (feature g, rows 8n + 2t and 8n + 2t + 1), then the same for feature g + 8.
    const int g = lane >> 2, t = lane & 3;
#pragma unroll
    for (int n = 0; n < N; ++n) {
      partial[warp][g][8 * n + 2 * t] = acc[n][0];
      partial[warp][g][8 * n + 2 * t + 1] = acc[n][1];
      partial[warp][g + 8][8 * n + 2 * t] = acc[n][2];
      partial[warp][g + 8][8 * n + 2 * t + 1] = acc[n][3];
    }
    __syncthreads();
    // One output a thread (features fastest: a row's 16 outputs are 32 or 64 contiguous bytes),
    // the warps' sums added in warp order.
    for (int i = threadIdx.x; i < kFeatures * 8 * N; i += kWarps * 32) {
      const int f = i % kFeatures, m = i / kFeatures;
      if (m < p.rows) {
        float sum = 0.f;
#pragma unroll
        for (int v = 0; v < kWarps; ++v) sum += partial[v][f][m];
        const int out_feature = local + f;
        const int64_t at = int64_t(m) * seg.n + out_feature;
        if (p.out_f32) {
          if (seg.bias) sum += reinterpret_cast<const float*>(seg.bias)[out_feature];
          reinterpret_cast<float*>(seg.out)[at] = sum;
        } else {
          if (seg.bias) sum += fs::to_float(reinterpret_cast<const T*>(seg.bias)[out_feature]);
          reinterpret_cast<T*>(seg.out)[at] = fs::from_float<T>(sum);
        }
      }
    }
    __syncthreads();  // the partials are rewritten by the next tile
  }
}

}  // namespace

// Up to 255 registers (102-118 in use): two CTAs an SM, each warp four chunks of loads in flight.
#define FS_SKINNY_MMA(T, NAME, N)                                                                       \
  extern "C" __global__ void __launch_bounds__(kWarps * 32, 1)                                           \
      fs_linear_skinny_mma_##NAME##_n##N(const __grid_constant__ fs_linear_skinny_params p) {           \
    linear_skinny_mma<T, N>(p);                                                                          \
  }
FS_SKINNY_MMA(__nv_bfloat16, bf16, 1)
FS_SKINNY_MMA(__nv_bfloat16, bf16, 2)
FS_SKINNY_MMA(__half, f16, 1)
FS_SKINNY_MMA(__half, f16, 2)
