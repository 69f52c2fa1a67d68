// Attention prefill kernels for head dim 64: TMA and gather K/V loads, bf16 and fp16, and the
// paged TMA kernels (spread issue).
#include "prefill_kernel.cuh"

FS_PREFILL_ENTRIES(64)
FS_PREFILL_PAGED_ENTRIES(64)
