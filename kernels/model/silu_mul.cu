// SiLU-and-mul, the gated MLP's activation: out = silu(gate) * up, in float, 8 elements
// (two 16-byte loads, one 16-byte store) per thread. Memory-bound: 6 bytes per element.
#include "fs_vec.cuh"
#include "model_params.h"
#include "fs_pdl.cuh"
#include "silu.cuh"

namespace {

template <typename T>
__device__ void silu_mul(const fs_silu_mul_params& p) {
  const int64_t v = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (v >= p.count / 8) return;
  float g[8], u[8];
  fs::load8(reinterpret_cast<const T*>(p.gate) + v * 8, g);
  fs::load8(reinterpret_cast<const T*>(p.up) + v * 8, u);
#pragma unroll
  for (int k = 0; k < 8; ++k) g[k] = fs::silu_times(g[k], u[k]);
  fs::store8(reinterpret_cast<T*>(p.out) + v * 8, g);
}

}  // namespace

extern "C" __global__ void fs_silu_mul_bf16(const __grid_constant__ fs_silu_mul_params p) { fs_pdl_begin(); silu_mul<__nv_bfloat16>(p); }
extern "C" __global__ void fs_silu_mul_f16(const __grid_constant__ fs_silu_mul_params p) { fs_pdl_begin(); silu_mul<__half>(p); }
