// The attention block's q/k/v products and the RoPE of q and k on a decode step, in one
// launch (see fs_linear_rope_params). Unfused this is a skinny launch writing q, k and v and
// a RoPE launch reading q and k back and writing them again; the RoPE launch is a graph node
// of ~3 us per layer that moves almost no bytes.
//
// Rotation pairs element j of a head with element j + half, which two different warps
// compute. So a CTA step takes 4 pairs of one head: warps 0-3 stream rows j..j+3 (first
// half), warps 4-7 rows j+half..j+half+3, each rounds its dot products to T as the plain
// kernel writes them, and they swap the values through shared memory before rotating.
// v's steps skip the swap. The dot products are skinny_stream.cuh's and the rotation is
// fs_rope_rotate.cuh's, both shared with the unfused kernels: the result is their bits.
// x may be a deferred norm's weighted rows (fs_deferred_rmsnorm): then the kernel scales its
// dot products (deferred_rmsnorm.cuh).
#include <stdint.h>
#include "fs_vec.cuh"
#include "model_params.h"
#include "fs_pdl.cuh"
#include "fs_rope_rotate.cuh"
#include "skinny_stream.cuh"
#include "deferred_rmsnorm.cuh"

namespace {

using fs_skinny::kWarps;
constexpr int kPairsPerStep = kWarps / 2;

// One of the three products, chosen with constant indices only (a runtime index into the
// params would copy them to local memory).
struct Product {
  const void* w;
  const void* bias;
  void* out;
  int width;
  bool rotated;
};

__device__ __forceinline__ int steps_of(int width) { return width / (2 * kPairsPerStep); }

// Which product step `step` belongs to, and the step's index inside it.
__device__ __forceinline__ Product product_of(const fs_linear_rope_params& p, int& step) {
  const int q_steps = steps_of(p.q_width), kv_steps = steps_of(p.kv_width);
  if (step < q_steps) return {reinterpret_cast<const void*>(p.w_q), reinterpret_cast<const void*>(p.bias_q),
                              reinterpret_cast<void*>(p.out_q), p.q_width, true};
  step -= q_steps;
  if (step < kv_steps) return {reinterpret_cast<const void*>(p.w_k), reinterpret_cast<const void*>(p.bias_k),
                               reinterpret_cast<void*>(p.out_k), p.kv_width, true};
  step -= kv_steps;
  return {reinterpret_cast<const void*>(p.w_v), reinterpret_cast<const void*>(p.bias_v),
          reinterpret_cast<void*>(p.out_v), p.kv_width, false};
}

// The feature (output row) this warp computes in a step: pair index local * 4 + warp % 4 of
// the product, first or second half of its head by warp / 4.
__device__ __forceinline__ int feature_of(int local, int warp, int head_dim, int& pair_j) {
  const int half = head_dim / 2;
  const int pair = local * kPairsPerStep + (warp % kPairsPerStep);
  const int head = pair / half;
  pair_j = pair - head * half;
  return head * head_dim + pair_j + (warp >= kPairsPerStep ? half : 0);
}

template <typename T, int M>
__device__ __forceinline__ void linear_rope(const fs_linear_rope_params& p) {
  __shared__ float s_value[kWarps][M];
  __shared__ float scratch[kWarps];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int steps = steps_of(p.q_width) + 2 * steps_of(p.kv_width);
  const int half = p.head_dim / 2;
  fs_pdl_trigger();
  if (static_cast<int>(blockIdx.x) < steps) {  // the first step's rows, as the plain kernel does
    int local = blockIdx.x, j;
    const Product first = product_of(p, local);
    const int feature = feature_of(local, warp, p.head_dim, j);
    fs_skinny::prefetch_l2(reinterpret_cast<const T*>(first.w) + int64_t(feature) * p.k, p.k * int(sizeof(T)), 4096,
                           lane, 0);
  }
  fs_pdl_wait();
  // x from a deferred norm: its row scales multiply the dot products, resolved by the whole
  // CTA after its first step's (every warp of a CTA runs every step).
  const bool deferred = p.norm.residual != 0;
  fs_norm::RowScales<M> scales;
  if (deferred) scales.request(p.norm, p.rows);
  bool resolved = false;
  const T* x = reinterpret_cast<const T*>(p.x);
  for (int step = blockIdx.x; step < steps; step += gridDim.x) {
    int local = step, j;
    const Product prod = product_of(p, local);
    const int feature = feature_of(local, warp, p.head_dim, j);
    const T* const rows[1] = {reinterpret_cast<const T*>(prod.w) + int64_t(feature) * p.k};
    float acc[1][M];
    fs_skinny::warp_dots<T, M, 1>(x, p.k, rows, lane, acc);
    if (deferred) {
      if (!resolved) scales.resolve(p.norm, p.rows, p.k, scratch);
      resolved = true;
#pragma unroll
      for (int m = 0; m < M; ++m) acc[0][m] *= scales.scale[m];
    }
    // Rounded as the plain kernel writes it (acc + bias), and read back as float.
    const float bias = prod.bias ? fs::to_float(reinterpret_cast<const T*>(prod.bias)[feature]) : 0.f;
    float value[M];
#pragma unroll
    for (int m = 0; m < M; ++m) value[m] = fs::to_float(fs::from_float<T>(acc[0][m] + bias));
    T* out = reinterpret_cast<T*>(prod.out);
    if (!prod.rotated) {  // v: the whole CTA takes this branch together
      if (lane == 0) {
#pragma unroll
        for (int m = 0; m < M; ++m) {
          if (m < p.rows) out[int64_t(m) * prod.width + feature] = fs::from_float<T>(value[m]);
        }
      }
      continue;
    }
    if (lane == 0) {
#pragma unroll
      for (int m = 0; m < M; ++m) s_value[warp][m] = value[m];
    }
    __syncthreads();
    if (lane == 0) {
      const bool first_half = warp < kPairsPerStep;
      const int partner = first_half ? warp + kPairsPerStep : warp - kPairsPerStep;
      const float* cos = reinterpret_cast<const float*>(p.cos);
      const float* sin = reinterpret_cast<const float*>(p.sin);
#pragma unroll
      for (int m = 0; m < M; ++m) {
        if (m >= p.rows) break;
        const float a = first_half ? value[m] : s_value[partner][m];
        const float b = first_half ? s_value[partner][m] : value[m];
        const float c = cos[int64_t(m) * half + j], s = sin[int64_t(m) * half + j];
        const float rotated = first_half ? fs::rope_first(a, b, c, s) : fs::rope_second(a, b, c, s);
        out[int64_t(m) * prod.width + feature] = fs::from_float<T>(rotated);
      }
    }
    __syncthreads();  // the swap buffer is free for the next step
  }
}

}  // namespace

// PDL inside linear_rope: trigger, prefetch the first weights, then wait.
#define FS_ROPE(T, NAME, M)                                                                    \
  extern "C" __global__ void __launch_bounds__(kWarps * 32, 1)                                  \
      fs_linear_skinny_rope_##NAME##_m##M(const __grid_constant__ fs_linear_rope_params p) {   \
    linear_rope<T, M>(p);                                                                      \
  }
#define FS_ROPE_ALL(T, NAME) FS_ROPE(T, NAME, 1) FS_ROPE(T, NAME, 2) FS_ROPE(T, NAME, 3) FS_ROPE(T, NAME, 4)
FS_ROPE_ALL(__nv_bfloat16, bf16)
FS_ROPE_ALL(__half, f16)
