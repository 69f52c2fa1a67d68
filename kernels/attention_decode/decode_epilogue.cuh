// End of a segment: merge the four warps' softmax states, then either write the output
// (the CTA owned the whole pair) or store a normalized partial (O, log2-sum-exp) and count
// the piece; the CTA that brings the count to the number of pieces merges them all by
// their log-sum-exp, writes the output and clears the counter for the next launch. That
// saves the separate combine launch and its ~2-3 us gap at small batch.
#pragma once
#include "decode_mainloop.cuh"

namespace fs_decode {

__device__ __forceinline__ float warp_max_all(float x) {
#pragma unroll
  for (int d = 16; d > 0; d >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, d));
  return x;
}

__device__ __forceinline__ float warp_sum_all(float x) {
#pragma unroll
  for (int d = 16; d > 0; d >>= 1) x += __shfl_xor_sync(0xffffffffu, x, d);
  return x;
}

// Writes four output elements (row of the group, dims d..d+3) and, once per row, the LSE.
template <typename T>
__device__ __forceinline__ void write_output(const fs_attention_decode_params& p, const Segment& seg,
                                             int group, int row, int d, const float (&v)[4], float lse2) {
  int head = seg.h * group + row;
  T* out = reinterpret_cast<T*>(p.o) + seg.b * p.o_batch_stride + head * p.o_head_stride + d;
  uint2 packed = make_uint2(Elem<T>::pack(v[0], v[1]), Elem<T>::pack(v[2], v[3]));
  *reinterpret_cast<uint2*>(out) = packed;
  if (p.lse != 0 && d == 0) {
    reinterpret_cast<float*>(p.lse)[seg.b * p.q_heads + head] = lse2 * 0.6931471805599453f;
  }
}

// Merges the pieces of seg.pair (the caller is the last CTA to finish one).
template <typename T, int D>
__device__ __forceinline__ void merge_pieces(const fs_attention_decode_params& p, const Segment& seg,
                                             int group, float* s_weights, float* s_row_lse) {
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int n = seg.pieces;
  const float* part_lse = reinterpret_cast<const float*>(p.partial_lse);
  const float* part_o = reinterpret_cast<const float*>(p.partial_o);
  for (int i = tid; i < group * n; i += FS_ATTENTION_DECODE_THREADS) {
    int row = i / n, k = i - row * n;
    s_weights[i] = __ldcg(part_lse + static_cast<long long>(seg.first_partial + k) * group + row);
  }
  __syncthreads();
  for (int row = warp; row < group; row += FS_ATTENTION_DECODE_THREADS / 32) {
    float* w = s_weights + row * n;
    float mx = -CUDART_INF_F;
    for (int k = lane; k < n; k += 32) mx = fmaxf(mx, w[k]);
    mx = warp_max_all(mx);
    float sum = 0.f;
    for (int k = lane; k < n; k += 32) {
      float e = (w[k] == -CUDART_INF_F) ? 0.f : exp2f(w[k] - mx);
      w[k] = e;
      sum += e;
    }
    sum = warp_sum_all(sum);
    float inv = sum > 0.f ? 1.f / sum : 0.f;
    for (int k = lane; k < n; k += 32) w[k] *= inv;
    if (lane == 0) s_row_lse[row] = sum > 0.f ? mx + __log2f(sum) : -CUDART_INF_F;
  }
  __syncthreads();
  for (int item = tid; item < group * (D / 4); item += FS_ATTENTION_DECODE_THREADS) {
    int row = item / (D / 4), d = (item - row * (D / 4)) * 4;
    const float* w = s_weights + row * n;
    float acc[4] = {0.f, 0.f, 0.f, 0.f};
#pragma unroll 4
    for (int k = 0; k < n; ++k) {
      float4 x = __ldcg(reinterpret_cast<const float4*>(
          part_o + (static_cast<long long>(seg.first_partial + k) * group + row) * D + d));
      acc[0] += w[k] * x.x; acc[1] += w[k] * x.y; acc[2] += w[k] * x.z; acc[3] += w[k] * x.w;
    }
    write_output<T>(p, seg, group, row, d, acc, s_row_lse[row]);
  }
}

template <typename T, int D>
__device__ __forceinline__ void finish_segment(const fs_attention_decode_params& p, const Segment& seg,
                                               const WarpDecoder<T, D>& wd, unsigned char* smem,
                                               float* s_row_lse, int* s_is_last) {
  using Cfg = DecodeConfig<D>;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int group = p.q_heads / p.kv_heads;
  cp_async_wait<0>();
  __syncthreads();  // every warp is done with its ring: reuse it as scratch
  float* s_o = reinterpret_cast<float*>(smem);      // [warps][16][D]
  float* s_ml = s_o + Cfg::kWarps * 16 * D;          // [warps][16][m, l]
  const int r0 = lane >> 2, c = (lane & 3) * 2;
#pragma unroll
  for (int j = 0; j < D / 8; ++j) {
    if (r0 < group) *reinterpret_cast<float2*>(s_o + (warp * 16 + r0) * D + j * 8 + c) = make_float2(wd.o[j][0], wd.o[j][1]);
    if (r0 + 8 < group) *reinterpret_cast<float2*>(s_o + (warp * 16 + r0 + 8) * D + j * 8 + c) = make_float2(wd.o[j][2], wd.o[j][3]);
  }
  if ((lane & 3) == 0) {
    s_ml[(warp * 16 + r0) * 2] = wd.m[0];
    s_ml[(warp * 16 + r0) * 2 + 1] = wd.l[0];
    s_ml[(warp * 16 + r0 + 8) * 2] = wd.m[1];
    s_ml[(warp * 16 + r0 + 8) * 2 + 1] = wd.l[1];
  }
  __syncthreads();
  for (int item = tid; item < group * (D / 4); item += Cfg::kThreads) {
    int row = item / (D / 4), d = (item - row * (D / 4)) * 4;
    float mx = -CUDART_INF_F;
#pragma unroll
    for (int w = 0; w < Cfg::kWarps; ++w) mx = fmaxf(mx, s_ml[(w * 16 + row) * 2]);
    float acc[4] = {0.f, 0.f, 0.f, 0.f}, sum = 0.f;
#pragma unroll
    for (int w = 0; w < Cfg::kWarps; ++w) {
      float mw = s_ml[(w * 16 + row) * 2];
      float coef = mw == -CUDART_INF_F ? 0.f : exp2f(mw - mx);
      sum += coef * s_ml[(w * 16 + row) * 2 + 1];
      float4 x = *reinterpret_cast<const float4*>(s_o + (w * 16 + row) * D + d);
      acc[0] += coef * x.x; acc[1] += coef * x.y; acc[2] += coef * x.z; acc[3] += coef * x.w;
    }
    float inv = sum > 0.f ? 1.f / sum : 0.f;
    float lse2 = sum > 0.f ? mx + __log2f(sum) : -CUDART_INF_F;
#pragma unroll
    for (int e = 0; e < 4; ++e) acc[e] *= inv;
    if (seg.pieces == 1) {
      write_output<T>(p, seg, group, row, d, acc, lse2);
    } else {
      float* dst = reinterpret_cast<float*>(p.partial_o) + (static_cast<long long>(seg.my_partial) * group + row) * D + d;
      *reinterpret_cast<float4*>(dst) = make_float4(acc[0], acc[1], acc[2], acc[3]);
      if (d == 0) reinterpret_cast<float*>(p.partial_lse)[static_cast<long long>(seg.my_partial) * group + row] = lse2;
    }
  }
  if (seg.pieces == 1) return;
  __threadfence();  // publish this piece before counting it
  __syncthreads();
  int* counter = reinterpret_cast<int*>(p.split_counters) + seg.pair;
  if (tid == 0) *s_is_last = atomicAdd(counter, 1) == seg.pieces - 1;
  __syncthreads();
  if (!*s_is_last) return;
  __threadfence();  // see every other piece
  merge_pieces<T, D>(p, seg, group, reinterpret_cast<float*>(smem), s_row_lse);
  if (tid == 0) *counter = 0;  // ready for the next launch (graph replay)
}

}  // namespace fs_decode
