#!/usr/bin/env bash
# The engine end to end on the GPU machine: `flashserve generate` on the FA3 backend and on
# the CPU backend with the same seeded random weights (the real model cannot travel there;
# .device-carry/smollm2-meta.gguf holds its config, tokenizer and chat template), greedy.
# Prints both outputs and the GPU's timing line. Needs scripts/prepare-gpu-run.sh's carry.
set -uo pipefail
source "$(dirname "$0")/gpu-env.sh"
model=.device-carry/smollm2-meta.gguf
for device in gpu cpu; do
  echo "== $device"
  "$bin" generate --model "$model" --load-format random --weight-seed 7 --device "$device" \
    --max-tokens 48 --token-ids 1,4093,198,1780,314,260,3575,282,4649,47,2,198,1,520,9531,198 2>&1 | tee "$out/generate-$device.log"
done
echo "== gpu, 256 tokens"
"$bin" generate --model "$model" --load-format random --weight-seed 7 --device gpu --max-tokens 256 --ignore-eos \
  --token-ids 1,4093,198 2>&1 | tail -1
# A prompt longer than the step's token budget: prefill runs in chunks, and the chunks that
# end inside the prompt sample nothing (such a step once failed on the GPU). GPU and CPU
# must both finish; their ids are printed side by side. With random weights the first
# token of this prompt is a near-tie (bf16 vs float32 pick different ones, both in both
# top-5: scripts/gpu/long_prompt_check.sh compares the log-probabilities).
long=$(python3 -c "print(','.join(str(100 + (i * 37) % 40000) for i in range(1500)))")
for device in gpu cpu; do
  echo "== $device, 1500-token prompt (chunked prefill)"
  "$bin" generate --model "$model" --load-format random --weight-seed 7 --device "$device" --max-tokens 16 \
    --ignore-eos --token-ids "$long" 2>&1 | tail -2 | tee "$out/generate-long-$device.log"
done
