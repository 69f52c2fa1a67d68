#!/usr/bin/env bash
# Installs the pinned CUDA 13.0 compiler and the CUTLASS/CuTe headers from PyPI into
# .toolchain/ (no GPU and no system CUDA needed). Idempotent. Prints nothing on success
# when already installed. Why pinned: nvidia-cuda-nvcc 13.0.88 alone pulls nvvm/crt 13.5,
# whose PTX the 13.0 ptxas rejects and the 580 driver cannot JIT (docs/GPU-WORKFLOW.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.toolchain"
cuda="$dir/cuda/nvidia/cu13"
if [ ! -x "$cuda/bin/nvcc" ]; then
  echo "installing the CUDA 13.0 compiler wheels into $dir/cuda ..."
  rm -rf "$dir/cuda"
  # One pip command: pip --target silently installs nothing into a folder that has nvidia/.
  python3 -m pip install -q --disable-pip-version-check --target "$dir/cuda" \
    "nvidia-cuda-nvcc==13.0.88" "nvidia-cuda-crt==13.0.88" "nvidia-nvvm==13.0.88" \
    "nvidia-cuda-runtime==13.0.96" "nvidia-cuda-cccl==13.0.85" \
    "nvidia-cuda-cuobjdump==13.2.86" "nvidia-cuda-nvdisasm==13.2.86"
  ln -sfn lib "$cuda/lib64"
fi
if [ ! -d "$dir/cutlass/cutlass_library/source/include/cute" ]; then
  echo "installing the CUTLASS/CuTe headers into $dir/cutlass ..."
  rm -rf "$dir/cutlass"
  python3 -m pip install -q --disable-pip-version-check --no-deps --target "$dir/cutlass" "nvidia-cutlass==4.2.0.0"
fi
