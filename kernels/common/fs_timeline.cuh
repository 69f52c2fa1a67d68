// A diagnostic for kernel-only variants (scripts/gpu/pack-kernel-variants.sh): with
// FS_TIMELINE defined, a kernel marks points of its CTAs' path with the SM clock and prints
// them for the launches of two layers (launches counted per kernel family: those of layer
// launch FS_TIMELINE and the next, well past the warm-up and capture). Without it every macro is empty.
// The printed globaltimer of each CTA's start lines kernels up against each other.
#pragma once
#include <stdint.h>

#ifdef FS_TIMELINE
#include <stdio.h>
struct FsTimeline {
  static constexpr int kMarks = 10;
  // Thread 0's start time and marks live in shared memory, not registers: a kernel built to a
  // register cap (FS_ROPE_MAXNREG) must not spill because it is being timed.
  struct Marks {
    unsigned long long g0;  // globaltimer at the CTA's start (ns)
    long long c[kMarks];    // clock64 at each mark
  };
  __device__ __forceinline__ static Marks& marks() {
    __shared__ Marks m;
    return m;
  }
  __device__ __forceinline__ void start() {
    if (threadIdx.x != 0) return;
    Marks& m = marks();
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(m.g0));
#pragma unroll
    for (int i = 0; i < kMarks; ++i) m.c[i] = 0;
    m.c[0] = clock64();
  }
  __device__ __forceinline__ void mark(int i) {
    if (threadIdx.x == 0) marks().c[i] = clock64();
  }
  // Thread 0 prints one line when this CTA belongs to a chosen launch of `counter`'s kernel.
  // Prints for launches [first, first + count) of this kernel family.
  __device__ __forceinline__ void finish(unsigned int* counter, const char* name, unsigned int first, unsigned int count) {
    if (threadIdx.x != 0) return;
    unsigned long long g1;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(g1));
    const unsigned int ticket = atomicAdd(counter, 1u);
    const unsigned int launch = ticket / gridDim.x;
    if (launch < first || launch >= first + count) return;
    unsigned int sm;
    asm volatile("mov.u32 %0, %%smid;" : "=r"(sm));
    // Cycles at 1.98 GHz to ns (the H100's clock under load; deltas only).
    float d[kMarks];
    const Marks& m = marks();
#pragma unroll
    for (int i = 0; i < kMarks; ++i) d[i] = m.c[i] ? (m.c[i] - m.c[0]) / 1.98f : -1.f;
    printf("TL %s launch %u cta %u sm %u g0 %llu end %llu marks %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\n", name,
           launch, blockIdx.x, sm, m.g0, g1, d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9]);
  }
};
#define FS_TL_START FsTimeline fs_tl; fs_tl.start();
#define FS_TL_MARK(I) fs_tl.mark(I);
// One launch counter per compilation unit (each kernel file times one kernel family).
__device__ unsigned int fs_tl_counter;
// PER_LAYER: launches of this family per model layer (two for the add-squares kernel).
#define FS_TL_FINISH(NAME, PER_LAYER) fs_tl.finish(&fs_tl_counter, NAME, (PER_LAYER) * FS_TIMELINE, 2 * (PER_LAYER));
#else
#define FS_TL_START
#define FS_TL_MARK(I)
#define FS_TL_FINISH(NAME, PER_LAYER)
#endif
