// Byte-level BPE tokenizers loaded from tokenizer.json or GGUF metadata, and incremental detokenizing.
// (This module is being built; see docs/ARCHITECTURE.md.)
