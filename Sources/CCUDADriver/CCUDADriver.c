// dlopen/dlsym loader for the CUDA driver API (see include/CCUDADriver.h).
#include "CCUDADriver.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fs_cuda_api api;
static const fs_cuda_api *loaded = NULL;
static char load_error[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

// Resolves the first of the given versioned names the driver exports (cuda.h maps e.g.
// cuMemAlloc to cuMemAlloc_v2; dlsym needs the real symbol).
static void *resolve(void *lib, const char *const *names) {
  for (; *names; names++) {
    void *symbol = dlsym(lib, *names);
    if (symbol) return symbol;
  }
  return NULL;
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define REQUIRE(field, ...)                                                        \
  do {                                                                             \
    *(void **)(&api.field) = resolve(lib, NAMES(__VA_ARGS__));                     \
    if (!api.field) {                                                              \
      snprintf(load_error, sizeof load_error,                                      \
               "the CUDA driver lacks %s: update the NVIDIA driver (CUDA 12.0+ needed)", \
               #field);                                                            \
      return;                                                                      \
    }                                                                              \
  } while (0)
#define OPTIONAL(field, ...) (*(void **)(&api.field) = resolve(lib, NAMES(__VA_ARGS__)))

static void load(void) {
  const char *path = getenv("FLASHSERVE_LIBCUDA");
  void *lib = dlopen(path && *path ? path : "libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    snprintf(load_error, sizeof load_error, "%s", why ? why : "dlopen of libcuda.so.1 failed");
    return;
  }
  REQUIRE(cuInit, "cuInit");
  REQUIRE(cuDriverGetVersion, "cuDriverGetVersion");
  REQUIRE(cuGetErrorName, "cuGetErrorName");
  REQUIRE(cuGetErrorString, "cuGetErrorString");
  REQUIRE(cuDeviceGetCount, "cuDeviceGetCount");
  REQUIRE(cuDeviceGet, "cuDeviceGet");
  REQUIRE(cuDeviceGetName, "cuDeviceGetName");
  REQUIRE(cuDeviceGetAttribute, "cuDeviceGetAttribute");
  REQUIRE(cuDeviceTotalMem, "cuDeviceTotalMem_v2");
  REQUIRE(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  REQUIRE(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
  REQUIRE(cuCtxSetCurrent, "cuCtxSetCurrent");
  REQUIRE(cuCtxSynchronize, "cuCtxSynchronize");
  REQUIRE(cuMemGetInfo, "cuMemGetInfo_v2");
  REQUIRE(cuMemAlloc, "cuMemAlloc_v2");
  REQUIRE(cuMemFree, "cuMemFree_v2");
  REQUIRE(cuMemHostAlloc, "cuMemHostAlloc");
  REQUIRE(cuMemFreeHost, "cuMemFreeHost");
  REQUIRE(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  REQUIRE(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  REQUIRE(cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2");
  REQUIRE(cuMemsetD8Async, "cuMemsetD8Async");
  REQUIRE(cuMemsetD32Async, "cuMemsetD32Async");
  REQUIRE(cuStreamCreate, "cuStreamCreate");
  REQUIRE(cuStreamDestroy, "cuStreamDestroy_v2");
  REQUIRE(cuStreamSynchronize, "cuStreamSynchronize");
  REQUIRE(cuEventCreate, "cuEventCreate");
  REQUIRE(cuEventDestroy, "cuEventDestroy_v2");
  REQUIRE(cuEventRecord, "cuEventRecord");
  REQUIRE(cuEventSynchronize, "cuEventSynchronize");
  REQUIRE(cuEventElapsedTime, "cuEventElapsedTime_v2", "cuEventElapsedTime");
  REQUIRE(cuModuleLoadData, "cuModuleLoadData");
  REQUIRE(cuModuleUnload, "cuModuleUnload");
  REQUIRE(cuModuleGetFunction, "cuModuleGetFunction");
  REQUIRE(cuFuncGetAttribute, "cuFuncGetAttribute");
  REQUIRE(cuFuncSetAttribute, "cuFuncSetAttribute");
  REQUIRE(cuLaunchKernelEx, "cuLaunchKernelEx");
  REQUIRE(cuStreamBeginCapture, "cuStreamBeginCapture_v2");
  REQUIRE(cuStreamEndCapture, "cuStreamEndCapture");
  REQUIRE(cuGraphInstantiateWithFlags, "cuGraphInstantiateWithFlags");
  REQUIRE(cuGraphLaunch, "cuGraphLaunch");
  REQUIRE(cuGraphExecUpdate, "cuGraphExecUpdate_v2");
  REQUIRE(cuGraphGetNodes, "cuGraphGetNodes");
  REQUIRE(cuGraphDestroy, "cuGraphDestroy");
  REQUIRE(cuGraphExecDestroy, "cuGraphExecDestroy");
  OPTIONAL(cuModuleGetFunctionCount, "cuModuleGetFunctionCount");
  OPTIONAL(cuModuleEnumerateFunctions, "cuModuleEnumerateFunctions");
  OPTIONAL(cuFuncGetName, "cuFuncGetName");
  OPTIONAL(cuOccupancyMaxActiveClusters, "cuOccupancyMaxActiveClusters");
  OPTIONAL(cuTensorMapEncodeTiled, "cuTensorMapEncodeTiled");
  loaded = &api;
}

const fs_cuda_api *fs_cuda_open(char *error, size_t error_size) {
  pthread_once(&once, load);
  if (!loaded && error && error_size) {
    strncpy(error, load_error, error_size - 1);
    error[error_size - 1] = 0;
  }
  return loaded;
}
