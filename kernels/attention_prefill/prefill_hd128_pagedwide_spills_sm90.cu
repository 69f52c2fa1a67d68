// The paged TMA prefill kernels of head dim 128 with the 192-key tile (`_tmapagedwide`): four
// producer warps deal a tile's (page box, 64-column chunk) copies, as `_tmapaged` does, over
// `_tmawide`'s key tile. The launcher takes them for pages of fewer keys than a tile once the
// longest request has 8k keys (H100, session 9: 625 / 601 TFLOP/s causal / non-causal at 16k,
// 0.98 / 0.97 of contiguous, against 606 / 595 with 128-key tiles).
//
// They spill, on purpose: the consumers need 240 registers for the 192-column S accumulator
// (they spill at 232), which leaves the producer warpgroup 24 (the CTA's 168 x 384), where its
// four issuing warps keep 20 bytes of per-tile bookkeeping in local memory (ptxas: 20 bytes
// spill stores, 28 bytes spill loads, all after setmaxnreg.dec; the consumers' code has none;
// 56 / 108 before the scheduler's next tile moved to shared memory, session 10).
// Hence the unit's own file: build-kernels.sh lets units named *_spills_sm90 spill.
#include "prefill_kernel.cuh"

FS_PREFILL_PAGED_WIDE_ENTRIES(128)
