// The consumer warpgroups: each owns 64 query rows of the tile and runs
//     S = Q K^T (wgmma, smem x smem) -> mask -> online softmax -> O += P V (wgmma, regs x smem)
// over the tile's key blocks in descending order, then writes O and the log-sum-exp.
//
// Overlap inside a warpgroup: step n issues S_n = Q K_n^T and O += P_{n+1} V_{n+1} back to
// back, waits only for S_n, and runs the softmax of S_n while the P V wgmma is still running.
// Pingpong between warpgroups: a named barrier per warpgroup hands the right to issue GEMMs
// round-robin, so one warpgroup's softmax runs under the other's GEMMs.
#pragma once
#include <cutlass/numeric_conversion.h>

#include "prefill_producer.cuh"
#include "prefill_softmax.cuh"

namespace fs_prefill {

// Issues the wgmma K-slices of C (+)= A B as one commit group; waits for all but kWait groups
// when kWait >= 0. The fences keep the compiler from moving register accesses across.
template <bool kZeroInit, int kWait, class Mma, class TA, class TB, class TC>
__device__ __forceinline__ void wgmma(Mma& mma, TA const& a, TB const& b, TC& c) {
  constexpr bool kRegsA = !is_base_of<GMMA::DescriptorIterator, typename Mma::FrgTypeA>::value;
  if constexpr (kRegsA) warpgroup_fence_operand(const_cast<TA&>(a));
  warpgroup_fence_operand(c);
  warpgroup_arrive();
  if constexpr (kZeroInit) mma.accumulate_ = GMMA::ScaleOut::Zero;
#pragma unroll
  for (int k = 0; k < size<2>(a); ++k) {
    cute::gemm(mma, a(_, _, k), b(_, _, k), c);
    mma.accumulate_ = GMMA::ScaleOut::One;
  }
  warpgroup_commit_batch();
  if constexpr (kWait >= 0) warpgroup_wait<kWait>();
  warpgroup_fence_operand(c);
  if constexpr (kRegsA) warpgroup_fence_operand(const_cast<TA&>(a));
}

template <class TIn, class TOut>
__device__ __forceinline__ void convert_pairs(TIn const& in, TOut& out) {
  using To = typename TOut::value_type;
  auto in2 = recast<cutlass::Array<float, 2> const>(in);
  auto out2 = recast<cutlass::Array<To, 2>>(out);
  cutlass::NumericArrayConverter<To, float, 2> cvt;
#pragma unroll
  for (int i = 0; i < size(in2); ++i) out2(i) = cvt(in2(i));
}

template <class T>
struct Consumer {
  using Element = typename T::Element;
  static constexpr int kM = T::kBlockM, kN = T::kBlockN, kD = T::kHeadDim;
  static constexpr int kRows = 2;  // accumulator rows per thread (r and r + 8 of its warp's 16)
  // Large head dims rescale O while S = Q K^T runs instead of after P V (as FA3 does): the
  // O accumulator is large, and the rescale then leaves the critical path.
  static constexpr bool kRescaleBeforeGemm = T::kHeadDim > 128;

  const fs_attention_prefill_params& p;
  SharedStorage<T>& s;
  int const tid;  // 0 .. kMmaThreads-1
  int const wg;   // consumer warpgroup
  PipeState<T::kStages> k_pipe, v_pipe;

  __device__ Consumer(const fs_attention_prefill_params& p_, SharedStorage<T>& s_, int tid_)
      : p(p_), s(s_), tid(tid_), wg(__shfl_sync(0xffffffffu, tid_ / 128, 0)) {}

  __device__ __forceinline__ void release_k() {
    if (tid % 128 == 0) mbar_arrive(s.k_empty(k_pipe.stage()));
    k_pipe.advance();
  }
  __device__ __forceinline__ void release_v() {
    if (tid % 128 == 0) mbar_arrive(s.v_empty(v_pipe.stage()));
    v_pipe.advance();
  }
  // Waits until a K/V stage has landed. cp.async writes are generic-proxy stores: the
  // gather kernels fence them into the async proxy before wgmma reads the stage.
  __device__ __forceinline__ void wait_full(uint32_t bar, uint32_t phase) {
    mbar_wait(bar, phase);
    if constexpr (T::kGather) fence_proxy_async_smem();
  }
  __device__ void sched_sync() {
    if constexpr (T::kPingpong) named_sync(kSchedulerWG0 + wg, 256);
  }
  __device__ void sched_pass() {
    if constexpr (T::kPingpong) named_arrive(kSchedulerWG0 + (wg + 1 == T::kMmaWarpGroups ? 0 : wg + 1), 256);
  }

  __device__ __forceinline__ void run();
  __device__ __forceinline__ void store(const WorkTile& t, const SeqInfo& si, float const (&inv_sum)[kRows],
                        float const (&lse)[kRows], typename T::TiledMmaPV const& mma_pv,
                        decltype(partition_fragment_C(typename T::TiledMmaPV{}, Shape<Int<kM>, Int<kD>>{}))& o);
};

template <class T>
__device__ __forceinline__ void Consumer<T>::run() {
  typename T::TiledMmaQK mma_qk;
  typename T::TiledMmaPV mma_pv;
  auto wg_qk = mma_qk.get_slice(wg * 128);
  auto wg_pv = mma_pv.get_slice(wg * 128);
  auto thr_qk = mma_qk.get_thread_slice(tid);

  Tensor sQ = make_tensor(make_smem_ptr(s.ptr(SharedStorage<T>::kQ)), typename T::SmemLayoutQ{});
  Tensor sK = make_tensor(make_smem_ptr(s.ptr(SharedStorage<T>::kK)), typename T::SmemLayoutK{});
  Tensor sVt = make_tensor(make_smem_ptr(s.ptr(SharedStorage<T>::kV)), typename T::SmemLayoutVt{});
  Tensor tSrQ = wg_qk.partition_fragment_A(sQ);
  Tensor tSrK = wg_qk.partition_fragment_B(sK);
  Tensor tOrV = wg_pv.partition_fragment_B(sVt);

  Tensor tSrS = partition_fragment_C(mma_qk, Shape<Int<kM>, Int<kN>>{});
  Tensor tOrO = partition_fragment_C(mma_pv, Shape<Int<kM>, Int<kD>>{});
  Tensor tOrP = make_tensor<Element>(acc_as_a_operand(tSrS.layout()));
  Tensor tOrP_f32 = make_tensor(tSrS.data(), acc_as_a_operand(tSrS.layout()));
  Tensor S = make_tensor(tSrS.data(), acc_rowcol(tSrS.layout()));
  Tensor O = make_tensor(tOrO.data(), acc_rowcol(tOrO.layout()));

  // This thread's accumulator rows and first column within the tile.
  Tensor cS = thr_qk.partition_C(make_identity_tensor(Shape<Int<kM>, Int<kN>>{}));
  Tensor cS_rc = make_tensor(cS.data(), acc_rowcol(cS.layout()));
  int rows[kRows];
#pragma unroll
  for (int mi = 0; mi < kRows; ++mi) rows[mi] = get<0>(cS_rc(mi, 0));

  bool const softcap = p.softcap > 0.f;
  float const softcap_pre = softcap ? p.softmax_scale / p.softcap : 0.f;
  float const scale_log2 = (softcap ? p.softcap : p.softmax_scale) * float(M_LOG2E);
  auto score_mod = [&]() {
    if (softcap) {
#pragma unroll
      for (int i = 0; i < size(tSrS); ++i) tSrS(i) = tanh_approx(tSrS(i) * softcap_pre);
    }
  };

  named_arrive(kQueryEmpty, T::kMmaThreads + 32);    // the Q buffer starts free
  if (T::kPingpong && wg == 0) named_arrive(kSchedulerWG0, 256);  // warpgroup 0 issues first

  for (int iter = 0;; ++iter) {
    mbar_wait(s.q_full(), iter & 1);
    int const t = ld_shared(s.tile_slot(iter & 1));
    if (t < 0) break;
    WorkTile const tile = decode_tile(p, t);
    SeqInfo const si = seq_info(p, tile.batch);
    BlockRange const r = block_range<kM, kN>(p, si, tile.m_block);
    float inv_sum[kRows], lse[kRows];
    if (r.n_max <= r.n_min) {  // no key: O = 0, LSE = -inf
      named_arrive(kQueryEmpty, T::kMmaThreads + 32);
      clear(tOrO);
#pragma unroll
      for (int mi = 0; mi < kRows; ++mi) { inv_sum[mi] = 0.f; lse[mi] = -INFINITY; }
      store(tile, si, inv_sum, lse, mma_pv, tOrO);
      continue;
    }
    ScoreMask<kM, kN, typename T::TiledMmaQK> mask{first_row<kM>(si, tile.m_block), get<1>(cS_rc(0, 0)),
                                                   si.seqlen_k - si.seqlen_q, si.seqlen_k,
                                                   p.window_left, p.window_right};
    OnlineSoftmax<kRows> softmax(scale_log2);
    float rescale[kRows];

    int n = r.n_max - 1;
    wait_full(s.k_full(k_pipe.stage()), k_pipe.phase());
    wgmma<true, 0>(mma_qk, tSrQ, tSrK(_, _, _, k_pipe.stage()), tSrS);
    release_k();
    score_mod();
    mask.apply(S, rows, n);
    softmax.template update<true, true>(S, rescale);
    convert_pairs(tOrP_f32, tOrP);
    clear(tOrO);

    auto rescale_o = [&]() __attribute__((always_inline)) {
#pragma unroll
      for (int mi = 0; mi < kRows; ++mi)
#pragma unroll
        for (int ni = 0; ni < size<1>(O); ++ni) O(mi, ni) *= rescale[mi];
    };
    auto step = [&](int n, auto masked) __attribute__((always_inline)) {
      constexpr bool kMasked = decltype(masked)::value;
      wait_full(s.k_full(k_pipe.stage()), k_pipe.phase());
      sched_sync();
      wgmma<true, -1>(mma_qk, tSrQ, tSrK(_, _, _, k_pipe.stage()), tSrS);
      if constexpr (kRescaleBeforeGemm) rescale_o();
      wait_full(s.v_full(v_pipe.stage()), v_pipe.phase());
      wgmma<false, -1>(mma_pv, tOrP, tOrV(_, _, _, v_pipe.stage()), tOrO);
      sched_pass();
      warpgroup_wait<1>();
      warpgroup_fence_operand(tSrS);
      release_k();
      score_mod();
      if constexpr (kMasked) mask.apply(S, rows, n);
      softmax.template update<false, kMasked>(S, rescale);
      warpgroup_wait<0>();
      warpgroup_fence_operand(tOrO);
      release_v();
      if constexpr (!kRescaleBeforeGemm) rescale_o();
      convert_pairs(tOrP_f32, tOrP);
    };
    --n;
    for (; n >= r.n_right; --n) step(n, cute::true_type{});
    for (; n >= r.n_left; --n) step(n, cute::false_type{});
    for (; n >= r.n_min; --n) step(n, cute::true_type{});

    named_arrive(kQueryEmpty, T::kMmaThreads + 32);  // the last S = Q K^T is done
    if constexpr (kRescaleBeforeGemm) rescale_o();
    wait_full(s.v_full(v_pipe.stage()), v_pipe.phase());
    wgmma<false, 0>(mma_pv, tOrP, tOrV(_, _, _, v_pipe.stage()), tOrO);
    release_v();
    softmax.finish(inv_sum, lse);
    store(tile, si, inv_sum, lse, mma_pv, tOrO);
  }
}

// O rows of the tile that belong to the request, as 4-byte column pairs straight from
// registers (L2 merges the pairs of a row into full sectors), and one LSE per row.
template <class T>
__device__ __forceinline__ void Consumer<T>::store(const WorkTile& t, const SeqInfo& si, float const (&inv_sum)[kRows],
                                   float const (&lse)[kRows], typename T::TiledMmaPV const& mma_pv,
                                   decltype(partition_fragment_C(typename T::TiledMmaPV{}, Shape<Int<kM>, Int<kD>>{}))& o) {
  Tensor O = make_tensor(o.data(), acc_rowcol(o.layout()));
  Tensor cO = mma_pv.get_thread_slice(tid).partition_C(make_identity_tensor(Shape<Int<kM>, Int<kD>>{}));
  Tensor cO_rc = make_tensor(cO.data(), acc_rowcol(cO.layout()));
  Element* out = reinterpret_cast<Element*>(p.o);
  float* lse_out = reinterpret_cast<float*>(p.lse);
  cutlass::NumericArrayConverter<Element, float, 2> cvt;
  int const first = first_row<kM>(si, t.m_block);
#pragma unroll
  for (int mi = 0; mi < kRows; ++mi) {
    int const row = first + get<0>(cO_rc(mi, 0));
    if (row < 0) continue;  // fills the partial block only (rows of the request before, or zeros)
    int64_t const token = si.q_start + row;
    Element* dst = out + token * p.o_row_stride + int64_t(t.head) * kD;
#pragma unroll
    for (int ni = 0; ni < size<1>(O); ni += 2) {
      cutlass::Array<float, 2> v;
      v[0] = O(mi, ni) * inv_sum[mi];
      v[1] = O(mi, ni + 1) * inv_sum[mi];
      *reinterpret_cast<cutlass::Array<Element, 2>*>(dst + get<1>(cO_rc(mi, ni))) = cvt(v);
    }
    if (lse_out != nullptr && get<1>(cO_rc(0, 0)) == 0) lse_out[token * p.q_heads + t.head] = lse[mi];
  }
}

}  // namespace fs_prefill
