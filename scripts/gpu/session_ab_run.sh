#!/usr/bin/env bash
# One device call for two builds and kernel-only variants (issues 5 and 7), on the GPU
# machine from the repository root. "base": .device-carry/{flashserve.xz|gz,kernels.tgz,commit}
# (scripts/prepare-gpu-run.sh); "new": .device-carry/new/{flashserve.xz,kernels.tgz,commit}
# (another tree's prepare, recompressed); variants: .device-carry/variant-NAME.tgz laid over
# base's fatbins (scripts/gpu/pack-kernel-variants.sh), run by base's binary. Ablation
# variants compute wrong tokens by design: they say what a part costs on the step's path.
# Steps, each skipped past $DEADLINE seconds: `bench latency` batch 1 with graphs for the
# Llama-3-8B config (base, new, every variant), the new build's self-test, the prefill check
# and bench (new's fatbins), SmolLM2's shape (base, new, variants), Llama-3-8B again (base,
# new), `bench attention --prefill` (new). Tables last; logs under $OUT.
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
source "$(dirname "$0")/variants.sh"

STEP_TAIL=${STEP_TAIL:-2} DEADLINE=${DEADLINE:-480}
echo "base: $(cat .device-carry/commit); new: $(cat .device-carry/new/commit); variants of base: ${variants[*]}"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
llama=(bench latency --model .device-carry/llama-3-8b --load-format random --weight-seed 7 --batch 1 --prefill ""
       --cuda-graph-max-bs 8)
smol=(bench latency --model .device-carry/smollm2-meta.gguf --load-format random --weight-seed 7 --batch 1,8
      --prefill "" --cuda-graph-max-bs 8)
for name in base new "${variants[@]}"; do
  step "Llama-3-8B $name #1" "ab-llama-$name-1.log" 60 bash -c 'run_with "$@"' run_with "$name" "${llama[@]}"
done
step "selftest --gpu (new)" selftest.log "${SELFTEST_LIMIT:-150}" bash -c 'run_with "$@"' run_with new selftest --gpu
step "prefill check + bench (new fatbins)" prefill_run.out 100 env FLASHSERVE_KERNELS="$new_kernels" \
  python3 scripts/gpu/prefill_run.py --cases 200 --seqs "${PREFILL_SEQS:-1024,4096,16384}"
for name in base new "${variants[@]}"; do
  step "SmolLM2 $name" "ab-smol-$name.log" 45 bash -c 'run_with "$@"' run_with "$name" "${smol[@]}"
done
for name in base new; do
  step "Llama-3-8B $name #2" "ab-llama-$name-2.log" 60 bash -c 'run_with "$@"' run_with "$name" "${llama[@]}"
done
step "bench attention --prefill (new)" attention.log 120 bash -c 'run_with "$@"' run_with new bench attention --prefill --no-flashinfer \
  --json "$out/attention.json" --reference-dir "$out" --time-limit 100
echo
grep -E "^FAIL" "$out/selftest.log" | cut -c1-400; grep -E "passed, [0-9]+ failed|deferred norm|fused product" "$out/selftest.log" | cut -c1-600
grep -E "^(checks|bench took|[0-9 ]+(True|False))|passed|failed|worst" "$out/prefill_run.out" | tail -30
grep -E "^\||rc=" "$out/attention.log" 2>/dev/null | tail -22
for log in "$out"/ab-*.log; do
  echo "$(basename "$log" .log): $(grep -E '^(decode bs|copy bandwidth)|captured' "$log" | sed -E 's/; streamed weights [0-9.]+ GB//' | tr '\n' ' ' | cut -c1-260)"
done
print_summary
