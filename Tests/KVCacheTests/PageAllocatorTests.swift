import Testing
@testable import KVCache

@Suite struct PageAllocatorTests {
    @Test func extendFillsThePartialLastPageFirst() throws {
        let allocator = PageAllocator(numPages: 8, pageSize: 4)
        let first = try allocator.allocExtend(existingTokens: 0, lastSlot: nil, newTokens: 6)
        #expect(first == [4, 5, 6, 7, 8, 9])           // pages 1 and 2, the second half full
        let more = try allocator.allocExtend(existingTokens: 6, lastSlot: 9, newTokens: 5)
        #expect(more == [10, 11, 12, 13, 14])           // rest of page 2, then page 3
        #expect(allocator.usedPageCount == 3 && allocator.freePageCount == 4)
        #expect(PageTable.isPageAligned(tokenSlots: first + more, pageSize: 4))
    }

    @Test func decodeTakesAFreshPageOnlyAtAPageBoundary() throws {
        let allocator = PageAllocator(numPages: 4, pageSize: 2)
        let a = try allocator.allocDecode(existingTokens: 0, lastSlot: nil)
        let b = try allocator.allocDecode(existingTokens: 1, lastSlot: a)
        let c = try allocator.allocDecode(existingTokens: 2, lastSlot: b)
        #expect([a, b, c] == [2, 3, 4])
        #expect(allocator.usedPageCount == 2)
    }

    @Test func batchExtendIsAllOrNothing() throws {
        let allocator = PageAllocator(numPages: 4, pageSize: 16)   // 3 usable pages
        let batch = [PageAllocator.Extension(existingTokens: 0, lastSlot: nil, newTokens: 20),
                     PageAllocator.Extension(existingTokens: 0, lastSlot: nil, newTokens: 17)]
        #expect(throws: KVCacheError.outOfPages(needed: 4, free: 3)) { try allocator.allocExtend(batch) }
        #expect(allocator.freePageCount == 3)
        let slots = try allocator.allocExtend([batch[0], .init(existingTokens: 0, lastSlot: nil, newTokens: 16)])
        #expect(slots.count == 36 && allocator.freePageCount == 0)
        #expect(throws: KVCacheError.outOfPages(needed: 1, free: 0)) {
            try allocator.allocDecode(existingTokens: 16, lastSlot: slots[35])
        }
    }

    @Test func pageZeroIsNeverHandedOutOrFreed() throws {
        let allocator = PageAllocator(numPages: 5, pageSize: 1)
        var slots: [Int32] = []
        while let slot = try? allocator.allocDecode(existingTokens: 0, lastSlot: nil) { slots.append(slot) }
        #expect(slots.sorted() == [1, 2, 3, 4])
        #expect(!allocator.isFree(page: 0))
        #expect(throws: KVCacheError.reservedPage) { try allocator.free(pages: [0]) }
        #expect(throws: KVCacheError.reservedPage) { try allocator.free(slots: [0]) }
    }

    @Test func doubleFreeIsRejectedAndChangesNothing() throws {
        let allocator = PageAllocator(numPages: 6, pageSize: 8)
        let slots = try allocator.allocExtend(existingTokens: 0, lastSlot: nil, newTokens: 24)
        try allocator.free(pages: [1])
        #expect(throws: KVCacheError.doubleFree(page: 1)) { try allocator.free(pages: [2, 1]) }
        #expect(!allocator.isFree(page: 2), "a failed free must not free the pages before the bad one")
        #expect(throws: KVCacheError.doubleFree(page: 3)) { try allocator.free(pages: [3, 3]) }
        // Slots of one page free it once; the allocator gets back exactly the request's pages.
        try allocator.free(slots: slots[8...])
        #expect(allocator.freePageCount == 5)
        #expect(throws: KVCacheError.doubleFree(page: 2)) { try allocator.free(slots: [16]) }
        #expect(throws: KVCacheError.pageOutOfRange(page: 9, numPages: 6)) { try allocator.free(pages: [9]) }
    }

    @Test func aRepeatedSlotIsADoubleFreeWhenPagesAreSlots() throws {
        let allocator = PageAllocator(numPages: 4, pageSize: 1)
        let slots = try allocator.allocExtend(existingTokens: 0, lastSlot: nil, newTokens: 2)
        #expect(throws: KVCacheError.doubleFree(page: Int(slots[0]))) { try allocator.free(slots: [slots[0], slots[0]]) }
        #expect(allocator.freePageCount == 1)
    }

    @Test func extendRejectsALastSlotThatDoesNotContinueTheRequest() throws {
        let allocator = PageAllocator(numPages: 4, pageSize: 4)
        let slots = try allocator.allocExtend(existingTokens: 0, lastSlot: nil, newTokens: 3)   // 4, 5, 6
        // Wrong offset in the page, a free page, no last slot, page 0.
        for bad: Int32? in [5, 12, nil, 2] {
            #expect(throws: KVCacheError.self) { try allocator.allocExtend(existingTokens: 3, lastSlot: bad, newTokens: 1) }
        }
        #expect(try allocator.allocDecode(existingTokens: 3, lastSlot: slots[2]) == 7)
        #expect(allocator.usedPageCount == 1)
    }

    @Test func pagesNeededCountsOnlyFreshPages() {
        let allocator = PageAllocator(numPages: 2, pageSize: 16)
        #expect(allocator.pagesNeeded(existingTokens: 0, newTokens: 0) == 0)
        #expect(allocator.pagesNeeded(existingTokens: 0, newTokens: 1) == 1)
        #expect(allocator.pagesNeeded(existingTokens: 15, newTokens: 1) == 0)
        #expect(allocator.pagesNeeded(existingTokens: 16, newTokens: 1) == 1)
        #expect(allocator.pagesNeeded(existingTokens: 10, newTokens: 40) == 3)
    }
}
