// Rotary position embedding in two steps, as the model's op set calls them:
//   fs_rope_tables_f32: cos/sin tables [rows, half] from positions and inverse frequencies
//     (once per step, shared by every layer's q and k);
//   fs_rope_apply_<T>:  half-split rotation of q or k [rows, heads, head_dim], in place;
//   fs_rope_apply_qk_<T>: both q and k in one launch (a decode step's layer then pays one
//     kernel for RoPE, not two).
// Tables stay float32: a bf16 cos/sin would add a 2^-9 relative error to every rotated
// element on top of the activations' own rounding.
#include "fs_vec.cuh"
#include "model_params.h"
#include "fs_pdl.cuh"
#include "fs_rope_rotate.cuh"

extern "C" __global__ void fs_rope_tables_f32(const __grid_constant__ fs_rope_tables_params p) {
  fs_pdl_begin();
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= int64_t(p.rows) * p.half) return;
  const int64_t row = i / p.half;
  const int f = int(i - row * p.half);
  const int32_t position = reinterpret_cast<const int32_t*>(p.positions)[row];
  // The float32 angle Hugging Face computes (positions.float() @ inv_freq); its cosine and
  // sine in double: --use_fast_math turns sinf/cosf into approximations whose error grows
  // with the angle, and angles reach 1e5 radians at long context. The product is written
  // with __fmul_rn so no fused multiply-add ever changes the angle.
  const float angle = __fmul_rn(float(position), reinterpret_cast<const float*>(p.inv_freq)[f]);
  double s, c;
  sincos(double(angle), &s, &c);
  reinterpret_cast<float*>(p.cos)[i] = float(c);
  reinterpret_cast<float*>(p.sin)[i] = float(s);
}

namespace {

// Loads 8 consecutive floats (32-byte aligned) as two 16-byte vectors.
__device__ __forceinline__ void load8f(const float* p, float (&out)[8]) {
  const float4 a = *reinterpret_cast<const float4*>(p);
  const float4 b = *reinterpret_cast<const float4*>(p + 4);
  out[0] = a.x; out[1] = a.y; out[2] = a.z; out[3] = a.w;
  out[4] = b.x; out[5] = b.y; out[6] = b.z; out[7] = b.w;
}

// Threads one launch of fs_rope_apply_* needs: one per 8 pairs.
__device__ __forceinline__ int64_t rope_items(const fs_rope_apply_params& p) {
  return int64_t(p.rows) * p.heads * (p.head_dim / 16);
}

__device__ __forceinline__ int64_t thread_item() { return int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }

// Item `item` rotates 8 pairs: elements [8j, 8j+8) of the first half of one head with the
// matching 8 of the second half. Consecutive items take consecutive j, then heads, then
// tokens, so a warp reads whole heads and the token's cos/sin row stays in L1.
template <typename T>
__device__ void rope_apply(const fs_rope_apply_params& p, int64_t item) {
  const int half = p.head_dim / 2;
  const int vectors = half / 8;
  if (item >= rope_items(p)) return;
  const int j = int(item % vectors);
  const int64_t token_head = item / vectors;
  const int head = int(token_head % p.heads);
  const int64_t row = token_head / p.heads;
  T* first = reinterpret_cast<T*>(p.x) + row * p.row_stride + int64_t(head) * p.head_dim + j * 8;
  T* second = first + half;
  const int64_t table = row * half + j * 8;
  float a[8], b[8], c[8], s[8];
  fs::load8(first, a);
  fs::load8(second, b);
  load8f(reinterpret_cast<const float*>(p.cos) + table, c);
  load8f(reinterpret_cast<const float*>(p.sin) + table, s);
  float x1[8], x2[8];
#pragma unroll
  for (int k = 0; k < 8; ++k) {
    x1[k] = fs::rope_first(a[k], b[k], c[k], s[k]);
    x2[k] = fs::rope_second(a[k], b[k], c[k], s[k]);
  }
  fs::store8(first, x1);
  fs::store8(second, x2);
}

// q's items first, then k's, each rotated exactly as its own launch would.
template <typename T>
__device__ void rope_apply_qk(const fs_rope_apply_qk_params& p) {
  const int64_t item = thread_item(), q_items = rope_items(p.q);
  if (item < q_items) rope_apply<T>(p.q, item);
  else rope_apply<T>(p.k, item - q_items);
}

}  // namespace

extern "C" __global__ void fs_rope_apply_bf16(const __grid_constant__ fs_rope_apply_params p) { fs_pdl_begin(); rope_apply<__nv_bfloat16>(p, thread_item()); }
extern "C" __global__ void fs_rope_apply_f16(const __grid_constant__ fs_rope_apply_params p) { fs_pdl_begin(); rope_apply<__half>(p, thread_item()); }
extern "C" __global__ void fs_rope_apply_qk_bf16(const __grid_constant__ fs_rope_apply_qk_params p) { fs_pdl_begin(); rope_apply_qk<__nv_bfloat16>(p); }
extern "C" __global__ void fs_rope_apply_qk_f16(const __grid_constant__ fs_rope_apply_qk_params p) { fs_pdl_begin(); rope_apply_qk<__half>(p); }
