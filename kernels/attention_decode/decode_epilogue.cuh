// End of a segment: merge the four warps' softmax states, then either write the output
// (the CTA owned the whole pair) or store a normalized partial (O, log2-sum-exp) and count
// the piece; the CTA that brings the count to the number of pieces merges them all by
// their log-sum-exp, writes the output and clears the counter for the next launch. That
// saves the separate combine launch and its ~2-3 us gap at small batch.
#pragma once
#include "decode_mainloop.cuh"

namespace fs_decode {

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

// One output item's merge of normalized pieces (O, log2-sum-exp) by their log-sum-exp. The
// pieces come in batches of independent loads; each batch rescales what came before once.
// Shared by the stream-K merge (pieces from L2) and the cluster merge (pieces from the
// cluster's shared memory, decode_cluster.cuh).
struct PieceMerge {
  float mx = -CUDART_INF_F, sum = 0.f, acc[4] = {0.f, 0.f, 0.f, 0.f};

  template <int N>
  __device__ __forceinline__ void add(const float (&lse)[N], const float4 (&x)[N]) {
    float m_new = mx;
#pragma unroll
    for (int j = 0; j < N; ++j) m_new = fmaxf(m_new, lse[j]);
    if (m_new == -CUDART_INF_F) return;  // nothing attended yet
    const float rescale = exp2f(mx - m_new);
    sum *= rescale;
#pragma unroll
    for (int e = 0; e < 4; ++e) acc[e] *= rescale;
#pragma unroll
    for (int j = 0; j < N; ++j) {
      const float w = exp2f(lse[j] - m_new);
      sum += w;
      acc[0] += w * x[j].x; acc[1] += w * x[j].y; acc[2] += w * x[j].z; acc[3] += w * x[j].w;
    }
    mx = m_new;
  }

  // Normalizes acc; returns the item's log2-sum-exp (-inf when nothing was attended).
  __device__ __forceinline__ float finish() {
    const float inv = sum > 0.f ? 1.f / sum : 0.f;
#pragma unroll
    for (int e = 0; e < 4; ++e) acc[e] *= inv;
    return sum > 0.f ? mx + __log2f(sum) : -CUDART_INF_F;
  }
};

// Merges the pieces of seg.pair (the caller is the last CTA to finish one) in one
// streaming pass: each thread owns four output elements of one row and reads the pieces'
// (lse, O) in batches of 16 independent loads, so a merge of up to 16 pieces costs one
// L2 round trip instead of one per piece.
template <typename T, typename Cfg>
__device__ __forceinline__ void merge_pieces(const fs_attention_decode_params& p, const Segment& seg, int group) {
  constexpr int D = Cfg::kHeadDim;
  // 32 (one round trip for a 1k request's 17 pieces, 246 registers at hd 128) made the
  // Llama-3-8B batch-1 step 0.03-0.05 ms slower (H100, bench/RESULTS.md session 11).
  constexpr int kBatch = 16;
  const float* part_lse = reinterpret_cast<const float*>(p.partial_lse);
  const float* part_o = reinterpret_cast<const float*>(p.partial_o);
  const int n = seg.pieces;
  for (int item = threadIdx.x; item < group * (D / 4); item += Cfg::kThreads) {
    const int row = item / (D / 4), d = (item - row * (D / 4)) * 4;
    PieceMerge merge;
    for (int k0 = 0; k0 < n; k0 += kBatch) {
      float lse[kBatch];
      float4 x[kBatch];
#pragma unroll
      for (int j = 0; j < kBatch; ++j) {
        long long slot = static_cast<long long>(seg.first_partial + k0 + j) * group + row;
        bool ok = k0 + j < n;
        lse[j] = ok ? __ldcg(part_lse + slot) : -CUDART_INF_F;
        x[j] = ok ? __ldcg(reinterpret_cast<const float4*>(part_o + slot * D + d)) : make_float4(0.f, 0.f, 0.f, 0.f);
      }
      merge.add(lse, x);
    }
    const float lse2 = merge.finish();
    write_output<T>(p, seg, group, row, d, merge.acc, lse2);
  }
}

// Merges the four warps' softmax states of the segment just computed and hands each
// thread's items to `emit(row, d, acc[4], lse2)`: four normalized output elements of one
// row of the group and the row's log2-sum-exp (-inf when nothing was attended).
// Called after a CTA barrier that ended every warp's main loop. Stage 0 of each warp's
// ring is free (decode_loader.cuh) and holds that warp's O rows [16][D]; s_ml [warps][16]
// holds (m, l). Stages 1.. may already be receiving the next segment's tiles.
template <typename T, typename Cfg, typename Emit>
__device__ __forceinline__ void merge_warps(const fs_attention_decode_params& p, const WarpDecoder<T, Cfg>& wd,
                                            unsigned char* smem, float* s_ml, Emit&& emit) {
  constexpr int D = Cfg::kHeadDim;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int group = p.q_heads / p.kv_heads;
  auto scratch = [&](int w) { return reinterpret_cast<float*>(smem + w * Cfg::kStages * Cfg::kStageBytes); };
  float* s_o = scratch(warp);
  const int r0 = lane >> 2, c = (lane & 3) * 2;
#pragma unroll
  for (int j = 0; j < D / 8; ++j) {
    if (r0 < group) *reinterpret_cast<float2*>(s_o + r0 * D + j * 8 + c) = make_float2(wd.o[j][0], wd.o[j][1]);
    if (r0 + 8 < group) *reinterpret_cast<float2*>(s_o + (r0 + 8) * D + j * 8 + c) = make_float2(wd.o[j][2], wd.o[j][3]);
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
      float4 x = *reinterpret_cast<const float4*>(scratch(w) + row * D + d);
      acc[0] += coef * x.x; acc[1] += coef * x.y; acc[2] += coef * x.z; acc[3] += coef * x.w;
    }
    float inv = sum > 0.f ? 1.f / sum : 0.f;
    float lse2 = sum > 0.f ? mx + __log2f(sum) : -CUDART_INF_F;
#pragma unroll
    for (int e = 0; e < 4; ++e) acc[e] *= inv;
    emit(row, d, acc, lse2);
  }
}

template <typename T, typename Cfg>
__device__ __forceinline__ void finish_segment(const fs_attention_decode_params& p, const Segment& seg,
                                               const WarpDecoder<T, Cfg>& wd, unsigned char* smem,
                                               float* s_ml, int* s_is_last) {
  constexpr int D = Cfg::kHeadDim;
  const int tid = threadIdx.x;
  const int group = p.q_heads / p.kv_heads;
  merge_warps<T, Cfg>(p, wd, smem, s_ml, [&](int row, int d, const float (&acc)[4], float lse2) {
    if (seg.pieces == 1) {
      write_output<T>(p, seg, group, row, d, acc, lse2);
    } else {
      float* dst = reinterpret_cast<float*>(p.partial_o) + (static_cast<long long>(seg.my_partial) * group + row) * D + d;
      *reinterpret_cast<float4*>(dst) = make_float4(acc[0], acc[1], acc[2], acc[3]);
      if (d == 0) reinterpret_cast<float*>(p.partial_lse)[static_cast<long long>(seg.my_partial) * group + row] = lse2;
    }
  });
  if (seg.pieces == 1) return;
  __threadfence();  // publish this piece before counting it
  __syncthreads();
  int* counter = reinterpret_cast<int*>(p.split_counters) + seg.pair;
  if (tid == 0) *s_is_last = atomicAdd(counter, 1) == seg.pieces - 1;
  __syncthreads();
  if (!*s_is_last) return;
  __threadfence();  // see every other piece
  merge_pieces<T, Cfg>(p, seg, group);
  if (tid == 0) *counter = 0;  // ready for the next launch (graph replay)
}

}  // namespace fs_decode
