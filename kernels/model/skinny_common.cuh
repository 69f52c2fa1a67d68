// What the FMA and tensor-core skinny kernels share: the segment (one product of a
// multi-product launch: q/k/v, gate/up) that owns a feature, and the pre-wait L2 prefetch of
// a weight row's start.
#pragma once
#include "model_params.h"

namespace fs_skinny {

__device__ __forceinline__ fs_linear_skinny_segment segment_of(const fs_linear_skinny_params& p, int feature) {
  // Constant indices only (a runtime index into the params would copy them to local memory).
  fs_linear_skinny_segment seg = p.segment[0];
#pragma unroll
  for (int i = 1; i < FS_SKINNY_MAX_SEGMENTS; ++i) {
    if (i < p.segments && feature >= p.segment[i].first_feature) seg = p.segment[i];
  }
  return seg;
}

// Pulls `bytes` from the start of a weight row into L2, one 128-byte line per lane from
// `first_lane` on. Weights never depend on the previous kernel, so this runs before
// fs_pdl_wait and the stream starts at full speed once the previous kernel is done.
__device__ __forceinline__ void prefetch_l2(const void* row, int row_bytes, int bytes, int lane, int first_lane) {
  const int offset = (lane - first_lane) * 128;
  if (offset >= 0 && offset < bytes && offset < row_bytes) {
    asm volatile("prefetch.global.L2 [%0];" ::"l"(reinterpret_cast<const char*>(row) + offset));
  }
}

}  // namespace fs_skinny
