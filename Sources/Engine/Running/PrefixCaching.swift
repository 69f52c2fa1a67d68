// Which prefix cache an engine's KV cache gets: a choice of type (RadixCache or
// NoPrefixCache), made once when the engine is built.

import KVCache

public enum PrefixCaching: String, Sendable, CaseIterable {
    /// Reuse the KV of any earlier prompt prefix (SGLang's radix cache).
    case radix
    /// Compute every prompt in full (`--disable-radix-cache`).
    case disabled

    public func makeCache(allocator: PageAllocator) -> any PrefixCache {
        switch self {
        case .radix: return RadixCache(allocator: allocator)
        case .disabled: return NoPrefixCache(pageSize: allocator.pageSize)
        }
    }
}
