#!/usr/bin/env bash
# Encode throughput, ours vs the Hugging Face `tokenizers` package, one thread each, same run.
# Compiles the Tokenizer module (and GGUF, which it reads) with -O straight through swiftc, so
# no release build of the whole package is needed. Usage: tokenizer_throughput.sh [NAME...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${TMPDIR:-/tmp}/flashserve-tokenizer-throughput"
mkdir -p "$out/modules"
swiftc -O -wmo -parse-as-library -module-name GGUF -emit-module -emit-module-path "$out/modules/GGUF.swiftmodule" \
    -emit-object -o "$out/gguf.o" "$root"/Sources/GGUF/*.swift
swiftc -O -wmo -parse-as-library -module-name Tokenizer -I "$out/modules" -emit-module \
    -emit-module-path "$out/modules/Tokenizer.swiftmodule" -emit-object -o "$out/tokenizer.o" "$root"/Sources/Tokenizer/*.swift
swiftc -O -parse-as-library -I "$out/modules" "$root/scripts/reference/tokenizer_throughput.swift" \
    "$out/gguf.o" "$out/tokenizer.o" -o "$out/tokenizer_throughput"
if [ "$#" -eq 0 ]; then set -- llama3 qwen2.5 qwen3 smollm2; fi
taskset -c 0 "$out/tokenizer_throughput" "$root" "$@"
