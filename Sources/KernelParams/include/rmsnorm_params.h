// RMSNorm, optionally fused with a residual add (kernels/norm/rmsnorm.cu).
//   without residual:  out = x / rms(x) * weight
//   with residual:     residual += x; out = residual / rms(residual) * weight
#ifndef FS_RMSNORM_PARAMS_H
#define FS_RMSNORM_PARAMS_H
#include "fs_types.h"

typedef struct fs_rmsnorm_params {
  fs_devptr x;         // [rows, hidden], element type of the kernel
  fs_devptr residual;  // [rows, hidden] or 0; updated in place when set
  fs_devptr weight;    // [hidden]
  fs_devptr out;       // [rows, hidden]; may alias x
  int32_t rows;
  int32_t hidden;      // multiple of 8 (16-byte vector loads)
  float eps;
} fs_rmsnorm_params;

#endif
