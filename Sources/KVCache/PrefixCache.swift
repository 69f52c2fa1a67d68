// The seam between the scheduler and prefix reuse. The radix cache conforms; so does
// `NoPrefixCache`, which is what `--disable-radix-cache` selects — a separate type rather
// than a flag inside the radix cache.
//
// Ownership: pages handed to the cache by `insert` (its `adopted` range) belong to the
// cache from then on; it returns them to the allocator when it evicts them. Everything a
// caller inserted outside `adopted` is still the caller's to free.

/// A node of a prefix cache, as held by a request that locks its cached prefix. Handles
/// are values; one whose node was evicted is stale and is refused by `lock`/`unlock`.
public struct PrefixNodeHandle: Hashable, Sendable {
    let index: Int32
    let generation: UInt32

    /// The empty prefix. Locking or unlocking it does nothing.
    public static let root = PrefixNodeHandle(index: 0, generation: 0)
}

/// The longest cached prefix of a token sequence.
public struct PrefixMatch: Sendable, Equatable {
    /// KV slots of the matched tokens, one per token; `slots.count` is the match length.
    public var slots: [Int32]
    /// The node that ends the match; lock it to keep the prefix from being evicted.
    public var node: PrefixNodeHandle

    public var length: Int { slots.count }

    public init(slots: [Int32], node: PrefixNodeHandle) {
        self.slots = slots
        self.node = node
    }
}

/// What an insert did with the slots it was given.
public struct PrefixInsertion: Sendable, Equatable {
    /// Leading tokens the cache already held under its own slots; the caller's slots for
    /// them are duplicates.
    public var alreadyCached: Int
    /// Positions of the inserted sequence whose slots the cache took ownership of.
    public var adopted: Range<Int>

    public init(alreadyCached: Int, adopted: Range<Int>) {
        self.alreadyCached = alreadyCached
        self.adopted = adopted
    }
}

public protocol PrefixCache: AnyObject {
    var pageSize: Int { get }
    /// The longest cached prefix of `tokens` in whole pages. It is not locked.
    func match(_ tokens: ArraySlice<Int32>) -> PrefixMatch
    /// Caches `tokens` (whole pages) whose KV lives in `slots`; see `PrefixInsertion`.
    /// Match the same tokens afterwards to lock them.
    func insert(tokens: ArraySlice<Int32>, slots: ArraySlice<Int32>) throws(KVCacheError) -> PrefixInsertion
    /// Protects the path from the root to `node` from eviction (counted: lock once per holder).
    func lock(_ node: PrefixNodeHandle) throws(KVCacheError)
    func unlock(_ node: PrefixNodeHandle) throws(KVCacheError)
    /// Frees at least `pages` pages of unlocked, least recently used entries if it can;
    /// returns how many it freed.
    func evict(pages: Int) -> Int
    /// Pages the cache holds that no running request has locked.
    var evictablePages: Int { get }
    /// Pages on the locked paths of running requests.
    var protectedPages: Int { get }
}

/// The prefix cache that caches nothing: every match is empty and every insert leaves the
/// caller owning all its slots.
public final class NoPrefixCache: PrefixCache {
    public let pageSize: Int

    public init(pageSize: Int) {
        precondition(pageSize >= 1, "NoPrefixCache: pageSize must be positive, got \(pageSize)")
        self.pageSize = pageSize
    }

    public func match(_ tokens: ArraySlice<Int32>) -> PrefixMatch { PrefixMatch(slots: [], node: .root) }

    public func insert(tokens: ArraySlice<Int32>, slots: ArraySlice<Int32>) throws(KVCacheError) -> PrefixInsertion {
        guard tokens.count == slots.count, tokens.count % pageSize == 0 else {
            throw .unalignedInsert(tokens: tokens.count, slots: slots.count, pageSize: pageSize)
        }
        return PrefixInsertion(alreadyCached: 0, adopted: 0..<0)
    }

    public func lock(_ node: PrefixNodeHandle) throws(KVCacheError) {
        guard node == .root else { throw .staleNodeHandle }
    }

    public func unlock(_ node: PrefixNodeHandle) throws(KVCacheError) {
        guard node == .root else { throw .staleNodeHandle }
    }

    public func evict(pages: Int) -> Int { 0 }
    public var evictablePages: Int { 0 }
    public var protectedPages: Int { 0 }
}
