"""Judging one prompt of hf_compare.py: flashserve's greedy tokens and top-k log-probabilities
against Hugging Face's, step by step.

Two bf16 implementations of the same model differ by rounding noise, and with a 128k-152k
vocabulary the two best logits are often closer than that noise, so bit-equal 64-token
sequences are not a fair demand. What is demanded:
  * every token flashserve picked is Hugging Face's argmax for the same context, or within
    `2 * tol` of it (a near-tie: if both sides' log-probs are within tol of the truth, a
    flip needs a margin below 2 * tol);
  * each of flashserve's top-k log-probs is within `tol` of Hugging Face's for that token,
    and (on the GPU, where Hugging Face runs in bf16) within `tol` of the float32 truth,
    a teacher-forced float32 pass over the same bf16 weights;
  * no token Hugging Face ranks in its top k with a log-prob more than `tol` above
    flashserve's k-th is missing from flashserve's list.
"Same context" is Hugging Face's own greedy run while the sequences agree, and a teacher-
forced Hugging Face pass over flashserve's tokens after (and including) any divergence.

The default tol, 0.3 nats, is twice bf16's own error at these logits. With the output
head 4x wide the top logits sit near 20, where bf16 values are 0.125 apart, and transformers
rounds every logit to bf16 before its log-softmax; measured on the CPU (2 layers, widths / 4,
12 prompts x 64 steps x top 20), transformers in bf16 is up to 0.153 from its float32 self
while flashserve's float32 CPU path is within 5e-5. Two bf16 implementations can each be
that far off in opposite directions, hence 2 x 0.15. A real fault is far outside it: a RoPE
theta of 10000 instead of the config's moves the top-20 log-probs by 1.2-3.5 nats."""

import torch


def margin(row, better, worse):
    return float(row[better] - row[worse])


def judge(hf_tokens, hf_logprobs, ours, forced, reference, tol, top):
    """hf_tokens / hf_logprobs: Hugging Face's greedy run. ours: flashserve's JSON report.
    forced: Hugging Face's log-softmax for flashserve's contexts (teacher-forced), one row
    per flashserve step. reference: the same in float32, or None (it measures Hugging
    Face's own bf16 error, the yardstick for tol)."""
    our_tokens = ours["output_ids"]
    steps = len(hf_tokens)
    n = min(len(our_tokens), steps)
    equal = next((i for i in range(n) if our_tokens[i] != hf_tokens[i]), n)
    result = {"steps": steps, "flashserve_token_count": len(our_tokens), "equal_prefix": equal,
              "hf_tokens": hf_tokens, "flashserve_tokens": our_tokens, "failures": []}
    if len(our_tokens) < steps:
        result["failures"].append(f"flashserve stopped after {len(our_tokens)} of {steps} tokens")
    if equal < n:
        row = hf_logprobs[equal]
        best2 = torch.topk(row, 2).indices.tolist()
        result["divergence"] = {"step": equal + 1, "hf_token": hf_tokens[equal], "flashserve_token": our_tokens[equal],
                                "hf_margin_to_flashserve_token": margin(row, hf_tokens[equal], our_tokens[equal]),
                                "hf_top1_top2_margin": margin(row, best2[0], best2[1])}
    per_step = []
    for j in range(n):
        # Contexts agree through step j exactly when the first j tokens do.
        truth = hf_logprobs[j] if j <= equal else forced[j]
        listed = ours["steps"][j]["top_logprobs"]
        ids = [entry["id"] for entry in listed]
        deltas = [abs(entry["logprob"] - float(truth[entry["id"]])) for entry in listed]
        floor = min(entry["logprob"] for entry in listed) if listed else 0.0
        hf_top = torch.topk(truth, top).indices.tolist()
        missing = [i for i in hf_top if i not in ids and float(truth[i]) > floor + tol]
        step = {"shortfall": float(truth.max() - truth[our_tokens[j]]), "max_delta": max(deltas, default=0.0),
                "missing": missing, "context": "greedy" if j <= equal else "forced"}
        if reference is not None:
            step["hf_bf16_vs_fp32"] = max((abs(float(forced[j][i] - reference[j][i])) for i in ids), default=0.0)
            step["flashserve_vs_fp32"] = max((abs(e["logprob"] - float(reference[j][e["id"]])) for e in listed),
                                             default=0.0)
            if step["flashserve_vs_fp32"] > tol:
                result["failures"].append(f"step {j + 1}: a top-{top} log-prob is {step['flashserve_vs_fp32']:.3f} "
                                          f"from the float32 truth (> {tol})")
        per_step.append(step)
        if step["shortfall"] > 2 * tol:
            result["failures"].append(f"step {j + 1}: token {our_tokens[j]} is {step['shortfall']:.3f} below "
                                      f"Hugging Face's best {int(truth.argmax())} (more than a near-tie, 2*tol)")
        if step["max_delta"] > tol:
            result["failures"].append(f"step {j + 1}: a top-{top} log-prob differs by {step['max_delta']:.3f} > {tol}")
        if missing:
            result["failures"].append(f"step {j + 1}: Hugging Face top-{top} tokens {missing} missing from flashserve's list")
    result["per_step"] = per_step
    result["consistent_steps"] = sum(s["shortfall"] <= 2 * tol for s in per_step)
    result["last_delta"] = per_step[-1]["max_delta"] if per_step else None
    result["max_delta"] = max((s["max_delta"] for s in per_step), default=None)
    for key in ["hf_bf16_vs_fp32", "flashserve_vs_fp32"]:
        result["max_" + key] = max((s[key] for s in per_step), default=None) if reference is not None else None
    return result


def judge_plain(result, ids, plain_ids):
    """The run without log-probs (device argmax) against the run with them (CPU sampler)."""
    if plain_ids is None:
        result["plain_run"] = "-"
        return
    same = next((i for i in range(min(len(ids), len(plain_ids))) if ids[i] != plain_ids[i]), None)
    if same is None and len(ids) == len(plain_ids):
        result["plain_run"] = "same"
    else:
        step = (same if same is not None else min(len(ids), len(plain_ids))) + 1
        result["plain_run"] = f"differs at {step}"
        result["failures"].append(f"without --top-logprobs flashserve's greedy ids differ from step {step}: {plain_ids}")


def table_row(name, prompt_length, result):
    steps = result["steps"]
    divergence = result.get("divergence")
    where = "-" if divergence is None else (f"step {divergence['step']}: HF margin "
                                            f"{divergence['hf_margin_to_flashserve_token']:.3f}")

    def number(value):
        return "-" if value is None else f"{value:.3g}"

    return [name, str(prompt_length), f"{result['equal_prefix']}/{steps}", where,
            f"{result['consistent_steps']}/{steps}", number(result["last_delta"]), number(result["max_delta"]),
            number(result["max_flashserve_vs_fp32"]), number(result["max_hf_bf16_vs_fp32"]), result["plain_run"],
            "ok" if not result["failures"] else "FAIL"]


# |dlogp|: max over flashserve's top-k of |its log-prob - Hugging Face's|, at the last step
# and over all steps; the two columns after: the same for flashserve and for Hugging Face
# (bf16) against float32 Hugging Face, all steps ("-" when Hugging Face ran in float32);
# "plain run": flashserve's ids without --top-logprobs (its device greedy path) vs with.
TABLE_HEADER = ["model", "prompt", "tokens equal", "first divergence", "greedy-consistent",
                "|dlogp| last", "|dlogp| all", "ours-fp32", "HF-fp32", "plain run", "result"]


def format_table(rows):
    widths = [max(len(row[i]) for row in [TABLE_HEADER] + rows) for i in range(len(TABLE_HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in [TABLE_HEADER] + rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
