// KV store: copies one step's new K and V rows into their slots of a layer's pool.
// Element-type agnostic (a bit copy), so one kernel serves bf16 and fp16 pools.
// One CTA per token; each thread moves 16 bytes of K and 16 bytes of V per iteration.
#include <stdint.h>
#include "kv_store_params.h"
#include "fs_pdl.cuh"

extern "C" __global__ void fs_kv_store_b16(const __grid_constant__ fs_kv_store_params p) {
  fs_pdl_begin();
  const int64_t token = blockIdx.x;
  const int32_t slot = reinterpret_cast<const int32_t*>(p.slots)[token];
  if (slot == FS_KV_STORE_SKIP_SLOT) return;
  if (slot < 0 || slot >= p.num_slots) {
    // Never write outside the pool; report it so the host can fail loudly.
    if (threadIdx.x == 0 && p.bad_slot) atomicExch(reinterpret_cast<int32_t*>(p.bad_slot), 1);
    return;
  }
  const int vectors = p.row_elems / 8;  // 8 x 16-bit = 16 bytes
  const uint4* k = reinterpret_cast<const uint4*>(reinterpret_cast<const uint16_t*>(p.k) + token * p.k_stride);
  const uint4* v = reinterpret_cast<const uint4*>(reinterpret_cast<const uint16_t*>(p.v) + token * p.v_stride);
  uint4* k_dst = reinterpret_cast<uint4*>(reinterpret_cast<uint16_t*>(p.k_pool) + int64_t(slot) * p.row_elems);
  uint4* v_dst = reinterpret_cast<uint4*>(reinterpret_cast<uint16_t*>(p.v_pool) + int64_t(slot) * p.row_elems);
  for (int i = threadIdx.x; i < vectors; i += blockDim.x) {
    const uint4 kv = k[i];
    const uint4 vv = v[i];
    k_dst[i] = kv;
    v_dst[i] = vv;
  }
}
