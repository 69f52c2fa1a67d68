#!/usr/bin/env bash
# GPU vs CPU on prompts around and beyond the step's token budget (chunked prefill), with
# the SmolLM2 shape and seeded random weights: the first steps' top-5 log-probabilities of
# both devices side by side, per prompt length. Needs scripts/prepare-gpu-run.sh's carry.
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
model=.device-carry/smollm2-meta.gguf
for n in ${LENGTHS:-300 511 512 513 700 1024 1500}; do
  ids=$(python3 -c "print(','.join(str(100 + (i * 37) % 40000) for i in range($n)))")
  for device in gpu cpu; do
    "$bin" generate --model "$model" --load-format random --weight-seed 7 --device "$device" --max-tokens 3 \
      --ignore-eos --json --top-logprobs 5 --token-ids "$ids" > "$out/long-$n-$device.json" 2> "$out/long-$n-$device.err"
  done
  python3 - "$n" "$out/long-$n-gpu.json" "$out/long-$n-cpu.json" <<'PY'
import json, sys
n, g, c = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
for step, (a, b) in enumerate(zip(g["steps"], c["steps"])):
    ga = {t["id"]: t["logprob"] for t in a["top_logprobs"]}
    cb = {t["id"]: t["logprob"] for t in b["top_logprobs"]}
    common = set(ga) & set(cb)
    worst = max((abs(ga[i] - cb[i]) for i in common), default=float("nan"))
    print(f"prompt {n:>5} step {step}: gpu {a['id']} ({a['logprob']:.3f}) cpu {b['id']} ({b['logprob']:.3f}); "
          f"top-5 shared {len(common)}/5, max |dlogprob| {worst:.3f}")
PY
done
