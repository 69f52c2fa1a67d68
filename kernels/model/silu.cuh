// silu(g) * u in float, the one expression both the SiLU-and-mul kernel and the fused
// gate/up product use, so that the fused path is bit for bit the unfused one.
#pragma once

namespace fs {

// 1 / (1 + e^-g): e^-g overflowing to inf for very negative g gives 0, never NaN.
__device__ __forceinline__ float silu_times(float g, float u) {
  const float sigmoid = 1.f / (1.f + __expf(-g));
  return g * sigmoid * u;
}

}  // namespace fs
