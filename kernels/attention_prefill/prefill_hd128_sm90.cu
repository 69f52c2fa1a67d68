// Attention prefill kernels for head dim 128: TMA and gather K/V loads, bf16 and fp16, and
// the TMA kernels with 192-key tiles for long keys.
#include "prefill_kernel.cuh"

FS_PREFILL_ENTRIES(128)
FS_PREFILL_WIDE_ENTRIES(128)
FS_PREFILL_ENTRY_PAGED_EXPERIMENT(128, s3, 3, false)
FS_PREFILL_ENTRY_PAGED_EXPERIMENT(128, mw, 2, true)
FS_PREFILL_ENTRY_PAGED_EXPERIMENT(128, s3mw, 3, true)
