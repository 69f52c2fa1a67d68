// Builds a step's attention metadata from the device request→token table in one launch
// (see attention_metadata_params.h). One CTA per (possibly padded) sequence: thread 0 sums
// the new-token counts before it (batches are at most a few hundred sequences, so this is
// cheaper than a separate scan launch), then the CTA writes its page-table row and slots.
#include <stdint.h>
#include "attention_metadata_params.h"

extern "C" __global__ void fs_attention_metadata(const __grid_constant__ fs_attention_metadata_params p) {
  const int b = blockIdx.x;
  const int32_t* rows = reinterpret_cast<const int32_t*>(p.request_rows);
  const int32_t* cached = reinterpret_cast<const int32_t*>(p.cached_lens);
  const int32_t* counts = reinterpret_cast<const int32_t*>(p.new_counts);
  const int32_t* table = reinterpret_cast<const int32_t*>(p.req_to_token);
  int32_t* page_table = reinterpret_cast<int32_t*>(p.page_table) + int64_t(b) * p.page_table_stride;

  const bool real = b < p.batch;
  const int32_t row = real ? rows[b] : 0;
  const int32_t prefix = real ? cached[b] : 0;
  const int32_t fresh = real ? counts[b] : 1;
  const int32_t seqlen = prefix + fresh;

  __shared__ int32_t first_token;  // index of this sequence's first new token in the step
  if (threadIdx.x == 0) {
    int32_t sum = 0;
    for (int i = 0; i < b && i < p.batch; ++i) sum += counts[i];
    if (b > p.batch) sum += b - p.batch;  // each padding row before this one adds one token
    first_token = sum;
    reinterpret_cast<int32_t*>(p.cache_seqlens)[b] = seqlen;
    reinterpret_cast<int32_t*>(p.cu_seqlens_q)[b + 1] = sum + fresh;
    if (b == 0) reinterpret_cast<int32_t*>(p.cu_seqlens_q)[0] = 0;
  }
  __syncthreads();

  const int32_t page_size = 1 << p.log2_page_size;
  const int32_t pages = (seqlen + page_size - 1) >> p.log2_page_size;
  const int32_t* token_row = table + int64_t(row) * p.token_table_stride;
  for (int j = threadIdx.x; j < p.page_table_stride; j += blockDim.x) {
    page_table[j] = (real && j < pages) ? (token_row[int64_t(j) << p.log2_page_size] >> p.log2_page_size) : 0;
  }
  int32_t* slots = reinterpret_cast<int32_t*>(p.slots) + first_token;
  for (int i = threadIdx.x; i < fresh; i += blockDim.x) {
    slots[i] = real ? token_row[prefix + i] : 0;
  }
}
