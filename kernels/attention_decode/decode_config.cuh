// Compile-time shape of the decode kernel for one head dimension, and the shared-memory
// layout that goes with it. The numbers here must agree with the host helpers in
// attention_decode_params.h (fs_attention_decode_smem_bytes), which the launcher uses.
#pragma once
#include "attention_decode_params.h"

namespace fs_decode {

// Stages, MinBlocks and LoadHint default to the shipped kernel; other values build the
// experimental variants the bench compares (attention_decode.cu).
// NewKeys builds the new-key path (params new_k/new_v); the 3-CTA/SM experiment leaves it
// out, as its 168 registers would spill with it.
template <int HeadDim, int Stages = FS_ATTENTION_DECODE_STAGES(HeadDim),
          int MinBlocks = FS_ATTENTION_DECODE_CTAS_PER_SM(HeadDim), int LoadHint = 2, bool NewKeys = true>
struct DecodeConfig {
  static_assert(HeadDim == 64 || HeadDim == 128 || HeadDim == 256, "head dims 64, 128, 256");
  static_assert(Stages >= 2, "a ring needs a stage to fill while one is read");
  static constexpr int kHeadDim = HeadDim;
  static constexpr int kLoadHint = LoadHint;  // 0 none, 1 L2::256B prefetch, 2 also evict_first
  static constexpr bool kNewKeys = NewKeys;   // reads/stores the step's new keys when given
  static constexpr int kThreads = FS_ATTENTION_DECODE_THREADS;
  static constexpr int kWarps = kThreads / 32;
  static constexpr int kTile = FS_ATTENTION_DECODE_TILE_TOKENS;  // tokens per tile
  static constexpr int kStages = Stages;                          // per-warp ring depth
  // CTAs per SM the shared memory allows (defaults: 64/104/204 KB each); the launch bound
  // tells ptxas so, which also keeps it from capping hd64 at 128 registers and spilling.
  static constexpr int kMinBlocks = MinBlocks;
  static constexpr int kChunks = HeadDim / 8;                     // 16-byte chunks per row
  static constexpr int kRowBytes = HeadDim * 2;
  static constexpr int kTileBytes = kTile * kRowBytes;            // one K or V tile
  static constexpr int kStageBytes = 2 * kTileBytes;              // K tile then V tile
  static constexpr int kRingBytes = kWarps * kStages * kStageBytes;
  static constexpr int kQBytes = kTileBytes;                      // 16 q rows, zero-padded
  static constexpr int kSmemBytes = kRingBytes + kQBytes;
  // A loading warp covers rows in passes: each lane owns one 16-byte chunk of a row.
  static constexpr int kRowsPerPass = 32 / kChunks;
  static constexpr int kPasses = kTile / kRowsPerPass;
  // hd256 keeps q in shared memory (ldmatrix per tile) so that the 128 output
  // accumulators per thread fit in registers without spilling; smaller heads hold q
  // fragments in registers for the whole segment.
  static constexpr bool kQInRegisters = HeadDim <= 128;
  // Scratch reused from the ring after the main loop: per-warp O rows plus (m, l).
  static constexpr int kMergeFloats = kWarps * 16 * HeadDim + kWarps * 16 * 2;
  static_assert(kMergeFloats * 4 <= kRingBytes, "merge scratch must fit in the ring");
};

// Byte offset of 16-byte chunk `chunk` of row `row` in a [rows][kChunks] tile. The XOR
// swizzle puts the 8 rows that one ldmatrix phase reads in 8 different bank groups.
template <int Chunks>
__device__ __forceinline__ uint32_t swizzled(int row, int chunk) {
  return static_cast<uint32_t>(row * Chunks * 16 + ((chunk ^ (row & 7)) << 4));
}

}  // namespace fs_decode
