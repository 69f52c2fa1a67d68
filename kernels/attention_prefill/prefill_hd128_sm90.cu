// Attention prefill kernels for head dim 128: TMA and gather K/V loads, bf16 and fp16, the
// TMA kernels with 192-key tiles for long keys, and the paged TMA kernels (spread issue) with
// either key tile.
#include "prefill_kernel.cuh"

FS_PREFILL_ENTRIES(128)
FS_PREFILL_WIDE_ENTRIES(128)
FS_PREFILL_PAGED_ENTRIES(128)
FS_PREFILL_PAGED_WIDE_ENTRIES(128)
