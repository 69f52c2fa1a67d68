// Eviction: least recently used unlocked leaves first. Removing a leaf may turn its parent
// into an evictable leaf, which then competes by its own last access time. The heap is
// built per call from the evictable leaves kept up to date by insert, lock and unlock
// (O(leaves) to heapify), so nothing is paid for eviction order between evictions.

import HeapModule

extension RadixTree {
    mutating func evict(pages: Int, into allocator: PageAllocator) -> Int {
        guard pages > 0 else { return 0 }
        var heap = Heap(evictableLeaves.map { EvictionCandidate(lastAccess: nodes[Int($0)].lastAccess, index: $0) })
        var freed = 0
        while freed < pages, let victim = heap.popMin() {
            let leaf = victim.index
            let parent = nodes[Int(leaf)].parent
            freed += removeLeaf(leaf, into: allocator)
            if parent != Self.rootIndex && nodes[Int(parent)].children.isEmpty && nodes[Int(parent)].lockCount == 0 {
                evictableLeaves.insert(parent)
                heap.insert(EvictionCandidate(lastAccess: nodes[Int(parent)].lastAccess, index: parent))
            }
        }
        return freed
    }

    /// Returns an unlocked leaf's pages to the allocator and drops it; returns the pages freed.
    private mutating func removeLeaf(_ leaf: Int32, into allocator: PageAllocator) -> Int {
        let node = nodes[Int(leaf)]
        precondition(node.lockCount == 0 && node.children.isEmpty, "RadixCache: evicting node \(leaf), which is locked or not a leaf")
        let pages = stride(from: 0, to: node.slots.count, by: pageSize).map { node.slots[$0] / Int32(pageSize) }
        do {
            try allocator.free(pages: pages)
        } catch {
            // The cache owns these pages; the allocator holding one free means it was freed
            // behind the cache's back. Going on would hand one page to two owners.
            preconditionFailure("RadixCache: evicting node \(leaf) failed: \(error)")
        }
        nodes[Int(node.parent)].children[node.tokens.prefix(pageSize)] = nil
        evictableLeaves.remove(leaf)
        evictableTokens -= node.tokens.count
        releaseNode(leaf)
        return pages.count
    }
}
