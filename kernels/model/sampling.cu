// Sampling on the device (see fs_sample_params in sampling_params.h): one CTA per request
// applies its penalties to its logits row in place, then takes the argmax (temperature 0)
// or draws from the row after temperature, top-k, top-p and min-p, exactly as the host
// sampler defines them, without sorting the vocabulary:
// - The kept set is always a prefix of the rank order (larger logit first, lower id first
//   among equal logits), so it is described by a cut: every token whose logit key is above
//   `key`, plus the first `ties` tokens (in id order) whose key equals it.
// - Top-k's cut is the k-th largest key, found by a three-pass radix select over the
//   ordered 32-bit keys of the logits (11 + 11 + 10 bits; a shared histogram per pass).
// - Top-p's cut is found the same way, but bins are scanned by probability mass instead
//   of count: the first rank whose cumulative mass reaches p times the mass of the top-k
//   set (or of the whole row). Equal keys weigh the same, so the ties it needs at the cut
//   are a division, not a walk; the mass above the cut is summed again exactly (double)
//   for that division, since the bins' fixed-point masses only steer the descent.
// - The draw walks the kept tokens in id order: each thread sums a contiguous chunk, a
//   block scan finds the chunk where the cumulative weight passes uniform * total, and
//   that chunk's thread walks it. Weights are exp((l - max) / T) in float; sums are double.
// A 128k-token row takes at most eight passes over 513 KB, read from L2 after the first.
#include <stdint.h>
#include <math.h>
#include "sampling_params.h"

namespace {

constexpr int kThreads = 1024;
constexpr int kWarps = kThreads / 32;
constexpr int kBins = 2048;            // 11-bit radix digits
constexpr int kNoCrossing = 0x7FFFFFFF;

// Floats ordered as unsigned integers: a larger float has a larger key.
__device__ __forceinline__ uint32_t key_of(float v) {
  const uint32_t bits = __float_as_uint(v);
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

__device__ __forceinline__ float float_of(uint32_t key) {
  return __uint_as_float((key & 0x80000000u) ? (key & 0x7FFFFFFFu) : ~key);
}

// NaN logits count as -inf: never drawn, never the maximum.
__device__ __forceinline__ float load_logit(const float* x, int i) {
  const float v = x[i];
  return v != v ? -INFINITY : v;
}

// Weight of a logit relative to the row's maximum (the maximum weighs 1).
__device__ __forceinline__ float weight_of(float logit, float maximum, float scale) {
  return exp2f((logit - maximum) * scale);
}

// Keep every token above `key`, and the first `ties` tokens at `key` in id order.
struct Cut {
  uint32_t key;
  int32_t ties;
};

// The earlier of two cuts in rank order (fewer tokens kept).
__device__ __forceinline__ Cut tighter(Cut a, Cut b) {
  if (a.key != b.key) return a.key > b.key ? a : b;
  return a.ties < b.ties ? a : b;
}

// Bin masses are fixed point (2^-32 units) split over three 32-bit words, because shared
// memory adds integers natively but float (and 64-bit) adds become compare-and-swap loops,
// which collide on the few bins that hold most logits (measured: 600 us a row that way).
// Each word takes 11 bits of a weight's 32, so a bin of 128k weights cannot overflow.
struct Shared {
  uint32_t count[kBins];
  uint32_t mass_high[kBins], mass_mid[kBins], mass_low[kBins];
  int32_t warp_int[kWarps + 1];
  double warp_double[kWarps + 1];
  unsigned long long best;
  int32_t crossing, last_nonempty;
  // The chosen digit of a radix pass, with what lies above it.
  int32_t digit, above_count;
  double above_mass;
  int32_t winner;
};

__device__ __forceinline__ double bin_mass(const Shared& s, int b) {
  return (double(s.mass_high[b]) * 4194304.0 + double(s.mass_mid[b]) * 2048.0 + double(s.mass_low[b])) *
         2.3283064365386963e-10;   // 2^-32
}

// Exclusive prefix sum over the block in thread order; `total` gets the sum of all.
// `warp_totals` holds kWarps + 1 values; every thread must call it.
template <typename T>
__device__ T block_exclusive_scan(T value, T& total, T* warp_totals) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  T inclusive = value;
#pragma unroll
  for (int offset = 1; offset < 32; offset <<= 1) {
    const T other = __shfl_up_sync(0xFFFFFFFFu, inclusive, offset);
    if (lane >= offset) inclusive += other;
  }
  if (lane == 31) warp_totals[warp] = inclusive;
  __syncthreads();
  if (warp == 0) {
    const T own = warp_totals[lane];
    T running = own;
#pragma unroll
    for (int offset = 1; offset < 32; offset <<= 1) {
      const T other = __shfl_up_sync(0xFFFFFFFFu, running, offset);
      if (lane >= offset) running += other;
    }
    warp_totals[lane] = running - own;             // exclusive offset of each warp
    if (lane == 31) warp_totals[kWarps] = running;  // the block's total
  }
  __syncthreads();
  const T result = warp_totals[warp] + inclusive - value;
  total = warp_totals[kWarps];
  __syncthreads();   // the next scan may reuse warp_totals
  return result;
}

// The thread (in thread order) where a running total first reaches its goal: the lowest
// thread whose `crosses` holds among those with `nonempty` work, else the last nonempty one
// (rounding can leave a goal a hair past the whole sum). Every thread must call it.
__device__ int first_crossing(bool nonempty, bool crosses, Shared& s) {
  if (threadIdx.x == 0) {
    s.crossing = kNoCrossing;
    s.last_nonempty = -1;
  }
  __syncthreads();
  if (nonempty) {
    atomicMax(&s.last_nonempty, int(threadIdx.x));
    if (crosses) atomicMin(&s.crossing, int(threadIdx.x));
  }
  __syncthreads();
  const int chosen = s.crossing != kNoCrossing ? s.crossing : s.last_nonempty;
  __syncthreads();   // read by all before the next call resets it
  return chosen;
}

// A token's weight if the cut and min-p keep it, else 0. `tie_rank` counts the tokens at
// the cut's key seen so far (in id order) and advances past this one if it is one of them.
__device__ __forceinline__ float kept_weight(float logit, Cut cut, int32_t& tie_rank, float maximum, float scale,
                                             float min_p) {
  const uint32_t key = key_of(logit);
  bool kept = key > cut.key;
  if (key == cut.key) kept = tie_rank++ < cut.ties;
  const float w = weight_of(logit, maximum, scale);
  return kept && w >= min_p ? w : 0.f;
}

// The row's maximum logit and the first index holding it, as one 64-bit key.
__device__ unsigned long long row_best(const float* x, int vocab, Shared& s) {
  unsigned long long best = 0;
  for (int i = threadIdx.x; i < vocab; i += kThreads) {
    const unsigned long long key =
        (static_cast<unsigned long long>(key_of(load_logit(x, i))) << 32) | (0xFFFFFFFFu - uint32_t(i));
    best = key > best ? key : best;
  }
  for (int offset = 16; offset > 0; offset >>= 1) {
    const unsigned long long other = __shfl_xor_sync(0xFFFFFFFFu, best, offset);
    best = other > best ? other : best;
  }
  if (threadIdx.x == 0) s.best = 0;
  __syncthreads();
  if ((threadIdx.x & 31) == 0) atomicMax(&s.best, best);
  __syncthreads();
  return s.best;
}

// The mass of every token ranked above `key` (all tokens with a larger key), summed in
// double per thread: the radix descent steers by approximate bin masses, this is exact.
__device__ double mass_above(const float* x, int vocab, float maximum, float scale, uint32_t key, Shared& s) {
  double local = 0;
  for (int i = threadIdx.x; i < vocab; i += kThreads) {
    const float logit = load_logit(x, i);
    if (key_of(logit) > key) local += weight_of(logit, maximum, scale);
  }
  double total;
  block_exclusive_scan(local, total, s.warp_double);
  return total;
}

// How many tokens are at or above `floor_key`, their mass, and the whole row's mass.
__device__ void weigh_floor(const float* x, int vocab, float maximum, float scale, uint32_t floor_key, Shared& s,
                            int32_t& count, double& mass, double& row_mass) {
  int32_t local_count = 0;
  double local_mass = 0, local_row = 0;
  for (int i = threadIdx.x; i < vocab; i += kThreads) {
    const float logit = load_logit(x, i);
    const float w = weight_of(logit, maximum, scale);
    local_row += w;
    if (key_of(logit) >= floor_key) {
      local_count += 1;
      local_mass += w;
    }
  }
  block_exclusive_scan(local_count, count, s.warp_int);
  block_exclusive_scan(local_mass, mass, s.warp_double);
  block_exclusive_scan(local_row, row_mass, s.warp_double);
}

enum class SelectBy { count, mass };

// Radix select from the top: the cut where the tokens kept (in rank order) first reach
// `target` tokens (SelectBy::count) or `target` of probability mass (SelectBy::mass).
// Tokens below `min_key` are left out of the histograms: the caller knows the cut lies at
// or above it. With `want_mass` (or in mass mode) `kept_mass` gets the exact mass of the
// tokens the cut keeps.
template <SelectBy kBy>
__device__ Cut radix_select(const float* x, int vocab, float maximum, float scale, double target, uint32_t min_key,
                            bool want_mass, Shared& s, double& kept_mass) {
  uint32_t prefix = 0, mask = 0;
  int32_t above_count = 0;
  double above_mass = 0;
  uint32_t bin_count = 0;
  const int shifts[3] = {21, 10, 0};
  const int widths[3] = {11, 11, 10};
#pragma unroll
  for (int pass = 0; pass < 3; ++pass) {
    const int shift = shifts[pass];
    const uint32_t digit_mask = (1u << widths[pass]) - 1;
    for (int b = threadIdx.x; b < kBins; b += kThreads) {
      s.count[b] = 0;
      if (kBy == SelectBy::mass) s.mass_high[b] = s.mass_mid[b] = s.mass_low[b] = 0;
    }
    __syncthreads();
    for (int i = threadIdx.x; i < vocab; i += kThreads) {
      const float logit = load_logit(x, i);
      const uint32_t key = key_of(logit);
      if (key < min_key || (key & mask) != prefix) continue;
      const int digit = int((key >> shift) & digit_mask);
      atomicAdd(&s.count[digit], 1u);
      if (kBy == SelectBy::mass) {
        const float w = weight_of(logit, maximum, scale);
        // w <= 1, so w * 2^32 fits 33 bits; 2^32 itself only for the maximum (w = 1).
        const unsigned long long fixed = static_cast<unsigned long long>(double(w) * 4294967296.0);
        atomicAdd(&s.mass_high[digit], uint32_t(fixed >> 22));
        atomicAdd(&s.mass_mid[digit], uint32_t((fixed >> 11) & 0x7FF));
        atomicAdd(&s.mass_low[digit], uint32_t(fixed & 0x7FF));
      }
    }
    __syncthreads();
    // Thread t owns bins kBins-1-2t and kBins-2-2t: thread order is descending digit order.
    const int high = kBins - 1 - 2 * int(threadIdx.x), low = high - 1;
    const int32_t c = int32_t(s.count[high] + s.count[low]);
    const double m = kBy == SelectBy::mass ? bin_mass(s, high) + bin_mass(s, low) : 0.0;
    int32_t count_total;
    double mass_total;
    const int32_t count_before = block_exclusive_scan(c, count_total, s.warp_int);
    const double mass_before = kBy == SelectBy::mass ? block_exclusive_scan(m, mass_total, s.warp_double) : 0.0;
    const double need = kBy == SelectBy::count ? target - above_count : target - above_mass;
    const bool crosses = kBy == SelectBy::count ? double(count_before + c) >= need : mass_before + m >= need;
    if (int(threadIdx.x) == first_crossing(c > 0, crosses, s)) {
      // The high bin if it alone reaches the goal (or the low bin is empty), else the low.
      const bool high_reaches = kBy == SelectBy::count ? double(count_before + int32_t(s.count[high])) >= need
                                                       : mass_before + bin_mass(s, high) >= need;
      const bool take_high = s.count[high] > 0 && (high_reaches || s.count[low] == 0);
      s.digit = take_high ? high : low;
      s.above_count = count_before + (take_high ? 0 : int32_t(s.count[high]));
      s.above_mass = kBy == SelectBy::mass ? mass_before + (take_high ? 0.0 : bin_mass(s, high)) : 0.0;
    }
    __syncthreads();
    prefix |= uint32_t(s.digit) << shift;
    mask |= digit_mask << shift;
    above_count += s.above_count;
    above_mass += s.above_mass;
    bin_count = s.count[s.digit];
    __syncthreads();   // the bins are cleared by the next pass
  }
  // Every token at the cut's key weighs the same.
  const double tie_weight = weight_of(float_of(prefix), maximum, scale);
  const int32_t at_key = int32_t(bin_count);
  int32_t ties;
  double exact_above = 0;
  if (kBy == SelectBy::count) {
    ties = int32_t(target) - above_count;
    if (want_mass) exact_above = mass_above(x, vocab, maximum, scale, prefix, s);
  } else {
    exact_above = mass_above(x, vocab, maximum, scale, prefix, s);
    ties = tie_weight > 0 ? int32_t(ceil((target - exact_above) / tie_weight)) : at_key;
  }
  ties = ties < 1 ? 1 : (ties > at_key ? at_key : ties);
  kept_mass = exact_above + ties * tie_weight;
  return Cut{prefix, ties};
}

// Draws the token: walks the kept tokens in id order until their cumulative weight passes
// uniform * total. Thread t owns ids [t * chunk, (t + 1) * chunk).
__device__ int draw(const float* x, int vocab, float maximum, float scale, Cut cut, float min_p, double uniform,
                    Shared& s) {
  const int chunk = (vocab + kThreads - 1) / kThreads;
  const int begin = min(int(threadIdx.x) * chunk, vocab), end = min(begin + chunk, vocab);
  // Ties at the cut are kept in id order: count this chunk's, then scan for earlier ones.
  int32_t local_ties = 0;
  for (int i = begin; i < end; ++i) local_ties += key_of(load_logit(x, i)) == cut.key;
  int32_t all_ties;
  const int32_t ties_before = block_exclusive_scan(local_ties, all_ties, s.warp_int);
  double local_mass = 0;
  int32_t tie_rank = ties_before;
  for (int i = begin; i < end; ++i) local_mass += kept_weight(load_logit(x, i), cut, tie_rank, maximum, scale, min_p);
  double total;
  const double mass_before = block_exclusive_scan(local_mass, total, s.warp_double);
  const double goal = uniform * total;
  if (int(threadIdx.x) == first_crossing(local_mass > 0, mass_before + local_mass > goal, s)) {
    double cumulative = mass_before;
    int last = -1;
    tie_rank = ties_before;
    for (int i = begin; i < end; ++i) {
      const float w = kept_weight(load_logit(x, i), cut, tie_rank, maximum, scale, min_p);
      if (w <= 0.f) continue;
      last = i;
      cumulative += w;
      if (cumulative > goal) break;
    }
    // Rounding can leave the goal a hair past the sum: the last kept token owns that edge.
    s.winner = last;
  }
  __syncthreads();
  return s.winner;
}

// Repetition (divide a positive logit, multiply a negative one), then frequency and
// presence, with the host sampler's float operations (no fused multiply-add).
__device__ void apply_penalties(float* x, int vocab, const fs_sample_row& row, const fs_penalty_entry* entries) {
  for (int e = row.penalty_begin + int(threadIdx.x); e < row.penalty_end; e += kThreads) {
    const fs_penalty_entry entry = entries[e];
    if (entry.token < 0 || entry.token >= vocab) continue;
    float v = x[entry.token];
    if (row.repetition_penalty != 1.f) {
      v = v > 0.f ? __fdiv_rn(v, row.repetition_penalty) : __fmul_rn(v, row.repetition_penalty);
    }
    if (entry.output_count > 0 && (row.frequency_penalty != 0.f || row.presence_penalty != 0.f)) {
      const float penalty = __fadd_rn(__fmul_rn(row.frequency_penalty, float(entry.output_count)), row.presence_penalty);
      v = __fsub_rn(v, penalty);
    }
    x[entry.token] = v;
  }
  __syncthreads();   // the block's own global writes are visible to it after the barrier
}

}  // namespace

extern "C" __global__ void __launch_bounds__(kThreads, 1) fs_sample_f32(const __grid_constant__ fs_sample_params p) {
  __shared__ Shared s;
  const fs_sample_row row = reinterpret_cast<const fs_sample_row*>(p.requests)[blockIdx.x];
  float* x = reinterpret_cast<float*>(p.logits) + int64_t(row.logits_row) * p.row_stride;
  int32_t* tokens = reinterpret_cast<int32_t*>(p.tokens);
  const int vocab = p.vocab;
  if (row.penalty_end > row.penalty_begin) {
    apply_penalties(x, vocab, row, reinterpret_cast<const fs_penalty_entry*>(p.entries));
  }
  const unsigned long long best = row_best(x, vocab, s);
  if (row.temperature == 0.f) {
    if (threadIdx.x == 0) tokens[blockIdx.x] = int32_t(0xFFFFFFFFu - uint32_t(best & 0xFFFFFFFFu));
    return;
  }
  const float maximum = float_of(uint32_t(best >> 32));
  const float scale = 1.4426950408889634f / row.temperature;   // log2(e) / T, for exp2f
  // No cut: every token at or above the smallest key, all ties kept.
  Cut cut{0u, vocab};
  const bool top_k = row.top_k > 0 && row.top_k < vocab, top_p = row.top_p < 1.f;
  if (!top_k && !top_p) {
    const int token = draw(x, vocab, maximum, scale, cut, row.min_p, row.uniform, s);
    if (threadIdx.x == 0) tokens[blockIdx.x] = token;
    return;
  }
  // The histograms' atomics are the cost, and most of a row lies in a few bins far below
  // its top. Tokens lighter than 2^-24 of the top (logit < max - 24 ln2 T) hardly ever
  // reach a cut: one cheap pass counts and weighs the tokens above that floor (and the
  // whole row), and where they already hold top-k's count or top-p's mass the selects
  // skip the rest.
  const uint32_t floor_key = key_of(maximum - 16.635532333438686f * row.temperature);   // 24 ln 2
  int32_t above_floor;
  double floor_mass, row_mass;
  weigh_floor(x, vocab, maximum, scale, floor_key, s, above_floor, floor_mass, row_mass);
  double kept_mass = row_mass;
  if (top_k) {
    const uint32_t min_key = above_floor >= row.top_k ? floor_key : 0u;
    cut = radix_select<SelectBy::count>(x, vocab, maximum, scale, double(row.top_k), min_key, top_p, s, kept_mass);
  }
  if (top_p) {
    double nucleus_mass;
    const double goal = double(row.top_p) * kept_mass;
    const uint32_t min_key = floor_mass >= goal ? floor_key : 0u;
    cut = tighter(cut, radix_select<SelectBy::mass>(x, vocab, maximum, scale, goal, min_key, true, s, nucleus_mass));
  }
  const int token = draw(x, vocab, maximum, scale, cut, row.min_p, row.uniform, s);
  if (threadIdx.x == 0) tokens[blockIdx.x] = token;
}
