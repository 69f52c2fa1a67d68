#!/usr/bin/env bash
# Issues 6 and 7 on the GPU machine, in one call: the self-test (argmax and graph-vs-eager
# checks included), the engine's generate on GPU vs CPU, then `bench latency` for the
# SmolLM2-135M shape and for Llama-3-8B's config, both with seeded random bf16 weights
# (no checkpoint can travel there). Tables last; logs under $OUT.
# Needs: .device-carry/flashserve.gz, .device-carry/smollm2-meta.gguf (scripts/make-gguf-metadata.py),
# .device-carry/llama-3-8b/config.json, build/kernels/ (scripts/prepare-gpu-run.sh).
set -uo pipefail
source "$(dirname "$0")/gpu-env.sh"
STEP_TAIL=30
echo "commit: $(cat .device-carry/commit 2>/dev/null)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
step "selftest --gpu" selftest.log "${SELFTEST_LIMIT:-240}" "$bin" selftest --gpu
step "generate gpu vs cpu" generate.log 120 env OUT="$out/generate" bash -c 'mkdir -p "$OUT" && scripts/gpu-generate-check.sh' 
step "bench latency SmolLM2" latency-smollm2.log 150 "$bin" bench latency --model .device-carry/smollm2-meta.gguf \
  --load-format random --weight-seed 7 --json "$out/latency-smollm2.json"
step "bench latency Llama-3-8B" latency-llama3-8b.log 300 "$bin" bench latency --model .device-carry/llama-3-8b \
  --load-format random --weight-seed 7 --json "$out/latency-llama3-8b.json"
echo
grep -h -A12 "^| prefill\|^| decode" "$out"/latency-*.log
echo
print_summary
