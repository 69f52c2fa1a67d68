// Row gather: out[i, :] = src[indices[i], :]. Serves the embedding lookup (token ids into
// the [vocab, hidden] table) and the pick of the rows whose logits are wanted. A bit copy
// in 16-byte vectors, so one kernel serves bf16, f16 and f32 rows alike.
// One CTA per output row; each thread keeps up to four 16-byte loads in flight before it
// stores, since a decode step gathers a handful of rows and latency, not bandwidth, rules.
#include <stdint.h>
#include "model_params.h"
#include "fs_pdl.cuh"

extern "C" __global__ void fs_gather_rows_v16(const __grid_constant__ fs_gather_rows_params p) {
  fs_pdl_begin();
  const int64_t row = blockIdx.x;
  const int32_t index = reinterpret_cast<const int32_t*>(p.indices)[row];
  uint4* __restrict__ out = reinterpret_cast<uint4*>(p.out) + row * p.row_vectors;
  const int n = p.row_vectors;
  if (index < 0 || index >= p.src_rows) {
    // Out of range: a zero row (never a read out of bounds), and the flag for the host.
    if (threadIdx.x == 0 && p.bad_index) atomicExch(reinterpret_cast<int32_t*>(p.bad_index), 1);
    for (int v = threadIdx.x; v < n; v += blockDim.x) out[v] = make_uint4(0, 0, 0, 0);
    return;
  }
  const uint4* __restrict__ src = reinterpret_cast<const uint4*>(p.src) + int64_t(index) * p.row_vectors;
  constexpr int kInFlight = 4;
  for (int base = threadIdx.x; base < n; base += kInFlight * blockDim.x) {
    uint4 values[kInFlight];
#pragma unroll
    for (int k = 0; k < kInFlight; ++k) {
      const int v = base + k * blockDim.x;
      if (v < n) values[k] = __ldg(src + v);
    }
#pragma unroll
    for (int k = 0; k < kInFlight; ++k) {
      const int v = base + k * blockDim.x;
      if (v < n) out[v] = values[k];
    }
  }
}
