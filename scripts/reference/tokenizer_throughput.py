#!/usr/bin/env python3
"""Single-thread encode throughput of the Hugging Face reference on the test corpus.

Usage: tokenizer_throughput.py NAME PASSES   (NAME: llama3, qwen2.5, qwen3 or smollm2)
Prints one JSON object: {"cold_bytes_per_second": ..., "warm_bytes_per_second": ..., "ids": N}.
Encoding goes through encode_batch with one thread (RAYON_NUM_THREADS=1).
"cold" is the first pass over the corpus in a fresh process (empty BPE cache); "warm" the
best of the following passes. The Swift throughput test measures itself the same way.
"""

import json
import os
import sys
import time

os.environ["RAYON_NUM_THREADS"] = "1"  # before tokenizers is imported
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from tokenizer_corpus import build_corpus  # noqa: E402
from tokenizer_reference import reference  # noqa: E402


def main():
    name, passes = sys.argv[1], int(sys.argv[2])
    tokenizer = reference(name)
    corpus = build_corpus()
    total_bytes = sum(len(text.encode()) for text in corpus)
    timings = []
    ids = 0
    for _ in range(passes):
        start = time.perf_counter()
        # encode_batch on one thread: the whole corpus in one call, so Python's per-call
        # overhead does not count against the reference.
        ids = sum(len(encoding.ids) for encoding in tokenizer.encode_batch(corpus))
        timings.append(time.perf_counter() - start)
    print(json.dumps({"cold_bytes_per_second": total_bytes / timings[0],
                      "warm_bytes_per_second": total_bytes / min(timings[1:] or timings), "ids": ids}))


if __name__ == "__main__":
    main()
