#!/usr/bin/env bash
# One device call: the FS_TIMELINE variants' per-CTA marks (kernels/common/fs_timeline.cuh) at
# batch 1, then untraced graph step times of other builds. TIMELINE="names": variants built with
# FS_TIMELINE, run at Llama-3-8B 1k and SmolLM2 (their TL lines stay in the logs, analysed here
# afterwards with scripts/gpu/trace/timeline.py); ROUNDS="names": Llama-3-8B 1k in order and back,
# SmolLM2 once each. A name NAME+cP runs NAME with every kernel's preferred shared-memory carveout
# at P percent (FLASHSERVE_SMEM_CARVEOUT), e.g. base+c100. SMOL=0: no SmolLM2 runs; BACK=0: no
# second Llama-3-8B round. LONG="names": Llama-3-8B at 4k once each. SELFTEST_WITH=name: that
# build's GPU self-test last (SELFTEST_LIMIT seconds, default 150). Logs come back as $OUT/logs.tgz.
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
for build in ${LONG:-}; do run llama4k "$build" "${llama_latency[@]}" --batch 1 --cuda-graph-max-bs 8 --context 4096; done
if [ -n "${SELFTEST_WITH:-}" ]; then
  spec="$SELFTEST_WITH" name="${SELFTEST_WITH%+c*}"
  [ "$spec" = "$name" ] || export FLASHSERVE_SMEM_CARVEOUT="${spec##*+c}"
  timeout "${SELFTEST_LIMIT:-150}" bash -c 'run_with "$@"' run_with "$name" selftest --gpu > "$out/selftest-$name.log" 2>&1
  echo "selftest $spec (rc $?):"; grep -E "^FAIL|passed, [0-9]+ failed" "$out/selftest-$name.log" | cut -c1-300
fi
pack_logs log
