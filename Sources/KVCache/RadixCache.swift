// The radix prefix cache (DESIGN.md §4): a tree over token ids whose edges are runs of
// whole pages, mapping every cached prefix to the KV slots that hold it. Requests lock
// the path of the prefix they reuse; eviction frees least recently used unlocked leaves.
// Matching splits an edge where the matched prefix ends inside it, so every match ends
// exactly at a node — the node a request locks; inserting splits where a sequence leaves
// an edge.

public final class RadixCache: PrefixCache {
    public let pageSize: Int
    let allocator: PageAllocator
    var tree: RadixTree

    /// A cache whose evicted pages go back to `allocator`.
    public init(allocator: PageAllocator) {
        self.allocator = allocator
        pageSize = allocator.pageSize
        tree = RadixTree(pageSize: allocator.pageSize)
    }

    public var evictablePages: Int { tree.evictableTokens / pageSize }
    public var protectedPages: Int { tree.protectedTokens / pageSize }
    /// Every page the cache holds.
    public var cachedPages: Int { evictablePages + protectedPages }

    public func match(_ tokens: ArraySlice<Int32>) -> PrefixMatch { tree.match(tokens) }

    public func insert(tokens: ArraySlice<Int32>, slots: ArraySlice<Int32>) throws(KVCacheError) -> PrefixInsertion {
        try tree.insert(tokens: tokens, slots: slots)
    }

    public func lock(_ node: PrefixNodeHandle) throws(KVCacheError) { try tree.lock(node) }
    public func unlock(_ node: PrefixNodeHandle) throws(KVCacheError) { try tree.unlock(node) }
    public func evict(pages: Int) -> Int { tree.evict(pages: pages, into: allocator) }
}

/// The tree itself, as a value: the cache keeps it in one stored property, so an
/// operation is one exclusive access to the class rather than one checked access per node
/// visited.
struct RadixTree {
    let pageSize: Int
    var nodes: [RadixNode]
    var freeNodeIndices: [Int32] = []
    /// Unlocked nodes without children: the only nodes eviction may remove.
    var evictableLeaves: Set<Int32> = []
    var evictableTokens = 0
    var protectedTokens = 0
    /// A logical clock; every match and insert is one tick.
    var clock: UInt64 = 0

    init(pageSize: Int) {
        self.pageSize = pageSize
        nodes = [RadixNode(parent: -1, tokens: [], slots: [], lastAccess: 0, generation: 0)]
    }

    mutating func match(_ tokens: ArraySlice<Int32>) -> PrefixMatch {
        clock += 1
        let usable = tokens.prefix(tokens.count - tokens.count % pageSize)
        var node = Self.rootIndex
        var position = usable.startIndex
        var slots: [Int32] = []
        nodes[Int(node)].lastAccess = clock
        while position < usable.endIndex,
              let child = nodes[Int(node)].children[usable[position..<position + pageSize]] {
            nodes[Int(child)].lastAccess = clock
            let length = matchedLength(node: child, usable[position...])
            node = length < nodes[Int(child)].tokens.count ? split(child, at: length) : child
            slots.append(contentsOf: nodes[Int(node)].slots)
            position += length
            if node != child { break }
        }
        return PrefixMatch(slots: slots, node: handle(node))
    }

    mutating func insert(tokens: ArraySlice<Int32>, slots: ArraySlice<Int32>) throws(KVCacheError) -> PrefixInsertion {
        guard tokens.count == slots.count, tokens.count % pageSize == 0 else {
            throw .unalignedInsert(tokens: tokens.count, slots: slots.count, pageSize: pageSize)
        }
        clock += 1
        var node = Self.rootIndex
        var offset = 0   // tokens of the sequence already walked
        nodes[Int(node)].lastAccess = clock
        while offset < tokens.count {
            let rest = tokens.dropFirst(offset)
            guard let child = nodes[Int(node)].children[rest.prefix(pageSize)] else {
                addLeaf(under: node, tokens: rest, slots: slots.dropFirst(offset))
                return PrefixInsertion(alreadyCached: offset, adopted: offset..<tokens.count)
            }
            nodes[Int(child)].lastAccess = clock
            let length = matchedLength(node: child, rest)
            node = length < nodes[Int(child)].tokens.count ? split(child, at: length) : child
            offset += length
        }
        return PrefixInsertion(alreadyCached: tokens.count, adopted: tokens.count..<tokens.count)
    }

    @discardableResult
    private mutating func addLeaf(under parent: Int32, tokens: ArraySlice<Int32>, slots: ArraySlice<Int32>) -> Int32 {
        let leaf = makeNode(parent: parent, tokens: Array(tokens), slots: Array(slots), lastAccess: clock, lockCount: 0)
        nodes[Int(parent)].children[childKey(tokens)] = leaf
        evictableLeaves.remove(parent)
        evictableLeaves.insert(leaf)
        evictableTokens += tokens.count
        return leaf
    }

    /// Cuts `child`'s edge after `length` tokens: a new node takes the first part and
    /// becomes `child`'s parent. `child` keeps its index, so handles to it stay valid and
    /// still lock the whole path. Returns the new node.
    private mutating func split(_ child: Int32, at length: Int) -> Int32 {
        let old = nodes[Int(child)]
        let upper = makeNode(parent: old.parent, tokens: Array(old.tokens[..<length]), slots: Array(old.slots[..<length]),
                             lastAccess: old.lastAccess, lockCount: old.lockCount)
        let lowerTokens = Array(old.tokens[length...])
        nodes[Int(child)].tokens = lowerTokens
        nodes[Int(child)].slots = Array(old.slots[length...])
        nodes[Int(child)].parent = upper
        nodes[Int(upper)].children[childKey(lowerTokens[...])] = child
        nodes[Int(old.parent)].children[childKey(old.tokens[...])] = upper
        return upper
    }
}
