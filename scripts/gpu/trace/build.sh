#!/usr/bin/env bash
# Builds the CUPTI kernel tracer (fs_kernel_trace.c) into .device-carry/trace/, with the
# CUPTI 13.0 wheel's headers and library (downloaded here; the GPU machine has no index).
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
out="$root/.device-carry/trace"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pip download --quiet --no-deps -d "$work" "nvidia-cuda-cupti==13.0.85"
(cd "$work" && python3 -m zipfile -e nvidia_cuda_cupti-*.whl x)
cupti="$work/x/nvidia/cu13"
mkdir -p "$out"
cc -O2 -shared -fPIC -I"$cupti/include" -I"$root/.toolchain/cuda/nvidia/cu13/include" \
   "$root/scripts/gpu/trace/fs_kernel_trace.c" -L"$cupti/lib" -l:libcupti.so.13 -o "$out/libfs_kernel_trace.so"
cp "$cupti/lib/libcupti.so.13" "$out/"
echo "built $out/libfs_kernel_trace.so (+ libcupti.so.13)"
