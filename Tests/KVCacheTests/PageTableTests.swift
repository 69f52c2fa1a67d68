import Testing
@testable import KVCache

@Suite struct PageTableTests {
    @Test func pageSizeOneIsTheSlotRowItself() {
        let slots: [Int32] = [7, 3, 9, 1]
        #expect(PageTable.row(tokenSlots: slots, pageSize: 1) == slots)
    }

    @Test func everyPthSlotDividedByP() {
        // Pages 5, 2, 9 of 4 slots; the last page is partial (2 tokens).
        let slots: [Int32] = [20, 21, 22, 23, 8, 9, 10, 11, 36, 37]
        #expect(PageTable.row(tokenSlots: slots, pageSize: 4) == [5, 2, 9])
        #expect(PageTable.row(tokenSlots: slots[..<8], pageSize: 4) == [5, 2])
        #expect(PageTable.row(tokenSlots: slots[4...], pageSize: 4) == [2, 9])
        #expect(PageTable.pageCount(tokens: 10, pageSize: 4) == 3)
        #expect(PageTable.row(tokenSlots: [Int32](), pageSize: 16) == [])
    }

    @Test func fillWritesTheSameRowInPlace() {
        // Pages 3, 1 and 6 of 16 slots; one token on the last.
        let paged: [Int32] = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
                              16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 96]
        var out = [Int32](repeating: -7, count: 4)
        out.withUnsafeMutableBufferPointer { o in
            paged.withUnsafeBufferPointer { s in PageTable.fill(o, tokenSlots: s, tokens: 33, pageSize: 16) }
        }
        #expect(out == [3, 1, 6, -7])
        #expect(PageTable.row(tokenSlots: paged, pageSize: 16) == [3, 1, 6])
        #expect(PageTable.isPageAligned(tokenSlots: paged, pageSize: 16))
    }

    @Test func alignmentCheckCatchesEveryBreak() {
        #expect(PageTable.isPageAligned(tokenSlots: [8, 9, 10, 4, 5], pageSize: 4) == false)   // page of 3 tokens
        #expect(PageTable.isPageAligned(tokenSlots: [9, 10], pageSize: 4) == false)            // starts mid-page
        #expect(PageTable.isPageAligned(tokenSlots: [8, 9, 11], pageSize: 4) == false)         // skips a slot
        #expect(PageTable.isPageAligned(tokenSlots: [8, 9, 10, 11, 4], pageSize: 4))
        #expect(PageTable.isPageAligned(tokenSlots: [5, 2, 9], pageSize: 1))
    }
}
