// Attention prefill kernels for head dim 256: TMA and gather K/V loads, bf16 and fp16.
#include "prefill_kernel.cuh"

FS_PREFILL_ENTRIES(256)
FS_PREFILL_ENTRY_NO_PINGPONG(256)
FS_PREFILL_ENTRY_PAGED_EXPERIMENT(256, mw, 2, true)
