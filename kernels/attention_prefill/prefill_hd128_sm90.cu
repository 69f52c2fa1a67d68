// Attention prefill kernels for head dim 128: TMA and gather K/V loads, bf16 and fp16, the
// TMA kernels with 192-key tiles for long keys, and the paged TMA kernels (spread issue).
// The paged kernels with the 192-key tile are in prefill_hd128_pagedwide_spills_sm90.cu.
#include "prefill_kernel.cuh"

FS_PREFILL_ENTRIES(128)
FS_PREFILL_WIDE_ENTRIES(128)
FS_PREFILL_PAGED_ENTRIES(128)
