// The model's elementwise kernels (kernels/model/): row gather (embedding lookup, logit
// rows), RoPE tables and rotation, SiLU-and-mul, and widening to float32. One POD params
// struct per kernel; every access is a 16-byte vector, so sizes are multiples of 8 halves.
#ifndef FS_MODEL_PARAMS_H
#define FS_MODEL_PARAMS_H
#include "fs_types.h"

// out[i, :] = src[indices[i], :] — a bit copy, so one kernel serves every element type.
// An index outside [0, src_rows) writes a zero row and raises `bad_index` (the embedding
// of a token id outside the vocabulary must not read out of bounds or trap the context).
typedef struct fs_gather_rows_params {
  fs_devptr src;          // [src_rows, row_vectors * 16 bytes]
  fs_devptr indices;      // [rows] int32
  fs_devptr out;          // [rows, row_vectors * 16 bytes]
  int64_t src_rows;
  int32_t rows;
  int32_t row_vectors;    // 16-byte vectors per row
  fs_devptr bad_index;    // int32 flag set to 1 on an out-of-range index (0: no flag)
} fs_gather_rows_params;

// cos/sin[t, i] = cos/sin(float(positions[t]) * inv_freq[i]) for i < half, in float32.
// The angle is the float32 product (as Hugging Face computes it); cos and sin of it are
// evaluated in double and rounded once, so positions of 100k+ keep exact tables.
typedef struct fs_rope_tables_params {
  fs_devptr positions;    // [rows] int32
  fs_devptr inv_freq;     // [half] float32 (Llama-3 / YaRN scaling already applied)
  fs_devptr cos;          // [rows, half] float32
  fs_devptr sin;          // [rows, half] float32
  int32_t rows;
  int32_t half;           // head_dim / 2
} fs_rope_tables_params;

// Half-split rotation (Hugging Face's rotate_half) of x [rows, heads, head_dim], in place:
//   x[i]        = x[i] * cos[i] - x[i + half] * sin[i]
//   x[i + half] = x[i + half] * cos[i] + x[i] * sin[i]        for i < half
typedef struct fs_rope_apply_params {
  fs_devptr x;            // T, token t's heads start at t * row_stride
  fs_devptr cos;          // [rows, head_dim / 2] float32
  fs_devptr sin;          // [rows, head_dim / 2] float32
  int64_t row_stride;     // elements between tokens (heads * head_dim when packed)
  int32_t rows;
  int32_t heads;
  int32_t head_dim;       // multiple of 16 (8-wide vectors on each half)
} fs_rope_apply_params;

// q and k rotated by one launch (their head counts differ under GQA): the first
// q.rows * q.heads * head_dim / 16 threads rotate q, the rest k, each exactly as
// fs_rope_apply_* would. Both share head_dim and the cos/sin tables.
typedef struct fs_rope_apply_qk_params {
  fs_rope_apply_params q;
  fs_rope_apply_params k;
} fs_rope_apply_qk_params;

// out = silu(gate) * up = gate / (1 + exp(-gate)) * up, elementwise, computed in float.
typedef struct fs_silu_mul_params {
  fs_devptr gate;         // [count] T
  fs_devptr up;           // [count] T
  fs_devptr out;          // [count] T; may alias gate or up
  int64_t count;          // multiple of 8
} fs_silu_mul_params;

// out = float(x), elementwise (bf16/f16 activations to the float32 a host or sampler reads).
typedef struct fs_to_float_params {
  fs_devptr x;            // [count] T
  fs_devptr out;          // [count] float32
  int64_t count;          // multiple of 8
} fs_to_float_params;

// Greedy sampling on the device: per row, the first index of the largest logit (NaN never
// wins), packed into one 64-bit key so that blocks splitting a row combine with a single
// atomicMax: key = order(value) << 32 | (0xFFFFFFFF - index). The keys must be zero
// before the launch (the launcher issues the memset; both are capturable in a graph);
// the host decodes index = 0xFFFFFFFF - (key & 0xFFFFFFFF).
typedef struct fs_argmax_params {
  fs_devptr logits;       // [rows, row_stride] float32
  fs_devptr keys;         // out [rows] uint64, zeroed before the launch
  int64_t row_stride;     // elements between rows (>= vocab)
  int32_t rows;
  int32_t vocab;
  int32_t chunk;          // elements per CTA (a multiple of 4 * block size)
} fs_argmax_params;

// out[m, n] = sum_k x[m, k] * w[n, k] (+ bias[n]) for a few rows m < rows (decode steps):
// the weight matrix is read once, at memory speed, while every row reuses each loaded
// weight vector (cuBLASLt reaches 1.4-2.4 TB/s at one row on an H100; this aims higher).
// Up to four products that share x run as one launch (q/k/v, gate/up): each segment has
// its own weight, bias and output, and owns features [first_feature[s], first_feature[s+1])
// of the launch's feature count. Warps take features in a grid-stride loop (a CTA per few
// features would spend as long starting as streaming); bias is T, or float for float32 out.
#define FS_SKINNY_MAX_ROWS 8
#define FS_SKINNY_MAX_SEGMENTS 4
typedef struct fs_linear_skinny_segment {
  fs_devptr w;            // [n, k] T
  fs_devptr bias;         // [n] (T, or float32 when out_f32) or 0
  fs_devptr out;          // [rows, n] T or float32
  int32_t n;
  int32_t first_feature;  // this segment's first feature among all the launch's
} fs_linear_skinny_segment;

typedef struct fs_linear_skinny_params {
  fs_devptr x;            // [rows, k] T
  fs_linear_skinny_segment segment[FS_SKINNY_MAX_SEGMENTS];
  int32_t segments;       // 1 ... FS_SKINNY_MAX_SEGMENTS
  int32_t rows;           // 1 ... FS_SKINNY_MAX_ROWS
  int32_t k;              // multiple of 8 (16-byte vectors)
  int32_t out_f32;        // 1: float32 outputs (the logits)
  int32_t features;       // sum of the segments' n
} fs_linear_skinny_params;

// The same params serve the tensor-core skinny product (linear_skinny_mma.cu) of up to
// FS_SKINNY_MMA_MAX_ROWS rows: there every segment's n is a multiple of 16 and k of 32.
#define FS_SKINNY_MMA_MAX_ROWS 16

// The skinny product fused with what follows it on a decode step (FS_SKINNY_FUSED_MAX_ROWS
// rows at most). Both stream the weights exactly as fs_linear_skinny_* does, and round each
// product to T before using it, so what they write is bit for bit what the unfused launches
// write (the RMSNorm output within its rounding: the sum of squares adds in another order).
#define FS_SKINNY_FUSED_MAX_ROWS 4

// An RMSNorm left to the kernel that reads its output (decode steps): a projection back into
// the residual stream (fs_linear_skinny_add_squares_*) writes the residual, the weighted rows
// T(residual[m, :] * weight) into the norm's tensor and each CTA's share of every row's sum of
// squares; the next product reads the weighted rows as its x and multiplies its dot products
// by rsqrt(sum(partials[m, :]) / k + eps) (deferred_rmsnorm.cuh; the partials are staged in
// dynamic shared memory, rows * partial_count floats rounded up to 16 bytes).
// residual == 0: x is read as given.
typedef struct fs_deferred_rmsnorm {
  fs_devptr residual;     // [rows, k] T, or 0
  fs_devptr partials;     // float32 [rows, partial_count]
  fs_devptr weight;       // [k] T
  int32_t partial_count;  // the add-squares launch's CTAs
  float eps;
} fs_deferred_rmsnorm;

// out[m, j] = silu(g) * u, g = x[m] . gate[j] (+ gate_bias[j]), u = x[m] . up[j] (+ up_bias[j]),
// g and u rounded to T first: the gated MLP's gate/up products and SiLU-and-mul in one
// launch. The warp owning feature j streams gate row j and up row j together.
typedef struct fs_linear_gated_params {
  fs_devptr x;            // [rows, k] T
  fs_devptr gate;         // [n, k] T
  fs_devptr up;           // [n, k] T
  fs_devptr gate_bias;    // [n] T or 0
  fs_devptr up_bias;      // [n] T or 0
  fs_devptr out;          // [rows, n] T; must not overlap x
  int32_t rows;           // 1 ... FS_SKINNY_FUSED_MAX_ROWS
  int32_t k;              // multiple of 8
  int32_t n;
  fs_deferred_rmsnorm norm;  // x = a deferred norm's weighted rows, or residual == 0
} fs_linear_gated_params;

// A projection back into the residual stream and the next RMSNorm (o and down, each with
// the norm after it) in one launch:
//   projected = x . w^T (+ bias), rounded to T
//   residual  = T(residual + projected)                      (in place)
//   normed    = residual * rsqrt(mean(residual^2) + eps) * norm_weight
// The warp owning feature j updates residual[:, j] and adds its square to a per-CTA sum;
// each CTA writes its sums to partials[m * gridDim.x + cta] and takes a ticket from
// `counter`; the last CTA adds the partials in CTA order (deterministic, whichever CTA is
// last), writes `normed` for every row and resets the counter to 0 (graph-replayable).
// Launches using one counter must not overlap in time (one stream).
// fs_linear_skinny_add_squares_* stops after the partials (no ticket, counter unused) and
// writes normed = T(residual * norm_weight), without the row's 1 / rms: the norm is deferred
// to the kernel that reads it (fs_deferred_rmsnorm), or settled into `normed` by
// fs_rmsnorm_settle_*.
typedef struct fs_linear_add_rmsnorm_params {
  fs_devptr x;            // [rows, k] T
  fs_devptr w;            // [n, k] T
  fs_devptr bias;         // [n] T or 0
  fs_devptr projected;    // out [rows, n] T, or 0 to skip it
  fs_devptr residual;     // in/out [rows, n] T
  fs_devptr norm_weight;  // [n] T
  fs_devptr normed;       // out [rows, n] T
  fs_devptr partials;     // float32 scratch [rows, gridDim.x]
  fs_devptr counter;      // uint32, 0 before the launch (and after it)
  int32_t rows;           // 1 ... FS_SKINNY_FUSED_MAX_ROWS
  int32_t k;              // multiple of 8
  int32_t n;              // multiple of 8
  float eps;
} fs_linear_add_rmsnorm_params;

// The attention block's q/k/v products with RoPE on q and k, one launch (decode steps):
//   y = x . w^T (+ bias), rounded to T, for each of q, k, v;
//   q and k then rotated half-split per head with cos/sin[m, j] (as fs_rope_apply_* does),
// so the output is bit for bit the skinny launch followed by fs_rope_apply_qk_*. A CTA
// computes 4 rotation pairs (rows j..j+3 and j+half..j+half+3 of one head) per step and
// swaps the halves through shared memory.
typedef struct fs_linear_rope_params {
  fs_devptr x;            // [rows, k] T
  fs_devptr w_q, w_k, w_v;          // [q_width, k], [kv_width, k], [kv_width, k] T
  fs_devptr bias_q, bias_k, bias_v; // [width] T or 0
  fs_devptr out_q, out_k, out_v;    // [rows, width] T; must not overlap x
  fs_devptr cos;          // float32 [rows, head_dim / 2]
  fs_devptr sin;          // float32 [rows, head_dim / 2]
  int32_t q_width;        // q heads x head_dim
  int32_t kv_width;       // kv heads x head_dim
  int32_t head_dim;       // multiple of 8
  int32_t rows;           // 1 ... FS_SKINNY_FUSED_MAX_ROWS
  int32_t k;              // multiple of 8
  fs_deferred_rmsnorm norm;  // x = a deferred norm's weighted rows, or residual == 0
} fs_linear_rope_params;

// A deferred norm written out: normed[m, :] for m < rows, one CTA of 256 threads
// (fs_rmsnorm_settle_{bf16,f16}_m{1..4}), the bits the add-norm kernel's last CTA writes.
typedef struct fs_rmsnorm_settle_params {
  fs_deferred_rmsnorm norm;  // residual != 0
  fs_devptr normed;       // out [rows, n] T
  int32_t rows;           // 1 ... FS_SKINNY_FUSED_MAX_ROWS
  int32_t n;              // multiple of 8
} fs_rmsnorm_settle_params;

#endif
