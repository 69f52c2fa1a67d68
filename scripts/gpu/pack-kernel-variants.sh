#!/usr/bin/env bash
# Packs kernel-only variants of this tree for scripts/gpu/compare_builds_run.sh, here (not on
# the GPU machine): each NAME=DEFINES@UNITS builds the units matching UNITS (a regex on the
# source path) with -D DEFINES (comma-separated) into .device-carry/variant-NAME.tgz, laid over
# this build's fatbins on the GPU machine and run by the same binary (same ABI).
# Usage: scripts/gpu/pack-kernel-variants.sh 'NAME=MACRO=VALUE,OTHER@attention_decode/' ...
# Experiments waiting for a GPU stay on main behind macros that default off (branches do not
# survive between sessions; session 8's branch of ablation macros is gone), or come from another
# commit through scripts/gpu/pack-kernel-variant-from.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
rm -f .device-carry/variant-*.tgz
for spec in "$@"; do
  name="${spec%%=*}" rest="${spec#*=}"
  defines="${rest%@*}" units="${rest##*@}"
  dir="$(mktemp -d)/kernels"
  flags=""
  IFS=, read -ra ds <<< "$defines"
  for d in "${ds[@]}"; do flags+=" -D$d"; done
  FS_NVCC_DEFINES="$flags" FS_KERNEL_UNITS="$units" scripts/build-kernels.sh -j 4 "$dir" | sed "s/^/[$name] /"
  tar czf ".device-carry/variant-$name.tgz" -C "$(dirname "$dir")" kernels
  echo "variant $name:$flags on $(ls "$dir" | tr '\n' ' ')"
done
