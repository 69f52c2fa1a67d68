// Programmatic dependent launch (Hopper): a kernel launched with the PDL attribute may be
// scheduled while the kernel before it in the stream is still finishing, so a chain of
// small kernels (a decode step: norms, RoPE, KV store, attention, matrix-vector products)
// does not pay a launch's latency and ramp-up between each pair. `fs_pdl_begin` comes first
// in every such kernel: it lets the next kernel launch now (its CTAs then wait in their own
// `fs_pdl_begin`), and waits until the previous grid has finished and its writes are
// visible, before this kernel touches global memory. Launched without the attribute, or on
// a GPU before sm_90, both instructions are no-ops. Every CTA of every such kernel waits
// before it ends, so a kernel's completion implies its predecessors': the decode kernel's
// cluster schedule relies on that to read the step's settled inputs before its own wait
// (kernels/attention_decode/README.md, early fetches).
#pragma once

// Lets the next kernel in the stream launch (its CTAs wait in their own fs_pdl_wait).
__device__ __forceinline__ void fs_pdl_trigger() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// Waits until the previous grid has finished and its writes are visible. Only what does
// not depend on it (a layer's weights) may be read or prefetched before this.
__device__ __forceinline__ void fs_pdl_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

__device__ __forceinline__ void fs_pdl_begin() {
  fs_pdl_trigger();
  fs_pdl_wait();
}
