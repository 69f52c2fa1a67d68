#!/usr/bin/env bash
# Packs kernel-only variants built from another commit (a branch that holds an experiment, or
# an older main to compare with) into this tree's .device-carry/, beside any variants already
# packed here: a temporary worktree at REF runs scripts/gpu/pack-kernel-variants.sh with the
# same specs (NAME=DEFINES@UNITS) and its tgz files are copied here. REF's kernels must keep
# this tree's params ABI (Sources/KernelParams): the variant is laid over this build's fatbins.
# Usage: scripts/gpu/pack-kernel-variant-from.sh REF 'NAME=MACRO=VALUE@attention_decode/' ...
# (pack-kernel-variants.sh deletes every variant-*.tgz first: run it before this, not after.)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
[ $# -ge 2 ] || { echo "usage: $0 REF 'NAME=DEFINES@UNITS' ..." >&2; exit 2; }
ref="$1"; shift
git rev-parse --verify -q "$ref^{commit}" > /dev/null || { echo "$ref is not a commit here" >&2; exit 2; }
if ! git diff --quiet "$ref" HEAD -- Sources/KernelParams; then
  echo "warning: Sources/KernelParams differs between $ref and HEAD; the variant may not match this binary" >&2
fi
tree="$(mktemp -d)/tree"
trap 'git worktree remove --force "$tree" > /dev/null 2>&1 || true' EXIT
git worktree add --detach -q "$tree" "$ref"
scripts/install-cuda-toolchain.sh > /dev/null  # REF's build reuses this tree's toolchain
ln -s "$root/.toolchain" "$tree/.toolchain"
mkdir -p "$tree/.device-carry" .device-carry
(cd "$tree" && scripts/gpu/pack-kernel-variants.sh "$@")
for spec in "$@"; do
  name="${spec%%=*}"
  cp "$tree/.device-carry/variant-$name.tgz" .device-carry/
  echo "variant $name from $(git rev-parse --short "$ref"): .device-carry/variant-$name.tgz"
done
