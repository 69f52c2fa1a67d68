// Sampling on the device (kernels/model/sampling.cu): per request, penalties on the tokens
// it has seen, then greedy argmax or a seeded draw from its logits after temperature,
// top-k, top-p and min-p. The semantics are the host sampler's (Sources/Engine/Sampling):
// a request's kept tokens are the first tokens in rank order (larger logit first, lower id
// first among equal logits) that top-k and top-p allow, minus those below min-p, and the
// draw walks the kept tokens in id order until their cumulative weight passes
// uniform * total. The uniform number comes from the host (SeededUniform), so a seeded
// request draws the same stream on either device.
#ifndef FS_SAMPLING_PARAMS_H
#define FS_SAMPLING_PARAMS_H
#include "fs_types.h"

// One sampled request. Its penalty entries are entries[penalty_begin ..< penalty_end].
typedef struct fs_sample_row {
  double uniform;               // in [0, 1): the draw's random number
  int32_t logits_row;           // the logits row this request reads (and rewrites, if penalised)
  int32_t top_k;                // 0: off
  float temperature;            // 0: greedy (argmax after penalties)
  float top_p;                  // 1: off
  float min_p;                  // 0: off
  float repetition_penalty;     // 1: off
  float frequency_penalty;      // 0: off
  float presence_penalty;       // 0: off
  int32_t penalty_begin;
  int32_t penalty_end;
} fs_sample_row;

// A token the request has seen: once per distinct token of prompt and output. The
// repetition penalty applies to every entry; frequency and presence to entries whose
// output_count is above 0 (OpenAI counts output tokens only).
typedef struct fs_penalty_entry {
  int32_t token;
  int32_t output_count;
} fs_penalty_entry;

// One CTA per request. Penalised rows are rewritten in place (the logits are the step's
// scratch); two requests that read one row must then not both carry penalties.
typedef struct fs_sample_params {
  fs_devptr logits;             // [*, row_stride] float32
  fs_devptr requests;           // [rows] fs_sample_row
  fs_devptr entries;            // [*] fs_penalty_entry
  fs_devptr tokens;             // out [rows] int32
  int64_t row_stride;           // elements between logits rows (>= vocab)
  int32_t rows;
  int32_t vocab;
} fs_sample_params;

#endif
