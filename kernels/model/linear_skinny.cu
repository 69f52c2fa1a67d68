// Linear layers of decode steps (see fs_linear_skinny_params): a handful of rows times a
// weight matrix is a matrix-vector product, bound by reading the weights once. Each warp
// owns one output feature: its lanes stream the weight row in 16-byte vectors (eight in
// flight per lane), multiply each against the same columns of every input row (x is tiny
// and stays in L1), and reduce the per-lane sums with shuffles. The row count is a
// template parameter so the accumulators live in registers. Several products sharing x
// (q/k/v, gate/up) run in one launch, one range of features each: fewer graph nodes, and
// one longer stream instead of several short ones that each ramp up and drain. The grid
// is a few CTAs per SM and warps loop over features, so no time goes to starting CTAs.
#include <stdint.h>
#include "fs_vec.cuh"
#include "model_params.h"
#include "fs_pdl.cuh"

namespace {

constexpr int kWarps = 8;     // features per CTA
constexpr int kUnroll = 8;    // 16-byte weight vectors in flight per lane

template <typename T, int M>
__device__ __forceinline__ void one_feature(const fs_linear_skinny_params& p, const fs_linear_skinny_segment& seg,
                                            int feature, int lane) {
  const int vectors = p.k >> 3;
  const uint4* w = reinterpret_cast<const uint4*>(reinterpret_cast<const T*>(seg.w) + int64_t(feature) * p.k);
  const T* x = reinterpret_cast<const T*>(p.x);
  float acc[M];
#pragma unroll
  for (int m = 0; m < M; ++m) acc[m] = 0.f;

  int v = lane;
  for (; v + 32 * (kUnroll - 1) < vectors; v += 32 * kUnroll) {
    uint4 raw[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) raw[u] = __ldcs(w + v + 32 * u);  // streamed once: evict first
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const T* wv = reinterpret_cast<const T*>(&raw[u]);
      float wf[8];
#pragma unroll
      for (int i = 0; i < 8; ++i) wf[i] = fs::to_float(wv[i]);
#pragma unroll
      for (int m = 0; m < M; ++m) {
        float xf[8];
        fs::load8(x + int64_t(m) * p.k + int64_t(v + 32 * u) * 8, xf);
#pragma unroll
        for (int i = 0; i < 8; ++i) acc[m] = fmaf(wf[i], xf[i], acc[m]);
      }
    }
  }
  for (; v < vectors; v += 32) {
    const uint4 raw = __ldcs(w + v);
    const T* wv = reinterpret_cast<const T*>(&raw);
#pragma unroll
    for (int m = 0; m < M; ++m) {
      float xf[8];
      fs::load8(x + int64_t(m) * p.k + int64_t(v) * 8, xf);
#pragma unroll
      for (int i = 0; i < 8; ++i) acc[m] = fmaf(fs::to_float(wv[i]), xf[i], acc[m]);
    }
  }
#pragma unroll
  for (int m = 0; m < M; ++m) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) acc[m] += __shfl_xor_sync(0xFFFFFFFFu, acc[m], offset);
  }
  if (lane != 0) return;
  float bias = 0.f;
  if (seg.bias) {
    bias = p.out_f32 ? reinterpret_cast<const float*>(seg.bias)[feature]
                     : fs::to_float(reinterpret_cast<const T*>(seg.bias)[feature]);
  }
#pragma unroll
  for (int m = 0; m < M; ++m) {
    if (m >= p.rows) break;
    const int64_t at = int64_t(m) * seg.n + feature;
    if (p.out_f32) reinterpret_cast<float*>(seg.out)[at] = acc[m] + bias;
    else reinterpret_cast<T*>(seg.out)[at] = fs::from_float<T>(acc[m] + bias);
  }
}

template <typename T, int M>
__device__ __forceinline__ fs_linear_skinny_segment segment_of(const fs_linear_skinny_params& p, int g) {
  // Constant indices only (a runtime index into the params would copy them to local memory).
  fs_linear_skinny_segment seg = p.segment[0];
#pragma unroll
  for (int i = 1; i < FS_SKINNY_MAX_SEGMENTS; ++i) {
    if (i < p.segments && g >= p.segment[i].first_feature) seg = p.segment[i];
  }
  return seg;
}

template <typename T, int M>
__device__ __forceinline__ void linear_skinny(const fs_linear_skinny_params& p) {
  const int lane = threadIdx.x & 31;
  const int stride = gridDim.x * kWarps;
  const int first = blockIdx.x * kWarps + (threadIdx.x >> 5);
  // The weights do not depend on the previous kernel: while it finishes, pull the start of
  // this warp's first weight row into L2, so the stream starts at full speed.
  fs_pdl_trigger();
  if (first < p.features) {
    const fs_linear_skinny_segment seg = segment_of<T, M>(p, first);
    const char* row = reinterpret_cast<const char*>(reinterpret_cast<const T*>(seg.w) +
                                                    int64_t(first - seg.first_feature) * p.k);
    // One 128-byte line per lane: the row's first 4 KB (34 MB over a full grid, inside L2).
    if (lane * 128 < p.k * int(sizeof(T))) asm volatile("prefetch.global.L2 [%0];" ::"l"(row + lane * 128));
  }
  fs_pdl_wait();
  for (int g = first; g < p.features; g += stride) {
    const fs_linear_skinny_segment seg = segment_of<T, M>(p, g);
    one_feature<T, M>(p, seg, g - seg.first_feature, lane);
  }
}

}  // namespace

// PDL inside linear_skinny: trigger, prefetch the first weights, then wait.
#define FS_SKINNY(T, NAME, M)                                                                             \
  extern "C" __global__ void __launch_bounds__(kWarps * 32, 1)                                             \
      fs_linear_skinny_##NAME##_m##M(const __grid_constant__ fs_linear_skinny_params p) {                 \
    linear_skinny<T, M>(p);                                                                               \
  }
#define FS_SKINNY_ALL(T, NAME) \
  FS_SKINNY(T, NAME, 1) FS_SKINNY(T, NAME, 2) FS_SKINNY(T, NAME, 3) FS_SKINNY(T, NAME, 4) \
  FS_SKINNY(T, NAME, 5) FS_SKINNY(T, NAME, 6) FS_SKINNY(T, NAME, 7) FS_SKINNY(T, NAME, 8)
FS_SKINNY_ALL(__nv_bfloat16, bf16)
FS_SKINNY_ALL(__half, f16)
