#!/usr/bin/env bash
# One device call for `flashserve bench attention` (GPU machine, repository root):
# installs the FlashInfer wheels, starts FlashInfer's JIT builds in the background (they
# compile on the CPU while our kernels are timed; each build holds a file lock, so the
# reference script waits for one still running), then runs the command for decode and for
# prefill, then the Python references. Logs, JSON and the tables go to $OUT.
#
#   bash scripts/gpu/bench_attention_run.sh [SECONDS]   (default 285: the whole run's budget)
#
# Carry: the gzipped static binary (BIN_GZ, default build/benchattn-carry/flashserve.gz),
# the fatbins (FLASHSERVE_KERNELS, default build/benchattn-kernels) and .whl.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
budget="${1:-285}"
out="${OUT:-$root/gpu-logs}"
mkdir -p "$out"
export FLASHSERVE_KERNELS="${FLASHSERVE_KERNELS:-$root/build/benchattn-kernels}"
bin=/tmp/flashserve-bench/flashserve
mkdir -p "$(dirname "$bin")"
gunzip -c "${BIN_GZ:-build/benchattn-carry/flashserve.gz}" > "$bin" && chmod +x "$bin" || exit 1
echo "commit: $(cat "$(dirname "${BIN_GZ:-build/benchattn-carry/flashserve.gz}")/commit" 2>/dev/null)"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,utilization.gpu --format=csv,noheader
warm_pids=()
if ls .whl/*.whl > /dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl > "$out/pip.log" 2>&1
  export PYTHONPATH=/tmp/site TVM_FFI_DISABLE_TORCH_C_DLPACK=1
  export MAX_JOBS="${MAX_JOBS:-4}"   # ninja jobs per module; five modules build side by side
  for target in decode-cc decode-tc prefill-128 prefill-64 prefill-256; do
    # Own process group each, so that what is still compiling at the end can be stopped.
    setsid python3 scripts/gpu/attention_references.py --warm "$target" > "$out/warm-$target.log" 2>&1 &
    warm_pids+=($!)
  done
fi
# One invocation: ours for decode and prefill first, then the references (so FlashInfer's
# JIT gets the most time); `timeout` guards against a hang. Per-case lines of ours are
# logged as they finish, so even a run cut short keeps them.
timeout $(( budget + 5 - SECONDS )) "$bin" bench attention --decode --prefill --json "$out/attention.json" \
  --reference-dir "$out" --time-limit $(( budget - SECONDS )) > "$out/attention.log" 2>&1
echo "exit $?" >> "$out/attention.log"
for pid in "${warm_pids[@]}"; do kill -- -"$pid" 2>/dev/null; done
for t in "$out"/warm-*.log; do echo "$(basename "$t"): $(tail -n 1 "$t" | cut -c1-200)"; done
echo; grep -v '^  decode\|^  prefill' "$out/attention.log" | tail -n 75
