// Widening to float32: out = float(x), 8 elements per thread (one 16-byte load, two
// 16-byte stores). For bf16/f16 activations that a float32 consumer reads.
#include "fs_vec.cuh"
#include "model_params.h"

namespace {

template <typename T>
__device__ void to_float(const fs_to_float_params& p) {
  const int64_t v = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (v >= p.count / 8) return;
  float x[8];
  fs::load8(reinterpret_cast<const T*>(p.x) + v * 8, x);
  float4* out = reinterpret_cast<float4*>(p.out) + v * 2;
  out[0] = make_float4(x[0], x[1], x[2], x[3]);
  out[1] = make_float4(x[4], x[5], x[6], x[7]);
}

}  // namespace

extern "C" __global__ void fs_to_float_bf16(const __grid_constant__ fs_to_float_params p) { to_float<__nv_bfloat16>(p); }
extern "C" __global__ void fs_to_float_f16(const __grid_constant__ fs_to_float_params p) { to_float<__half>(p); }
