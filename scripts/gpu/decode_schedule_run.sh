#!/usr/bin/env bash
# One device call confirming the decode cluster schedule (session 12): with SELFTEST=1 new's
# self-test, `doctor` of new (the
# schedule policy per head dim), `bench attention --decode --no-references` of base and new (the
# kernel alone: batch 1 x 4k runs clustered in new), then the Llama-3-8B batch-1 graph step at
# 1k in alternating rounds (base new new base base new) and at 4k (new base), SmolLM2 batch 1
# and 8 (base new). base = .device-carry, new = .device-carry/new (compare_builds_run.sh's
# layout). One line per run; logs in $OUT/logs.tgz.
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
source "$(dirname "$0")/variants.sh"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
echo "base: $(cat .device-carry/commit); new: $(cat .device-carry/new/commit)"
llama=(bench latency --model .device-carry/llama-3-8b --load-format random --weight-seed 7 --prefill "" --batch 1
       --cuda-graph-max-bs 8)
smol=(bench latency --model .device-carry/smollm2-meta.gguf --load-format random --weight-seed 7 --batch 1,8
      --prefill "" --cuda-graph-max-bs 8)
if [ -n "${SELFTEST:-}" ]; then  # new's GPU self-test first, one summary line
  timeout 150 bash -c 'run_with new selftest --gpu' > "$out/selftest-new.log" 2>&1
  echo "selftest new (rc $?): $(grep -E "passed, [0-9]+ failed" "$out/selftest-new.log")"; grep -E "^FAIL" "$out/selftest-new.log" | cut -c1-300
fi
timeout 30 bash -c 'run_with new doctor' > "$out/doctor-new.log" 2>&1; grep -E "^decode:" "$out/doctor-new.log"
for build in base new; do
  timeout 120 bash -c 'run_with "$@"' run_with "$build" bench attention --decode --no-references \
    --json "$out/attention-$build.json" > "$out/attention-$build.log" 2>&1
  echo "attention --decode $build (rc $?):"; grep -E "^\|" "$out/attention-$build.log" | head -16
done
latency() {  # latency LABEL BUILD ARGS...
  local label="$1" build="$2"; shift 2
  timeout 60 bash -c 'run_with "$@"' run_with "$build" "$@" > "$out/$label-$build.log" 2>&1
  echo "$label $build (rc $?): $(grep -E '^decode bs|bound' "$out/$label-$build.log" | sed -E 's/; streamed weights [0-9.]+ GB//' | tr '\n' ' ' | cut -c1-230)"
}
i=0
for build in base new new base base new; do i=$((i + 1)); latency "llama1k-$i" "$build" "${llama[@]}" --context 1024; done
for build in new base; do latency llama4k "$build" "${llama[@]}" --context 4096; done
for build in base new; do latency smol "$build" "${smol[@]}"; done
(cd "$out" && tar czf logs.tgz *.log && rm -f *.log)
