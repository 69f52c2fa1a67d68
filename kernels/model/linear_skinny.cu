// Linear layers of decode steps (see fs_linear_skinny_params): a handful of rows times a
// weight matrix is a matrix-vector product, bound by reading the weights once. Each warp
// owns one output feature: its lanes stream the weight row in 16-byte vectors (eight in
// flight per lane), multiply each against the same columns of every input row (x is tiny
// and stays in L1), and reduce the per-lane sums with shuffles. The row count is a
// template parameter so the accumulators live in registers. Several products sharing x
// (q/k/v, gate/up) run in one launch, one range of features each: fewer graph nodes, and
// one longer stream instead of several short ones that each ramp up and drain. The grid
// is up to 8 CTAs per SM and warps loop over features; at 88-164 registers a thread only
// 2 CTAs of 256 fit an SM at once, so the rest start as resident ones finish (a few CTA
// waves). Forcing 4 resident (64 registers) measured no faster (bench/RESULTS.md, session 8).
#include <stdint.h>
#include "fs_vec.cuh"
#include "model_params.h"
#include "fs_pdl.cuh"
#include "skinny_common.cuh"
#include "skinny_stream.cuh"

namespace {

using fs_skinny::kWarps;

// Features [feature, feature + R) of one segment: R weight rows streamed side by side.
template <typename T, int M, int R>
__device__ __forceinline__ void features(const fs_linear_skinny_params& p, const fs_linear_skinny_segment& seg,
                                         int feature, int lane) {
  const T* first_row = reinterpret_cast<const T*>(seg.w) + int64_t(feature) * p.k;
  const T* w[R];
#pragma unroll
  for (int r = 0; r < R; ++r) w[r] = first_row + int64_t(r) * p.k;
  float acc[R][M];
  fs_skinny::warp_dots<T, M, R>(reinterpret_cast<const T*>(p.x), p.k, w, lane, acc);
  if (lane != 0) return;
#pragma unroll
  for (int r = 0; r < R; ++r) {
    float bias = 0.f;
    if (seg.bias) {
      bias = p.out_f32 ? reinterpret_cast<const float*>(seg.bias)[feature + r]
                       : fs::to_float(reinterpret_cast<const T*>(seg.bias)[feature + r]);
    }
#pragma unroll
    for (int m = 0; m < M; ++m) {
      if (m >= p.rows) break;
      const int64_t at = int64_t(m) * seg.n + feature + r;
      if (p.out_f32) reinterpret_cast<float*>(seg.out)[at] = acc[r][m] + bias;
      else reinterpret_cast<T*>(seg.out)[at] = fs::from_float<T>(acc[r][m] + bias);
    }
  }
}

// Warps take R consecutive features at a time (R = 2: twice the loads in flight per lane,
// so a short matrix such as o's 4096 x 4096 streams in one wave instead of two; every
// segment's n must then be even, which the launcher checks).
template <typename T, int M, int R>
__device__ __forceinline__ void linear_skinny(const fs_linear_skinny_params& p) {
  const int lane = threadIdx.x & 31;
  const int stride = fs_skinny::feature_stride() * R;
  const int first = fs_skinny::first_feature() * R;
  // The weights do not depend on the previous kernel: while it finishes, pull the start of
  // this warp's first weight rows into L2, so the stream starts at full speed.
  fs_pdl_trigger();
  if (first < p.features) {
    const fs_linear_skinny_segment seg = fs_skinny::segment_of(p, first);
    const char* row = reinterpret_cast<const char*>(reinterpret_cast<const T*>(seg.w) +
                                                    int64_t(first - seg.first_feature) * p.k);
    // One 128-byte line per lane: the rows' first 4 KB (34 MB over a full grid, inside L2).
    fs_skinny::prefetch_l2(row, R * p.k * int(sizeof(T)), 4096, lane, 0);
  }
  fs_pdl_wait();
  for (int g = first; g < p.features; g += stride) {
    const fs_linear_skinny_segment seg = fs_skinny::segment_of(p, g);
    features<T, M, R>(p, seg, g - seg.first_feature, lane);
  }
}

}  // namespace

// PDL inside linear_skinny: trigger, prefetch the first weights, then wait.
#define FS_SKINNY(T, NAME, M)                                                                             \
  extern "C" __global__ void __launch_bounds__(kWarps * 32, 1)                                             \
      fs_linear_skinny_##NAME##_m##M(const __grid_constant__ fs_linear_skinny_params p) {                 \
    linear_skinny<T, M, 1>(p);                                                                            \
  }
// The paired kernels are held to 128 registers, two CTAs an SM: SkinnyLinearKernel.pairs
// chooses them where two CTAs' warps stream a matrix in one wave.
#define FS_SKINNY_PAIR(T, NAME, M)                                                                        \
  extern "C" __global__ void __launch_bounds__(kWarps * 32, 2)                                             \
      fs_linear_skinny_pair_##NAME##_m##M(const __grid_constant__ fs_linear_skinny_params p) {            \
    linear_skinny<T, M, 2>(p);                                                                            \
  }
#define FS_SKINNY_ALL(T, NAME) \
  FS_SKINNY(T, NAME, 1) FS_SKINNY(T, NAME, 2) FS_SKINNY(T, NAME, 3) FS_SKINNY(T, NAME, 4) \
  FS_SKINNY(T, NAME, 5) FS_SKINNY(T, NAME, 6) FS_SKINNY(T, NAME, 7) FS_SKINNY(T, NAME, 8) \
  FS_SKINNY_PAIR(T, NAME, 1) FS_SKINNY_PAIR(T, NAME, 2) FS_SKINNY_PAIR(T, NAME, 3) FS_SKINNY_PAIR(T, NAME, 4)
FS_SKINNY_ALL(__nv_bfloat16, bf16)
FS_SKINNY_ALL(__half, f16)
