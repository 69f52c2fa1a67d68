// The CUDA driver API, loaded at run time with dlopen so that FlashServe builds and runs
// on machines without CUDA. Only the types and calls FlashServe uses are declared here,
// with the ABI of cuda.h (CUDA 12/13); the Swift `CUDA` module is the only user.
#ifndef FS_CCUDA_DRIVER_H
#define FS_CCUDA_DRIVER_H
#include <stddef.h>
#include <stdint.h>

typedef int CUresult;                       // CUDA_SUCCESS == 0
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphNode_st *CUgraphNode;
typedef struct CUgraphExec_st *CUgraphExec;

// cuda.h's CUlaunchAttribute: an id, padding to 8 bytes, then a 64-byte value union.
typedef struct fs_cu_launch_attribute {
  int id;
  char pad[4];
  union { char raw[64]; int i; struct { unsigned int x, y, z; } clusterDim; } value;
} fs_cu_launch_attribute;

typedef struct fs_cu_launch_config {         // cuda.h's CUlaunchConfig
  unsigned int gridDimX, gridDimY, gridDimZ;
  unsigned int blockDimX, blockDimY, blockDimZ;
  unsigned int sharedMemBytes;
  CUstream hStream;
  fs_cu_launch_attribute *attrs;
  unsigned int numAttrs;
} fs_cu_launch_config;

typedef struct fs_cu_graph_exec_update_info { // cuda.h's CUgraphExecUpdateResultInfo
  int result;
  CUgraphNode errorNode;
  CUgraphNode errorFromNode;
} fs_cu_graph_exec_update_info;

enum {
  FS_CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13,
  FS_CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
  FS_CU_DEVICE_ATTRIBUTE_PCI_BUS_ID = 33,
  FS_CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36,
  FS_CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37,
  FS_CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38,
  FS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  FS_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
  FS_CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR = 81,
  FS_CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97,
  FS_CU_FUNC_ATTRIBUTE_NUM_REGS = 4,
  FS_CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8,
  FS_CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT = 9,
  FS_CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED = 14,
  FS_CU_STREAM_NON_BLOCKING = 1,
  FS_CU_EVENT_DEFAULT = 0,
  FS_CU_EVENT_DISABLE_TIMING = 2,
  FS_CU_STREAM_CAPTURE_MODE_GLOBAL = 0,
  FS_CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1,
  FS_CU_STREAM_CAPTURE_MODE_RELAXED = 2,
  FS_CU_MEMHOSTALLOC_PORTABLE = 1,
  FS_CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION = 4,
  FS_CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6,
};

// The driver entry points FlashServe calls, resolved once by fs_cuda_open.
// Optional ones (newer drivers only) are NULL when the driver lacks them.
typedef struct fs_cuda_api {
  CUresult (*cuInit)(unsigned int flags);
  CUresult (*cuDriverGetVersion)(int *version);
  CUresult (*cuGetErrorName)(CUresult error, const char **name);
  CUresult (*cuGetErrorString)(CUresult error, const char **text);
  CUresult (*cuDeviceGetCount)(int *count);
  CUresult (*cuDeviceGet)(CUdevice *device, int ordinal);
  CUresult (*cuDeviceGetName)(char *name, int len, CUdevice device);
  CUresult (*cuDeviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*cuDeviceTotalMem)(size_t *bytes, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext context);
  CUresult (*cuCtxSynchronize)(void);
  CUresult (*cuMemGetInfo)(size_t *freeBytes, size_t *totalBytes);
  CUresult (*cuMemAlloc)(CUdeviceptr *address, size_t bytes);
  CUresult (*cuMemFree)(CUdeviceptr address);
  CUresult (*cuMemHostAlloc)(void **pointer, size_t bytes, unsigned int flags);
  CUresult (*cuMemFreeHost)(void *pointer);
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr dst, const void *src, size_t bytes, CUstream stream);
  CUresult (*cuMemcpyDtoHAsync)(void *dst, CUdeviceptr src, size_t bytes, CUstream stream);
  CUresult (*cuMemcpyDtoDAsync)(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream);
  CUresult (*cuMemsetD8Async)(CUdeviceptr dst, unsigned char value, size_t count, CUstream stream);
  CUresult (*cuMemsetD32Async)(CUdeviceptr dst, unsigned int value, size_t count, CUstream stream);
  CUresult (*cuStreamCreate)(CUstream *stream, unsigned int flags);
  CUresult (*cuStreamDestroy)(CUstream stream);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuEventCreate)(CUevent *event, unsigned int flags);
  CUresult (*cuEventDestroy)(CUevent event);
  CUresult (*cuEventRecord)(CUevent event, CUstream stream);
  CUresult (*cuEventSynchronize)(CUevent event);
  CUresult (*cuEventElapsedTime)(float *milliseconds, CUevent start, CUevent end);
  CUresult (*cuModuleLoadData)(CUmodule *module, const void *image);
  CUresult (*cuModuleUnload)(CUmodule module);
  CUresult (*cuModuleGetFunction)(CUfunction *function, CUmodule module, const char *name);
  CUresult (*cuFuncGetAttribute)(int *value, int attribute, CUfunction function);
  CUresult (*cuFuncSetAttribute)(CUfunction function, int attribute, int value);
  CUresult (*cuLaunchKernelEx)(const fs_cu_launch_config *config, CUfunction function,
                               void **params, void **extra);
  CUresult (*cuStreamBeginCapture)(CUstream stream, int mode);
  CUresult (*cuStreamEndCapture)(CUstream stream, CUgraph *graph);
  CUresult (*cuGraphInstantiateWithFlags)(CUgraphExec *exec, CUgraph graph, unsigned long long flags);
  CUresult (*cuGraphLaunch)(CUgraphExec exec, CUstream stream);
  CUresult (*cuGraphExecUpdate)(CUgraphExec exec, CUgraph graph, fs_cu_graph_exec_update_info *info);
  CUresult (*cuGraphGetNodes)(CUgraph graph, CUgraphNode *nodes, size_t *count);
  CUresult (*cuGraphDestroy)(CUgraph graph);
  CUresult (*cuGraphExecDestroy)(CUgraphExec exec);
  // Optional (CUDA 12.4+ drivers): list a module's kernels for `flashserve doctor`.
  CUresult (*cuModuleGetFunctionCount)(unsigned int *count, CUmodule module);
  CUresult (*cuModuleEnumerateFunctions)(CUfunction *functions, unsigned int count, CUmodule module);
  CUresult (*cuFuncGetName)(const char **name, CUfunction function);
  // Optional (CUDA 11.8+ drivers): how many clusters of a launch fit on the GPU at once.
  CUresult (*cuOccupancyMaxActiveClusters)(int *clusters, CUfunction function, const fs_cu_launch_config *config);
  // Optional (CUDA 12.0+ drivers): TMA descriptors for the Hopper attention kernels.
  // tensorMap: 128 bytes, 64-byte aligned (CUtensorMap); enums as in cuda.h.
  CUresult (*cuTensorMapEncodeTiled)(void *tensorMap, int dataType, unsigned int rank, void *globalAddress,
                                     const uint64_t *globalDim, const uint64_t *globalStrides,
                                     const uint32_t *boxDim, const uint32_t *elementStrides, int interleave,
                                     int swizzle, int l2Promotion, int oobFill);
} fs_cuda_api;

// Loads libcuda.so.1 (or $FLASHSERVE_LIBCUDA) and resolves every required entry point.
// Returns NULL and writes a one-line reason into `error` when the library or a required
// symbol is missing. Thread-safe; the library stays loaded for the life of the process.
const fs_cuda_api *fs_cuda_open(char *error, size_t error_size);

// cuBLASLt, loaded the same way (CCUBLASLt.c); included here because this header is the
// module's umbrella header.
#include "CCUBLASLt.h"

#endif
