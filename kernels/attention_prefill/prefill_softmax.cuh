// Online softmax and masking on the wgmma accumulator of S = Q K^T, in registers.
//
// A wgmma accumulator fragment is ((2, 2, N/8), MMA_M, MMA_N): per thread 2 rows (r, r + 8)
// and pairs of adjacent columns every 8. The row/column view below regroups it so that rows
// and columns can be walked directly; the four lanes of a quad share a row, so row reductions
// take two shuffles.
#pragma once
#include <cute/tensor.hpp>

#include "attention_prefill_sync.cuh"

namespace fs_prefill {
using namespace cute;

// ((2, 2, V), MMA_M, MMA_N) -> ((2, MMA_M), (2, V, MMA_N)): (row, column) view.
template <class L>
__device__ __forceinline__ auto acc_rowcol(L l) {
  return make_layout(make_layout(get<0, 1>(l), get<1>(l)),
                     make_layout(get<0, 0>(l), get<0, 2>(l), get<2>(l)));
}

// S accumulator ((2, 2, N/8), MMA_M, 1) -> A-operand registers ((2, 2, 2), MMA_M, N/16) of
// the P V wgmma: two adjacent 8-column groups of S are exactly one k16 slice of A.
template <class L>
__device__ __forceinline__ auto acc_as_a_operand(L l) {
  auto pairs = logical_divide(get<0, 2>(l), cute::Tile<_2>{});  // ((2, N/16))
  return make_layout(make_layout(get<0, 0>(l), get<0, 1>(l), get<0, 0>(pairs)), get<1>(l),
                     coalesce(make_layout(get<0, 1>(pairs), get<2>(l))));
}

__device__ __forceinline__ float quad_max(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}
__device__ __forceinline__ float quad_sum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

// Running max and sum of each of the thread's rows; scores are scaled by scale_log2 inside
// exp2 (one FFMA per element).
template <int kRows>
struct OnlineSoftmax {
  float row_max[kRows];
  float row_sum[kRows];  // this thread's columns only, reduced across the quad in finish()
  float const scale_log2;

  __device__ explicit OnlineSoftmax(float scale_log2_) : scale_log2(scale_log2_) {}

  // S <- exp2(S * scale - max * scale) in place; rescale[r] = factor for the O rows.
  // kCheckInf: a row may be fully masked in this block (max = -inf) and must not give NaN.
  template <bool kFirst, bool kCheckInf, class TensorS>
  __device__ __forceinline__ void update(TensorS& s, float (&rescale)[kRows]) {
    static_assert(decltype(size<0>(s))::value == kRows);
#pragma unroll
    for (int mi = 0; mi < kRows; ++mi) {
      float m = kFirst ? -INFINITY : row_max[mi];
#pragma unroll
      for (int ni = 0; ni < size<1>(s); ++ni) m = fmaxf(m, s(mi, ni));
      m = quad_max(m);
      float const m_scaled = (kCheckInf && m == -INFINITY) ? 0.f : m * scale_log2;
      rescale[mi] = kFirst ? 1.f : exp2f(row_max[mi] * scale_log2 - m_scaled);
      row_max[mi] = m;
      float sum = 0.f;
#pragma unroll
      for (int ni = 0; ni < size<1>(s); ++ni) {
        s(mi, ni) = exp2f(s(mi, ni) * scale_log2 - m_scaled);
        sum += s(mi, ni);
      }
      row_sum[mi] = kFirst ? sum : row_sum[mi] * rescale[mi] + sum;
    }
  }

  // 1 / sum per row (0 for a row that saw no key) and the natural-log sum-exp.
  __device__ __forceinline__ void finish(float (&inv_sum)[kRows], float (&lse)[kRows]) {
#pragma unroll
    for (int mi = 0; mi < kRows; ++mi) {
      float const sum = quad_sum(row_sum[mi]);
      bool const empty = sum == 0.f || sum != sum;
      inv_sum[mi] = empty ? 0.f : 1.f / sum;
      lse[mi] = empty ? -INFINITY : row_max[mi] * scale_log2 * float(M_LN2) + __logf(sum);
    }
  }
};

// Sets masked scores to -inf. Limits are per row in key positions; columns are compared
// against thread 0's compile-time column indices after shifting the limits by this thread's
// first column, as the accumulator layout is the same for every thread up to that offset.
template <int kBlockM, int kBlockN, class TiledMma>
struct ScoreMask {
  int row_base;    // row (within the request) of this thread's first accumulator row
  int col_offset;  // column of this thread's first accumulator column
  int delta, seqlen_k, window_left, window_right;

  template <class TensorS, class TensorC>
  __device__ __forceinline__ void apply(TensorS& s, TensorC const& rows, int n_block) const {
    auto thread0 = TiledMma{}.get_thread_slice(_0{});
    Tensor c0 = thread0.partition_C(make_identity_tensor(Shape<Int<kBlockM>, Int<kBlockN>>{}));
    Tensor c0_rc = make_tensor(c0.data(), acc_rowcol(c0.layout()));
    int const shift = n_block * kBlockN + col_offset;
#pragma unroll
    for (int mi = 0; mi < size<0>(s); ++mi) {
      int const pos = row_base + rows[mi] + delta;  // key position of this query row
      int right = seqlen_k;                          // exclusive
      if (window_right >= 0) right = min(right, pos + window_right + 1);
      int const left = window_left >= 0 ? pos - window_left - shift : -(1 << 30);
      right -= shift;
#pragma unroll
      for (int ni = 0; ni < size<1>(s); ++ni) {
        int const col = get<1>(c0_rc(0, ni));
        if (col >= right || col < left) s(mi, ni) = -INFINITY;
      }
    }
  }
};

}  // namespace fs_prefill
