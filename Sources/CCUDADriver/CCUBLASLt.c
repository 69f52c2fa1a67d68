// dlopen/dlsym loader for cuBLASLt (see include/CCUBLASLt.h), in the style of CCUDADriver.c.
#include "CCUBLASLt.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static fs_cublaslt_api api;
static const fs_cublaslt_api *loaded = NULL;
static char load_error[1024];
static char loaded_from[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

// Where cuBLASLt is looked for, in order: the loader's search path first (LD_LIBRARY_PATH,
// ld.so.cache), then the CUDA toolkit's default folder, which is often not on that path.
static const char *const candidates[] = {
    "libcublasLt.so.13",
    "/usr/local/cuda/lib64/libcublasLt.so.13",
    "libcublasLt.so.12",
    "/usr/local/cuda/lib64/libcublasLt.so.12",
    NULL,
};

#define REQUIRE(field)                                                                  \
  do {                                                                                  \
    *(void **)(&api.field) = dlsym(lib, #field);                                        \
    if (!api.field) {                                                                   \
      snprintf(load_error, sizeof load_error, "%s lacks %s: install cuBLASLt 12 or 13", \
               loaded_from, #field);                                                    \
      return;                                                                           \
    }                                                                                   \
  } while (0)
#define OPTIONAL(field) (*(void **)(&api.field) = dlsym(lib, #field))

static void *open_library(void) {
  const char *explicit_path = getenv("FLASHSERVE_LIBCUBLASLT");
  if (explicit_path && *explicit_path) {
    snprintf(loaded_from, sizeof loaded_from, "%s", explicit_path);
    void *lib = dlopen(explicit_path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char *why = dlerror();
      snprintf(load_error, sizeof load_error, "FLASHSERVE_LIBCUBLASLT=%s: %s", explicit_path,
               why ? why : "dlopen failed");
    }
    return lib;
  }
  size_t used = (size_t)snprintf(load_error, sizeof load_error, "no cuBLASLt library found (tried");
  for (const char *const *name = candidates; *name; name++) {
    void *lib = dlopen(*name, RTLD_NOW | RTLD_LOCAL);
    if (lib) {
      snprintf(loaded_from, sizeof loaded_from, "%s", *name);
      return lib;
    }
    if (used < sizeof load_error) {
      used += (size_t)snprintf(load_error + used, sizeof load_error - used, " %s", *name);
    }
  }
  if (used < sizeof load_error) snprintf(load_error + used, sizeof load_error - used, ")");
  return NULL;
}

static void load(void) {
  void *lib = open_library();
  if (!lib) return;
  REQUIRE(cublasLtCreate);
  REQUIRE(cublasLtDestroy);
  REQUIRE(cublasLtGetVersion);
  REQUIRE(cublasLtMatmulDescCreate);
  REQUIRE(cublasLtMatmulDescDestroy);
  REQUIRE(cublasLtMatmulDescSetAttribute);
  REQUIRE(cublasLtMatrixLayoutCreate);
  REQUIRE(cublasLtMatrixLayoutDestroy);
  REQUIRE(cublasLtMatmulPreferenceCreate);
  REQUIRE(cublasLtMatmulPreferenceDestroy);
  REQUIRE(cublasLtMatmulPreferenceSetAttribute);
  REQUIRE(cublasLtMatmulAlgoGetHeuristic);
  REQUIRE(cublasLtMatmul);
  OPTIONAL(cublasLtGetStatusName);
  OPTIONAL(cublasLtGetStatusString);
  loaded = &api;
}

const fs_cublaslt_api *fs_cublaslt_open(char *error, size_t error_size, char *loaded_path, size_t path_size) {
  pthread_once(&once, load);
  if (!loaded && error && error_size) {
    strncpy(error, load_error, error_size - 1);
    error[error_size - 1] = 0;
  }
  if (loaded && loaded_path && path_size) {
    strncpy(loaded_path, loaded_from, path_size - 1);
    loaded_path[path_size - 1] = 0;
  }
  return loaded;
}
