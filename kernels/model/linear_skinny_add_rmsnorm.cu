// A projection back into the residual stream fused with the RMSNorm after it, on a decode
// step (see fs_linear_add_rmsnorm_params): o + the post-attention norm, down + the next
// layer's input norm. Unfused this is a skinny launch writing `projected` and an add-norm
// launch reading it back, one CTA per row.
//
// The warp owning features j and j + 1 computes projected[:, j..j+1] with the plain
// kernel's streaming loop (skinny_stream.cuh, two weight rows side by side), rounds it to
// T, and forms residual + projected exactly as rmsnorm.cu's add path does; it alone
// touches those columns, so it updates the residual in place. A row's sum of squares needs every feature, so each CTA leaves its share in
// `partials` and takes a ticket; the last CTA to finish adds the shares in CTA order (the
// same order whichever CTA is last: graph and eager steps must agree bit for bit), then
// normalises every row and resets the ticket counter for the next launch or replay.
#include <stdint.h>
#include "fs_vec.cuh"
#include "model_params.h"
#include "fs_pdl.cuh"
#include "skinny_stream.cuh"

namespace {

using fs_skinny::kWarps;
constexpr int kThreads = kWarps * 32;
constexpr int kBatch = 4;  // 16-byte vectors each thread of the last CTA loads before using them
constexpr int kPair = 2;   // weight rows (features) per warp

// Sum over the CTA in a fixed order (shuffle tree, then the warps' sums in warp order).
__device__ __forceinline__ float cta_sum(float value, float (&scratch)[kWarps]) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(0xFFFFFFFFu, value, offset);
  __syncthreads();  // scratch may still be read from the previous call
  if ((threadIdx.x & 31) == 0) scratch[threadIdx.x >> 5] = value;
  __syncthreads();
  float total = 0.f;
#pragma unroll
  for (int w = 0; w < kWarps; ++w) total += scratch[w];
  return total;
}

// The last CTA: every row's sum of squares from the CTAs' partials, then
// normed = residual * rsqrt(mean + eps) * weight, with rmsnorm.cu's formula and rounding.
// Other CTAs wrote the residual and the partials: read them from L2 (ld.global.cg), never
// from this SM's L1, which may hold lines of the residual from before they were written.
template <typename T, int M>
__device__ __forceinline__ void normalise_rows(const fs_linear_add_rmsnorm_params& p, float (&scratch)[kWarps]) {
  const T* residual = reinterpret_cast<const T*>(p.residual);
  const T* weight = reinterpret_cast<const T*>(p.norm_weight);
  T* normed = reinterpret_cast<T*>(p.normed);
  const int row_vectors = p.n / 8, vectors = p.rows * row_vectors;
  // The first batch of residual and weight vectors is requested before the partials: they
  // do not depend on the scale, so their L2 round trip overlaps the partials' and the sum's.
  uint4 r[kBatch];
  float w[kBatch][8];
  auto load_batch = [&](int base) {
#pragma unroll
    for (int i = 0; i < kBatch; ++i) {
      const int v = base + i * kThreads;
      if (v >= vectors) break;
      r[i] = __ldcg(reinterpret_cast<const uint4*>(residual) + v);
      fs::load8(weight + (v % row_vectors) * 8, w[i]);
    }
  };
#ifndef FS_ADD_NORM_SERIAL_TAIL
  load_batch(threadIdx.x);
#endif
  const float* partials = reinterpret_cast<const float*>(p.partials);
  float scale[M];
#pragma unroll
  for (int m = 0; m < M; ++m) {
    if (m >= p.rows) break;
    float share = 0.f;
    for (int b = threadIdx.x; b < gridDim.x; b += kThreads) share += __ldcg(partials + m * gridDim.x + b);
    scale[m] = rsqrtf(cta_sum(share, scratch) / p.n + p.eps);
  }
  for (int base = threadIdx.x; base < vectors; base += kThreads * kBatch) {
#ifndef FS_ADD_NORM_SERIAL_TAIL
    if (base != static_cast<int>(threadIdx.x)) load_batch(base);
#else
    load_batch(base);
#endif
#pragma unroll
    for (int i = 0; i < kBatch; ++i) {
      const int v = base + i * kThreads;
      if (v >= vectors) break;
      const int m = v / row_vectors;
      float s = 0.f;
#pragma unroll
      for (int row = 0; row < M; ++row) if (row == m) s = scale[row];  // constant indices: scale stays in registers
      const T* rv = reinterpret_cast<const T*>(&r[i]);
      float values[8];
#pragma unroll
      for (int e = 0; e < 8; ++e) values[e] = fs::to_float(rv[e]) * s * w[i][e];
      fs::store8(normed + int64_t(v) * 8, values);
    }
  }
}

template <typename T, int M>
__device__ __forceinline__ void linear_add_rmsnorm(const fs_linear_add_rmsnorm_params& p) {
  __shared__ float warp_squares[M][kWarps];
  __shared__ float scratch[kWarps];
  __shared__ bool is_last;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int stride = fs_skinny::feature_stride();
  const int first = fs_skinny::first_feature();
  const T* w = reinterpret_cast<const T*>(p.w);
  fs_pdl_trigger();
  if (first * kPair < p.n) {
    fs_skinny::prefetch_l2(w + int64_t(first * kPair) * p.k, kPair * p.k * int(sizeof(T)), 4096, lane, 0);
  }
  fs_pdl_wait();

  const T* x = reinterpret_cast<const T*>(p.x);
  T* residual = reinterpret_cast<T*>(p.residual);
  T* projected = reinterpret_cast<T*>(p.projected);
  float squares[M];  // this warp's share of each row's sum of squares (lane 0's count)
#pragma unroll
  for (int m = 0; m < M; ++m) squares[m] = 0.f;
  // Two adjacent features per warp (n is a multiple of 8): twice the weight loads in flight
  // per lane, so o's 4096 x 4096 streams in one wave of the grid.
  for (int j = first * kPair; j < p.n; j += stride * kPair) {
    // Columns j, j + 1 of the residual (and bias) are read before the stream, so their
    // latency hides behind it instead of following it (only this warp writes them).
    float before[kPair][M];
    float bias[kPair];
#pragma unroll
    for (int r = 0; r < kPair; ++r) {
#pragma unroll
      for (int m = 0; m < M; ++m) before[r][m] = m < p.rows ? fs::to_float(residual[int64_t(m) * p.n + j + r]) : 0.f;
      bias[r] = p.bias ? fs::to_float(reinterpret_cast<const T*>(p.bias)[j + r]) : 0.f;
    }
    const T* const rows[kPair] = {w + int64_t(j) * p.k, w + int64_t(j + 1) * p.k};
    float acc[kPair][M];
    fs_skinny::warp_dots<T, M, kPair>(x, p.k, rows, lane, acc);
    if (lane != 0) continue;
#pragma unroll
    for (int r = 0; r < kPair; ++r) {
#pragma unroll
      for (int m = 0; m < M; ++m) {
        if (m >= p.rows) break;
        const int64_t at = int64_t(m) * p.n + j + r;
        const T delta = fs::from_float<T>(acc[r][m] + bias[r]);  // what the plain kernel stores
        if (projected) projected[at] = delta;
        // rmsnorm.cu's add: the sum rounded to T before it is stored and squared.
        const float sum = fs::to_float(fs::from_float<T>(fs::to_float(delta) + before[r][m]));
        residual[at] = fs::from_float<T>(sum);
        squares[m] += sum * sum;
      }
    }
  }

  // This CTA's shares, in warp order; then publish them and the residual, and take a ticket.
  if (lane == 0) {
#pragma unroll
    for (int m = 0; m < M; ++m) warp_squares[m][warp] = squares[m];
  }
  __syncthreads();
  if (threadIdx.x < p.rows && threadIdx.x < M) {
    float share = 0.f;
#pragma unroll
    for (int i = 0; i < kWarps; ++i) share += warp_squares[threadIdx.x][i];
    reinterpret_cast<float*>(p.partials)[threadIdx.x * gridDim.x + blockIdx.x] = share;
  }
  __threadfence();  // every thread's residual and partial writes, before the ticket below
  __syncthreads();
  unsigned int* counter = reinterpret_cast<unsigned int*>(p.counter);
  if (threadIdx.x == 0) is_last = atomicAdd(counter, 1u) == gridDim.x - 1;
  __syncthreads();
  if (!is_last) return;
  __threadfence();  // the other CTAs' writes are visible from here on
#ifdef FS_ABLATE_NORM_TAIL  // timing ablation only: the normed rows go stale
  if (p.rows < 0)
#endif
  normalise_rows<T, M>(p, scratch);
  if (threadIdx.x == 0) *counter = 0u;  // ready for the next launch (or graph replay)
}

}  // namespace

// PDL inside linear_add_rmsnorm: trigger, prefetch the first weights, then wait.
#define FS_ADD_NORM(T, NAME, M)                                                                                \
  extern "C" __global__ void __launch_bounds__(kThreads, 1)                                                    \
      fs_linear_skinny_add_rmsnorm_##NAME##_m##M(const __grid_constant__ fs_linear_add_rmsnorm_params p) {    \
    linear_add_rmsnorm<T, M>(p);                                                                              \
  }
#define FS_ADD_NORM_ALL(T, NAME) \
  FS_ADD_NORM(T, NAME, 1) FS_ADD_NORM(T, NAME, 2) FS_ADD_NORM(T, NAME, 3) FS_ADD_NORM(T, NAME, 4)
FS_ADD_NORM_ALL(__nv_bfloat16, bf16)
FS_ADD_NORM_ALL(__half, f16)
