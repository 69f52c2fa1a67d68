#!/usr/bin/env bash
# Builds every CUDA translation unit under kernels/ into build/kernels/<family>_<file>.fatbin.
#   kernels/<family>/<name>.cu       generic: sm_80 + sm_90a machine code, compute_80 PTX
#   kernels/<family>/<name>_sm90.cu  Hopper-only (wgmma, TMA, setmaxnreg): sm_90a only
# One fatbin per translation unit, not one for all: linking units together needs -rdc,
# and under -rdc ptxas drops setmaxnreg (warning C7504), which the FA3 kernels rely on.
# The binary loads every *.fatbin of the folder (next to it, or $FLASHSERVE_KERNELS).
# Usage: scripts/build-kernels.sh [-j N] [OUTDIR]
# Kernel-only timing variants (scripts/gpu/pack-kernel-variants.sh) add nvcc flags with
# FS_NVCC_DEFINES and build a subset with FS_KERNEL_UNITS (a regex on the source path).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs=2
if [ "${1:-}" = "-j" ]; then jobs="$2"; shift 2; fi
out="${1:-$root/build/kernels}"
"$root/scripts/install-cuda-toolchain.sh"
export CUDA_HOME="$root/.toolchain/cuda/nvidia/cu13"
export PATH="$CUDA_HOME/bin:$PATH"   # the real bin, so nvcc finds nvcc.profile
mkdir -p "$out"
common=(-std=c++17 -O3 --use_fast_math -lineinfo
        -I "$root/Sources/KernelParams/include" -I "$root/kernels/common"
        -I "$root/.toolchain/cutlass/cutlass_library/source/include"
        --expt-relaxed-constexpr -Werror=all-warnings ${FS_NVCC_DEFINES:-})
generic=(-gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90a,code=sm_90a
         -gencode=arch=compute_80,code=compute_80)
hopper=(-gencode=arch=compute_90a,code=sm_90a)
# Spills fail the build (under -Werror), except in units named *_spills_sm90: their kernels
# spill on purpose, in a register-starved producer warpgroup, and the unit's header comment
# says how much and why.
spill_check=(-Xptxas=-warn-spills)
build_one() {
  local src="$1" fam name target
  fam="$(basename "$(dirname "$src")")"; name="$(basename "$src" .cu)"
  target="$out/${fam}_${name}.fatbin"
  if [ "$target" -nt "$src" ] && [ -z "$(find "$root/kernels/$fam" "$root/kernels/common" "$root/Sources/KernelParams/include" -newer "$target" -print -quit 2>/dev/null)" ]; then
    return 0   # up to date
  fi
  local arch=("${generic[@]}"); case "$name" in *_sm90) arch=("${hopper[@]}");; esac
  local spills=("${spill_check[@]}"); case "$name" in *_spills_sm90) spills=();; esac
  local t0=$SECONDS
  if ! nvcc -fatbin "${common[@]}" "${spills[@]}" "${arch[@]}" "$src" -o "$target.tmp" 2> "$target.log"; then
    cat "$target.log" >&2; rm -f "$target.tmp"; echo "FAILED: $src" >&2; return 1
  fi
  mv "$target.tmp" "$target"
  [ -s "$target.log" ] && cat "$target.log" >&2
  rm -f "$target.log"
  echo "built $(basename "$target") in $((SECONDS - t0)) s"
}
export -f build_one; export out root; export common_s="${common[*]}"
mapfile -t sources < <(find "$root/kernels" -name '*.cu' -not -path '*/common/*' | sort \
  | grep -E "${FS_KERNEL_UNITS:-.}")  # FS_KERNEL_UNITS: only the units whose path matches (variants)
if [ "${#sources[@]}" -eq 0 ]; then echo "no kernels under kernels/"; exit 1; fi
status=0
# xargs runs up to $jobs compiles at a time (a CuTe unit takes ~2 GB and ~30 s).
printf '%s\n' "${sources[@]}" | xargs -P "$jobs" -I{} bash -c "$(declare -f build_one); $(declare -p common generic hopper spill_check); build_one {}" || status=1
if [ $status -ne 0 ]; then echo "kernel build failed" >&2; exit 1; fi
echo "kernels: $(ls "$out"/*.fatbin | wc -l) fatbins in $out"
