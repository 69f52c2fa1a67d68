// The gated MLP's first half on a decode step in one launch (see fs_linear_gated_params):
// h = silu(x . gate^T) * (x . up^T). Unfused this is a skinny launch writing g and u and a
// SiLU-and-mul launch reading them back; here the warp that owns feature j streams gate
// row j and up row j side by side (up to sixteen 16-byte loads in flight per lane) and writes
// h[:, j] itself. g and u are rounded to T before the SiLU-mul, and both the dot products
// (skinny_stream.cuh) and the SiLU-mul (silu.cuh) are the unfused kernels' own code, so h
// is bit for bit the unfused result. x may be a deferred norm's weighted rows
// (fs_deferred_rmsnorm): then the kernel scales its dot products (deferred_rmsnorm.cuh).
#include <stdint.h>
#include "fs_vec.cuh"
#include "model_params.h"
#include "fs_pdl.cuh"
#include "silu.cuh"
#include "skinny_stream.cuh"
#include "deferred_rmsnorm.cuh"

namespace {

using fs_skinny::kWarps;

template <typename T>
__device__ __forceinline__ float bias_at(fs_devptr bias, int j) {
  return bias ? fs::to_float(reinterpret_cast<const T*>(bias)[j]) : 0.f;
}

template <typename T, int M>
__device__ __forceinline__ void linear_gated(const fs_linear_gated_params& p) {
  __shared__ float scratch[kWarps];
  const int lane = threadIdx.x & 31;
  const int stride = fs_skinny::feature_stride();
  const int first = fs_skinny::first_feature();
  const T* gate = reinterpret_cast<const T*>(p.gate);
  const T* up = reinterpret_cast<const T*>(p.up);
  fs_pdl_trigger();
  if (first < p.n) {
    // The first 2 KB of both rows: the same 4 KB per warp as the plain kernel prefetches.
    const int row_bytes = p.k * int(sizeof(T));
    fs_skinny::prefetch_l2(gate + int64_t(first) * p.k, row_bytes, 2048, lane, 0);
    fs_skinny::prefetch_l2(up + int64_t(first) * p.k, row_bytes, 2048, lane, 16);
  }
  fs_pdl_wait();
  // x from a deferred norm: its row scales multiply the dot products, resolved by the whole
  // CTA after its first features (n is a multiple of 8 and a CTA's 8 features are adjacent,
  // so every warp of a CTA runs the same iterations).
  const bool deferred = p.norm.residual != 0;
  fs_norm::RowScales<M> scales;
  if (deferred) scales.request(p.norm, p.rows);
  bool resolved = false;
  const T* x = reinterpret_cast<const T*>(p.x);
  T* out = reinterpret_cast<T*>(p.out);
  for (int j = first; j < p.n; j += stride) {
    const T* const rows[2] = {gate + int64_t(j) * p.k, up + int64_t(j) * p.k};
    float acc[2][M];
    fs_skinny::warp_dots<T, M, 2>(x, p.k, rows, lane, acc);
    if (deferred) {
      if (!resolved) scales.resolve(p.norm, p.rows, p.k, scratch);
      resolved = true;
#pragma unroll
      for (int m = 0; m < M; ++m) {
        acc[0][m] *= scales.scale[m];
        acc[1][m] *= scales.scale[m];
      }
    }
    if (lane != 0) continue;
    // As the plain kernel rounds its outputs (acc + bias, bias 0 when absent), then as
    // fs_silu_mul_* reads them back.
    const float gate_bias = bias_at<T>(p.gate_bias, j), up_bias = bias_at<T>(p.up_bias, j);
#pragma unroll
    for (int m = 0; m < M; ++m) {
      if (m >= p.rows) break;
      const float g = fs::to_float(fs::from_float<T>(acc[0][m] + gate_bias));
      const float u = fs::to_float(fs::from_float<T>(acc[1][m] + up_bias));
      out[int64_t(m) * p.n + j] = fs::from_float<T>(fs::silu_times(g, u));
    }
  }
}

}  // namespace

// PDL inside linear_gated: trigger, prefetch the first weights, then wait.
#define FS_GATED(T, NAME, M)                                                                     \
  extern "C" __global__ void __launch_bounds__(kWarps * 32, 1)                                    \
      fs_linear_skinny_gated_##NAME##_m##M(const __grid_constant__ fs_linear_gated_params p) {   \
    linear_gated<T, M>(p);                                                                       \
  }
#define FS_GATED_ALL(T, NAME) FS_GATED(T, NAME, 1) FS_GATED(T, NAME, 2) FS_GATED(T, NAME, 3) FS_GATED(T, NAME, 4)
FS_GATED_ALL(__nv_bfloat16, bf16)
FS_GATED_ALL(__half, f16)
