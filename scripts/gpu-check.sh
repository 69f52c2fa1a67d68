#!/usr/bin/env bash
# Runs every GPU-side check in one go on the GPU test machine (via the device tool):
#   doctor, the built-in GPU self-test, the SASS check of the fatbins, and each kernel
#   family's Python check/bench script under scripts/gpu/ that is given on the command line.
# Prints a short table last; full logs go to $OUT (or ./gpu-logs).
# Needs: .device-carry (flashserve.gz, kernels.tgz) from scripts/prepare-gpu-run.sh.
set -uo pipefail
source "$(dirname "$0")/gpu-env.sh"
echo "commit: $(cat .device-carry/commit 2>/dev/null)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
step "doctor" doctor.log 0 "$bin" doctor --kernels
step "selftest --gpu" selftest.log 0 "$bin" selftest --gpu
sass_check() {
  local cuobjdump=/usr/local/cuda/bin/cuobjdump status=0
  for f in "$FLASHSERVE_KERNELS"/*.fatbin; do
    local arches counts
    arches=$("$cuobjdump" -lelf "$f" | grep -o 'sm_[0-9a]*' | sort -u | tr '\n' ' ')
    counts=$("$cuobjdump" -sass "$f" | grep -oE 'HGMMA|UTMALDG|USETMAXREG|LDGSTS' | sort | uniq -c | tr -s ' ' | tr '\n' ',')
    echo "$(basename "$f"): $arches $counts"
    case "$arches" in *sm_90a*) ;; *) echo "  no sm_90a code"; status=1;; esac
  done
  return $status
}
step "fatbins carry sm_90a" sass.log 0 sass_check
for script in "$@"; do
  step "$(basename "$script")" "$(basename "$script" .py).log" 0 env PYTHONUNBUFFERED=1 python3 "$script"
done
echo
print_summary
