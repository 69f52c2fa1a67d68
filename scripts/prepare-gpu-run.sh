#!/usr/bin/env bash
# Builds here everything the GPU machine runs (it has no Swift toolchain): the kernel
# fatbins and the static, stripped release binary, gzipped into .device-carry/ so that it
# travels under the device tool's 64 MiB limit, with the fatbins as kernels.tgz beside it.
# Then hand scripts/gpu-check.sh to the device tool with carry [".device-carry"].
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/build-kernels.sh
swift build -c release --static-swift-stdlib -Xlinker -s --product flashserve
mkdir -p .device-carry
gzip -9 -c .build/release/flashserve > .device-carry/flashserve.gz
tar czf .device-carry/kernels.tgz -C build kernels   # scripts/gpu-env.sh unpacks it
git rev-parse HEAD > .device-carry/commit
git status --porcelain --untracked-files=no | grep -q . && echo dirty >> .device-carry/commit || true
ls -la .device-carry build/kernels
echo "binary: $(stat -c %s .build/release/flashserve) bytes, gzipped $(stat -c %s .device-carry/flashserve.gz)"
