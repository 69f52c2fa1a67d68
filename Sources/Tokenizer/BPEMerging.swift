// Two implementations of the same merge order — the lowest-ranked adjacent pair first, the
// leftmost among equals — one quadratic but allocation-light for ordinary words, one
// O(n log n) for the rare huge pre-token (a 100k-letter run of CJK or a base64 blob).

enum BPEMerging {
    /// For short words: keep each adjacent pair's rank, merge the best, refresh its two neighbours.
    static func mergeByScanning(_ symbols: inout [Int32], _ merges: MergeTable) {
        let noMerge = Int32.max
        var ranks: [Int32] = []
        var results: [Int32] = []
        ranks.reserveCapacity(symbols.count - 1)
        results.reserveCapacity(symbols.count - 1)
        for index in 0..<(symbols.count - 1) {
            let merge = merges.lookup(symbols[index], symbols[index + 1])
            ranks.append(merge?.rank ?? noMerge)
            results.append(merge?.merged ?? -1)
        }
        while true {
            var best = 0
            for index in 1..<max(ranks.count, 1) where ranks[index] < ranks[best] { best = index }
            guard !ranks.isEmpty, ranks[best] != noMerge else { return }
            symbols[best] = results[best]
            symbols.remove(at: best + 1)
            ranks.remove(at: best)
            results.remove(at: best)
            for pair in [best - 1, best] where pair >= 0 && pair < ranks.count {
                let merge = merges.lookup(symbols[pair], symbols[pair + 1])
                ranks[pair] = merge?.rank ?? noMerge
                results[pair] = merge?.merged ?? -1
            }
        }
    }

    /// For long words: a doubly linked list of symbols and a heap of candidate merges keyed by
    /// (rank, position). Entries made stale by earlier merges are recognised and skipped.
    static func mergeWithHeap(_ symbols: inout [Int32], _ merges: MergeTable) {
        let count = symbols.count
        var ids = symbols
        var next = (0..<count).map { Int32($0 + 1 < count ? $0 + 1 : -1) }
        var previous = (0..<count).map { Int32($0 - 1) }
        var heap = MinHeap()
        func push(_ position: Int32) {
            let right = next[Int(position)]
            guard right >= 0, let merge = merges.lookup(ids[Int(position)], ids[Int(right)]) else { return }
            heap.push(UInt64(UInt32(merge.rank)) << 32 | UInt64(UInt32(position)))
        }
        for position in 0..<(count - 1) { push(Int32(position)) }
        while let entry = heap.pop() {
            let rank = Int32(truncatingIfNeeded: entry >> 32)
            let position = Int(UInt32(truncatingIfNeeded: entry))
            let right = Int(next[position])
            // Stale: the left symbol was absorbed, or the pair at this position has changed.
            guard ids[position] >= 0, right >= 0,
                let merge = merges.lookup(ids[position], ids[right]), merge.rank == rank
            else { continue }
            ids[position] = merge.merged
            ids[right] = -1
            next[position] = next[right]
            if next[right] >= 0 { previous[Int(next[right])] = Int32(position) }
            if previous[position] >= 0 { push(previous[position]) }
            push(Int32(position))
        }
        symbols = ids.filter { $0 >= 0 }
    }
}

/// A binary min-heap of packed (rank, position) keys.
private struct MinHeap {
    private var items: [UInt64] = []

    mutating func push(_ item: UInt64) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < items.count else { break }
            let right = left + 1
            let smaller = right < items.count && items[right] < items[left] ? right : left
            guard items[smaller] < items[parent] else { break }
            items.swapAt(smaller, parent)
            parent = smaller
        }
        return top
    }
}
