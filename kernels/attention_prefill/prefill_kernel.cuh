// The prefill kernel body: sets up the barriers, then splits the CTA into its roles.
//   warpgroup 0: producer (few registers: setmaxnreg.dec)
//   warpgroups 1..: consumers, 64 query rows each (setmaxnreg.inc)
// Every warpgroup runs a persistent loop over tiles until the scheduler runs dry.
#pragma once
#include "prefill_consumer.cuh"

namespace fs_prefill {

template <class T>
__device__ __forceinline__ void prefill_body(const fs_attention_prefill_params& p) {
  extern __shared__ __align__(1024) char smem_raw[];
  SharedStorage<T> s(smem_raw);
  int const warp = __shfl_sync(0xffffffffu, threadIdx.x / 32, 0);
  if (threadIdx.x == 0) {
    mbar_init(s.q_full(), 1);
    uint32_t const full_arrivals = T::kGather ? 128 : 1;  // cp.async: every producer thread
#pragma unroll
    for (int i = 0; i < T::kStages; ++i) {
      mbar_init(s.k_full(i), full_arrivals);
      mbar_init(s.v_full(i), full_arrivals);
      mbar_init(s.k_empty(i), T::kMmaWarpGroups);
      mbar_init(s.v_empty(i), T::kMmaWarpGroups);
    }
    mbar_fence_init();
    tma_prefetch_descriptor(&p.q_map);
    if constexpr (!T::kGather) {
      tma_prefetch_descriptor(&p.k_map);
      tma_prefetch_descriptor(&p.v_map);
    }
  }
  __syncthreads();

  if (warp < 4) {
    regs_release<T::kProducerRegs>();
    if (warp < T::kLoadWarps) {  // TMA issues from one warp (or four: gather, spread issue)
      Producer<T> producer(p, s, threadIdx.x);
      producer.run();
    } else if (T::kLoadWarps == 1 && warp == 1) {  // beside one loading warp: the scheduler
      Producer<T> scheduler(p, s, threadIdx.x);
      scheduler.run_scheduler();
    }  // the rest retire
  } else {
    regs_claim<T::kConsumerRegs>();
    Consumer<T> consumer(p, s, threadIdx.x - 128);
    consumer.run();
  }
}

}  // namespace fs_prefill

// One extern "C" kernel: its name, head dim, load kind and traits (the traits come last, as
// __VA_ARGS__, because their template arguments hold commas).
#define FS_PREFILL_KERNEL(NAME, D, GATHER, ...)                                                  \
  extern "C" __global__ void __launch_bounds__(FS_PREFILL_THREADS(D, GATHER), 1)                 \
      NAME(const __grid_constant__ fs_attention_prefill_params p) {                              \
    fs_prefill::prefill_body<__VA_ARGS__>(p);                                                     \
  }

// The product's entries: fs_attention_prefill_hd<D>_<load>_<type>, N keys per tile.
#define FS_PREFILL_ENTRY_N(D, LOAD, GATHER, N, TYPE, ELEMENT)                                   \
  FS_PREFILL_KERNEL(fs_attention_prefill_hd##D##_##LOAD##_##TYPE, D, GATHER,                    \
                    fs_prefill::PrefillTraits<ELEMENT, D, GATHER, true, N>)
#define FS_PREFILL_ENTRY(D, LOAD, GATHER, TYPE, ELEMENT) \
  FS_PREFILL_ENTRY_N(D, LOAD, GATHER, FS_PREFILL_BLOCK_N(D, GATHER), TYPE, ELEMENT)

// Experiment, not used by the launcher: hd 256 without pingpong (`..._tma_nopp_bf16`), timed
// beside the default by scripts/gpu/prefill_bench.py.
#define FS_PREFILL_ENTRY_NO_PINGPONG(D)                                                          \
  FS_PREFILL_KERNEL(fs_attention_prefill_hd##D##_tma_nopp_bf16, D, false,                       \
                    fs_prefill::PrefillTraits<cutlass::bfloat16_t, D, false, false>)

// The paged TMA entries (`_tmapaged`): default key tile, boxes issued by four warps.
#define FS_PREFILL_ENTRY_PAGED(D, TYPE, ELEMENT)                                                \
  FS_PREFILL_KERNEL(fs_attention_prefill_hd##D##_tmapaged_##TYPE, D, false,                     \
                    fs_prefill::PrefillTraits<ELEMENT, D, false, true, FS_PREFILL_BLOCK_N(D, false), true>)
#define FS_PREFILL_PAGED_ENTRIES(D)                                       \
  FS_PREFILL_ENTRY_PAGED(D, bf16, cutlass::bfloat16_t)                   \
  FS_PREFILL_ENTRY_PAGED(D, f16, cutlass::half_t)
// The paged TMA entries with the wide key tile (`_tmapagedwide`, hd 128): long keys over pages
// of fewer keys than a tile, the paged twin of `_tmawide`.
#define FS_PREFILL_ENTRY_PAGED_WIDE(D, TYPE, ELEMENT)                                            \
  FS_PREFILL_KERNEL(fs_attention_prefill_hd##D##_tmapagedwide_##TYPE, D, false,                 \
                    fs_prefill::PrefillTraits<ELEMENT, D, false, true, FS_PREFILL_WIDE_BLOCK_N(D), true>)
#define FS_PREFILL_PAGED_WIDE_ENTRIES(D)                                                          \
  static_assert(FS_PREFILL_WIDE_BLOCK_N(D) > 0, "the ABI says hd " #D " has none"); \
  FS_PREFILL_ENTRY_PAGED_WIDE(D, bf16, cutlass::bfloat16_t)                                        \
  FS_PREFILL_ENTRY_PAGED_WIDE(D, f16, cutlass::half_t)

#define FS_PREFILL_ENTRIES(D)                                  \
  FS_PREFILL_ENTRY(D, tma, false, bf16, cutlass::bfloat16_t)   \
  FS_PREFILL_ENTRY(D, tma, false, f16, cutlass::half_t)        \
  FS_PREFILL_ENTRY(D, gather, true, bf16, cutlass::bfloat16_t) \
  FS_PREFILL_ENTRY(D, gather, true, f16, cutlass::half_t)
// The wide-key-tile TMA kernels of a head dim with FS_PREFILL_WIDE_BLOCK_N(D) > 0.
#define FS_PREFILL_WIDE_ENTRIES(D)                                                          \
  FS_PREFILL_ENTRY_N(D, tmawide, false, FS_PREFILL_WIDE_BLOCK_N(D), bf16, cutlass::bfloat16_t) \
  FS_PREFILL_ENTRY_N(D, tmawide, false, FS_PREFILL_WIDE_BLOCK_N(D), f16, cutlass::half_t)
