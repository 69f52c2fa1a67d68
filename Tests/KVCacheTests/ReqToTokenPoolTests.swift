import Testing
@testable import KVCache

@Suite struct ReqToTokenPoolTests {
    @Test func rowZeroIsTheReservedDummyRowOfSlotZero() throws {
        let pool = ReqToTokenPool(maxRequests: 4, maxContext: 8)
        var rows: [Int] = []
        while let row = try? pool.allocRow() { rows.append(row) }
        #expect(rows.sorted() == [1, 2, 3])
        #expect(throws: KVCacheError.outOfRequestRows(maxRequests: 4)) { try pool.allocRow() }
        for row in rows { try pool.write(row: row, from: 0, slots: Array(repeating: 7, count: 8)) }
        // Padded graph rows read row 0: every column is slot 0, the reserved page.
        #expect(pool.slots(row: ReqToTokenPool.dummyRow, columns: 0..<8).allSatisfy { $0 == 0 })
        #expect(pool.storage.prefix(8).allSatisfy { $0 == 0 })
        #expect(throws: KVCacheError.requestRowNotInUse(row: 0)) { try pool.freeRow(0) }
    }

    @Test func rowsAreHandedOutAndReturnedOnce() throws {
        let pool = ReqToTokenPool(maxRequests: 3, maxContext: 4)
        let row = try pool.allocRow()
        try pool.write(row: row, from: 1, slots: [10, 11, 12])
        #expect(pool.slots(row: row, columns: 0..<4) == [0, 10, 11, 12])
        #expect(pool.slots(row: row, columns: 2..<4) == [11, 12] && pool.slot(row: row, column: 3) == 12)
        #expect(pool.storage[row * 4 + 3] == 12)
        try pool.freeRow(row)
        #expect(throws: KVCacheError.requestRowNotInUse(row: row)) { try pool.freeRow(row) }
        #expect(throws: KVCacheError.requestRowNotInUse(row: 9)) { try pool.freeRow(9) }
        #expect(pool.freeRowCount == 2)
    }

    @Test func theDummyRowCannotBeWritten() async {
        await #expect(processExitsWith: .failure) {
            let pool = ReqToTokenPool(maxRequests: 2, maxContext: 4)
            try? pool.write(row: ReqToTokenPool.dummyRow, from: 0, slots: [5])
        }
    }

    @Test func writesPastTheContextAreRejected() throws {
        let pool = ReqToTokenPool(maxRequests: 2, maxContext: 4)
        let row = try pool.allocRow()
        #expect(throws: KVCacheError.contextOverflow(tokens: 5, maxContext: 4)) {
            try pool.write(row: row, from: 3, slots: [1, 2])
        }
    }
}
