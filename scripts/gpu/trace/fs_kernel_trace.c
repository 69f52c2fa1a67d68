// A CUPTI injection library that records every kernel's GPU start and end (graph replays
// included) and writes them as CSV when the process exits. It answers "which kernel costs
// what on a decode step's critical path", which a whole-graph timer cannot.
//
// Build here (no GPU needed): scripts/gpu/trace/build.sh. Use on the GPU machine:
//   CUDA_INJECTION64_PATH=$PWD/libfs_kernel_trace.so LD_LIBRARY_PATH=<dir of libcupti.so.13> \
//   FS_KERNEL_TRACE=out.csv ./flashserve bench latency ...
// Columns: kernel name, start ns, end ns, graph node id (0 outside graphs), grid x, block x.
// The driver calls InitializeInjection at cuInit; tracing costs ~1 µs a kernel of host time
// and does not serialize kernels (CONCURRENT_KERNEL records), so PDL overlap stays.
#include <cupti.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE* g_out;

static void CUPTIAPI buffer_requested(uint8_t** buffer, size_t* size, size_t* max_records) {
  *size = 8 << 20;
  *buffer = (uint8_t*)aligned_alloc(8, *size);
  *max_records = 0;
}

static void CUPTIAPI buffer_completed(CUcontext ctx, uint32_t stream, uint8_t* buffer, size_t size, size_t valid) {
  (void)ctx; (void)stream; (void)size;
  CUpti_Activity* record = NULL;
  while (cuptiActivityGetNextRecord(buffer, valid, &record) == CUPTI_SUCCESS) {
    if (record->kind != CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) continue;
    const CUpti_ActivityKernel10* k = (const CUpti_ActivityKernel10*)record;
    if (g_out) {
      fprintf(g_out, "%s,%llu,%llu,%llu,%d,%d\n", k->name ? k->name : "?", (unsigned long long)k->start,
              (unsigned long long)k->end, (unsigned long long)k->graphNodeId, k->gridX, k->blockX);
    }
  }
  free(buffer);
}

static void finish(void) {
  cuptiActivityFlushAll(1);
  if (g_out) fclose(g_out);
  g_out = NULL;
}

int InitializeInjection(void) {
  const char* path = getenv("FS_KERNEL_TRACE");
  g_out = fopen(path ? path : "fs_kernel_trace.csv", "w");
  if (!g_out) return 0;
  fprintf(g_out, "name,start_ns,end_ns,graph_node,grid_x,block_x\n");
  if (cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed) != CUPTI_SUCCESS ||
      cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) != CUPTI_SUCCESS) {
    fprintf(stderr, "fs_kernel_trace: CUPTI activity tracing could not start\n");
    return 0;
  }
  atexit(finish);
  return 1;
}
