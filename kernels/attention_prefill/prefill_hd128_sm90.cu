// Attention prefill kernels for head dim 128: TMA and gather K/V loads, bf16 and fp16.
#include "prefill_kernel.cuh"

FS_PREFILL_ENTRIES(128)
FS_PREFILL_ENTRY_WIDE(128, 176)
FS_PREFILL_ENTRY_WIDE(128, 192)
