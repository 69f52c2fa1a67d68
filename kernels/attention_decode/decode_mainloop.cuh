// One warp's math over its share of a segment: tiles tile_lo + warp, + 4, + 8 ... of one
// (request, kv head) pair. Each warp runs its own cp.async ring (no block barriers in the
// loop; decode_loader.cuh gathers): the page-table entries of the next tile are read one
// iteration ahead, K and V rows land in swizzled shared memory, and the group's q heads
// (rows of the mma M dimension, zero-padded to 16) are multiplied with tensor cores:
//   S[16 x 16 tokens] = Q K^T   (K rows as the col-major B operand, ldmatrix)
//   O[16 x D]        += P V     (P re-packed from S's accumulators, V via ldmatrix.trans)
// with an online softmax in the log2 domain. Masked tokens are zero-filled, never read.
#pragma once
#include <math_constants.h>
#include "attention_decode_ptx.cuh"
#include "decode_loader.cuh"

namespace fs_decode {

// tanh via one exp: ~1e-7 absolute error. --use_fast_math turns tanhf into MUFU.TANH, whose
// ~5e-4 error times a softcap of 30 would move logits by ~0.015.
__device__ __forceinline__ float accurate_tanh(float x) {
  return 1.f - 2.f / (__expf(2.f * x) + 1.f);
}

template <typename T, typename Cfg>
struct WarpDecoder {
  static constexpr int D = Cfg::kHeadDim;
  static constexpr int kKSteps = D / 16;   // mma K steps over the head dim
  static constexpr int kOBlocks = D / 8;   // n8 blocks of the output
  static constexpr int kS = Cfg::kStages;

  // Softmax state of this lane's two rows (lane/4 and lane/4 + 8) and its O fragment.
  float o[kOBlocks][4];
  float m[2], l[2];
  uint32_t qf[Cfg::kQInRegisters ? kKSteps : 1][4];

  uint32_t q_tile;  // shared address of the CTA's q tile
  float scale_log2, cap_log2, scale_over_cap;
  bool softcap;
  int lane;

  __device__ __forceinline__ void init(const fs_attention_decode_params& p, unsigned char* smem) {
    lane = threadIdx.x & 31;
    q_tile = smem_addr(smem) + Cfg::kRingBytes;
    softcap = p.softcap > 0.f;
    scale_log2 = p.softmax_scale * 1.4426950408889634f;
    cap_log2 = p.softcap * 1.4426950408889634f;
    scale_over_cap = softcap ? p.softmax_scale / p.softcap : 0.f;
  }

  __device__ __forceinline__ void reset() {
#pragma unroll
    for (int j = 0; j < kOBlocks; ++j) o[j][0] = o[j][1] = o[j][2] = o[j][3] = 0.f;
    m[0] = m[1] = -CUDART_INF_F;
    l[0] = l[1] = 0.f;
  }

  __device__ __forceinline__ void q_fragment(int kk, uint32_t (&a)[4]) const {
    int mat = lane >> 3, r = lane & 7;
    ldmatrix_x4(q_tile + swizzled<Cfg::kChunks>((mat & 1) * 8 + r, 2 * kk + (mat >> 1)), a);
  }

  __device__ __forceinline__ void load_q_registers() {
    if constexpr (Cfg::kQInRegisters) {
#pragma unroll
      for (int kk = 0; kk < kKSteps; ++kk) q_fragment(kk, qf[kk]);
    }
  }

  __device__ __forceinline__ void compute_tile(uint32_t k_src, int tile, const RequestSpan& span) {
    const uint32_t v_src = k_src + Cfg::kTileBytes;
    const int mat = lane >> 3, r = lane & 7;
    float s[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
    for (int kk = 0; kk < kKSteps; ++kk) {
      uint32_t a[4], b[4];
      if constexpr (Cfg::kQInRegisters) {
        a[0] = qf[kk][0]; a[1] = qf[kk][1]; a[2] = qf[kk][2]; a[3] = qf[kk][3];
      } else {
        q_fragment(kk, a);
      }
      ldmatrix_x4(k_src + swizzled<Cfg::kChunks>((mat >> 1) * 8 + r, 2 * kk + (mat & 1)), b);
      Elem<T>::mma(s[0], a, b[0], b[1]);
      Elem<T>::mma(s[1], a, b[2], b[3]);
    }
    const int t0 = tile * Cfg::kTile;
    const bool boundary = t0 < span.start || t0 + Cfg::kTile > span.seqlen;
#pragma unroll
    for (int n = 0; n < 2; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        float x = softcap ? cap_log2 * accurate_tanh(s[n][e] * scale_over_cap) : s[n][e] * scale_log2;
        if (boundary) {
          int t = t0 + n * 8 + (lane & 3) * 2 + (e & 1);
          if (t < span.start || t >= span.seqlen) x = -CUDART_INF_F;
        }
        s[n][e] = x;
      }
    }
#pragma unroll
    for (int hh = 0; hh < 2; ++hh) {  // rows lane/4 (hh = 0) and lane/4 + 8 (hh = 1)
      float mx = fmaxf(fmaxf(s[0][2 * hh], s[0][2 * hh + 1]), fmaxf(s[1][2 * hh], s[1][2 * hh + 1]));
      float m_new = fmaxf(m[hh], warp_max_quad(mx));
      float m_use = m_new == -CUDART_INF_F ? 0.f : m_new;  // all masked so far: no NaN
      float alpha = exp2f(m[hh] - m_use);
      m[hh] = m_new;
      float sum = 0.f;
#pragma unroll
      for (int n = 0; n < 2; ++n) {
        s[n][2 * hh] = exp2f(s[n][2 * hh] - m_use);
        s[n][2 * hh + 1] = exp2f(s[n][2 * hh + 1] - m_use);
        sum += s[n][2 * hh] + s[n][2 * hh + 1];
      }
      l[hh] = l[hh] * alpha + sum;  // lane-partial; reduced over the quad at the end
#pragma unroll
      for (int j = 0; j < kOBlocks; ++j) {
        o[j][2 * hh] *= alpha;
        o[j][2 * hh + 1] *= alpha;
      }
    }
    // S accumulators (rows x tokens 0-7 | 8-15) are exactly P's A-operand layout.
    const uint32_t pa[4] = {Elem<T>::pack(s[0][0], s[0][1]), Elem<T>::pack(s[0][2], s[0][3]),
                            Elem<T>::pack(s[1][0], s[1][1]), Elem<T>::pack(s[1][2], s[1][3])};
#pragma unroll
    for (int dd = 0; dd < kKSteps; ++dd) {
      uint32_t b[4];
      ldmatrix_x4_trans(v_src + swizzled<Cfg::kChunks>((mat & 1) * 8 + r, 2 * dd + (mat >> 1)), b);
      Elem<T>::mma(o[2 * dd], pa, b[0], b[1]);
      Elem<T>::mma(o[2 * dd + 1], pa, b[2], b[3]);
    }
  }

  // Steady state: wait for tile i, refill the stage freed by tile i - 1, compute tile i.
  template <typename Loads>
  __device__ __forceinline__ void mainloop(Loads& ld) {
    reset();
    int slot_next = ld.slot_next;
    for (int i = 0; i < ld.count; ++i) {
      cp_async_wait<kS - 2>();
      __syncwarp();  // every lane's rows of tile i landed; every lane is done with tile i-1
      int ni = i + kS - 1;
      if (ni < ld.count) ld.issue_tile(Loads::stage_of(ni), slot_next);
      cp_async_commit();
      if (ni + 1 < ld.count) slot_next = ld.fetch_slot(ld.tile_at(ni + 1));
      compute_tile(ld.k_stage(Loads::stage_of(i)), ld.tile_at(i), ld.span);
    }
    l[0] = warp_sum_quad(l[0]);
    l[1] = warp_sum_quad(l[1]);
  }
};

}  // namespace fs_decode
