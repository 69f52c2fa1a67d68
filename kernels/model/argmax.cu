// Greedy sampling on the device (see fs_argmax_params in model_params.h): the sampler reads
// back one 8-byte key per row instead of the row's logits (a Llama-3 row is 513 KB of
// float32; at batch 128 reading them all costs milliseconds per step).
// Grid: (chunks per row, rows). Each CTA scans `chunk` elements of its row, reduces to one
// key in registers, warps and shared memory, then one atomicMax per CTA merges the chunks.
#include <stdint.h>
#include "model_params.h"
#include "fs_pdl.cuh"

namespace {

// Floats ordered as unsigned integers (larger float -> larger key); NaN maps to 0, below
// every real value, so it never wins, as in the host sampler's `>` comparison.
__device__ __forceinline__ uint64_t key_of(float v, int32_t index) {
  uint32_t bits = __float_as_uint(v);
  uint32_t ordered = (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
  if (v != v) ordered = 0;
  return (uint64_t(ordered) << 32) | uint64_t(0xFFFFFFFFu - uint32_t(index));
}

__device__ __forceinline__ uint64_t max_key(uint64_t a, uint64_t b) { return a > b ? a : b; }

}  // namespace

extern "C" __global__ void __launch_bounds__(256) fs_argmax_f32(const __grid_constant__ fs_argmax_params p) {
  fs_pdl_begin();
  const int row = blockIdx.y;
  const int64_t begin = int64_t(blockIdx.x) * p.chunk;
  const int64_t end = begin + p.chunk < p.vocab ? begin + p.chunk : p.vocab;
  const float* x = reinterpret_cast<const float*>(p.logits) + int64_t(row) * p.row_stride;
  uint64_t best = 0;
  // float4 loads when the row is 16-byte aligned (vocab and stride multiples of 4);
  // every Llama-family vocabulary we serve is, the scalar loop covers the rest.
  if ((p.row_stride & 3) == 0 && (reinterpret_cast<uintptr_t>(x) & 15) == 0) {
    const int64_t vend = begin + ((end - begin) & ~int64_t(3));
    for (int64_t i = begin + 4 * threadIdx.x; i < vend; i += 4 * blockDim.x) {
      const float4 v = *reinterpret_cast<const float4*>(x + i);
      best = max_key(best, key_of(v.x, int32_t(i)));
      best = max_key(best, key_of(v.y, int32_t(i + 1)));
      best = max_key(best, key_of(v.z, int32_t(i + 2)));
      best = max_key(best, key_of(v.w, int32_t(i + 3)));
    }
    for (int64_t i = vend + threadIdx.x; i < end; i += blockDim.x) best = max_key(best, key_of(x[i], int32_t(i)));
  } else {
    for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) best = max_key(best, key_of(x[i], int32_t(i)));
  }
  for (int offset = 16; offset > 0; offset >>= 1) best = max_key(best, __shfl_xor_sync(0xFFFFFFFFu, best, offset));
  __shared__ uint64_t warp_best[8];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) warp_best[warp] = best;
  __syncthreads();
  if (warp == 0) {
    best = lane < int(blockDim.x >> 5) ? warp_best[lane] : 0;
    for (int offset = 4; offset > 0; offset >>= 1) best = max_key(best, __shfl_xor_sync(0xFFFFFFFFu, best, offset));
    if (lane == 0) atomicMax(reinterpret_cast<unsigned long long*>(p.keys) + row, (unsigned long long)best);
  }
}
