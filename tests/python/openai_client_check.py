#!/usr/bin/env python3
"""Drives a running FlashServe server with the official `openai` client (PyPI).

Checks chat completions and completions, whole and streamed (with
stream_options.include_usage), /v1/models, and that bad requests raise the client's typed
errors. Greedy (temperature 0) answers must be identical whether streamed or not.

Usage: openai_client_check.py --base-url http://127.0.0.1:PORT/v1 --model NAME
           [--expect-text TEXT] [--max-tokens N]
Prints one JSON line with what it saw; exits 1 with a message on the first failed check.
"""
import argparse
import json
import sys

try:
    import openai
except ImportError:
    sys.exit("the openai package is missing: pip install -r scripts/reference/requirements.txt")


def check(condition, message):
    if not condition:
        sys.exit("FAILED: " + message)


def chat(client, model, max_tokens, stream):
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    if not stream:
        response = client.chat.completions.create(
            model=model, messages=messages, max_tokens=max_tokens, temperature=0)
        choice = response.choices[0]
        check(response.object == "chat.completion", f"object is {response.object}")
        check(choice.message.role == "assistant", f"role is {choice.message.role}")
        check(choice.finish_reason in ("stop", "length"), f"finish_reason {choice.finish_reason}")
        usage = response.usage
        check(usage.total_tokens == usage.prompt_tokens + usage.completion_tokens, "usage does not add up")
        check(1 <= usage.completion_tokens <= max_tokens, f"completion_tokens {usage.completion_tokens}")
        return choice.message.content, choice.finish_reason, usage.completion_tokens
    text, finish, usage, roles = "", None, None, 0
    for chunk in client.chat.completions.create(
            model=model, messages=messages, max_tokens=max_tokens, temperature=0, stream=True,
            stream_options={"include_usage": True}):
        check(chunk.object == "chat.completion.chunk", f"chunk object is {chunk.object}")
        if chunk.usage is not None:
            usage = chunk.usage
            check(chunk.choices == [], "the usage chunk has choices")
        for choice in chunk.choices:
            if choice.delta.role:
                roles += 1
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
    check(roles == 1, f"{roles} role deltas")
    check(usage is not None, "no usage chunk with include_usage")
    return text, finish, usage.completion_tokens


def completion(client, model, max_tokens, stream):
    prompt = "Once upon a time"
    if not stream:
        response = client.completions.create(model=model, prompt=prompt, max_tokens=max_tokens, temperature=0)
        check(response.object == "text_completion", f"object is {response.object}")
        return response.choices[0].text, response.choices[0].finish_reason, response.usage.completion_tokens
    text, finish, usage = "", None, None
    for chunk in client.completions.create(
            model=model, prompt=prompt, max_tokens=max_tokens, temperature=0, stream=True,
            stream_options={"include_usage": True}):
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            text += choice.text
            finish = choice.finish_reason or finish
    check(usage is not None, "no usage chunk with include_usage")
    return text, finish, usage.completion_tokens


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--expect-text")
    parser.add_argument("--max-tokens", type=int, default=16)
    args = parser.parse_args()
    client = openai.OpenAI(base_url=args.base_url, api_key="unused", max_retries=0, timeout=300)

    models = [m.id for m in client.models.list().data]
    check(models == [args.model], f"models {models}")

    seen = {}
    for name, call in (("chat", chat), ("completion", completion)):
        whole = call(client, args.model, args.max_tokens, stream=False)
        streamed = call(client, args.model, args.max_tokens, stream=True)
        check(whole == streamed, f"{name}: streamed {streamed!r} differs from whole {whole!r}")
        check(len(whole[0]) > 0, f"{name}: empty text")
        seen[name] = {"text": whole[0], "finish_reason": whole[1], "completion_tokens": whole[2]}
    if args.expect_text is not None:
        check(seen["chat"]["text"] == args.expect_text, f"chat text {seen['chat']['text']!r} != {args.expect_text!r}")

    try:
        client.chat.completions.create(model=args.model, messages=[{"role": "user", "content": "Hi"}], max_tokens=0)
        check(False, "max_tokens=0 was accepted")
    except openai.BadRequestError as error:
        check(error.status_code == 400, f"status {error.status_code}")
        check(error.body.get("param") == "max_tokens", f"error body {error.body}")
    try:
        client.completions.create(model="no-such-model", prompt="Hi", max_tokens=2)
        check(False, "an unknown model was accepted")
    except openai.NotFoundError as error:
        check(error.body.get("code") == "model_not_found", f"error body {error.body}")

    print(json.dumps(seen))


if __name__ == "__main__":
    main()
