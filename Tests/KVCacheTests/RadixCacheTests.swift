import Testing
@testable import KVCache

@Suite struct RadixCacheTests {
    /// A cache over a fresh allocator, plus a helper that allocates slots for a sequence.
    final class Fixture {
        let allocator: PageAllocator
        let cache: RadixCache
        init(pageSize: Int, numPages: Int = 64) {
            allocator = PageAllocator(numPages: numPages, pageSize: pageSize)
            cache = RadixCache(allocator: allocator)
        }
        func slots(_ count: Int) throws -> [Int32] {
            try allocator.allocExtend(existingTokens: 0, lastSlot: nil, newTokens: count)
        }
        /// Inserts a sequence computed into fresh slots and, as a request would, frees its
        /// duplicates of what was cached already.
        @discardableResult
        func insert(_ tokens: [Int32]) throws -> (slots: [Int32], insertion: PrefixInsertion) {
            let slots = try slots(tokens.count)
            let insertion = try cache.insert(tokens: tokens[...], slots: slots[...])
            try allocator.free(slots: slots[..<insertion.alreadyCached])
            return (slots, insertion)
        }
    }

    @Test func emptyCacheMatchesNothing() {
        let f = Fixture(pageSize: 1)
        let match = f.cache.match([1, 2, 3])
        #expect(match.length == 0 && match.node == .root)
        #expect(f.cache.cachedPages == 0)
    }

    @Test func matchReturnsTheSlotsOfTheLongestCachedPrefixAndSplits() throws {
        let f = Fixture(pageSize: 1)
        let (slots, insertion) = try f.insert([1, 2, 3, 4, 5])
        #expect(insertion == PrefixInsertion(alreadyCached: 0, adopted: 0..<5))
        let match = f.cache.match([1, 2, 3, 9])
        #expect(match.slots == Array(slots[..<3]))
        // The edge was split where the match ended: the match's node holds exactly 3 tokens.
        #expect(f.cache.tree.nodes[Int(match.node.index)].tokens == [1, 2, 3])
        #expect(f.cache.match([1, 2, 3, 4, 5, 6]).slots == slots)
        #expect(f.cache.auditProblems() == [])
    }

    @Test func insertReportsWhatWasAlreadyCachedAndAdoptsTheRest() throws {
        let f = Fixture(pageSize: 1)
        let (first, _) = try f.insert([1, 2, 3])
        let (second, insertion) = try f.insert([1, 2, 7, 8])
        #expect(insertion == PrefixInsertion(alreadyCached: 2, adopted: 2..<4))
        #expect(f.cache.match([1, 2, 7, 8]).slots == Array(first[..<2]) + Array(second[2...]))
        // The caller's duplicates of tokens 1, 2 were not adopted (the fixture freed them).
        #expect(f.allocator.isFree(page: Int(second[0])) && f.allocator.isFree(page: Int(second[1])))
        let (_, again) = try f.insert([1, 2, 3])
        #expect(again == PrefixInsertion(alreadyCached: 3, adopted: 3..<3))
        #expect(f.cache.cachedPages == 5)
    }

    @Test func pagedMatchingIsPageGranular() throws {
        let f = Fixture(pageSize: 4)
        let tokens: [Int32] = Array(0..<12)
        let (slots, _) = try f.insert(tokens)
        // 10 shared tokens are 2 whole pages; the third page differs in its last token.
        #expect(f.cache.match(tokens[..<10] + [99, 99]).slots == Array(slots[..<8]))
        // A query shorter than a page, or differing inside the first page, matches nothing.
        #expect(f.cache.match([0, 1, 2]).length == 0)
        #expect(f.cache.match([0, 1, 2, 9, 4, 5, 6, 7]).length == 0)
        #expect(f.cache.match(tokens[...]).slots == slots)
        // Two sequences sharing a first token but not a first page are siblings.
        let (other, insertion) = try f.insert([0, 1, 2, 9, 4, 5, 6, 7])
        #expect(insertion.alreadyCached == 0)
        #expect(f.cache.match([0, 1, 2, 9, 4, 5, 6, 7]).slots == other)
        #expect(f.cache.auditProblems() == [])
    }

    @Test func insertRejectsPartialPagesAndMismatchedSlots() throws {
        let f = Fixture(pageSize: 4)
        #expect(throws: KVCacheError.unalignedInsert(tokens: 6, slots: 6, pageSize: 4)) {
            try f.cache.insert(tokens: [1, 2, 3, 4, 5, 6], slots: [4, 5, 6, 7, 8, 9])
        }
        #expect(throws: KVCacheError.unalignedInsert(tokens: 4, slots: 3, pageSize: 4)) {
            try f.cache.insert(tokens: [1, 2, 3, 4], slots: [4, 5, 6])
        }
        #expect(f.cache.cachedPages == 0)
    }

    @Test func lockingProtectsThePathAndCountsSizes() throws {
        let f = Fixture(pageSize: 2)
        try f.insert([1, 2, 3, 4, 5, 6])
        try f.insert([1, 2, 7, 8])
        let match = f.cache.match([1, 2, 3, 4, 9, 9])   // splits [3,4,5,6] after [3,4]
        try f.cache.lock(match.node)
        #expect(f.cache.protectedPages == 2 && f.cache.evictablePages == 2)
        #expect(f.cache.evict(pages: 10) == 2)           // only [5,6] and [7,8] may go
        #expect(f.cache.match([1, 2, 3, 4]).length == 4)
        #expect(f.cache.evictablePages == 0 && f.cache.protectedPages == 2)
        try f.cache.unlock(match.node)
        #expect(f.cache.evictablePages == 2 && f.cache.protectedPages == 0)
        #expect(f.cache.evict(pages: 10) == 2)
        #expect(f.allocator.freePageCount == f.allocator.capacityPages)
        #expect(f.cache.auditProblems() == [])
    }

    @Test func unlockBelowZeroAndStaleHandlesAreErrors() throws {
        let f = Fixture(pageSize: 1)
        try f.insert([5, 6])
        let node = f.cache.match([5, 6]).node
        try f.cache.lock(node)
        try f.cache.unlock(node)
        #expect(throws: KVCacheError.unlockBelowZero) { try f.cache.unlock(node) }
        #expect(f.cache.evictablePages == 2 && f.cache.protectedPages == 0)
        #expect(f.cache.evict(pages: 2) == 2)
        #expect(throws: KVCacheError.staleNodeHandle) { try f.cache.lock(node) }
        // The index is reused by a later node, under a new generation.
        try f.insert([7])
        #expect(throws: KVCacheError.staleNodeHandle) { try f.cache.unlock(node) }
        try f.cache.lock(.root)
        try f.cache.unlock(.root)
    }

    @Test func evictionTakesLeastRecentlyUsedLeavesFirst() throws {
        let f = Fixture(pageSize: 1)
        let (a, _) = try f.insert([1, 1])
        let (b, _) = try f.insert([2, 2])
        try f.insert([3, 3])
        _ = f.cache.match([1, 1])           // [1,1] is now more recent than [2,2] and [3,3]
        #expect(f.cache.evict(pages: 3) == 4)   // [2,2] then [3,3]: whole leaves
        #expect(f.cache.match([1, 1]).slots == a)
        #expect(f.cache.match([2, 2]).length == 0)
        #expect(f.allocator.isFree(page: Int(b[0])))
        // A parent left childless becomes a leaf and can go too.
        try f.insert([1, 1, 4])
        _ = f.cache.match([1, 1])
        #expect(f.cache.evict(pages: 3) == 3)
        #expect(f.cache.cachedPages == 0 && f.cache.auditProblems() == [])
    }

    @Test func noPrefixCacheKeepsNothing() throws {
        let cache = NoPrefixCache(pageSize: 16)
        let tokens = [Int32](repeating: 3, count: 32), slots = [Int32](16..<48)
        #expect(try cache.insert(tokens: tokens[...], slots: slots[...]) == PrefixInsertion(alreadyCached: 0, adopted: 0..<0))
        #expect(cache.match(tokens[...]) == PrefixMatch(slots: [], node: .root))
        #expect(throws: KVCacheError.unalignedInsert(tokens: 3, slots: 3, pageSize: 16)) {
            try cache.insert(tokens: [1, 2, 3], slots: [16, 17, 18])
        }
        try cache.lock(.root)
        #expect(cache.evict(pages: 5) == 0 && cache.evictablePages == 0 && cache.protectedPages == 0)
    }
}
