#!/usr/bin/env bash
# One device call for the attention prefill kernels (GPU machine, repository root), as run
# for bench/RESULTS.md session 4: SASS of the prefill fatbins, the Python correctness check
# (200 random cases + one smoke case per variant) and bench with the experiments beside it,
# `flashserve selftest --gpu`, then `flashserve bench attention --prefill` (the product's
# launcher; no FlashInfer, which needs minutes of JIT: use bench_attention_run.sh for it).
# Carry `.device-carry` from scripts/prepare-gpu-run.sh (binary, fatbins, commit). Logs: $OUT.
set -u
source "$(dirname "$0")/../gpu-env.sh"
t0=$SECONDS
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
echo "commit: $(cat .device-carry/commit)"
for f in "$FLASHSERVE_KERNELS"/attention_prefill_*.fatbin; do
  echo "$(basename "$f"): $(/usr/local/cuda/bin/cuobjdump -sass "$f" | grep -oE 'HGMMA\.[0-9x]+|UTMALDG|USETMAXREG|LDGSTS|LDL|STL' | sort | uniq -c | tr -s ' ' | tr '\n' ',')"
done > "$out/sass.log"
for d in 128 256; do  # the paged kernels on their own: HGMMA, UTMALDG, no local memory (LDL/STL)
  fn="fs_attention_prefill_hd${d}_tmapaged_bf16"
  echo "$fn: $(/usr/local/cuda/bin/cuobjdump -sass -fun "$fn" "$FLASHSERVE_KERNELS/attention_prefill_prefill_hd${d}_sm90.fatbin" | grep -oE 'HGMMA\.[0-9x]+|UTMALDG|USETMAXREG|LDL|STL' | sort | uniq -c | tr -s ' ' | tr '\n' ',')"
done >> "$out/sass.log"
timeout 100 python3 scripts/gpu/prefill_run.py --cases 200 --seqs "${PREFILL_SEQS:-1024,4096,8192,16384}" > "$out/prefill_run.out" 2>&1
echo "prefill_run rc=$?" >> "$out/prefill_run.out"
grep -v "^  fs_" "$out/prefill_run.out" | tail -32
timeout 150 "$bin" selftest --gpu > "$out/selftest.log" 2>&1; echo "selftest rc=$?" >> "$out/selftest.log"
grep -E "passed|failed|FAIL|rc=" "$out/selftest.log" | tail -8
timeout 150 "$bin" bench attention --prefill --no-flashinfer --json "$out/attention.json" --reference-dir "$out" \
  --time-limit 120 > "$out/attention.log" 2>&1
echo "bench attention rc=$?" >> "$out/attention.log"
grep -v '^  prefill' "$out/attention.log" | grep -E "^\||rc=|copy" | tail -24
cat "$out/sass.log"
echo "total $(( SECONDS - t0 )) s"
