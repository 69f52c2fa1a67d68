// The segment (one product of a multi-product skinny launch: q/k/v, gate/up) that owns a
// feature of the launch, shared by the FMA and tensor-core skinny kernels.
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

}  // namespace fs_skinny
