// One warp's share of a segment: tiles tile_lo + warp, + 4, + 8 ... of one (request, kv
// head) pair. Each warp runs its own cp.async ring (no block barriers in the loop): the
// page-table entries of the next tile are read one iteration ahead, K and V rows are
// gathered with 16-byte cp.async into swizzled shared memory, and the group's q heads
// (rows of the mma M dimension, zero-padded to 16) are multiplied with tensor cores:
//   S[16 x 16 tokens] = Q K^T   (K rows as the col-major B operand, ldmatrix)
//   O[16 x D]        += P V     (P re-packed from S's accumulators, V via ldmatrix.trans)
// with an online softmax in the log2 domain. Masked tokens are zero-filled, never read.
#pragma once
#include <math_constants.h>
#include "attention_decode_ptx.cuh"
#include "decode_schedule.cuh"

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

  const T* k_base;  // pool + head offset
  const T* v_base;
  long long k_stride, v_stride;
  const int* pt_row;
  int log2_page, num_slots;
  RequestSpan span;
  uint32_t ring, q_tile;  // shared addresses: this warp's ring, the CTA's q tile
  float scale_log2, cap_log2, scale_over_cap;
  bool softcap;
  uint64_t l2_policy;  // evict_first for the streamed K/V (LoadHint 2)
  int lane, warp, tile_first, count;  // this warp's tiles: tile_first + i * kWarps, i < count

  __device__ __forceinline__ void init(const fs_attention_decode_params& p, const Segment& seg,
                                       unsigned char* smem) {
    lane = threadIdx.x & 31;
    warp = threadIdx.x >> 5;
    k_base = reinterpret_cast<const T*>(p.k_pool) + seg.h * p.k_head_stride;
    v_base = reinterpret_cast<const T*>(p.v_pool) + seg.h * p.v_head_stride;
    k_stride = p.k_slot_stride;
    v_stride = p.v_slot_stride;
    pt_row = reinterpret_cast<const int*>(p.page_table) + static_cast<long long>(seg.b) * p.page_table_stride;
    log2_page = p.log2_page_size;
    num_slots = p.num_slots;
    span = seg.span;
    ring = smem_addr(smem) + warp * kS * Cfg::kStageBytes;
    q_tile = smem_addr(smem) + Cfg::kRingBytes;
    softcap = p.softcap > 0.f;
    l2_policy = Cfg::kLoadHint == 2 ? l2_evict_first_policy() : 0;
    scale_log2 = p.softmax_scale * 1.4426950408889634f;
    cap_log2 = p.softcap * 1.4426950408889634f;
    scale_over_cap = softcap ? p.softmax_scale / p.softcap : 0.f;
    int n = seg.tile_hi - seg.tile_lo - warp;
    count = n > 0 ? (n + Cfg::kWarps - 1) / Cfg::kWarps : 0;
    tile_first = span.tile_begin + seg.tile_lo + warp;
#pragma unroll
    for (int j = 0; j < kOBlocks; ++j) o[j][0] = o[j][1] = o[j][2] = o[j][3] = 0.f;
    m[0] = m[1] = -CUDART_INF_F;
    l[0] = l[1] = 0.f;
  }

  __device__ __forceinline__ int tile_at(int i) const { return tile_first + i * Cfg::kWarps; }

  // Lanes 0..15 return the pool slot of token row `lane` of the tile, -1 when masked.
  __device__ __forceinline__ int fetch_slot(int tile) const {
    int t = tile * Cfg::kTile + (lane & 15);
    int slot = -1;
    if (t >= span.start && t < span.seqlen) {
      int page = __ldg(pt_row + (t >> log2_page));
      long long s = (static_cast<long long>(page) << log2_page) + (t & ((1 << log2_page) - 1));
      if (page >= 0 && s < num_slots) slot = static_cast<int>(s);
    }
    return slot;
  }

  // Gathers the tile's 16 K rows and 16 V rows into ring stage `stage`.
  __device__ __forceinline__ void issue_tile(int stage, int row_slot) const {
    uint32_t k_dst = ring + stage * Cfg::kStageBytes;
    uint32_t v_dst = k_dst + Cfg::kTileBytes;
    int chunk = lane % Cfg::kChunks;
#pragma unroll
    for (int pass = 0; pass < Cfg::kPasses; ++pass) {
      int row = lane / Cfg::kChunks + pass * Cfg::kRowsPerPass;
      int slot = __shfl_sync(0xffffffffu, row_slot, row);
      bool ok = slot >= 0;
      long long s = ok ? slot : 0;
      uint32_t off = swizzled<Cfg::kChunks>(row, chunk);
      cp_async_16_hint<Cfg::kLoadHint>(k_dst + off, k_base + s * k_stride + chunk * 8, ok, l2_policy);
      cp_async_16_hint<Cfg::kLoadHint>(v_dst + off, v_base + s * v_stride + chunk * 8, ok, l2_policy);
    }
  }

  // Issues the first kS - 1 tiles, one commit group each (empty groups keep the count).
  __device__ __forceinline__ void prologue() {
    int slots[kS - 1];
#pragma unroll
    for (int s = 0; s < kS - 1; ++s) slots[s] = s < count ? fetch_slot(tile_at(s)) : -1;
#pragma unroll
    for (int s = 0; s < kS - 1; ++s) {
      if (s < count) issue_tile(s, slots[s]);
      cp_async_commit();
    }
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

  __device__ __forceinline__ void compute_tile(int stage, int tile) {
    const uint32_t k_src = ring + stage * Cfg::kStageBytes;
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
  __device__ __forceinline__ void mainloop() {
    int slot_next = kS - 1 < count ? fetch_slot(tile_at(kS - 1)) : -1;
    for (int i = 0; i < count; ++i) {
      cp_async_wait<kS - 2>();
      __syncwarp();  // every lane's rows of tile i landed; every lane is done with tile i-1
      int ni = i + kS - 1;
      if (ni < count) issue_tile(ni % kS, slot_next);
      cp_async_commit();
      if (ni + 1 < count) slot_next = fetch_slot(tile_at(ni + 1));
      compute_tile(i % kS, tile_at(i));
    }
    l[0] = warp_sum_quad(l[0]);
    l[1] = warp_sum_quad(l[1]);
  }
};

}  // namespace fs_decode
