#!/usr/bin/env bash
# flashserve against Hugging Face transformers on the GPU machine (issue #6): unpacks the
# binary scripts/prepare-gpu-run.sh gzipped into .device-carry/, points it at the kernel
# fatbins, and runs scripts/gpu/hf_compare.py with any arguments given here (e.g.
# --layers 2, --models qwen3-8b). The table comes last; the JSON log goes to $OUT.
# Needs the carry [".device-carry", "build/kernels"].
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
export OUT="$out"
echo "commit: $(cat .device-carry/commit 2>/dev/null)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 scripts/gpu/hf_compare.py --flashserve "$bin" --device cuda "$@"
