#!/usr/bin/env bash
# flashserve against Hugging Face transformers on the GPU machine (issue #6): unpacks the
# binary scripts/prepare-gpu-run.sh gzipped into .device-carry/, points it at the kernel
# fatbins, and runs scripts/gpu/hf_compare.py with any arguments given here (e.g.
# --layers 2, --models qwen3-8b). The table comes last; the JSON log goes to $OUT.
# Needs the carry [".device-carry", "build/kernels"].
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export OUT="${OUT:-/tmp/out}"
export FLASHSERVE_KERNELS="$root/build/kernels"
bin=/tmp/flashserve-bin/flashserve
mkdir -p "$(dirname "$bin")" "$OUT"
gunzip -c .device-carry/flashserve.gz > "$bin" && chmod +x "$bin" || { echo "no .device-carry/flashserve.gz: run scripts/prepare-gpu-run.sh here first"; exit 2; }
echo "commit: $(cat .device-carry/commit 2>/dev/null)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 scripts/gpu/hf_compare.py --flashserve "$bin" --device cuda "$@"
