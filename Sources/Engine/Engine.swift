// Requests, scheduler, sampler, model runner and CUDA graph runner.
// (This module is being built; see docs/ARCHITECTURE.md.)
