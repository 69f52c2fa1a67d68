// RMSNorm over the last dimension, optionally fused with the residual add that precedes
// it in a pre-norm transformer block (one pass over memory instead of two).
// One CTA per row; 16-byte vector loads; the sum of squares is reduced in float.
#include "fs_vec.cuh"
#include "rmsnorm_params.h"
#include "fs_pdl.cuh"

namespace {

__device__ __forceinline__ float block_sum(float value) {
  __shared__ float partial[32];
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(0xffffffff, value, offset);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) partial[warp] = value;
  __syncthreads();
  const int warps = (blockDim.x + 31) / 32;
  value = lane < warps ? partial[lane] : 0.f;
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(0xffffffff, value, offset);
  return value;
}

template <typename T>
__device__ void rmsnorm(const fs_rmsnorm_params& p) {
  const int64_t row = blockIdx.x;
  const T* x = reinterpret_cast<const T*>(p.x) + row * p.hidden;
  T* residual = p.residual ? reinterpret_cast<T*>(p.residual) + row * p.hidden : nullptr;
  const T* weight = reinterpret_cast<const T*>(p.weight);
  T* out = reinterpret_cast<T*>(p.out) + row * p.hidden;
  const int vectors = p.hidden / 8;

  // Pass 1: (residual add and) sum of squares. The fused residual is rounded to T before
  // it is squared, exactly as an unfused add would store it.
  float squares = 0.f;
  for (int v = threadIdx.x; v < vectors; v += blockDim.x) {
    float values[8];
    fs::load8(x + v * 8, values);
    if (residual) {
      float r[8];
      fs::load8(residual + v * 8, r);
#pragma unroll
      for (int i = 0; i < 8; ++i) values[i] = fs::to_float(fs::from_float<T>(values[i] + r[i]));
      fs::store8(residual + v * 8, values);
    }
#pragma unroll
    for (int i = 0; i < 8; ++i) squares += values[i] * values[i];
  }
  const float scale = rsqrtf(block_sum(squares) / p.hidden + p.eps);

  // Pass 2: normalise (the row was just read, so this re-read hits L1/L2).
  const T* source = residual ? residual : x;
  for (int v = threadIdx.x; v < vectors; v += blockDim.x) {
    float values[8], w[8];
    fs::load8(source + v * 8, values);
    fs::load8(weight + v * 8, w);
#pragma unroll
    for (int i = 0; i < 8; ++i) values[i] = values[i] * scale * w[i];
    fs::store8(out + v * 8, values);
  }
}

}  // namespace

extern "C" __global__ void fs_rmsnorm_bf16(const __grid_constant__ fs_rmsnorm_params p) { fs_pdl_begin(); rmsnorm<__nv_bfloat16>(p); }
extern "C" __global__ void fs_rmsnorm_f16(const __grid_constant__ fs_rmsnorm_params p) { fs_pdl_begin(); rmsnorm<__half>(p); }
