// KV store: scatter one step's new K and V rows into their slots of one layer's pool
// (kernels/kvcache/kv_store.cu). Pool layout: [numSlots, kvHeads, headDim], slot = page*P+offset.
#ifndef FS_KV_STORE_PARAMS_H
#define FS_KV_STORE_PARAMS_H
#include "fs_types.h"

// Rows whose slot equals this are skipped (padded rows of a captured graph may use it
// instead of slot 0 when nothing must be written at all).
#define FS_KV_STORE_SKIP_SLOT (-1)

typedef struct fs_kv_store_params {
  fs_devptr k;          // [tokens, kvHeads, headDim], row stride kStride elements
  fs_devptr v;          // [tokens, kvHeads, headDim], row stride vStride elements
  fs_devptr k_pool;     // [numSlots, kvHeads, headDim]
  fs_devptr v_pool;     // [numSlots, kvHeads, headDim]
  fs_devptr slots;      // [tokens] int32; FS_KV_STORE_SKIP_SLOT skips the row
  int64_t k_stride;     // elements between consecutive tokens of k
  int64_t v_stride;     // elements between consecutive tokens of v
  int32_t tokens;
  int32_t row_elems;    // kvHeads * headDim, multiple of 8
  int64_t num_slots;    // pool capacity: rows with a slot outside [0, num_slots) are not written
  fs_devptr bad_slot;   // int32 flag set to 1 when such a slot is seen (0: no flag)
} fs_kv_store_params;

#endif
