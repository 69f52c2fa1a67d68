// Types shared by every kernel's POD parameter struct. This header is the whole ABI
// between the Swift launchers and the CUDA kernels: plain C, no CUDA headers, so Swift
// imports it as-is. Device addresses travel as 64-bit integers (CUdeviceptr).
#ifndef FS_TYPES_H
#define FS_TYPES_H
#include <stdint.h>

typedef uint64_t fs_devptr;

// Element type of a tensor. Kernels are instantiated per type; the launcher picks the
// kernel by name (`<kernel>_<dtype>`), so the value is only used in host-side checks.
typedef enum fs_dtype {
  FS_DTYPE_F16 = 0,
  FS_DTYPE_BF16 = 1,
  FS_DTYPE_F32 = 2,
} fs_dtype;

#endif
