// Attention metadata for one step, built on the GPU in one launch from the device copy of
// the request→token table (kernels/attention_metadata). The host uploads only three small
// per-sequence arrays; everything the attention kernels and the KV store read is derived
// here, in place, so the same launch serves eager steps and captured-graph replays.
//
//   cache_seqlens[b]   = cached[b] + new[b]                     (padding rows: 1)
//   cu_seqlens_q[b+1]  = new[0] + ... + new[b]                  (padding rows: +1)
//   page_table[b, j]   = req_to_token[row[b], j * P] / P        (j < ceil(seqlen / P); rest 0)
//   slots[t]           = req_to_token[row[b], cached[b] + i]    (token t = i-th new of b;
//                                                                padding rows: slot 0)
// Row 0 of req_to_token is the dummy row (all slot 0): padded rows read page 0.
#ifndef FS_ATTENTION_METADATA_PARAMS_H
#define FS_ATTENTION_METADATA_PARAMS_H
#include "fs_types.h"

typedef struct fs_attention_metadata_params {
  fs_devptr req_to_token;     // [max_requests, token_table_stride] int32
  fs_devptr request_rows;     // [batch] int32 rows of req_to_token
  fs_devptr cached_lens;      // [batch] int32 tokens already in the cache
  fs_devptr new_counts;       // [batch] int32 new tokens this step
  fs_devptr cache_seqlens;    // out [padded_batch] int32
  fs_devptr cu_seqlens_q;     // out [padded_batch + 1] int32
  fs_devptr page_table;       // out [padded_batch, page_table_stride] int32
  fs_devptr slots;            // out [tokens + padded_batch - batch] int32
  int64_t token_table_stride; // int32 entries between rows of req_to_token
  int32_t page_table_stride;  // int32 entries between rows of page_table (>= max pages)
  int32_t batch;              // real sequences
  int32_t padded_batch;       // >= batch (a graph bucket); the rest are padding rows
  int32_t log2_page_size;
} fs_attention_metadata_params;

#endif
