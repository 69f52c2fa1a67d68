// Lock counts on the path of every running request: a locked node and its ancestors are
// protected from eviction. Each lock adds one to every node from the locked node up to
// the root, so a parent's count is at least the sum of its children's.

extension RadixTree {
    mutating func lock(_ handle: PrefixNodeHandle) throws(KVCacheError) {
        var node = try resolve(handle)
        while node != Self.rootIndex {
            if nodes[Int(node)].lockCount == 0 {
                let length = nodes[Int(node)].tokens.count
                evictableTokens -= length
                protectedTokens += length
                evictableLeaves.remove(node)
            }
            nodes[Int(node)].lockCount += 1
            node = nodes[Int(node)].parent
        }
    }

    mutating func unlock(_ handle: PrefixNodeHandle) throws(KVCacheError) {
        var node = try resolve(handle)
        // Ancestors count at least as many locks as the node, so checking it checks the path.
        guard node == Self.rootIndex || nodes[Int(node)].lockCount > 0 else { throw .unlockBelowZero }
        while node != Self.rootIndex {
            nodes[Int(node)].lockCount -= 1
            if nodes[Int(node)].lockCount == 0 {
                let length = nodes[Int(node)].tokens.count
                evictableTokens += length
                protectedTokens -= length
                if nodes[Int(node)].children.isEmpty { evictableLeaves.insert(node) }
            }
            node = nodes[Int(node)].parent
        }
    }
}
