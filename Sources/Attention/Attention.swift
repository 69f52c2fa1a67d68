// The attention backend seam (DESIGN.md §3): one protocol, the FA3 backend and the CPU reference backend.
// (This module is being built; see docs/ARCHITECTURE.md.)
