"""The Hugging Face side of hf_compare.py: a seeded random-weight model with a benchmark
config, saved as a bf16 Hugging Face folder, and its greedy tokens and logits."""

import json
import os

import torch
from transformers import GenerationConfig, Qwen2ForCausalLM, Qwen3ForCausalLM, LlamaForCausalLM

MODEL_CLASSES = {"llama": LlamaForCausalLM, "qwen2": Qwen2ForCausalLM, "qwen3": Qwen3ForCausalLM}


def reduced_config(path, layers, shrink):
    """The config.json at `path` with `layers` layers; `shrink` > 1 divides the hidden and
    intermediate sizes and the head counts by it (head_dim and the GQA ratio stay), for a
    check on a small machine."""
    with open(path) as f:
        raw = json.load(f)
    raw.pop("transformers_version", None)
    raw["num_hidden_layers"] = layers
    if shrink > 1:
        heads, kv_heads = raw["num_attention_heads"], raw["num_key_value_heads"]
        if heads % shrink or kv_heads % shrink:
            raise SystemExit(f"--shrink {shrink} does not divide {heads} heads and {kv_heads} KV heads of {path}")
        head_dim = raw.get("head_dim") or raw["hidden_size"] // heads
        raw["num_attention_heads"], raw["num_key_value_heads"] = heads // shrink, kv_heads // shrink
        raw["hidden_size"] //= shrink
        raw["intermediate_size"] //= shrink
        raw["head_dim"] = head_dim  # explicit, so hidden/heads cannot change it
    return raw


def build_model(raw_config, device, seed, head_scale):
    """A bf16 model whose every parameter is drawn from `seed`.

    Norm gains are 1 + noise and biases nonzero (q/k/v bias on Qwen2), so a loader that drops
    either is caught. The output head is `head_scale` times wider than the other matrices:
    with a logit spread of several nats the next-token distribution is peaked, the greedy
    token carries most of the mass and the top-20 log-probabilities span tens of nats, so
    a wrong order or a shifted normaliser shows. What scaling cannot buy is a top-1/top-2
    margin large against bf16 noise: that noise (rounded activations, and logits rounded to
    bf16 before argmax) grows with the logits, and the gap between the two largest of ~150k
    logits is a small fraction of the spread, so near-ties come every few dozen steps. The
    comparison therefore judges each token against Hugging Face's logits for the same
    context with a tie tolerance (hf_compare.py) instead of demanding bit-equal sequences.
    """
    cls = MODEL_CLASSES[raw_config["model_type"]]
    config = cls.config_class(**raw_config)
    with torch.device(device):
        model = cls._from_config(config, dtype=torch.bfloat16, attn_implementation="sdpa")
    generator = torch.Generator(device=device).manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator, device=device, dtype=torch.float32)
            if name.endswith("norm.weight"):
                values = 1 + 0.1 * noise
            elif name.endswith(".bias"):
                values = 0.5 * noise  # q/k/v outputs are O(1); a bias this size moves attention
            elif name.endswith("embed_tokens.weight"):
                values = noise  # O(1) per element, like the normed activations
            else:
                fan_in = parameter.shape[1]
                scale = head_scale if name == "lm_head.weight" else 1.0
                values = noise * (scale / fan_in ** 0.5)
            parameter.copy_(values)  # rounds to bf16: the saved weights are exactly these
    # Greedy with no stop token: --ignore-eos on our side only keeps going, it never
    # changes a logit, so no min-length processor (which would mask eos) may run here.
    model.generation_config = GenerationConfig(do_sample=False, eos_token_id=None, bos_token_id=None, pad_token_id=0)
    return model.eval()


def save_folder(model, folder):
    """Safetensors (bf16) plus config.json. Transformers 5 writes RoPE settings only as
    `rope_parameters`; ModelConfig+HuggingFace reads the long-standing `rope_theta` and
    `rope_scaling` keys, so they are added back beside it. Returns what was added."""
    model.save_pretrained(folder)
    path = os.path.join(folder, "config.json")
    with open(path) as f:
        config = json.load(f)
    added = {}
    rope = config.get("rope_parameters") or {}
    if "rope_theta" not in config and "rope_theta" in rope:
        added["rope_theta"] = rope["rope_theta"]
    if "rope_scaling" not in config and rope.get("rope_type", "default") != "default":
        added["rope_scaling"] = {k: v for k, v in rope.items() if k != "rope_theta"}
    if added:
        config.update(added)
        with open(path, "w") as f:
            json.dump(config, f, indent=2)
    return added


def greedy(model, prompts, steps, device):
    """Hugging Face greedy decoding (KV cache, sdpa) of all prompts in one left-padded batch.
    Returns per prompt the new tokens and the float32 log-softmax of each step's raw logits."""
    width = max(len(p) for p in prompts)
    ids = torch.zeros((len(prompts), width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, prompt in enumerate(prompts):
        ids[row, width - len(prompt):] = torch.tensor(prompt)
        mask[row, width - len(prompt):] = 1
    with torch.no_grad():
        out = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device), max_new_tokens=steps,
                             use_cache=True, output_logits=True, return_dict_in_generate=True)
    tokens = out.sequences[:, width:].cpu()
    logprobs = torch.stack([torch.log_softmax(step.float(), dim=-1) for step in out.logits], dim=1).cpu()
    return [(tokens[row].tolist(), logprobs[row]) for row in range(len(prompts))]


def teacher_forced(model, prompt, tokens, device):
    """The log-softmax, in float32, of each step's logits when the context is `prompt`
    followed by `tokens`: one forward pass, steps = len(tokens) distributions."""
    sequence = torch.tensor([prompt + tokens[:-1]], device=device)
    with torch.no_grad():
        logits = model(input_ids=sequence, use_cache=False, logits_to_keep=len(tokens)).logits[0]
    return torch.log_softmax(logits.float(), dim=-1).cpu()
