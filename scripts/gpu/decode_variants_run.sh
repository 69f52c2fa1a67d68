#!/usr/bin/env bash
# One device call comparing kernel-only variants of the decode step (issue 7), on the GPU
# machine from the repository root: base = .device-carry/{flashserve.xz|gz,kernels.tgz,commit}
# (scripts/prepare-gpu-run.sh), variants = .device-carry/variant-NAME.tgz
# (scripts/gpu/pack-kernel-variants.sh; see variants.sh). Steps, each skipped past $DEADLINE
# seconds: the self-test with $SELFTEST_WITH's fatbins (default: the last variant); `bench
# latency` batch 1 with graphs, Llama-3-8B config at context 1024 (base and every variant,
# twice, the second round in reverse order) and 4096, SmolLM2's shape at batches 1 and 8;
# last, Llama-3-8B at batches 1/8/32/128 with $FULL_WITH (default: the last variant).
# Logs in $OUT/logs.tgz; a line per bench log, trace lines, and the step table last.
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
source "$(dirname "$0")/variants.sh"
STEP_TAIL=${STEP_TAIL:-2} DEADLINE=${DEADLINE:-480}
last="${variants[${#variants[@]}-1]:-base}"
SELFTEST_WITH=${SELFTEST_WITH:-$last} FULL_WITH=${FULL_WITH:-$last}
echo "base: $(cat .device-carry/commit); variants of base: ${variants[*]}"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
llama=(bench latency --model .device-carry/llama-3-8b --load-format random --weight-seed 7 --prefill "")
smol=(bench latency --model .device-carry/smollm2-meta.gguf --load-format random --weight-seed 7 --batch 1,8
      --prefill "" --cuda-graph-max-bs 8)
names=(base "${variants[@]}")
reversed=(); for ((i = ${#names[@]} - 1; i >= 0; i--)); do reversed+=("${names[i]}"); done
bench() {  # bench LABEL LOG NAME ARGS...
  local label="$1" log="$2" name="$3"; shift 3
  step "$label" "$log" 60 bash -c 'run_with "$@"' run_with "$name" "$@"
}
step "selftest --gpu ($SELFTEST_WITH)" selftest.log "${SELFTEST_LIMIT:-150}" \
  bash -c 'run_with "$@"' run_with "$SELFTEST_WITH" selftest --gpu
for name in "${names[@]}"; do
  bench "Llama-3-8B 1k $name #1" "v-llama1k-$name-1.log" "$name" "${llama[@]}" --batch 1 --context 1024 --cuda-graph-max-bs 8
done
for name in "${names[@]}"; do
  bench "Llama-3-8B 4k $name" "v-llama4k-$name.log" "$name" "${llama[@]}" --batch 1 --context 4096 --cuda-graph-max-bs 8
done
for name in "${names[@]}"; do
  bench "SmolLM2 $name" "v-smol-$name.log" "$name" "${smol[@]}"
done
for name in "${reversed[@]}"; do
  bench "Llama-3-8B 1k $name #2" "v-llama1k-$name-2.log" "$name" "${llama[@]}" --batch 1 --context 1024 --cuda-graph-max-bs 8
done
bench "Llama-3-8B batches ($FULL_WITH)" "v-llama-full-$FULL_WITH.log" "$FULL_WITH" "${llama[@]}" --batch 1,8,32,128 \
  --context 1024 --cuda-graph-max-bs 128
echo
grep -E "^FAIL" "$out/selftest.log" | cut -c1-400; grep -E "passed, [0-9]+ failed" "$out/selftest.log"
for log in "$out"/v-*.log; do
  echo "$(basename "$log" .log): $(grep -E '^(decode bs|copy bandwidth)|captured' "$log" \
    | sed -E 's/; streamed weights [0-9.]+ GB//; s/copy bandwidth/copy/; s/ms\/step/ms/g' | tr '\n' ' ' | cut -c1-300)"
done
# Diagnostic variants' device printf lines (kernels built with a trace, e.g. FS_DECODE_TRACE).
grep -h "^TRACE" "$out"/v-*.log 2>/dev/null | head -n "${TRACE_LINES:-60}"
print_summary
# One archive: the device tool brings back only a few files a call.
(cd "$out" && tar czf logs.tgz ./*.log && rm -f ./*.log)
