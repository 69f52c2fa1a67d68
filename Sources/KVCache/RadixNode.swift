// Storage of the radix tree: nodes live in one array and refer to each other by index,
// so a handle is a plain (index, generation) value and no reference counting happens on
// the match path. An evicted node's index is reused under a new generation.

/// One edge of the tree: a run of whole pages of tokens and the KV slots that hold them.
struct RadixNode {
    var parent: Int32
    /// Children by the tokens of their first page (the first token when P == 1); two
    /// children never share a first page, so at most one can continue a given sequence.
    var children: [ArraySlice<Int32>: Int32] = [:]
    var tokens: [Int32]
    var slots: [Int32]
    /// How many running requests hold a lock on this node or on a node below it.
    var lockCount = 0
    var lastAccess: UInt64
    var generation: UInt32
    var isLive = true
}

/// An evictable leaf, ordered least recently used first (ties by index, for determinism).
struct EvictionCandidate: Comparable {
    var lastAccess: UInt64
    var index: Int32

    static func < (a: Self, b: Self) -> Bool {
        (a.lastAccess, a.index) < (b.lastAccess, b.index)
    }
}

extension RadixTree {
    static let rootIndex: Int32 = 0

    /// The key under which a node whose tokens start with `tokens` hangs from its parent.
    /// Copied into its own small array so the key does not keep a large token array alive.
    func childKey(_ tokens: ArraySlice<Int32>) -> ArraySlice<Int32> {
        ArraySlice(Array(tokens.prefix(pageSize)))
    }

    mutating func makeNode(parent: Int32, tokens: [Int32], slots: [Int32], lastAccess: UInt64, lockCount: Int) -> Int32 {
        if let index = freeNodeIndices.popLast() {
            let generation = nodes[Int(index)].generation &+ 1
            nodes[Int(index)] = RadixNode(parent: parent, tokens: tokens, slots: slots, lockCount: lockCount,
                                          lastAccess: lastAccess, generation: generation)
            return index
        }
        nodes.append(RadixNode(parent: parent, tokens: tokens, slots: slots, lockCount: lockCount,
                               lastAccess: lastAccess, generation: 0))
        return Int32(nodes.count - 1)
    }

    mutating func releaseNode(_ index: Int32) {
        nodes[Int(index)].isLive = false
        nodes[Int(index)].children = [:]
        nodes[Int(index)].tokens = []
        nodes[Int(index)].slots = []
        freeNodeIndices.append(index)
    }

    func handle(_ index: Int32) -> PrefixNodeHandle {
        PrefixNodeHandle(index: index, generation: nodes[Int(index)].generation)
    }

    /// The node of a live handle.
    func resolve(_ handle: PrefixNodeHandle) throws(KVCacheError) -> Int32 {
        let i = Int(handle.index)
        guard i >= 0, i < nodes.count, nodes[i].isLive, nodes[i].generation == handle.generation else {
            throw .staleNodeHandle
        }
        return handle.index
    }

    /// Length of the common prefix of a node's tokens and `tokens`, in whole pages.
    func matchedLength(node: Int32, _ tokens: ArraySlice<Int32>) -> Int {
        let common = nodes[Int(node)].tokens.withUnsafeBufferPointer { edge in
            tokens.withUnsafeBufferPointer { query in
                let limit = min(edge.count, query.count)
                var i = 0
                while i < limit && edge[i] == query[i] { i += 1 }
                return i
            }
        }
        return common - common % pageSize
    }
}
