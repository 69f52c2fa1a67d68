// The RMSNorm after a projection back into the residual stream, from the per-CTA sums of
// squares the projection left (linear_skinny_add_rmsnorm.cu). Shared by the add-norm kernel's
// last CTA, by the kernel that settles a deferred norm into its tensor, and by the skinny
// kernels that read a deferred norm as their x (they stream the weighted rows the add-squares
// launch left and scale their finished dot products). Every one adds the partials in the same
// fixed order (each thread a strided share, then the shuffle tree, then the warps in order):
// the same 1 / rms bits.
#pragma once
#include <stdint.h>
#include "fs_vec.cuh"
#include "model_params.h"
#include "skinny_stream.cuh"

namespace fs_norm {

constexpr int kWarps = fs_skinny::kWarps;  // the skinny family's CTA (256 threads): every thread takes part
constexpr int kThreads = kWarps * 32;
constexpr int kBatch = 4;  // 16-byte vectors each thread loads before using them

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

// rsqrt(mean of squares + eps) of each row, from `count` partial sums per row, partial b of
// row m being partial(m * count + b): the one order (and the explicit roundings: no FMA
// contraction that could differ) every kernel sharing this adds them in. Whole CTA.
template <int M, typename Partial>
__device__ __forceinline__ void row_scales(Partial partial, int count, int rows, int n, float eps,
                                           float (&scratch)[kWarps], float (&scale)[M]) {
#pragma unroll
  for (int m = 0; m < M; ++m) {
    scale[m] = 0.f;
    if (m >= rows) break;
    float share = 0.f;
    for (int b = threadIdx.x; b < count; b += kThreads) share += partial(m * count + b);
    scale[m] = rsqrtf(__fadd_rn(__fdiv_rn(cta_sum(share, scratch), static_cast<float>(n)), eps));
  }
}

// out[m, :] = T(residual[m, :] * scale[m] * weight), rmsnorm.cu's formula and rounding, for
// rows < `rows`.
template <typename T, int M>
__device__ __forceinline__ void normalise_rows(const T* residual, const T* weight, const float (&scale)[M], int rows,
                                               int n, T* out) {
  const int row_vectors = n / 8, vectors = rows * row_vectors;
  for (int base = threadIdx.x; base < vectors; base += kThreads * kBatch) {
    uint4 r[kBatch];
    float w[kBatch][8];
#pragma unroll
    for (int i = 0; i < kBatch; ++i) {
      const int v = base + i * kThreads;
      if (v >= vectors) break;
      r[i] = __ldcg(reinterpret_cast<const uint4*>(residual) + v);
      fs::load8(weight + (v % row_vectors) * 8, w[i]);
    }
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
      for (int e = 0; e < 8; ++e) values[e] = __fmul_rn(__fmul_rn(fs::to_float(rv[e]), s), w[i][e]);
      fs::store8(out + int64_t(v) * 8, values);
    }
  }
}

// A deferred norm's rows [rows, n] into `out`: the scales, then the rows (whole CTA).
template <typename T, int M>
__device__ __forceinline__ void settle(const fs_deferred_rmsnorm& d, int rows, int n, T* out,
                                       float (&scratch)[kWarps]) {
  // Other CTAs (or the previous grid) wrote the partials: read from L2, never this SM's L1.
  const float* partials = reinterpret_cast<const float*>(d.partials);
  float scale[M];
  row_scales<M>([partials](int i) { return __ldcg(partials + i); }, d.partial_count, rows, n, d.eps, scratch, scale);
  normalise_rows<T, M>(reinterpret_cast<const T*>(d.residual), reinterpret_cast<const T*>(d.weight), scale, rows, n,
                       out);
}

// A consumer of a deferred norm reads `normed` as its x: the add-squares launch left
// T(residual * weight) there, without the row's 1 / rms, which needs every CTA's partial. Dot
// products are linear, so the consumer multiplies its finished sums by it (RowScales): no
// round trip or barrier stands before its first weight FMA, and x is read as any x is.
// The values differ from a product of the true normed rows by rounding only.
//
// Each row's 1 / rms for a consumer: right after the PDL wait the partials are copied into
// the CTA's dynamic shared memory with cp.async (rows * partial_count floats; no registers
// held across the stream), the stream runs, and `resolve` (the whole CTA, once) adds them with
// row_scales: the bits the add-norm's last CTA and the settle kernel compute.
template <int M>
struct RowScales {
  float scale[M];

  __device__ __forceinline__ static float* staged() {
    extern __shared__ __align__(16) float s_partials[];
    return s_partials;
  }

  // The first rows * partial_count floats of d.partials, rounded up to 16-byte chunks read
  // from L2 (cp.async.cg: the previous grid wrote them, this SM's L1 may hold older lines).
  // The launcher sizes the dynamic shared memory and the partials buffer for the rounding.
  __device__ __forceinline__ void request(const fs_deferred_rmsnorm& d, int rows) {
    const float4* partials = reinterpret_cast<const float4*>(d.partials);
    const int chunks = (min(rows, M) * d.partial_count + 3) / 4;
    float4* dst = reinterpret_cast<float4*>(staged());
    for (int i = threadIdx.x; i < chunks; i += kThreads) {
      const uint32_t to = static_cast<uint32_t>(__cvta_generic_to_shared(dst + i));
      asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(to), "l"(partials + i) : "memory");
    }
    asm volatile("cp.async.commit_group;" ::: "memory");
  }

  __device__ __forceinline__ void resolve(const fs_deferred_rmsnorm& d, int rows, int n, float (&scratch)[kWarps]) {
    asm volatile("cp.async.wait_all;" ::: "memory");
    __syncthreads();  // every thread's copies landed
    const float* staged_partials = staged();
    row_scales<M>([staged_partials](int i) { return staged_partials[i]; }, d.partial_count, rows, n, d.eps, scratch,
                  scale);
  }
};

}  // namespace fs_norm
