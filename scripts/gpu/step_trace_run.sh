#!/usr/bin/env bash
# One device call: where a batch-1 decode step's GPU time goes, kernel by kernel, and whether a
# second build is faster. `bench latency` of base (.device-carry) and new (.device-carry/new)
# runs under the CUPTI kernel tracer (.device-carry/trace, scripts/gpu/trace/build.sh) for
# SmolLM2 and Llama-3-8B at 1k, and scripts/gpu/trace/analyze.py prints each kernel's share of
# a graph replay's critical path and one replay's first kernels. Untraced rounds follow
# (Llama-3-8B 1k base new new base, SmolLM2 the same, Llama-3-8B 4k): tracing adds host time,
# not GPU time, so the step timings to quote are the untraced ones.
# Options: SHORT=1 leaves out the Llama-3-8B traces and 4k (a call short of device time);
# ULTRA=1 also cuts the Llama-3-8B 1k rounds to one per build; TRACE_ALSO="names" traces more
# builds (variants of base) at Llama-3-8B 1k; TRACE_ONLY=1 stops after the traces; ROUNDS="names"
# replaces the base/new rounds (Llama-3-8B 1k in that order and back, SmolLM2 once each).
# SELFTEST=1 first runs new's GPU self-test and `doctor`; ATTENTION=1 adds the decode kernel
# alone (`bench attention --decode --no-references`) of base and new. Logs go back as
# $OUT/logs.tgz, traces as CSVs.
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
source "$(dirname "$0")/variants.sh"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
echo "base: $(cat .device-carry/commit); new: $(cat .device-carry/new/commit)"
llama=("${llama_step[@]}") smol=("${smol_step[@]}")
if [ -n "${SELFTEST:-}" ]; then
  timeout 150 bash -c 'run_with new selftest --gpu' > "$out/selftest-new.log" 2>&1
  echo "selftest new (rc $?): $(grep -E "passed, [0-9]+ failed" "$out/selftest-new.log")"; grep -E "^FAIL" "$out/selftest-new.log" | cut -c1-300
  grep -E "^PASS (skinny|fused)" "$out/selftest-new.log" | cut -c1-400  # the skinny kernels' bandwidth beside the unfused launches
  timeout 30 bash -c 'run_with new doctor' > "$out/doctor-new.log" 2>&1; grep -E "^decode:" "$out/doctor-new.log"
fi
traced() {  # traced LABEL BUILD ARGS...: BUILD under the tracer, then the analysis
  local label="$1-$2" build="$2"; shift 2
  CUDA_INJECTION64_PATH="$root/.device-carry/trace/libfs_kernel_trace.so" \
    LD_LIBRARY_PATH="$root/.device-carry/trace:${LD_LIBRARY_PATH:-}" FS_KERNEL_TRACE="$out/trace-$label.csv" \
    timeout 90 bash -c 'run_with "$@"' run_with "$build" "$@" > "$out/trace-$label.log" 2>&1
  echo "== trace $label (rc $?): $(grep -E '^decode bs' "$out/trace-$label.log" | tr '\n' ' ')"
  python3 scripts/gpu/trace/analyze.py "$out/trace-$label.csv" --timeline 14 2>&1 | head -60
  gzip -f "$out/trace-$label.csv"
}
traced_builds=(base); [ -f .device-carry/new/flashserve.xz ] && traced_builds+=(new)  # TRACE_ONLY may carry base alone
for build in "${traced_builds[@]}"; do traced smol "$build" "${smol[@]}"; done
[ -n "${SHORT:-}" ] || for build in "${traced_builds[@]}"; do traced llama1k "$build" "${llama[@]}"; done
for build in ${TRACE_ALSO:-}; do traced llama1k "$build" "${llama[@]}"; done  # variants of base, say
if [ -n "${ROUNDS:-}" ]; then
  read -ra order <<< "$ROUNDS"
  for build in "${order[@]}"; do latency llama1k-1 "$build" "${llama[@]}"; done
  for ((i = ${#order[@]} - 1; i >= 0; i--)); do latency llama1k-2 "${order[i]}" "${llama[@]}"; done
  for build in "${order[@]}"; do latency smol "$build" "${smol[@]}"; done
fi
if [ -n "${TRACE_ONLY:-}${ROUNDS:-}" ]; then  # no base/new rounds (base and new may be one build)
  pack_logs; exit 0
fi
i=0
rounds=(base new new base); [ -n "${ULTRA:-}" ] && rounds=(base new)  # ULTRA: one each
for build in "${rounds[@]}"; do i=$((i + 1)); latency "llama1k-$i" "$build" "${llama[@]}"; done
i=0
for build in base new new base; do i=$((i + 1)); latency "smol-$i" "$build" "${smol[@]}"; done
[ -n "${SHORT:-}" ] || for build in new base; do latency llama4k "$build" "${llama[@]/1024/4096}"; done
latency smol-5 new "${smol[@]}"
if [ -n "${ATTENTION:-}" ]; then
  for build in base new; do
    timeout 120 bash -c 'run_with "$@"' run_with "$build" bench attention --decode --no-references \
      --json "$out/attention-$build.json" > "$out/attention-$build.log" 2>&1
    echo "attention --decode $build (rc $?):"; grep -E "^\|" "$out/attention-$build.log" | head -16
  done
fi
pack_logs
