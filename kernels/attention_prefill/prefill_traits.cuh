// Compile-time shape of one prefill kernel: tile sizes, warpgroup roles, the wgmma tiled MMAs
// and the shared-memory layouts. The layouts are CuTe's 128-byte-swizzled GMMA atoms tiled so
// that a [rows x head_dim] tile is stored as head_dim/64 column chunks of [rows x 64]: exactly
// what a TMA box {64 columns, 1 head, rows} with CU_TENSOR_MAP_SWIZZLE_128B writes, and what the
// cp.async gather writes by hand (16-byte segment s of row r goes to segment s ^ (r % 8)).
#pragma once
// CuTe's wgmma selectors pick only power-of-two-ish N (256, 192, 128, 96, 64, 32, 16, 8) unless
// this is defined. Without it the hd 256 tile's S = Q K^T (N = 80 keys) was issued as five
// 64x16x16 wgmmas per k-step instead of one 64x80x16: each re-reads the Q slice from shared
// memory, and hd 256 ran at 0.65-0.78x cuDNN. The static_asserts in PrefillTraits keep it so.
#ifndef CUTE_SM90_EXTENDED_MMA_SHAPES_ENABLED
#define CUTE_SM90_EXTENDED_MMA_SHAPES_ENABLED
#endif
#include <cute/tensor.hpp>
#include <cute/atom/mma_atom.hpp>
#include <cutlass/numeric_types.h>

#include "attention_prefill_params.h"

namespace fs_prefill {
using namespace cute;

// Pingpong: consumer warpgroups take turns issuing GEMMs (named barriers). On by default;
// the one experimental entry turns it off for hd 256, where FA3 finds it no help.
// BlockN: keys per tile; the ABI's default, or FS_PREFILL_WIDE_BLOCK_N (`_tmawide` entries).
// SpreadIssue (`_tmapaged` entries, the paged TMA path): a tile's TMA boxes, one per page
// piece, are issued by all four producer warps instead of one, so the per-lane issue loop of
// a 16-key-page tile is a quarter as long (measured: paged P = 16 went from 0.68-0.94 to
// 0.86-1.06 of contiguous; bench/RESULTS.md session 7). The warps deal (box, 64-column chunk)
// pairs rather than whole boxes, which evens out hd 256's 5 boxes x 4 chunks at P = 16 (a warp
// issues 5 loads, not up to 8): a further 0-10 % on the paged path (session 8).
template <typename Element_, int HeadDim, bool Gather, bool Pingpong = true,
          int BlockN = FS_PREFILL_BLOCK_N(HeadDim, Gather), bool SpreadIssue = false>
struct PrefillTraits {
  using Element = Element_;  // cutlass::bfloat16_t or cutlass::half_t
  static constexpr int kHeadDim = HeadDim;
  static constexpr int kBlockM = FS_PREFILL_BLOCK_M(HeadDim, Gather);
  static constexpr int kBlockN = BlockN;
  static constexpr int kSmemBytes = FS_PREFILL_SMEM_BYTES_N(HeadDim, Gather, BlockN);
  static constexpr int kStages = 2;
  static constexpr bool kGather = Gather;
  // Warps of the producer warpgroup that issue K/V loads: all four (cp.async gather, or
  // spread TMA issue) or one (TMA).
  static constexpr bool kSpreadIssue = SpreadIssue && !Gather;
  static constexpr int kLoadWarps = Gather || kSpreadIssue ? 4 : 1;
  static constexpr bool kPingpong = Pingpong;
  static constexpr int kChunks = HeadDim / 64;  // 128-byte column chunks of a row
  static constexpr int kMmaWarpGroups = kBlockM / 64;  // each consumer warpgroup owns 64 rows
  static constexpr int kMmaThreads = 128 * kMmaWarpGroups;
  static constexpr int kThreads = 128 + kMmaThreads;  // + one producer warpgroup
  static_assert(kThreads == FS_PREFILL_THREADS(HeadDim, Gather));
  static_assert(HeadDim % 64 == 0 && kBlockN % 16 == 0);
  // Spread issue: every (box, chunk) pair has a thread (TMA paths have boxes of >= 8 rows).
  static_assert(!kSpreadIssue || kBlockN / 8 * kChunks <= 128);

  // Register split (setmaxnreg): the producer only issues copies; the consumers hold the
  // S and O accumulators. Three consumer warpgroups (hd 64) take 160 and leave the producer
  // 32, enough for four loading warps. Beside two, four loading warps need more producer
  // registers (at 24 they spill), and get 40 unless the consumers need 240: with the 192-key
  // tile they spill at 232, so the paged wide kernel's four loading warps get 24 and spill a
  // little (20 bytes, in the producer's per-tile bookkeeping, off the consumers' path).
  static constexpr bool kRoomyProducer = kLoadWarps == 4 && kBlockN <= 128;
  static constexpr uint32_t kProducerRegs = kMmaWarpGroups == 3 ? 32 : (kRoomyProducer ? 40 : 24);
  static constexpr uint32_t kConsumerRegs = kMmaWarpGroups == 3 ? 160 : (kRoomyProducer ? 232 : 240);
  // setmaxnreg moves registers inside the CTA's own allocation: what the consumers gain the
  // producer must give back. Launched at one CTA per SM, every thread starts with 64K / threads
  // registers rounded down to 8 (168 at 384 threads), so the split must fit that, not the whole
  // 64K: a split that fits only the latter makes the consumers' setmaxnreg.inc wait forever.
  static constexpr uint32_t kLaunchRegs = (65536 / kThreads) / 8 * 8;
  static_assert(kProducerRegs * 128 + kConsumerRegs * kMmaThreads <= kLaunchRegs * kThreads,
                "the register split needs more registers than the CTA holds");

  using TileQK = Shape<Int<kBlockM>, Int<kBlockN>, Int<kHeadDim>>;
  using TilePV = Shape<Int<kBlockM>, Int<kHeadDim>, Int<kBlockN>>;
  using WarpGroupLayout = Layout<Shape<Int<kMmaWarpGroups>, _1, _1>>;
  // S = Q K^T: both operands from shared memory, K-major.
  using TiledMmaQK = decltype(make_tiled_mma(
      GMMA::ss_op_selector<Element, Element, float, TileQK>(), WarpGroupLayout{}));
  // O += P V: P from registers (the softmax output never touches shared memory), V read
  // MN-major (head_dim contiguous) straight from its row-major tile.
  using TiledMmaPV = decltype(make_tiled_mma(
      GMMA::rs_op_selector<Element, Element, float, TilePV, GMMA::Major::K, GMMA::Major::MN>(),
      WarpGroupLayout{}));

  // One wgmma instruction covers the whole tile width (see the macro above).
  static_assert(size<1>(typename TiledMmaQK::AtomShape_MNK{}) == kBlockN, "S = Q K^T must be one wgmma wide");
  static_assert(size<1>(typename TiledMmaPV::AtomShape_MNK{}) == kHeadDim, "O += P V must be one wgmma wide");

  using SmemLayoutQ = decltype(tile_to_shape(GMMA::Layout_K_SW128_Atom<Element>{},
                                             Shape<Int<kBlockM>, Int<kHeadDim>>{}));
  using SmemLayoutK = decltype(tile_to_shape(GMMA::Layout_K_SW128_Atom<Element>{},
                                             Shape<Int<kBlockN>, Int<kHeadDim>, Int<kStages>>{}));
  // V^T view (head_dim x keys) of the same [keys x head_dim] chunked image as K.
  using SmemLayoutVt = decltype(tile_to_shape(GMMA::Layout_MN_SW128_Atom<Element>{},
                                              Shape<Int<kHeadDim>, Int<kBlockN>, Int<kStages>>{},
                                              Step<_2, _1, _3>{}));

  static constexpr int kTileQElems = kBlockM * kHeadDim;
  static constexpr int kTileKVElems = kBlockN * kHeadDim;
  static constexpr uint32_t kTileQBytes = kTileQElems * 2;
  static constexpr uint32_t kTileKVBytes = kTileKVElems * 2;
  static_assert(cosize_v<SmemLayoutQ> == kTileQElems);
  static_assert(cosize_v<SmemLayoutK> == kStages * kTileKVElems);
  static_assert(cosize_v<SmemLayoutVt> == kStages * kTileKVElems);
};

// Shared memory of one CTA, carved from the dynamic allocation at a 1024-byte boundary
// (the period of the 128-byte swizzle, which TMA and wgmma both apply to address bits).
// Held as one 32-bit shared-window address plus compile-time offsets: 64-bit generic pointers
// would cost the producer registers it does not have.
template <class T>
struct SharedStorage {
  using Element = typename T::Element;
  static constexpr uint32_t kQ = 0;                                       // [kBlockM x D]
  static constexpr uint32_t kK = kQ + T::kTileQBytes;                     // kStages x [kBlockN x D]
  static constexpr uint32_t kV = kK + T::kStages * T::kTileKVBytes;       // kStages x [kBlockN x D]
  static constexpr uint32_t kQFull = kV + T::kStages * T::kTileKVBytes;   // Q tile landed
  static constexpr uint32_t kKFull = kQFull + 8;                          // [kStages] K stage landed
  static constexpr uint32_t kKEmpty = kKFull + 8 * T::kStages;            // [kStages] K stage read by all
  static constexpr uint32_t kVFull = kKEmpty + 8 * T::kStages;
  static constexpr uint32_t kVEmpty = kVFull + 8 * T::kStages;
  static constexpr uint32_t kTileSlot = kVEmpty + 8 * T::kStages;          // int [2]: tile ring
  static constexpr uint32_t kNextTile = kTileSlot + 8;                      // int [2][8]: producer's ring
  static constexpr uint32_t kEnd = kNextTile + 64;
  static constexpr int kBytes = kEnd + 1024;  // + worst-case alignment of the dynamic base
  static_assert(kBytes <= T::kSmemBytes, "shared memory budget of the ABI");
  static_assert(T::kSmemBytes <= 232448, "over the 227 KiB opt-in limit");

  uint32_t base;  // shared-window address of the aligned start
  char* generic;  // the same place as a generic pointer (for CuTe's smem tensors)

  __device__ explicit SharedStorage(char* raw) {
    uint32_t const a = static_cast<uint32_t>(__cvta_generic_to_shared(raw));
    uint32_t const pad = (1024 - (a & 1023)) & 1023;
    base = a + pad;
    generic = raw + pad;
  }
  __device__ __forceinline__ Element* ptr(uint32_t offset) const {
    return reinterpret_cast<Element*>(generic + offset);
  }
  __device__ __forceinline__ uint32_t k_full(int stage) const { return base + kKFull + 8 * stage; }
  __device__ __forceinline__ uint32_t k_empty(int stage) const { return base + kKEmpty + 8 * stage; }
  __device__ __forceinline__ uint32_t v_full(int stage) const { return base + kVFull + 8 * stage; }
  __device__ __forceinline__ uint32_t v_empty(int stage) const { return base + kVEmpty + 8 * stage; }
  __device__ __forceinline__ uint32_t q_full() const { return base + kQFull; }
  __device__ __forceinline__ uint32_t tile_slot(int i) const { return base + kTileSlot + 4 * i; }
  __device__ __forceinline__ uint32_t next_tile(int i) const { return base + kNextTile + 32 * i; }
};

// Named barrier ids (0 is __syncthreads).
enum NamedBarrier : uint32_t {
  kQueryEmpty = 1,       // consumers -> producer warp 0: the Q tile may be overwritten
  kProducerTile = 2,     // producer warpgroup: the next tile staged for the loading warps
  kSchedulerWG0 = 3,     // pingpong: consumer warpgroup w may issue its GEMMs (3 + w)
  kStageNext = 6,        // producer warp 0 -> warp 1: time to stage the next tile
};

}  // namespace fs_prefill
