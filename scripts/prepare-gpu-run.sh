#!/usr/bin/env bash
# Builds here everything the GPU machine runs (it has no Swift toolchain): the kernel
# fatbins and the static, stripped release binary, gzipped into .device-carry/ so that it
# travels under the device tool's 64 MiB limit, with the fatbins as kernels.tgz beside it.
# Beside them, the bench models every GPU script names: the Llama-3-8B config
# (.device-carry/llama-3-8b/, weights random on the GPU) and SmolLM2's GGUF metadata alone
# (.device-carry/smollm2-meta.gguf, 1.8 MB instead of 98). Kernel-only variants go beside them
# with scripts/gpu/pack-kernel-variants.sh (this tree) and pack-kernel-variant-from.sh (a commit).
# Then hand scripts/gpu-check.sh to the device tool with carry [".device-carry"].
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/setup.sh  # Swift, the CUDA compiler, and the default model ($FLASHSERVE_MODEL)
scripts/build-kernels.sh
swift build -c release --static-swift-stdlib -Xlinker -s --product flashserve
mkdir -p .device-carry
rm -f .device-carry/flashserve.xz  # scripts/gpu-env.sh prefers an xz binary: a stale one would win
gzip -9 -c .build/release/flashserve > .device-carry/flashserve.gz
tar czf .device-carry/kernels.tgz -C build kernels   # scripts/gpu-env.sh unpacks it
mkdir -p .device-carry/llama-3-8b
cp bench/configs/llama-3-8b/config.json .device-carry/llama-3-8b/
python3 scripts/make-gguf-metadata.py "$FLASHSERVE_MODEL" .device-carry/smollm2-meta.gguf
git rev-parse HEAD > .device-carry/commit
git status --porcelain --untracked-files=no | grep -q . && echo dirty >> .device-carry/commit || true
ls -la .device-carry build/kernels
echo "binary: $(stat -c %s .build/release/flashserve) bytes, gzipped $(stat -c %s .device-carry/flashserve.gz)"
