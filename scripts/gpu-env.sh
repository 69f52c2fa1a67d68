# Sourced by the scripts that run on the GPU machine: the repository root as the working
# folder, $out for logs (the device tool's $OUT, else ./gpu-logs), the kernel fatbins
# (unpacked from .device-carry/kernels.tgz when the call carries it, else build/kernels),
# and the flashserve binary unpacked from .device-carry/flashserve.gz (or .xz) into $bin
# (scripts/prepare-gpu-run.sh builds all three here; the device call carries them).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${OUT:-$root/gpu-logs}"
mkdir -p "$out"
export FLASHSERVE_KERNELS="$root/build/kernels"
if [ -f .device-carry/kernels.tgz ]; then  # the fatbins compress 4x: the carry stays under 64 MiB
  mkdir -p /tmp/flashserve-kernels && tar xzf .device-carry/kernels.tgz -C /tmp/flashserve-kernels \
    && export FLASHSERVE_KERNELS=/tmp/flashserve-kernels/kernels
fi
bin=/tmp/flashserve-bin/flashserve
mkdir -p "$(dirname "$bin")"
if [ -f .device-carry/flashserve.xz ]; then  # xz when a call carries two builds (a third smaller)
  python3 -c 'import lzma, sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' .device-carry/flashserve.xz > "$bin"
else
  gunzip -c .device-carry/flashserve.gz > "$bin"
fi
chmod +x "$bin" 2>/dev/null && [ -s "$bin" ] \
  || { echo "no .device-carry/flashserve.gz: run scripts/prepare-gpu-run.sh here first" >&2; exit 2; }

# The GPU scripts' steps: `step NAME LOGFILE SECONDS COMMAND...` runs COMMAND into
# $out/LOGFILE (under `timeout`, unless SECONDS is 0, which also lets COMMAND be a shell
# function), adds a row to the closing table and shows the log's last $STEP_TAIL lines (25).
# With $DEADLINE set, a step that would start past that many seconds of the call is skipped,
# so the table still prints before the device tool's limit. `print_summary` prints the table.
summary=()
step() {
  local name="$1" log="$2" limit="$3"; shift 3
  if [ -n "${DEADLINE:-}" ] && [ "$SECONDS" -gt "$DEADLINE" ]; then
    summary+=("| $name | skipped (call time) | - | - |")
    return 0
  fi
  local t0=$SECONDS rc
  if [ "$limit" -gt 0 ]; then timeout "$limit" "$@" > "$out/$log" 2>&1; else "$@" > "$out/$log" 2>&1; fi
  rc=$?
  summary+=("| $name | $([ $rc -eq 0 ] && echo pass || echo "FAIL (rc $rc)") | $((SECONDS - t0)) s | $log |")
  tail -n "${STEP_TAIL:-25}" "$out/$log"
  return 0
}
print_summary() {
  echo "| step | result | time | log |"
  echo "|---|---|---|---|"
  printf '%s\n' "${summary[@]}"
}
