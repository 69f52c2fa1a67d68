#!/usr/bin/env bash
# One device call: where a batch-1 decode step's GPU time goes, kernel by kernel. `bench
# latency` of base (.device-carry) and new (.device-carry/new) runs under the CUPTI kernel tracer
# (.device-carry/trace, scripts/gpu/trace/build.sh) for SmolLM2 and Llama-3-8B at 1k, and
# scripts/gpu/trace/analyze.py prints each kernel's share of a graph replay's critical path.
# SHORT=1 leaves out the Llama-3-8B traces, 4k and clusters of 8 (a call short of device time);
# ULTRA=1 (with SHORT=1) also runs Llama-3-8B at 1k once per build.
# Before that, with SELFTEST=1, new's GPU self-test and `doctor`; with ATTENTION=1, the decode
# kernel alone (`bench attention --decode --no-references`) of base and new. Untraced
# Llama-3-8B 1k rounds (base new new base) come last: tracing adds host time, not GPU time,
# but the step timings to quote are the untraced ones. Logs and CSVs in $OUT.
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
source "$(dirname "$0")/variants.sh"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
echo "base: $(cat .device-carry/commit); new: $(cat .device-carry/new/commit)"
llama=(bench latency --model .device-carry/llama-3-8b --load-format random --weight-seed 7 --prefill "" --batch 1
       --cuda-graph-max-bs 8 --context 1024)
smol=(bench latency --model .device-carry/smollm2-meta.gguf --load-format random --weight-seed 7 --batch 1
      --prefill "" --cuda-graph-max-bs 8)
if [ -n "${SELFTEST:-}" ]; then
  timeout 150 bash -c 'run_with new selftest --gpu' > "$out/selftest-new.log" 2>&1
  echo "selftest new (rc $?): $(grep -E "passed, [0-9]+ failed" "$out/selftest-new.log")"; grep -E "^FAIL" "$out/selftest-new.log" | cut -c1-300
  timeout 30 bash -c 'run_with new doctor' > "$out/doctor-new.log" 2>&1; grep -E "^decode:" "$out/doctor-new.log"
fi
traced() {  # traced LABEL BUILD ARGS...: BUILD under the tracer, then the analysis
  local label="$1-$2" build="$2"; shift 2
  CUDA_INJECTION64_PATH="$root/.device-carry/trace/libfs_kernel_trace.so" \
    LD_LIBRARY_PATH="$root/.device-carry/trace:${LD_LIBRARY_PATH:-}" FS_KERNEL_TRACE="$out/trace-$label.csv" \
    timeout 90 bash -c 'run_with "$@"' run_with "$build" "$@" > "$out/trace-$label.log" 2>&1
  echo "== trace $label (rc $?): $(grep -E '^decode bs' "$out/trace-$label.log" | tr '\n' ' ')"
  python3 scripts/gpu/trace/analyze.py "$out/trace-$label.csv" 2>&1 | head -40
  gzip -f "$out/trace-$label.csv"
}
for build in base new; do traced smol "$build" "${smol[@]}"; done
[ -n "${SHORT:-}" ] || for build in base new; do traced llama1k "$build" "${llama[@]}"; done
latency() {  # latency LABEL BUILD ARGS...
  local label="$1" build="$2"; shift 2
  timeout 60 bash -c 'run_with "$@"' run_with "$build" "$@" > "$out/$label-$build.log" 2>&1
  echo "$label $build (rc $?): $(grep -E '^decode bs|bound' "$out/$label-$build.log" | sed -E 's/; streamed weights [0-9.]+ GB//' | tr '\n' ' ' | cut -c1-230)"
}
i=0
rounds=(base new new base); [ -n "${ULTRA:-}" ] && rounds=(base new)
for build in "${rounds[@]}"; do i=$((i + 1)); latency "llama1k-$i" "$build" "${llama[@]}"; done
i=0
for build in base new new base; do i=$((i + 1)); latency "smol-$i" "$build" "${smol[@]}"; done
[ -n "${SHORT:-}" ] || for build in new base; do latency llama4k "$build" "${llama[@]/1024/4096}"; done
# Clusters of 8 instead of 16 (new only; FLASHSERVE_DECODE_CLUSTER_SIZE is a timing knob).
FLASHSERVE_DECODE_CLUSTER_SIZE=8 latency smol-c8 new "${smol[@]}"
[ -n "${SHORT:-}" ] || FLASHSERVE_DECODE_CLUSTER_SIZE=8 latency llama1k-c8 new "${llama[@]}"
latency smol-5 new "${smol[@]}"
if [ -n "${ATTENTION:-}" ]; then
  for build in new; do
    timeout 120 bash -c 'run_with "$@"' run_with "$build" bench attention --decode --no-references \
      --json "$out/attention-$build.json" > "$out/attention-$build.log" 2>&1
    echo "attention --decode $build (rc $?):"; grep -E "^\|" "$out/attention-$build.log" | head -16
  done
fi
