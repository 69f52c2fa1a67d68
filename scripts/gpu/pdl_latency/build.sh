#!/usr/bin/env bash
# Builds scripts/gpu/pdl_latency/pdl_latency.cu here into a static binary for the GPU machine
# (cudart linked in; the machine's driver is all it needs): .device-carry/pdl_latency.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
scripts/install-cuda-toolchain.sh > /dev/null  # the pinned CUDA 13.0 compiler in .toolchain/
cuda="$root/.toolchain/cuda/nvidia/cu13"
mkdir -p .device-carry
"$cuda/bin/nvcc" -O2 -std=c++17 -arch=sm_90a -cudart static -Xcompiler=-static-libstdc++,-static-libgcc -o .device-carry/pdl_latency \
  scripts/gpu/pdl_latency/pdl_latency.cu
ls -la .device-carry/pdl_latency
