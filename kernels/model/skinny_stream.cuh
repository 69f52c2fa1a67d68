// The streaming main loop of the skinny linear kernels (linear_skinny.cu and its fused
// variants, linear_skinny_gated.cu and linear_skinny_add_rmsnorm.cu): one warp computes the
// dot products of R weight rows with each of the M rows of x. Its lanes stream every weight
// row in 16-byte `ld.global.cs` vectors, eight per row and lane issued per step (the weights
// are read once: evict first), convert each vector to float once and reuse it against every row
// of x (tiny, so it stays in L1), then reduce the per-lane sums with shuffles.
//
// Each lane adds its vectors in increasing order, whatever R and the unroll, and the
// shuffle tree is fixed: a row's sum is bit for bit the same whether it streams alone
// (R = 1) or beside another row (R = 2, gate and up). That is what lets a fused kernel
// promise results identical to the unfused launches.
#pragma once
#include <stdint.h>
#include "fs_vec.cuh"
#include "skinny_common.cuh"  // prefetch_l2

namespace fs_skinny {

constexpr int kWarps = 8;     // warps (features in flight) per CTA
constexpr int kUnroll = 8;    // 16-byte weight vectors in flight per lane and weight row
// The same for the rest of a row after the kUnroll steps: all of it at one row of x (at most
// 123 registers), four at a time for more rows (eight took the four-row kernels past 128
// registers, which halves the CTAs an SM holds).
template <int M>
constexpr int kTail = M == 1 ? kUnroll : 4;

// One step of a lane's stream: vectors v, v + 32, ... (kSteps of them; kGuarded: only those
// below `vectors`), every load issued before the first is used, then each converted to
// float once and multiplied against every row of x, in increasing vector order.
template <typename T, int M, int R, int kSteps, bool kGuarded>
__device__ __forceinline__ void dot_step(const T* x, int k, const uint4* const (&rows)[R], int v, int vectors,
                                         float (&acc)[R][M]) {
  uint4 raw[R][kSteps];
#pragma unroll
  for (int u = 0; u < kSteps; ++u) {
#pragma unroll
    for (int r = 0; r < R; ++r) {  // streamed once: evict first
      raw[r][u] = !kGuarded || v + 32 * u < vectors ? __ldcs(rows[r] + v + 32 * u) : make_uint4(0, 0, 0, 0);
    }
  }
#pragma unroll
  for (int u = 0; u < kSteps; ++u) {
    if (kGuarded && v + 32 * u >= vectors) break;
    float wf[R][8];
#pragma unroll
    for (int r = 0; r < R; ++r) {
      const T* wv = reinterpret_cast<const T*>(&raw[r][u]);
#pragma unroll
      for (int i = 0; i < 8; ++i) wf[r][i] = fs::to_float(wv[i]);
    }
#pragma unroll
    for (int m = 0; m < M; ++m) {
      float xf[8];
      fs::load8(x + int64_t(m) * k + int64_t(v + 32 * u) * 8, xf);
#pragma unroll
      for (int r = 0; r < R; ++r) {
#pragma unroll
        for (int i = 0; i < 8; ++i) acc[r][m] = fmaf(wf[r][i], xf[i], acc[r][m]);
      }
    }
  }
}

// acc[r][m] = sum_i w[r][i] * x[m * k + i], for i < k (k a multiple of 8), on every lane.
template <typename T, int M, int R>
__device__ __forceinline__ void warp_dots(const T* x, int k, const T* const (&w)[R], int lane, float (&acc)[R][M]) {
  const int vectors = k >> 3;
  const uint4* rows[R];
#pragma unroll
  for (int r = 0; r < R; ++r) {
    rows[r] = reinterpret_cast<const uint4*>(w[r]);
#pragma unroll
    for (int m = 0; m < M; ++m) acc[r][m] = 0.f;
  }

  int v = lane;
  for (; v + 32 * (kUnroll - 1) < vectors; v += 32 * kUnroll) dot_step<T, M, R, kUnroll, false>(x, k, rows, v, vectors, acc);
  // The rest, fewer than 32 * kUnroll vectors a lane apart, kTail<M> vectors a step: a short
  // row (SmolLM2's k = 576 is 2-3 vectors a lane, its down projection's 1536 is 6) costs one
  // memory round trip at one row of x, not one per vector. The sums still run in increasing
  // vector order, so the result is the same bits as a vector at a time.
  for (; v < vectors; v += 32 * kTail<M>) dot_step<T, M, R, kTail<M>, true>(x, k, rows, v, vectors, acc);
#pragma unroll
  for (int r = 0; r < R; ++r) {
#pragma unroll
    for (int m = 0; m < M; ++m) {
#pragma unroll
      for (int offset = 16; offset > 0; offset >>= 1) acc[r][m] += __shfl_xor_sync(0xFFFFFFFFu, acc[r][m], offset);
    }
  }
}

// A CTA's first feature and the grid-stride step of the feature loop (warps loop over
// features: a grid of a few CTAs per SM spends no time starting CTAs).
__device__ __forceinline__ int first_feature() { return blockIdx.x * kWarps + (threadIdx.x >> 5); }
__device__ __forceinline__ int feature_stride() { return gridDim.x * kWarps; }

}  // namespace fs_skinny
