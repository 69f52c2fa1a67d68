#!/usr/bin/env python3
"""Float32 reference for FlashServe's model tests: greedy decoding of a llama-architecture
GGUF (e.g. SmolLM2-135M-Instruct Q4_1) with numpy on weights dequantized by pip `gguf`.

    pip install gguf numpy
    python3 scripts/reference/smollm2_greedy.py MODEL.gguf 1,4093,198,... --steps 12

Prints the generated ids (and the tokens' text, from the file's vocabulary). llama.cpp's
converter permutes the rows of attn_q/attn_k for its interleaved RoPE; this script undoes
that and applies Hugging Face's half-split RoPE, as FlashServe does.
"""
import argparse

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def load(path):
    reader = GGUFReader(path)
    meta = {k: f.contents() for k, f in reader.fields.items() if not k.startswith("tokenizer.ggml.merges")}
    weights = {t.name: dequantize(t.data, t.tensor_type).astype(np.float32).reshape(tuple(reversed([int(d) for d in t.shape])))
               for t in reader.tensors}
    return meta, weights


def unpermute(w, heads):
    # GGUF row (head, i, half) holds Hugging Face row (head, half, i).
    rows = w.shape[0]
    hd = rows // heads
    return w.reshape(heads, hd // 2, 2, -1).swapaxes(1, 2).reshape(w.shape)


def rms_norm(x, g, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * g


def rope(x, pos, inv_freq):
    # x: [heads, hd]; half-split rotation.
    ang = pos * inv_freq
    cos, sin = np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
    half = x.shape[-1] // 2
    a, b = x[..., :half], x[..., half:]
    return np.concatenate([a * cos - b * sin, b * cos + a * sin], axis=-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("prompt", help="comma-separated token ids")
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--stop", type=int, default=2)
    args = ap.parse_args()
    meta, w = load(args.model)
    arch = meta["general.architecture"]
    layers = int(meta[f"{arch}.block_count"])
    heads = int(meta[f"{arch}.attention.head_count"])
    kv_heads = int(meta[f"{arch}.attention.head_count_kv"])
    dim = int(meta[f"{arch}.embedding_length"])
    hd = dim // heads
    eps = float(meta[f"{arch}.attention.layer_norm_rms_epsilon"])
    base = float(meta[f"{arch}.rope.freq_base"])
    inv_freq = (1.0 / base ** (np.arange(0, hd, 2, dtype=np.float32) / hd)).astype(np.float32)
    if arch == "llama":
        for i in range(layers):
            w[f"blk.{i}.attn_q.weight"] = unpermute(w[f"blk.{i}.attn_q.weight"], heads)
            w[f"blk.{i}.attn_k.weight"] = unpermute(w[f"blk.{i}.attn_k.weight"], kv_heads)
    emb = w["token_embd.weight"]
    head = w.get("output.weight", emb)
    cache_k = [[] for _ in range(layers)]
    cache_v = [[] for _ in range(layers)]

    def step(token, pos):
        x = emb[token].copy()
        for i in range(layers):
            p = f"blk.{i}."
            h = rms_norm(x, w[p + "attn_norm.weight"], eps)
            q = (w[p + "attn_q.weight"] @ h).reshape(heads, hd)
            k = (w[p + "attn_k.weight"] @ h).reshape(kv_heads, hd)
            v = (w[p + "attn_v.weight"] @ h).reshape(kv_heads, hd)
            q, k = rope(q, pos, inv_freq), rope(k, pos, inv_freq)
            cache_k[i].append(k)
            cache_v[i].append(v)
            K, V = np.stack(cache_k[i]), np.stack(cache_v[i])  # [t, kv, hd]
            out = np.empty((heads, hd), dtype=np.float32)
            for hh in range(heads):
                g = hh // (heads // kv_heads)
                s = K[:, g, :] @ q[hh] / np.sqrt(np.float32(hd))
                s = np.exp(s - s.max())
                out[hh] = (s / s.sum()) @ V[:, g, :]
            x = x + w[p + "attn_output.weight"] @ out.reshape(-1)
            h = rms_norm(x, w[p + "ffn_norm.weight"], eps)
            gate, up = w[p + "ffn_gate.weight"] @ h, w[p + "ffn_up.weight"] @ h
            x = x + w[p + "ffn_down.weight"] @ (gate / (1 + np.exp(-gate)) * up)
        return head @ rms_norm(x, w["output_norm.weight"], eps)

    ids = [int(t) for t in args.prompt.split(",")]
    logits = None
    for pos, t in enumerate(ids):
        logits = step(t, pos)
    out = []
    for _ in range(args.steps):
        top2 = np.argsort(logits)[-2:]
        nxt = int(top2[1])
        out.append(nxt)
        print(f"id {nxt} margin {logits[top2[1]] - logits[top2[0]]:.4f}")
        if nxt == args.stop:
            break
        logits = step(nxt, len(ids) + len(out) - 1)
    print("generated:", ",".join(map(str, out)))
    vocab = meta.get("tokenizer.ggml.tokens")
    if vocab is not None:
        print("text:", repr("".join(vocab[i] for i in out).replace("\u0120", " ").replace("\u010a", "\n")))


if __name__ == "__main__":
    main()
