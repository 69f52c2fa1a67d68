#!/usr/bin/env bash
# One device call: the FS_TIMELINE variants' per-CTA marks (kernels/common/fs_timeline.cuh) at
# batch 1, then untraced graph step times of other builds. TIMELINE="names": variants built with
# FS_TIMELINE, run at Llama-3-8B 1k and SmolLM2 (their TL lines stay in the logs, analysed here
# afterwards with scripts/gpu/trace/timeline.py); ROUNDS="names": Llama-3-8B 1k in order and back,
# SmolLM2 once each. A name NAME+cP runs NAME with every kernel's preferred shared-memory carveout
# at P percent (FLASHSERVE_SMEM_CARVEOUT), e.g. base+c100. SMOL=0: no SmolLM2 runs; BACK=0: no second Llama-3-8B round. Logs come back as
# $OUT/logs.tgz.
set -uo pipefail
source "$(dirname "$0")/../gpu-env.sh"
source "$(dirname "$0")/variants.sh"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
echo "base: $(cat .device-carry/commit); variants: ${variants[*]}"
llama=("${llama_step[@]}") smol=("${smol_step[@]}")
run() {  # run LABEL SPEC ARGS...: SPEC is a build name, optionally +cP (carveout P %)
  local label="$1" spec="$2"; shift 2
  case "$spec" in
    *+c*) echo -n "[carveout ${spec##*+c} %] "; (export FLASHSERVE_SMEM_CARVEOUT="${spec##*+c}"; latency "$label" "${spec%+c*}" "$@")
          mv "$out/$label-${spec%+c*}.log" "$out/$label-$spec.log" 2>/dev/null ;;
    *) latency "$label" "$spec" "$@" ;;
  esac
}
for build in ${TIMELINE:-}; do
  run tl-llama "$build" "${llama[@]}"; echo "  $(grep -c '^TL' "$out/tl-llama-$build.log") TL lines"
  [ "${SMOL:-1}" = 1 ] || continue
  run tl-smol "$build" "${smol[@]}"; echo "  $(grep -c '^TL' "$out/tl-smol-$build.log") TL lines"
done
read -ra order <<< "${ROUNDS:-}"
for build in "${order[@]}"; do run llama1k-1 "$build" "${llama[@]}"; done
[ "${BACK:-1}" = 1 ] && for ((i = ${#order[@]} - 1; i >= 0; i--)); do run llama1k-2 "${order[i]}" "${llama[@]}"; done
[ "${SMOL:-1}" = 1 ] && for build in "${order[@]}"; do run smol "$build" "${smol[@]}"; done
pack_logs log
