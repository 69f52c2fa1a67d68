import Testing
@testable import KVCache

@Suite struct KVCacheManagerTests {
    static func manager(pageSize: Int, numPages: Int = 16, radix: Bool = true) -> KVCacheManager {
        let allocator = PageAllocator(numPages: numPages, pageSize: pageSize)
        let cache: any PrefixCache = radix ? RadixCache(allocator: allocator) : NoPrefixCache(pageSize: pageSize)
        return KVCacheManager(tokenTable: ReqToTokenPool(maxRequests: 4, maxContext: 64),
                              allocator: allocator, prefixCache: cache)
    }

    @Test func aSecondRequestReusesTheFirstOnesWholePages() throws {
        let m = Self.manager(pageSize: 4)
        let prompt: [Int32] = Array(100..<110)                  // 10 tokens: 2 whole pages + 2
        var first = try m.admit(prompt: prompt[...])
        #expect(first.length == 0 && first.row != ReqToTokenPool.dummyRow)
        let slots = try m.extend(&first, newTokens: 10)
        #expect(m.allocator.usedPageCount == 3)
        try m.finish(first, tokens: prompt[...])
        // Pages 1–2 are cached; the partial third page went back to the allocator.
        #expect(m.prefixCache.evictablePages == 2 && m.allocator.usedPageCount == 2)

        var second = try m.admit(prompt: prompt[...] + [7, 7])
        #expect(second.cachedLength == 8 && second.length == 8)
        #expect(m.tokenTable.slots(row: second.row, columns: 0..<8) == Array(slots[..<8]))
        #expect(m.prefixCache.protectedPages == 2)
        let more = try m.extend(&second, newTokens: 4)
        #expect(PageTable.isPageAligned(tokenSlots: m.tokenTable.slots(row: second.row, columns: 0..<12), pageSize: 4))
        #expect(more.count == 4)
        try m.finish(second, tokens: prompt[...] + [7, 7])
        #expect(m.prefixCache.protectedPages == 0 && m.prefixCache.evictablePages == 3)
        #expect(m.tokenTable.freeRowCount == 3)
    }

    @Test func admissionLeavesTheLastPromptTokenToCompute() throws {
        let m = Self.manager(pageSize: 1)
        let prompt: [Int32] = [1, 2, 3]
        var a = try m.admit(prompt: prompt[...])
        _ = try m.extend(&a, newTokens: 3)
        try m.finish(a, tokens: prompt[...])
        let b = try m.admit(prompt: prompt[...])
        #expect(b.length == 2)
        try m.abort(b)
    }

    @Test func aChunkIsCachedWhileItsRequestRunsAndDuplicatesAreFreed() throws {
        let m = Self.manager(pageSize: 2)
        let tokens: [Int32] = [1, 2, 3, 4, 5]
        var a = try m.admit(prompt: tokens[...]), b = try m.admit(prompt: tokens[...])
        _ = try m.extend(&a, newTokens: 5)
        _ = try m.extend(&b, newTokens: 5)                        // computed the same tokens again
        try m.cacheChunk(&a, tokens: tokens[...])
        #expect(a.cachedLength == 4 && m.prefixCache.protectedPages == 2)
        let used = m.allocator.usedPageCount
        try m.cacheChunk(&b, tokens: tokens[...])
        // b's two whole pages were duplicates: freed, and its row now reads a's slots.
        #expect(m.allocator.usedPageCount == used - 2)
        #expect(m.tokenTable.slots(row: b.row, columns: 0..<4) == m.tokenTable.slots(row: a.row, columns: 0..<4))
        #expect(m.tokenTable.slots(row: b.row, columns: 4..<5) != m.tokenTable.slots(row: a.row, columns: 4..<5))
        // Its partial page stays its own and keeps growing in place.
        let next = try m.extend(&b, newTokens: 1)
        #expect(next[0] == m.tokenTable.slots(row: b.row, columns: 4..<5)[0] + 1)
        try m.finish(a, tokens: tokens[...])
        try m.finish(b, tokens: tokens[...] + [6])
        #expect(m.prefixCache.protectedPages == 0)
        #expect(m.allocator.usedPageCount == m.prefixCache.evictablePages)
    }

    @Test func extendEvictsCachedPagesBeforeGivingUp() throws {
        let m = Self.manager(pageSize: 4, numPages: 5)                // 4 usable pages
        let old: [Int32] = Array(0..<12)
        var a = try m.admit(prompt: old[...])
        _ = try m.extend(&a, newTokens: 12)
        try m.finish(a, tokens: old[...])
        #expect(m.allocator.freePageCount == 1 && m.availablePages == 4)
        var b = try m.admit(prompt: [50])
        _ = try m.extend(&b, newTokens: 16)                            // needs 3 evicted pages
        #expect(m.prefixCache.evictablePages == 0)
        #expect(throws: KVCacheError.outOfPages(needed: 1, free: 0)) { try m.extend(&b, newTokens: 1) }
        #expect(b.length == 16)
        try m.abort(b)
        #expect(m.allocator.freePageCount == 4)
    }

    @Test func aDisabledPrefixCacheFreesEverythingAtFinish() throws {
        let m = Self.manager(pageSize: 4, radix: false)
        let prompt: [Int32] = Array(0..<9)
        var a = try m.admit(prompt: prompt[...])
        _ = try m.extend(&a, newTokens: 9)
        try m.cacheChunk(&a, tokens: prompt[...])
        #expect(a.cachedLength == 0)
        try m.finish(a, tokens: prompt[...])
        #expect(m.allocator.freePageCount == m.allocator.capacityPages)
        #expect(try m.admit(prompt: prompt[...]).length == 0)
    }

    @Test func misuseIsReportedNotAbsorbed() throws {
        let m = Self.manager(pageSize: 1)
        var a = try m.admit(prompt: [1, 2])
        _ = try m.extend(&a, newTokens: 2)
        try m.finish(a, tokens: [1, 2])
        #expect(throws: KVCacheError.requestRowNotInUse(row: a.row)) { try m.finish(a, tokens: [1, 2]) }
        #expect(throws: KVCacheError.requestRowNotInUse(row: a.row)) { try m.extend(&a, newTokens: 1) }
        #expect(m.prefixCache.evictablePages == 2 && m.allocator.usedPageCount == 2)
        var b = try m.admit(prompt: [9])
        #expect(throws: KVCacheError.contextOverflow(tokens: 65, maxContext: 64)) { try m.extend(&b, newTokens: 65) }
        #expect(throws: KVCacheError.contextOverflow(tokens: 65, maxContext: 64)) {
            try m.admit(prompt: [Int32](repeating: 1, count: 65)[...])
        }
    }
}
