// Reader for GGUF files: header, metadata, tensor directory, memory-mapped tensor data.
// (This module is being built; see docs/ARCHITECTURE.md.)
