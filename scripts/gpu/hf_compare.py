#!/usr/bin/env python3
"""flashserve against Hugging Face transformers on random-weight models with the configs of
Llama-3-8B, Qwen2.5-7B and Qwen3-8B (bench/configs/, layers reduced): greedy tokens for
--steps steps and the top-20 log-probabilities of every step, flashserve's from
`generate --json --top-logprobs`, Hugging Face's from its own greedy run (sdpa, KV cache)
and a teacher-forced pass over flashserve's tokens. What counts as agreement, and why
near-ties are allowed, is in hf_compare_checks.py.

On the GPU machine (torch with CUDA, transformers, safetensors):
  python3 scripts/gpu/hf_compare.py --flashserve /tmp/flashserve-bin/flashserve
Locally, with a debug build and a CPU torch:
  python3 scripts/gpu/hf_compare.py --flashserve .build/debug/flashserve --device cpu --layers 2 --shrink 4

Writes $OUT/hf_compare.json (OUT defaults to /tmp/out) and prints a table last; exits 1 on
any mismatch."""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_compare_checks as checks  # noqa: E402
import hf_reference as reference  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = ["llama-3-8b", "qwen2.5-7b", "qwen3-8b"]


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flashserve", required=True, help="the flashserve binary")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda",
                        help="where both run: cuda (flashserve --device gpu) or cpu")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated names under bench/configs/")
    parser.add_argument("--layers", type=int, default=4, help="decoder layers of each model")
    parser.add_argument("--shrink", type=int, default=1,
                        help="divide hidden, intermediate and head counts by this (a small local check)")
    parser.add_argument("--prompt-lengths", default="7,33,128,500")
    parser.add_argument("--steps", type=int, default=64, help="new tokens per prompt")
    parser.add_argument("--top", type=int, default=20, help="log-probabilities compared per step (at most 20)")
    parser.add_argument("--tol", type=float, default=0.3,
                        help="max |difference| of a log-prob (nats); near-ties up to 2*tol may flip a token")
    parser.add_argument("--hf-dtype", choices=["bfloat16", "float32"],
                        help="Hugging Face compute dtype (default: bfloat16 on cuda, float32 on cpu)")
    parser.add_argument("--head-scale", type=float, default=4.0, help="output head width over the other matrices'")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", default="/tmp/hf", help="the saved Hugging Face folders go to WORKDIR/<model>")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one flashserve run may take")
    parser.add_argument("--no-plain", dest="plain", action="store_false",
                        help="skip the second flashserve run per prompt without --top-logprobs (device greedy path)")
    parser.add_argument("--flashserve-arg", action="append", default=[],
                        help="extra argument for flashserve generate (repeatable), e.g. --flashserve-arg=--kv-tokens=8192")
    return parser.parse_args()


def run_flashserve(args, folder, prompt, top):
    """One `flashserve generate --json` run; `top` None leaves out --top-logprobs."""
    command = [args.flashserve, "generate", "--model", folder, "--device", "gpu" if args.device == "cuda" else "cpu",
               "--token-ids", ",".join(map(str, prompt)), "--max-tokens", str(args.steps), "--temperature", "0",
               "--ignore-eos", "--json"] + (["--top-logprobs", str(top)] if top else []) + args.flashserve_arg
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"flashserve exited {done.returncode} for a {len(prompt)}-token prompt:\n{done.stderr[-3000:]}")
    report = json.loads(lines[-1])
    report["stderr"] = done.stderr.strip().splitlines()
    return report


def compare_model(args, name, dtype):
    started = time.time()
    raw = reference.reduced_config(os.path.join(ROOT, "bench", "configs", name, "config.json"), args.layers, args.shrink)
    model = reference.build_model(raw, args.device, args.seed, args.head_scale)
    folder = os.path.join(args.workdir, name)
    added = reference.save_folder(model, folder)
    if added:
        print(f"[{name}] config.json: added {added} beside rope_parameters (see hf_reference.save_folder)", flush=True)
    if dtype != torch.bfloat16:
        # Never .to(bfloat16): that would round the float32 RoPE inverse frequencies too,
        # which transformers itself keeps in float32 when it loads a bf16 checkpoint.
        model.to(dtype)
    rng = np.random.default_rng(args.seed)
    prompts = [rng.integers(0, raw["vocab_size"], size=length).tolist() for length in args.lengths]
    hf = reference.greedy(model, prompts, args.steps, args.device)
    print(f"[{name}] Hugging Face: {len(prompts)} prompts x {args.steps} steps ({time.time() - started:.1f} s)", flush=True)
    ours, plain = [], []
    for prompt in prompts:
        report = run_flashserve(args, folder, prompt, args.top)
        timing = report["timing"]
        print(f"[{name}] flashserve, {len(prompt)}-token prompt: load {timing['load_seconds']:.1f} s, "
              f"generate {timing['generate_seconds']:.2f} s ({report['device']})", flush=True)
        ours.append(report)
        # Without log-probs a greedy row takes the engine's device argmax (inside the decode
        # graph on the GPU) instead of the CPU sampler: the same logits must give the same ids.
        plain.append(run_flashserve(args, folder, prompt, None)["output_ids"] if args.plain else None)
    forced = [reference.teacher_forced(model, p, r["output_ids"], args.device) if r["output_ids"] else None
              for p, r in zip(prompts, ours)]
    fp32 = [None] * len(prompts)
    if dtype != torch.float32:
        model.float()  # exact: the weights are bf16 values
        fp32 = [reference.teacher_forced(model, p, r["output_ids"], args.device) if r["output_ids"] else None
                for p, r in zip(prompts, ours)]
    del model
    if args.device == "cuda":
        torch.cuda.empty_cache()
    results = []
    for prompt, (hf_tokens, hf_logprobs), report, forced_rows, fp32_rows, plain_ids in zip(
            prompts, hf, ours, forced, fp32, plain):
        result = checks.judge(hf_tokens, hf_logprobs, report, forced_rows, fp32_rows, args.tol, args.top)
        checks.judge_plain(result, report["output_ids"], plain_ids)
        result.update(model=name, prompt_length=len(prompt), prompt_ids=prompt, timing=report["timing"],
                      flashserve_device=report["device"], flashserve_stderr=report["stderr"][-3:])
        results.append(result)
        for failure in result["failures"][:5]:
            print(f"[{name}] {len(prompt)}-token prompt: {failure}", flush=True)
    return {"model": name, "config": raw, "config_added": added, "results": results}


def main():
    args = parse_arguments()
    args.lengths = [int(n) for n in args.prompt_lengths.split(",")]
    if not 1 <= args.top <= 20:
        raise SystemExit("--top must be in 1...20 (flashserve reports at most 20 alternatives)")
    dtype = getattr(torch, args.hf_dtype or ("bfloat16" if args.device == "cuda" else "float32"))
    if args.device == "cuda":
        # The float32 yardstick must be float32, not TF32.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    out = os.environ.get("OUT") or "/tmp/out"
    os.makedirs(out, exist_ok=True)
    log = {"arguments": vars(args), "hf_dtype": str(dtype), "torch": torch.__version__,
           "transformers": __import__("transformers").__version__, "models": []}
    rows, failed = [], False
    for name in args.models.split(","):
        try:
            entry = compare_model(args, name, dtype)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            print(f"[{name}] {error}", flush=True)
            if args.device == "cuda":
                torch.cuda.empty_cache()  # the failed model's weights, before the next model
            log["models"].append({"model": name, "error": str(error)})
            rows.append([name, "-", "-", "error: see above"] + ["-"] * 7 + ["FAIL"])
            failed = True
            continue
        log["models"].append(entry)
        for result in entry["results"]:
            rows.append(checks.table_row(name, result["prompt_length"], result))
            failed = failed or bool(result["failures"])
    with open(os.path.join(out, "hf_compare.json"), "w") as f:
        json.dump(log, f)
    print(f"\nflashserve vs transformers {log['transformers']} ({log['hf_dtype']}, {args.device}), "
          f"{args.layers} layers, tol {args.tol} nats, log: {os.path.join(out, 'hf_compare.json')}")
    print(checks.format_table(rows))
    print("FAIL" if failed else "PASS")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
