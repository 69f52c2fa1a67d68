#!/usr/bin/env bash
# One short device call: where a decode step of BATCH rows (default 8) of Llama-3-8B at 1k
# goes, kernel by kernel, for base (.device-carry) and new (.device-carry/new), under the
# CUPTI kernel tracer (.device-carry/trace, scripts/gpu/trace/build.sh). Each build's
# `bench latency` line, then scripts/gpu/trace/analyze.py's per-kernel table; CSVs in $OUT.
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
source "$(dirname "$0")/variants.sh"
batch=${BATCH:-8}
for build in base new; do
  CUDA_INJECTION64_PATH="$root/.device-carry/trace/libfs_kernel_trace.so" \
    LD_LIBRARY_PATH="$root/.device-carry/trace:${LD_LIBRARY_PATH:-}" FS_KERNEL_TRACE="$out/trace-$build.csv" \
    timeout 90 bash -c 'run_with "$@"' run_with "$build" "${llama_latency[@]}" --batch "$batch" \
    --cuda-graph-max-bs "$batch" --context 1024 > "$out/trace-$build.log" 2>&1
  echo "== $build (rc $?): $(grep -E '^decode bs' "$out/trace-$build.log" | tr '\n' ' ')"
  python3 scripts/gpu/trace/analyze.py "$out/trace-$build.csv" 2>&1 | head -40
  gzip -f "$out/trace-$build.csv"
done
