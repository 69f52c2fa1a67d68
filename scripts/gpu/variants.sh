# Sourced after ../gpu-env.sh by the GPU scripts that compare builds in one call. "base" is
# gpu-env.sh's binary and fatbins; each .device-carry/variant-NAME.tgz (made here by
# scripts/gpu/pack-kernel-variants.sh) is laid over a copy of base's fatbins and run by base's
# binary (same ABI); "new", where .device-carry/new/ holds {flashserve.xz,kernels.tgz,commit},
# is a second build with its own binary. Sets $variants (names, in file order) and defines
# `kernels_of NAME` and `run_with NAME ARGS...`, exported so that `step` (which runs commands under timeout) can
# call it through `bash -c 'run_with "$@"' run_with NAME ARGS...`.
base_bin="$bin" base_kernels="$FLASHSERVE_KERNELS"
new_bin=/tmp/flashserve-new/flashserve new_kernels=/tmp/flashserve-new/kernels
if [ -f .device-carry/new/flashserve.xz ]; then
  mkdir -p /tmp/flashserve-new
  python3 -c 'import lzma, sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' .device-carry/new/flashserve.xz \
    > "$new_bin" && chmod +x "$new_bin" && tar xzf .device-carry/new/kernels.tgz -C /tmp/flashserve-new
fi
variants=()
for archive in .device-carry/variant-*.tgz; do
  [ -f "$archive" ] || continue
  name=$(basename "$archive" .tgz); name=${name#variant-}
  rm -rf "/tmp/flashserve-$name" && mkdir -p "/tmp/flashserve-$name" && cp -r "$base_kernels" "/tmp/flashserve-$name/" \
    && tar xzf "$archive" -C "/tmp/flashserve-$name" && variants+=("$name")
done
kernels_of() {  # kernels_of NAME: the fatbin folder of the build or variant NAME
  case "$1" in base) echo "$base_kernels" ;; new) echo "$new_kernels" ;; *) echo "/tmp/flashserve-$1/kernels" ;; esac
}
run_with() {  # run_with NAME ARGS...: the build or variant NAME's binary and fatbins
  local name="$1" binary="$base_bin"; shift
  [ "$name" = new ] && binary="$new_bin"
  env FLASHSERVE_KERNELS="$(kernels_of "$name")" "$binary" "$@"
}
export -f kernels_of run_with; export base_bin base_kernels new_bin new_kernels

# The two models the comparisons run, with seeded random weights and no prefill rows: Llama-3-8B's
# config and SmolLM2's GGUF metadata (scripts add --batch, --context, --cuda-graph-max-bs).
llama_latency=(bench latency --model .device-carry/llama-3-8b --load-format random --weight-seed 7 --prefill "")
smol_latency=(bench latency --model .device-carry/smollm2-meta.gguf --load-format random --weight-seed 7 --prefill "")
# Batch 1 at 1k with the small bucket set: the step the per-kernel comparisons time.
llama_step=("${llama_latency[@]}" --batch 1 --cuda-graph-max-bs 8 --context 1024)
smol_step=("${smol_latency[@]}" --batch 1 --cuda-graph-max-bs 8)
latency() {  # latency LABEL BUILD ARGS...: one run of BUILD into $out/LABEL-BUILD.log, one summary line
  local label="$1" build="$2"; shift 2
  timeout 60 bash -c 'run_with "$@"' run_with "$build" "$@" > "$out/$label-$build.log" 2>&1
  echo "$label $build (rc $?): $(grep -E '^decode bs|bound' "$out/$label-$build.log" | sed -E 's/; streamed weights [0-9.]+ GB//' | tr '\n' ' ' | cut -c1-230)"
}
# At most 8 files come back from the device call's $OUT: `pack_logs [EXT...]` moves the files
# ending in each EXT (default: log, out, json) into one archive, $OUT/logs.tgz.
pack_logs() {
  local ext exts=("$@") files=()
  [ $# -gt 0 ] || exts=(log out json)
  (cd "$out" && shopt -s nullglob && for ext in "${exts[@]}"; do files+=(./*."$ext"); done \
    && { [ ${#files[@]} -eq 0 ] || { tar czf logs.tgz "${files[@]}" && rm -f "${files[@]}"; }; })
}
