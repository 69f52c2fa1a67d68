// A weight matrix pulled into L2 ahead of its product (see fs_prefetch_l2_params). On a
// decode step the memory bus is idle while attention runs (it reads a few MB of KV), and
// the o projection after it streams 32 MB (Llama-3-8B): issued before attention, these
// prefetches move o's weights into the 50 MB L2 in that idle time, so the product reads
// them from L2. A prefetch has no destination register, so a thread issues a few and is
// done; the lines arrive while the next kernels run.
#include <stdint.h>
#include "model_params.h"
#include "fs_pdl.cuh"

extern "C" __global__ void __launch_bounds__(256) fs_prefetch_l2(const __grid_constant__ fs_prefetch_l2_params p) {
  // The weights do not depend on any earlier kernel: let the next kernel launch and issue
  // the prefetches at once, then wait for the previous kernel before finishing, so that the
  // stream's order is kept for the kernels after this one.
  fs_pdl_trigger();
  const char* base = reinterpret_cast<const char*>(p.address);
  for (int64_t line = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; line < p.lines;
       line += int64_t(gridDim.x) * blockDim.x) {
    asm volatile("prefetch.global.L2 [%0];" ::"l"(base + line * 128));
  }
  fs_pdl_wait();
}
