// Paged decode attention: entry points fs_attention_decode_hd{64,128,256}_{bf16,f16} (stream-K)
// and fs_attention_decode_cluster_hd{64,128,256}_{bf16,f16} (one cluster per pair).
// Stream-K launch: grid (G, 1, 1) with G fixed (normally CTAs per SM x SMs, <= MAX_GRID).
// Cluster launch: grid (pairs x C, 1, 1), cluster (C, 1, 1), C <= MAX_CLUSTER.
// Both: block (128, 1, 1), dynamic shared memory fs_attention_decode_smem_bytes(head_dim). See
// attention_decode_params.h for the layouts and README.md for the design.
#include "decode_cluster.cuh"
#include "fs_pdl.cuh"

namespace fs_decode {

// The CTA's range, segment after segment. At a boundary the next segment's q and first
// K/V tiles are requested before the current one is merged, so the memory pipe stays
// busy through the merge, the partial write and the split counter.
template <typename T, typename Cfg>
__device__ __forceinline__ void attention_decode(const fs_attention_decode_params& p) {
  extern __shared__ __align__(128) unsigned char smem[];
  __shared__ int s_prefix[FS_ATTENTION_DECODE_MAX_BATCH + 1];
  __shared__ int s_warp_ints[3 * FS_ATTENTION_DECODE_THREADS / 32];  // sums, maxima, sized counts
  __shared__ float s_ml[FS_ATTENTION_DECODE_THREADS / 32 * 16 * 2];
  __shared__ int s_is_last;
  const TileCounts counts = build_tile_prefix(p, s_prefix, s_warp_ints);
  __syncthreads();
  // The chunk is sized by the requests up to the last one of two or more tiles, so a batch
  // padded to its CUDA-graph bucket with one-key rows cuts every real pair into the same
  // pieces as the unpadded eager batch (the same merge order: the same bits). Tiles past
  // chunk x grid (only such one-tile pairs, which are never split) go to the CTAs in turn.
  const long long total = static_cast<long long>(s_prefix[p.batch]) * p.kv_heads;
  const long long sized = static_cast<long long>(s_prefix[counts.sized]) * p.kv_heads;
  const long long chunk = max(static_cast<long long>(cta_floor(p.min_tiles_per_cta, counts.most)),
                              (sized + gridDim.x - 1) / gridDim.x);
  long long chunk_start = static_cast<long long>(blockIdx.x) * chunk;
  long long pos = chunk_start, end = min(total, pos + chunk);
  if (pos >= end) return;
  WarpDecoder<T, Cfg> wd;
  wd.init(p, smem);
  Segment seg = segment_at(p, s_prefix, pos, end, chunk);
  SegmentLoads<T, Cfg> ld;
  start_loads<T, Cfg>(p, seg, smem, ld);
  while (true) {
    cp_async_wait<Cfg::kStages - 1>();  // the q group (older than the prologue's) landed
    __syncthreads();                    // ... for every thread; last merge's scratch is read
    wd.load_q_registers();
    wd.mainloop(ld);
    __syncthreads();  // every warp is done with the q tile and its ring stages
    pos += seg.tile_hi - seg.tile_lo;
    if (pos >= end) {  // this CTA's next chunk, past the grid's first round (one-tile pairs only)
      chunk_start += chunk * gridDim.x;
      pos = chunk_start;
      end = min(total, pos + chunk);
    }
    const bool more = pos < end;
    Segment next;
    if (more) {
      next = segment_at(p, s_prefix, pos, end, chunk);
      start_loads<T, Cfg>(p, next, smem, ld);
    }
    finish_segment<T, Cfg>(p, seg, wd, smem, s_ml, &s_is_last);
    if (!more) break;
    seg = next;
  }
}

}  // namespace fs_decode

// One entry point: NAME runs BODY(T, CFG) (the schedule's body below).
#define FS_ATTENTION_DECODE_ENTRY(NAME, BODY, T, CFG)                                               \
  extern "C" __global__ void __launch_bounds__(FS_ATTENTION_DECODE_THREADS, CFG::kMinBlocks)           \
      NAME(const __grid_constant__ fs_attention_decode_params p) {                                  \
    BODY(T, CFG)                                                                                    \
  }

#define FS_DECODE_STREAMK_BODY(T, CFG) fs_pdl_begin(); fs_decode::attention_decode<T, CFG>(p);
// Clusters exist from sm_90 on; the launcher picks the cluster schedule only there.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 900
#define FS_DECODE_CLUSTER_BODY(T, CFG) __trap();
#else
#define FS_DECODE_CLUSTER_BODY(T, CFG) fs_pdl_trigger(); fs_decode::attention_decode_cluster<T, CFG>(p);
#endif

// Both schedules' entry points of one head dim and type: fs_attention_decode_SUFFIX (stream-K)
// and fs_attention_decode_cluster_SUFFIX.
#define FS_ATTENTION_DECODE_ENTRIES(SUFFIX, T, CFG)                                                 \
  FS_ATTENTION_DECODE_ENTRY(fs_attention_decode_##SUFFIX, FS_DECODE_STREAMK_BODY, T, CFG)             \
  FS_ATTENTION_DECODE_ENTRY(fs_attention_decode_cluster_##SUFFIX, FS_DECODE_CLUSTER_BODY, T, CFG)

namespace fs_decode {
using Hd64 = DecodeConfig<64>;
using Hd128 = DecodeConfig<128>;
using Hd256 = DecodeConfig<256>;
}  // namespace fs_decode

FS_ATTENTION_DECODE_ENTRIES(hd64_bf16, __nv_bfloat16, fs_decode::Hd64)
FS_ATTENTION_DECODE_ENTRIES(hd128_bf16, __nv_bfloat16, fs_decode::Hd128)
FS_ATTENTION_DECODE_ENTRIES(hd256_bf16, __nv_bfloat16, fs_decode::Hd256)
FS_ATTENTION_DECODE_ENTRIES(hd64_f16, __half, fs_decode::Hd64)
FS_ATTENTION_DECODE_ENTRIES(hd128_f16, __half, fs_decode::Hd128)
FS_ATTENTION_DECODE_ENTRIES(hd256_f16, __half, fs_decode::Hd256)
