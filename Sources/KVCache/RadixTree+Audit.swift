// A full consistency check of the tree and its bookkeeping, for tests and debugging:
// O(nodes + cached tokens), so never on the serving path.

extension RadixTree {
    /// Every page the tree holds, in no particular order.
    func heldPages() -> [Int32] {
        var pages: [Int32] = []
        for node in nodes.dropFirst() where node.isLive {
            for k in stride(from: 0, to: node.slots.count, by: pageSize) { pages.append(node.slots[k] / Int32(pageSize)) }
        }
        return pages
    }

    /// Descriptions of every broken invariant; empty when the tree is consistent.
    func auditProblems(allocator: PageAllocator) -> [String] {
        var problems: [String] = []
        var evictable = 0, protected = 0
        var leaves: Set<Int32> = []
        for (i, node) in nodes.enumerated().dropFirst() where node.isLive {
            let index = Int32(i)
            if node.tokens.isEmpty || node.tokens.count % pageSize != 0 || node.tokens.count != node.slots.count {
                problems.append("node \(i): \(node.tokens.count) tokens, \(node.slots.count) slots, page size \(pageSize)")
            }
            if !PageTable.isPageAligned(tokenSlots: node.slots, pageSize: pageSize) {
                problems.append("node \(i): slots are not page-aligned")
            }
            let parent = Int(node.parent)
            if parent < 0 || parent >= nodes.count || !nodes[parent].isLive
                || nodes[parent].children[node.tokens.prefix(pageSize)] != index {
                problems.append("node \(i): parent \(parent) does not list it under its first page")
            }
            let childLocks = node.children.values.reduce(0) { $0 + nodes[Int($1)].lockCount }
            if node.lockCount < childLocks {
                problems.append("node \(i): lock count \(node.lockCount) below its children's \(childLocks)")
            }
            if node.lockCount == 0 { evictable += node.tokens.count } else { protected += node.tokens.count }
            if node.lockCount == 0 && node.children.isEmpty { leaves.insert(index) }
        }
        for (key, child) in nodes[0].children where nodes[Int(child)].tokens.prefix(pageSize) != key {
            problems.append("root: child \(child) filed under the wrong key")
        }
        if evictable != evictableTokens || protected != protectedTokens {
            problems.append("sizes: counted \(evictable) evictable / \(protected) protected tokens, "
                + "recorded \(evictableTokens) / \(protectedTokens)")
        }
        if leaves != evictableLeaves {
            problems.append("evictable leaves: expected \(leaves.sorted()), recorded \(evictableLeaves.sorted())")
        }
        for page in heldPages() where allocator.isFree(page: Int(page)) {
            problems.append("page \(page) is in the tree and free in the allocator")
        }
        return problems
    }
}

extension RadixTree {
    /// The slots of the longest cached whole-page prefix of `tokens`, found without
    /// splitting nodes or touching access times (so checking does not change eviction order).
    func peekPrefix(_ tokens: ArraySlice<Int32>) -> [Int32] {
        var node = Self.rootIndex
        var rest = tokens.prefix(tokens.count - tokens.count % pageSize)
        var slots: [Int32] = []
        while !rest.isEmpty, let child = nodes[Int(node)].children[rest.prefix(pageSize)] {
            let length = matchedLength(node: child, rest)
            slots.append(contentsOf: nodes[Int(child)].slots.prefix(length))
            guard length == nodes[Int(child)].tokens.count else { break }
            rest = rest.dropFirst(length)
            node = child
        }
        return slots
    }
}

extension RadixCache {
    func heldPages() -> [Int32] { tree.heldPages() }
    func auditProblems() -> [String] { tree.auditProblems(allocator: allocator) }
    func peekPrefix(_ tokens: ArraySlice<Int32>) -> [Int32] { tree.peekPrefix(tokens) }
}
