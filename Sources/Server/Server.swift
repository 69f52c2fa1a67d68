// The OpenAI-compatible HTTP server.
// (This module is being built; see docs/ARCHITECTURE.md.)
