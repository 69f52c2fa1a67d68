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
// normalises every row and resets the ticket counter for the next launch or replay
// (deferred_rmsnorm.cuh). That tail is serial: the next kernel waits for it. The add-squares
// entry points stop after the shares instead and leave T(residual * norm weight) in `normed`,
// without the row's 1 / rms: the product that reads it multiplies its dot products by that
// (fs_deferred_rmsnorm), and fs_rmsnorm_settle_* writes the true rows for any other reader.
#include <stdint.h>
#include "fs_vec.cuh"
#include "model_params.h"
#include "fs_pdl.cuh"
#include "skinny_stream.cuh"
#include "deferred_rmsnorm.cuh"

namespace {

using fs_skinny::kWarps;
using fs_norm::kThreads;
constexpr int kPair = 2;   // weight rows (features) per warp

// kNorm: the whole add-norm (ticket, last CTA normalises); else the add-squares launch, which
// stops once its partials are written (the norm is deferred to the kernel that reads it).
template <typename T, int M, bool kNorm>
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
  T* normed = reinterpret_cast<T*>(p.normed);
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
    // add-squares: the norm weight of these columns, for the weighted rows it leaves in `normed`.
    float gain[kPair];
#pragma unroll
    for (int r = 0; r < kPair; ++r) gain[r] = kNorm ? 0.f : fs::to_float(reinterpret_cast<const T*>(p.norm_weight)[j + r]);
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
        squares[m] = __fmaf_rn(sum, sum, squares[m]);  // explicit: the same bits in both entry points
        if constexpr (!kNorm) normed[at] = fs::from_float<T>(__fmul_rn(sum, gain[r]));  // scaled by the reader
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
  if constexpr (!kNorm) return;  // the grid's end publishes the residual and partials
  __threadfence();  // every thread's residual and partial writes, before the ticket below
  __syncthreads();
  unsigned int* counter = reinterpret_cast<unsigned int*>(p.counter);
  if (threadIdx.x == 0) is_last = atomicAdd(counter, 1u) == gridDim.x - 1;
  __syncthreads();
  if (!is_last) return;
  __threadfence();  // the other CTAs' writes are visible from here on
  const fs_deferred_rmsnorm norm = {p.residual, p.partials, p.norm_weight, static_cast<int32_t>(gridDim.x), p.eps};
  fs_norm::settle<T, M>(norm, p.rows, p.n, reinterpret_cast<T*>(p.normed), scratch);
  if (threadIdx.x == 0) *counter = 0u;  // ready for the next launch (or graph replay)
}

// A deferred norm written into its tensor (one CTA): for the readers that cannot scale it.
template <typename T, int M>
__device__ __forceinline__ void rmsnorm_settle(const fs_rmsnorm_settle_params& p) {
  __shared__ float scratch[kWarps];
  fs_norm::settle<T, M>(p.norm, p.rows, p.n, reinterpret_cast<T*>(p.normed), scratch);
}

}  // namespace

// PDL inside linear_add_rmsnorm: trigger, prefetch the first weights, then wait. One row of
// x is held to 128 registers, two CTAs an SM (o's 4096 features stream in one wave); the
// f16 add-squares kernel's one-step tail (skinny_stream.cuh) took it to 135 without.
#define FS_ADD_NORM(T, NAME, M)                                                                                \
  extern "C" __global__ void __launch_bounds__(kThreads, M == 1 ? 2 : 1)                                       \
      fs_linear_skinny_add_rmsnorm_##NAME##_m##M(const __grid_constant__ fs_linear_add_rmsnorm_params p) {    \
    linear_add_rmsnorm<T, M, true>(p);                                                                        \
  }                                                                                                            \
  extern "C" __global__ void __launch_bounds__(kThreads, M == 1 ? 2 : 1)                                       \
      fs_linear_skinny_add_squares_##NAME##_m##M(const __grid_constant__ fs_linear_add_rmsnorm_params p) {    \
    linear_add_rmsnorm<T, M, false>(p);                                                                       \
  }                                                                                                            \
  extern "C" __global__ void __launch_bounds__(kThreads, 1)                                                    \
      fs_rmsnorm_settle_##NAME##_m##M(const __grid_constant__ fs_rmsnorm_settle_params p) {                   \
    fs_pdl_begin();                                                                                           \
    rmsnorm_settle<T, M>(p);                                                                                  \
  }
#define FS_ADD_NORM_ALL(T, NAME) \
  FS_ADD_NORM(T, NAME, 1) FS_ADD_NORM(T, NAME, 2) FS_ADD_NORM(T, NAME, 3) FS_ADD_NORM(T, NAME, 4)
FS_ADD_NORM_ALL(__nv_bfloat16, bf16)
FS_ADD_NORM_ALL(__half, f16)
