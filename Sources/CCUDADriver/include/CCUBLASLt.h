// cuBLASLt, loaded at run time with dlopen beside the driver (CCUDADriver.h), so that
// FlashServe builds and runs without it. Only the types, enum values and calls FlashServe
// uses are declared, with the ABI of cublasLt.h (CUDA 12/13); the Swift `CUDA` module's
// CUBLASLt wrapper is the only user.
#ifndef FS_CCUBLASLT_H
#define FS_CCUBLASLT_H
#include <stddef.h>
#include <stdint.h>
#include "CCUDADriver.h"

typedef int cublasStatus_t;  // CUBLAS_STATUS_SUCCESS == 0
typedef struct cublasLtContext *cublasLtHandle_t;
typedef struct fs_cublaslt_matmul_desc *cublasLtMatmulDesc_t;      // opaque to FlashServe
typedef struct fs_cublaslt_matrix_layout *cublasLtMatrixLayout_t;
typedef struct fs_cublaslt_matmul_preference *cublasLtMatmulPreference_t;

typedef struct { uint64_t data[8]; } cublasLtMatmulAlgo_t;

// cublasLt.h's cublasLtMatmulHeuristicResult_t: 96 bytes.
typedef struct {
  cublasLtMatmulAlgo_t algo;
  size_t workspaceSize;
  cublasStatus_t state;
  float wavesCount;
  int reserved[4];
} cublasLtMatmulHeuristicResult_t;

_Static_assert(sizeof(cublasLtMatmulHeuristicResult_t) == 96, "cublasLtMatmulHeuristicResult_t must be 96 bytes");

enum {
  // cudaDataType_t (library_types.h)
  FS_CUDA_R_32F = 0,
  FS_CUDA_R_16F = 2,
  FS_CUDA_R_16BF = 14,
  // cublasComputeType_t
  FS_CUBLAS_COMPUTE_32F = 68,
  // cublasOperation_t
  FS_CUBLAS_OP_N = 0,
  FS_CUBLAS_OP_T = 1,
  // cublasLtMatmulDescAttributes_t
  FS_CUBLASLT_MATMUL_DESC_TRANSA = 3,
  FS_CUBLASLT_MATMUL_DESC_TRANSB = 4,
  FS_CUBLASLT_MATMUL_DESC_EPILOGUE = 7,
  FS_CUBLASLT_MATMUL_DESC_BIAS_POINTER = 8,
  // cublasLtEpilogue_t
  FS_CUBLASLT_EPILOGUE_DEFAULT = 1,
  FS_CUBLASLT_EPILOGUE_BIAS = 4,
  // cublasLtMatmulPreferenceAttributes_t
  FS_CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1,
  FS_CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES = 5,
  FS_CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES = 6,
  FS_CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES = 7,
  FS_CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES = 8,
};

// The cuBLASLt entry points FlashServe calls, resolved once by fs_cublaslt_open.
// The two status-text calls are optional (NULL when the library lacks them).
typedef struct fs_cublaslt_api {
  cublasStatus_t (*cublasLtCreate)(cublasLtHandle_t *handle);
  cublasStatus_t (*cublasLtDestroy)(cublasLtHandle_t handle);
  size_t (*cublasLtGetVersion)(void);
  cublasStatus_t (*cublasLtMatmulDescCreate)(cublasLtMatmulDesc_t *desc, int computeType, int scaleType);
  cublasStatus_t (*cublasLtMatmulDescDestroy)(cublasLtMatmulDesc_t desc);
  cublasStatus_t (*cublasLtMatmulDescSetAttribute)(cublasLtMatmulDesc_t desc, int attribute,
                                                   const void *value, size_t bytes);
  cublasStatus_t (*cublasLtMatrixLayoutCreate)(cublasLtMatrixLayout_t *layout, int type,
                                               uint64_t rows, uint64_t cols, int64_t ld);
  cublasStatus_t (*cublasLtMatrixLayoutDestroy)(cublasLtMatrixLayout_t layout);
  cublasStatus_t (*cublasLtMatmulPreferenceCreate)(cublasLtMatmulPreference_t *preference);
  cublasStatus_t (*cublasLtMatmulPreferenceDestroy)(cublasLtMatmulPreference_t preference);
  cublasStatus_t (*cublasLtMatmulPreferenceSetAttribute)(cublasLtMatmulPreference_t preference, int attribute,
                                                         const void *value, size_t bytes);
  cublasStatus_t (*cublasLtMatmulAlgoGetHeuristic)(cublasLtHandle_t handle, cublasLtMatmulDesc_t desc,
                                                   cublasLtMatrixLayout_t a, cublasLtMatrixLayout_t b,
                                                   cublasLtMatrixLayout_t c, cublasLtMatrixLayout_t d,
                                                   cublasLtMatmulPreference_t preference, int requested,
                                                   cublasLtMatmulHeuristicResult_t *results, int *returned);
  cublasStatus_t (*cublasLtMatmul)(cublasLtHandle_t handle, cublasLtMatmulDesc_t desc, const void *alpha,
                                   const void *a, cublasLtMatrixLayout_t aLayout,
                                   const void *b, cublasLtMatrixLayout_t bLayout, const void *beta,
                                   const void *c, cublasLtMatrixLayout_t cLayout,
                                   void *d, cublasLtMatrixLayout_t dLayout,
                                   const cublasLtMatmulAlgo_t *algo, void *workspace, size_t workspaceBytes,
                                   CUstream stream);
  // Optional.
  const char *(*cublasLtGetStatusName)(cublasStatus_t status);
  const char *(*cublasLtGetStatusString)(cublasStatus_t status);
} fs_cublaslt_api;

// Loads cuBLASLt ($FLASHSERVE_LIBCUBLASLT, else libcublasLt.so.13, then
// /usr/local/cuda/lib64/libcublasLt.so.13, then the .so.12 names) and resolves every
// required entry point. Returns NULL and writes a one-line reason into `error` when no
// library loads or one lacks a required symbol. Thread-safe; the library stays loaded.
// `loaded_path` (may be NULL) receives the name of the library that was loaded.
const fs_cublaslt_api *fs_cublaslt_open(char *error, size_t error_size, char *loaded_path, size_t path_size);

#endif
