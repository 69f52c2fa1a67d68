#!/usr/bin/env bash
# Sets up, builds and starts FlashServe with the default model (SmolLM2-135M-Instruct),
# on the GPU if there is a usable one, else on the CPU. Extra arguments go to `serve`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/setup.sh
scripts/build-kernels.sh
swift build -c release --product flashserve
mkdir -p .build/release/flashserve-kernels && cp build/kernels/*.fatbin .build/release/flashserve-kernels/
.build/release/flashserve doctor
if .build/release/flashserve help serve >/dev/null 2>&1; then
  exec .build/release/flashserve serve --model "$FLASHSERVE_MODEL" "$@"
else
  echo "flashserve serve is not built yet in this version: doctor above shows what this machine offers."
fi
