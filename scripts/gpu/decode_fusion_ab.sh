#!/usr/bin/env bash
# Issue 7 on the GPU machine, one call: the self-test of this build, then `bench latency`
# of this build against a baseline build in the same run, interleaved (B A B A at batch 1),
# for Llama-3-8B's config and SmolLM2's shape with seeded random bf16 weights; then Nsight
# Compute on the prefill kernel's paged P = 16 path against contiguous (issue 5). Tables
# last; logs under $OUT.
# Needs: .device-carry/{flashserve.gz or .xz,kernels.tgz,commit} (scripts/prepare-gpu-run.sh;
# recompress its flashserve.gz as flashserve.xz so that two builds fit the 64 MiB carry),
# .device-carry/baseline/{flashserve.xz,kernels.tgz,commit} (the same from the baseline
# commit), .device-carry/smollm2-meta.gguf (scripts/make-gguf-metadata.py on SmolLM2's GGUF: header and
# key/values, tensor count 0) and .device-carry/llama-3-8b/config.json (bench/configs).
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
new_bin="$bin" new_kernels="$FLASHSERVE_KERNELS"
base_bin=/tmp/flashserve-base/flashserve base_kernels=/tmp/flashserve-base-kernels/kernels
mkdir -p "$(dirname "$base_bin")" /tmp/flashserve-base-kernels
python3 -c 'import lzma, sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' \
  .device-carry/baseline/flashserve.xz > "$base_bin" && chmod +x "$base_bin"
tar xzf .device-carry/baseline/kernels.tgz -C /tmp/flashserve-base-kernels
# Optional kernel-only variants of this build: fatbins in .device-carry/variant-NAME.tgz laid
# over this build's, run by the same binary (same ABI).
variants=()
for archive in .device-carry/variant-*.tgz; do
  [ -f "$archive" ] || continue
  name=$(basename "$archive" .tgz); name=${name#variant-}
  mkdir -p "/tmp/flashserve-$name" && cp -r "$new_kernels" "/tmp/flashserve-$name/" \
    && tar xzf "$archive" -C "/tmp/flashserve-$name" && variants+=("$name")
done
STEP_TAIL=8 DEADLINE=${DEADLINE:-400}  # steps past 400 s of the call are skipped
echo "this build: $(cat .device-carry/commit); baseline: $(cat .device-carry/baseline/commit)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
step "selftest --gpu" selftest.log "${SELFTEST_LIMIT:-300}" env FLASHSERVE_KERNELS="$new_kernels" "$new_bin" selftest --gpu
llama=(bench latency --model .device-carry/llama-3-8b --load-format random --weight-seed 7)
smol=(bench latency --model .device-carry/smollm2-meta.gguf --load-format random --weight-seed 7)
step "Llama-3-8B new, full" llama-new-full.log 240 env FLASHSERVE_KERNELS="$new_kernels" "$new_bin" "${llama[@]}" --json "$out/llama-new-full.json"
for round in 1 2; do
  step "Llama-3-8B base bs1 #$round" "llama-base-$round.log" 150 env FLASHSERVE_KERNELS="$base_kernels" "$base_bin" "${llama[@]}" --batch 1 --prefill ""
  step "Llama-3-8B new bs1 #$round" "llama-new-$round.log" 150 env FLASHSERVE_KERNELS="$new_kernels" "$new_bin" "${llama[@]}" --batch 1 --prefill ""
  [ "$round" = 1 ] || continue
  for name in "${variants[@]}"; do
    step "Llama-3-8B $name bs1 #$round" "llama-$name-$round.log" 150 env FLASHSERVE_KERNELS="/tmp/flashserve-$name/kernels" "$new_bin" \
      "${llama[@]}" --batch 1 --prefill ""
  done
done
step "SmolLM2 new, full" smol-new-full.log 150 env FLASHSERVE_KERNELS="$new_kernels" "$new_bin" "${smol[@]}" --json "$out/smol-new-full.json"
step "SmolLM2 base" smol-base.log 150 env FLASHSERVE_KERNELS="$base_kernels" "$base_bin" "${smol[@]}" --batch 1,8,32 --prefill ""
# Issue 5's missed paged target: Nsight Compute on the hd 128 prefill kernel, contiguous vs
# paged P = 16 on the same inputs (the 3rd and 4th launches; the first two warm up).
step "ncu prefill contiguous vs P=16" ncu-prefill.log 120 env FLASHSERVE_KERNELS="$new_kernels" \
  ncu --clock-control none --kernel-name regex:fs_attention_prefill --launch-skip 2 --launch-count 2 \
  --section SpeedOfLight --section WarpStateStats --section SchedulerStats --section MemoryWorkloadAnalysis \
  --section ComputeWorkloadAnalysis --section Occupancy --csv --page details python3 scripts/gpu/prefill_paged_profile.py
echo
grep -E "^(PASS|FAIL)" "$out/selftest.log" | cut -c1-360; grep -E "passed, [0-9]+ failed" "$out/selftest.log"
for log in "$out"/llama-*.log "$out"/smol-*.log; do
  echo "== $(basename "$log" .log)"; grep -E "^(copy bandwidth|prefill|decode bs)|captured" "$log"
done
echo
print_summary
