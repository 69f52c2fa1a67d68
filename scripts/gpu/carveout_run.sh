#!/usr/bin/env bash
# One device call: the Llama-3-8B batch-1 step (graphs, 1k and 4k) and SmolLM2's, with every
# kernel's preferred shared-memory carveout left to the driver or set (FLASHSERVE_SMEM_CARVEOUT),
# in alternating rounds in one process sequence, for base's build (.device-carry, as
# compare_builds_run.sh). Prints one line per run.
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
echo "build: $(cat .device-carry/commit)"
llama=(bench latency --model .device-carry/llama-3-8b --load-format random --weight-seed 7 --prefill "" --batch 1
       --cuda-graph-max-bs 8)
smol=(bench latency --model .device-carry/smollm2-meta.gguf --load-format random --weight-seed 7 --batch 1,8
      --prefill "" --cuda-graph-max-bs 8)
run() {  # run LABEL CARVEOUT ARGS...
  local label="$1" carveout="$2"; shift 2
  local log="$out/$label-carveout-${carveout:-default}.log"
  if [ -n "$carveout" ]; then
    FLASHSERVE_SMEM_CARVEOUT="$carveout" timeout 60 "$bin" "$@" > "$log" 2>&1
  else
    timeout 60 "$bin" "$@" > "$log" 2>&1
  fi
  echo "$label carveout ${carveout:-default} (rc $?): $(grep -E '^decode bs|bound' "$log" | sed -E 's/; streamed weights [0-9.]+ GB//' | tr '\n' ' ' | cut -c1-220)"
}
if [ -n "${SELFTEST:-}" ]; then  # the build's GPU self-test first (its numerics), one summary line
  timeout 150 "$bin" selftest --gpu > "$out/selftest.log" 2>&1
  echo "selftest (rc $?): $(grep -E "passed, [0-9]+ failed" "$out/selftest.log")"; grep -E "^FAIL" "$out/selftest.log" | cut -c1-300
fi
for round in 1 2; do
  for c in "" 100 50; do run "llama1k-$round" "$c" "${llama[@]}" --context 1024; done
done
for c in "" 100 50; do run llama4k "$c" "${llama[@]}" --context 4096; done
for c in "" 100 50; do run smol "$c" "${smol[@]}"; done
(cd "$out" && tar czf logs.tgz *.log && rm -f *.log)
