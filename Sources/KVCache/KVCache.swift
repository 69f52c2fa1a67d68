// Paged KV cache: the request→token table, the page allocator, the per-layer KV pool and the radix prefix cache (DESIGN.md §4).
// (This module is being built; see docs/ARCHITECTURE.md.)
