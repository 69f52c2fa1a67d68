// Model config, weight loading (safetensors, GGUF) and the Llama-family forward over a device-agnostic op set.
// (This module is being built; see docs/ARCHITECTURE.md.)
