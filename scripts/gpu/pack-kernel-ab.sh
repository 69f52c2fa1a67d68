#!/usr/bin/env bash
# Packs the carry of scripts/gpu/kernel_ab_run.sh, here (not on the GPU machine): this tree's
# fatbins as .device-carry/kernels.tgz and those of BASE (a commit with the same kernel ABI
# and Swift tree) as .device-carry/base-kernels.tgz, built in a temporary git worktree.
# The binary, SmolLM2's metadata GGUF and Llama-3-8B's config come from
# scripts/prepare-gpu-run.sh and scripts/make-gguf-metadata.py as for the other GPU scripts.
# Usage: scripts/gpu/pack-kernel-ab.sh BASE
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
base="${1:?usage: $0 BASE_COMMIT}"
cd "$root"
scripts/build-kernels.sh -j 4
worktree="$(mktemp -d)/base"
git worktree add --detach "$worktree" "$base" >/dev/null
# The toolchain link goes first: never let a forced worktree removal meet it.
trap 'rm -f "$worktree/.toolchain"; git worktree remove --force "$worktree"' EXIT
ln -s "$root/.toolchain" "$worktree/.toolchain"   # the pinned CUDA toolchain, not installed twice
"$worktree/scripts/build-kernels.sh" -j 4 "$worktree/build/kernels"
mkdir -p .device-carry
tar czf .device-carry/kernels.tgz -C build kernels
tar czf .device-carry/base-kernels.tgz -C "$worktree/build" kernels
git rev-parse HEAD > .device-carry/commit
git rev-parse "$base" > .device-carry/base-commit
du -sh .device-carry
