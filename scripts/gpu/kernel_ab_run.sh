#!/usr/bin/env bash
# One device call for kernel-only changes (issues 5 and 7), on the GPU machine from the
# repository root: the self-test of this build, the prefill check and bench (hd 128 and
# 256 by default), and `bench latency` (Llama-3-8B config and SmolLM2 shape, seeded random
# weights) with this build's fatbins against a baseline's, same binary, runs interleaved
# (base, new, base, new).
# Tables last; logs under $OUT.
# Needs: .device-carry/{flashserve.gz,kernels.tgz,commit} (scripts/prepare-gpu-run.sh),
# .device-carry/base-kernels.tgz + base-commit (the baseline's build/kernels, same ABI; both
# packed by scripts/gpu/pack-kernel-ab.sh BASE),
# .device-carry/smollm2-meta.gguf (scripts/make-gguf-metadata.py) and
# .device-carry/llama-3-8b/config.json (bench/configs).
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
new_kernels="$FLASHSERVE_KERNELS"
base_kernels=/tmp/flashserve-base-kernels/kernels
mkdir -p /tmp/flashserve-base-kernels && tar xzf .device-carry/base-kernels.tgz -C /tmp/flashserve-base-kernels
STEP_TAIL=${STEP_TAIL:-6} DEADLINE=${DEADLINE:-500}
echo "this build: $(cat .device-carry/commit) + kernels of the working tree; baseline kernels: $(cat .device-carry/base-commit)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
step "selftest --gpu" selftest.log "${SELFTEST_LIMIT:-150}" env FLASHSERVE_KERNELS="$new_kernels" "$bin" selftest --gpu
llama=(bench latency --model .device-carry/llama-3-8b --load-format random --weight-seed 7)
smol=(bench latency --model .device-carry/smollm2-meta.gguf --load-format random --weight-seed 7)
for round in 1 2; do
  step "Llama-3-8B base bs1 #$round" "llama-base-$round.log" 90 env FLASHSERVE_KERNELS="$base_kernels" "$bin" "${llama[@]}" --batch 1 --prefill ""
  step "Llama-3-8B new bs1 #$round" "llama-new-$round.log" 90 env FLASHSERVE_KERNELS="$new_kernels" "$bin" "${llama[@]}" --batch 1 --prefill ""
  [ "$round" = 1 ] || continue  # SmolLM2's graph step moves less between runs: one pair
  step "prefill check + bench" prefill_run.out "${PREFILL_LIMIT:-200}" env FLASHSERVE_KERNELS="$new_kernels" \
    python3 scripts/gpu/prefill_run.py --cases "${PREFILL_CASES:-200}" --head-dims "${PREFILL_HEAD_DIMS:-128,256}" \
    --seqs 1024,4096,16384
  step "SmolLM2 base #$round" "smol-base-$round.log" 90 env FLASHSERVE_KERNELS="$base_kernels" "$bin" "${smol[@]}" --batch 1,8,32 --prefill ""
  step "SmolLM2 new #$round" "smol-new-$round.log" 90 env FLASHSERVE_KERNELS="$new_kernels" "$bin" "${smol[@]}" --batch 1,8,32 --prefill ""
done
step "Llama-3-8B new, full" llama-new-full.log 150 env FLASHSERVE_KERNELS="$new_kernels" "$bin" "${llama[@]}" --json "$out/llama-new-full.json"
echo
grep -E "^(FAIL)" "$out/selftest.log" | cut -c1-300; grep -E "passed, [0-9]+ failed" "$out/selftest.log"
grep -E "^(checks|bench took|[0-9 ]+(True|False))|passed|failed|worst" "$out/prefill_run.out" | tail -24
for log in "$out"/llama-*.log "$out"/smol-*.log; do
  echo "== $(basename "$log" .log)"; grep -E "^(copy bandwidth|decode bs)|captured" "$log"
done
echo
print_summary
