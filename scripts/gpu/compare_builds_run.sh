#!/usr/bin/env bash
# One device call comparing builds (issues 5 and 7), on the GPU machine from the repository
# root. base = .device-carry/{flashserve.xz|gz,kernels.tgz,commit} (scripts/prepare-gpu-run.sh);
# new = .device-carry/new/{flashserve.xz,kernels.tgz,commit} where carried (another tree's build);
# variants = .device-carry/variant-NAME.tgz, kernel-only builds laid over base's fatbins and run by
# base's binary (scripts/gpu/pack-kernel-variants.sh; see variants.sh). Steps, each skipped past
# $DEADLINE seconds:
#   with .device-carry/pdl_latency carried (scripts/gpu/pdl_latency/build.sh), that benchmark;
#   the self-test with each of $SELFTEST_WITH (space-separated; default: new, else the last variant);
#   with DECODE_CHECK_WITH set: scripts/gpu/decode_check.py with that build's fatbins;
#   with PREFILL_WITH set (a build or variant): the prefill check (200 random cases) and Python
#   bench, then `bench attention --prefill` with the product's launcher (PRODUCT_PREFILL=0: not);
#   PREFILL_ALSO (space-separated builds): the Python bench alone with each, beside it;
#   FLASHINFER=1 (carry .whl too): FlashInfer's prefill modules JIT-compile in the background
#   from the start, and the product bench times FlashInfer beside cuDNN and FA2;
#   PRODUCT_PREFILL_SUSTAINED=1: before it, ours alone with --prefill-timing sustained;
#   `bench latency` batch 1 with graphs: Llama-3-8B config at context 1024 (every build, and
#   again in reverse order) and 4096 (both: $REPEAT_NAMES, default every build), SmolLM2's shape
#   at batches $SMOL_BATCHES (default 1,8; $SMOL_ROUNDS rounds of every build, default 1: its
#   eager step is host time, which varies from process to process);
#   last, Llama-3-8B at batches $FULL_BATCHES (default 1,8,32,128) with each of $FULL_WITH
#   (space-separated; default: as the self-test; none: not), graphs up to $FULL_MAX_BS (default
#   128; "default": the server's).
# A line per bench log, trace lines (kernels built with a device printf), the step table last;
# logs in $OUT/logs.tgz.
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
source "$(dirname "$0")/variants.sh"
STEP_TAIL=${STEP_TAIL:-2} DEADLINE=${DEADLINE:-480}
names=(base); [ -x "$new_bin" ] && names+=(new); names+=("${variants[@]}")
last="${names[${#names[@]}-1]}"; [ -x "$new_bin" ] && last=new
SELFTEST_WITH=${SELFTEST_WITH:-$last} FULL_WITH=${FULL_WITH:-$SELFTEST_WITH}
echo "base: $(cat .device-carry/commit); new: $(cat .device-carry/new/commit 2>/dev/null || echo none); variants of base: ${variants[*]}"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
smol_batches=${SMOL_BATCHES:-1,8}
llama=("${llama_latency[@]}") smol=("${smol_latency[@]}" --batch "$smol_batches" --cuda-graph-max-bs "${smol_batches##*,}")
# The 4k and second 1k rounds: $REPEAT_NAMES (space-separated; none: skipped) or every build.
read -ra repeat <<< "${REPEAT_NAMES:-${names[*]}}"
[ "${REPEAT_NAMES:-}" = none ] && repeat=()  # none: no 4k and second 1k rounds
reversed=(); for ((i = ${#repeat[@]} - 1; i >= 0; i--)); do reversed+=("${repeat[i]}"); done
bench() {  # bench LABEL LOG NAME ARGS...
  local label="$1" log="$2" name="$3"; shift 3
  step "$label" "$log" 60 bash -c 'run_with "$@"' run_with "$name" "$@"
}
warm_pids=()
if [ "${FLASHINFER:-0}" = 1 ] && ls .whl/*.whl > /dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl > "$out/pip.log" 2>&1
  export PYTHONPATH=/tmp/site TVM_FFI_DISABLE_TORCH_C_DLPACK=1 MAX_JOBS="${MAX_JOBS:-4}"
  for target in prefill-64 prefill-128 prefill-256; do  # own process groups: stopped at the end
    setsid python3 scripts/gpu/attention_references.py --warm "$target" > "$out/warm-$target.log" 2>&1 &
    warm_pids+=($!)
  done
fi
if [ -x .device-carry/pdl_latency ]; then  # scripts/gpu/pdl_latency/build.sh: one kernel boundary's cost
  step "kernel boundary latency" pdl_latency.log 90 .device-carry/pdl_latency
fi
for name in $SELFTEST_WITH; do  # space-separated: one self-test each
  step "selftest --gpu ($name)" "selftest-$name.log" "${SELFTEST_LIMIT:-150}" \
    bash -c 'run_with "$@"' run_with "$name" selftest --gpu
done
if [ -n "${DECODE_CHECK_WITH:-}" ]; then  # the decode kernel against float32, padded batches included
  step "decode check ($DECODE_CHECK_WITH)" decode_check.out 120 env FS_DECODE_KERNELS="$(kernels_of "$DECODE_CHECK_WITH")" \
    python3 scripts/gpu/decode_check.py --cases "${DECODE_CASES:-120}"
fi
if [ -n "${PREFILL_WITH:-}" ]; then
  step "prefill check + bench ($PREFILL_WITH)" prefill_run.out 120 env FLASHSERVE_KERNELS="$(kernels_of "$PREFILL_WITH")" \
    python3 scripts/gpu/prefill_run.py --cases 200 --seqs "${PREFILL_SEQS:-1024,4096,16384}"
  i=0
  for name in ${PREFILL_ALSO:-}; do  # a build may come more than once: one log each
    i=$((i + 1))
    step "prefill bench ($name)" "prefill_bench-$i-$name.out" 60 env FLASHSERVE_KERNELS="$(kernels_of "$name")" \
      python3 scripts/gpu/prefill_run.py --cases 0 --seqs "${PREFILL_SEQS:-1024,4096,16384}"
  done
fi
for name in "${names[@]}"; do
  bench "Llama-3-8B 1k $name #1" "v-llama1k-$name-1.log" "$name" "${llama[@]}" --batch 1 --context 1024 --cuda-graph-max-bs 8
done
for name in "${repeat[@]}"; do
  bench "Llama-3-8B 4k $name" "v-llama4k-$name.log" "$name" "${llama[@]}" --batch 1 --context 4096 --cuda-graph-max-bs 8
done
for ((round = 1; round <= ${SMOL_ROUNDS:-1}; round++)); do
  suffix=$([ "${SMOL_ROUNDS:-1}" = 1 ] || echo "-$round")
  for name in "${names[@]}"; do
    bench "SmolLM2 $name$suffix" "v-smol-$name$suffix.log" "$name" "${smol[@]}"
  done
done
for name in "${reversed[@]}"; do
  bench "Llama-3-8B 1k $name #2" "v-llama1k-$name-2.log" "$name" "${llama[@]}" --batch 1 --context 1024 --cuda-graph-max-bs 8
done
if [ "$FULL_WITH" != none ]; then
  full_max_bs=(--cuda-graph-max-bs "${FULL_MAX_BS:-128}"); [ "${FULL_MAX_BS:-}" = default ] && full_max_bs=()
  for name in $FULL_WITH; do
    bench "Llama-3-8B batches ($name)" "v-llama-full-$name.log" "$name" "${llama[@]}" \
      --batch "${FULL_BATCHES:-1,8,32,128}" --context 1024 "${full_max_bs[@]}"
  done
fi
if [ -n "${PREFILL_WITH:-}" ] && [ "${PRODUCT_PREFILL_SUSTAINED:-0}" = 1 ]; then
  step "bench attention --prefill, sustained ($PREFILL_WITH)" attention-sustained.log 90 bash -c 'run_with "$@"' run_with \
    "$PREFILL_WITH" bench attention --prefill --prefill-timing sustained --no-references --json "$out/attention-sustained.json"
fi
if [ -n "${PREFILL_WITH:-}" ] && [ "${PRODUCT_PREFILL:-1}" = 1 ]; then
  step "bench attention --prefill ($PREFILL_WITH)" attention.log $(( ${PRODUCT_PREFILL_LIMIT:-110} + 20 )) bash -c 'run_with "$@"' run_with "$PREFILL_WITH" \
    bench attention --prefill $([ ${#warm_pids[@]} -gt 0 ] || echo --no-flashinfer) --json "$out/attention.json" --reference-dir "$out" --time-limit "${PRODUCT_PREFILL_LIMIT:-110}"
fi
for pid in "${warm_pids[@]}"; do kill -- -"$pid" 2>/dev/null; done
for t in "$out"/warm-*.log; do [ -f "$t" ] && echo "$(basename "$t"): $(tail -n 1 "$t" | cut -c1-160)"; done
echo
for f in "$out"/selftest-*.log; do
  [ -f "$f" ] && echo "$(basename "$f" .log): $(grep -E "passed, [0-9]+ failed" "$f")" && grep -E "^FAIL|decode cluster|graph.*eager" "$f" | cut -c1-400
done
[ -f "$out/pdl_latency.log" ] && tail -n 12 "$out/pdl_latency.log"
[ -f "$out/decode_check.out" ] && grep -E "^(decode|FAIL)" "$out/decode_check.out" | cut -c1-300 | tail -8
for f in "$out"/prefill_run.out "$out"/prefill_bench-*.out; do
  [ -f "$f" ] && echo "$(basename "$f"):" && grep -E "^(checks|bench took|[0-9 ]+(True|False))|passed|failed|worst" "$f" | tail -30
done
for f in "$out"/attention-sustained.log "$out"/attention.log; do
  [ -f "$f" ] && echo "$(basename "$f"):" && grep -E "^\||rc=" "$f" | tail -22
done
[ ${#warm_pids[@]} -gt 0 ] && echo "note: FlashInfer's JIT held the CPUs during the decode rounds: their eager (host-bound) times are not comparable; graph times are"
for log in "$out"/v-*.log; do
  echo "$(basename "$log" .log): $(grep -E '^(decode bs|copy bandwidth)|captured' "$log" \
    | sed -E 's/; streamed weights [0-9.]+ GB//; s/copy bandwidth/copy/; s/ms\/step/ms/g' | tr '\n' ' ' | cut -c1-300)"
done
grep -h "^TRACE" "$out"/v-*.log 2>/dev/null | head -n "${TRACE_LINES:-60}"
print_summary
pack_logs log out  # the attention JSON comes back on its own
