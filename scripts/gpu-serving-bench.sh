#!/usr/bin/env bash
# Issue 9 on the GPU machine: `flashserve serve` on the GPU with Llama-3-8B's config and
# seeded random bf16 weights (plus the Llama-3 tokenizer), then `flashserve bench serving`
# against it: 1k input / 256 output tokens, 200 requests at max concurrency 32 and 128,
# greedy, then the same with sampling (temperature 0.7, top-p 0.9, top-k 50, a seed per
# request: the GPU sampler's path). Logs and JSON reports under $OUT; a table last.
# Needs: .device-carry/flashserve.gz, .device-carry/llama-3-8b/{config.json,tokenizer.json.gz},
# build/kernels/.
set -uo pipefail
source "$(dirname "$0")/gpu-env.sh"
model=/tmp/llama-3-8b-random
mkdir -p "$model"
cp .device-carry/llama-3-8b/config.json "$model/"
gunzip -c .device-carry/llama-3-8b/tokenizer.json.gz > "$model/tokenizer.json"
port=30123
requests="${REQUESTS:-200}"
"$bin" serve --model "$model" --load-format random --weight-seed 7 --device gpu --port "$port" \
  --max-running 128 --max-queued 1024 --chunked-prefill-size 8192 --request-timeout 900 > "$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 1 240); do
  curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
  kill -0 $server 2>/dev/null || { echo "server exited:"; tail -n 40 "$out/serve.log"; exit 1; }
  sleep 1
done
grep -iE "engine|graph|listening" "$out/serve.log" | head -8
run_bench() {  # run_bench NAME CONCURRENCY SEED [SAMPLING OPTIONS...]
  local name="$1" concurrency="$2" seed="$3"; shift 3
  echo "== $name, concurrency $concurrency"
  timeout 400 "$bin" bench serving --port "$port" --num-prompts "$requests" --max-concurrency "$concurrency" \
    --input-len 1024 --output-len 256 --seed "$seed" --no-progress --json "$@" > "$out/serving-$name-c$concurrency.json" 2> "$out/serving-$name-c$concurrency.err"
  echo "rc $?"
  head -60 "$out/serving-$name-c$concurrency.json"
  tail -n 5 "$out/serving-$name-c$concurrency.err"
  kill -0 $server 2>/dev/null || { echo "server died:"; tail -n 40 "$out/serve.log"; return 1; }
}
# Each pass its own prompts (seed), so no pass finds another's prompts in the prefix cache.
for concurrency in ${CONCURRENCY:-32 128}; do run_bench greedy "$concurrency" "$concurrency" || break; done
for concurrency in ${SAMPLED_CONCURRENCY:-32 128}; do
  run_bench sampled "$concurrency" $((concurrency + 1000)) --temperature 0.7 --top-p 0.9 --top-k 50 || break
done
curl -s "http://127.0.0.1:$port/metrics" | grep -E "^flashserve_(kv|running|waiting|requests)" | head -12
