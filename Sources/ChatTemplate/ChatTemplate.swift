// A Jinja-subset interpreter for the chat templates that model files carry.
// (This module is being built; see docs/ARCHITECTURE.md.)
