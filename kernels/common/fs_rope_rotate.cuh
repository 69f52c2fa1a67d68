// The half-split RoPE rotation of one pair (a from the head's first half, b from the second),
// written with explicit roundings so that every kernel that rotates (fs_rope_apply_* and the
// q/k/v product fused with RoPE) gets the same bits whatever the compiler contracts.
#pragma once

namespace fs {

// a' = a cos - b sin
__device__ __forceinline__ float rope_first(float a, float b, float c, float s) { return __fmaf_rn(a, c, -__fmul_rn(b, s)); }
// b' = b cos + a sin
__device__ __forceinline__ float rope_second(float a, float b, float c, float s) { return __fmaf_rn(b, c, __fmul_rn(a, s)); }

}  // namespace fs
