#!/usr/bin/env bash
# One device call: the FS_TIMELINE variants' per-CTA marks (kernels/common/fs_timeline.cuh) at
# batch 1, then untraced graph step times of other builds. TIMELINE="names": variants built with
# FS_TIMELINE, run at Llama-3-8B 1k and SmolLM2 (their TL lines stay in the logs, analysed here
# afterwards with scripts/gpu/trace/timeline.py); ROUNDS="names": Llama-3-8B 1k in order and back,
# SmolLM2 once each. SMOL=0: no SmolLM2 runs; BACK=0: no second Llama-3-8B round. Logs come back as
# $OUT/logs.tgz.
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
source "$(dirname "$0")/variants.sh"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
echo "base: $(cat .device-carry/commit); variants: ${variants[*]}"
llama=("${llama_step[@]}") smol=("${smol_step[@]}")
for build in ${TIMELINE:-}; do
  latency tl-llama "$build" "${llama[@]}"; echo "  $(grep -c '^TL' "$out/tl-llama-$build.log") TL lines"
  [ "${SMOL:-1}" = 1 ] || continue
  latency tl-smol "$build" "${smol[@]}"; echo "  $(grep -c '^TL' "$out/tl-smol-$build.log") TL lines"
done
read -ra order <<< "${ROUNDS:-}"
for build in "${order[@]}"; do latency llama1k-1 "$build" "${llama[@]}"; done
[ "${BACK:-1}" = 1 ] && for ((i = ${#order[@]} - 1; i >= 0; i--)); do latency llama1k-2 "${order[i]}" "${llama[@]}"; done
[ "${SMOL:-1}" = 1 ] && for build in "${order[@]}"; do latency smol "$build" "${smol[@]}"; done
pack_logs log
