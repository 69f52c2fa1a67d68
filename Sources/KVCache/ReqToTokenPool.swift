// The request → token-slot table (DESIGN.md §4): int32 [maxRequests, maxContext]; row r,
// column i is the KV slot of token i of the request in row r. This is the host copy: the
// CPU backend reads it directly; the GPU backend mirrors the rows it writes to the device.
// Row 0 is the dummy row of padded CUDA-graph slots: it stays all zeros, i.e. slot 0, the
// reserved page, and is never handed out.

public final class ReqToTokenPool {
    public static let dummyRow = 0

    public let maxRequests: Int
    public let maxContext: Int
    /// Rows that can still be handed out.
    public var freeRowCount: Int { freeRows.count }

    private let table: UnsafeMutableBufferPointer<Int32>
    private var freeRows: [Int]
    private var rowInUse: [Bool]

    public init(maxRequests: Int, maxContext: Int) {
        precondition(maxRequests >= 2, "ReqToTokenPool: needs at least 2 rows (row 0 is reserved), got \(maxRequests)")
        precondition(maxContext >= 1, "ReqToTokenPool: maxContext must be positive, got \(maxContext)")
        self.maxRequests = maxRequests
        self.maxContext = maxContext
        table = .allocate(capacity: maxRequests * maxContext)
        table.initialize(repeating: 0)
        freeRows = (1..<maxRequests).reversed().map { $0 }
        rowInUse = Array(repeating: false, count: maxRequests)
    }

    deinit { table.deallocate() }

    /// The whole table, row-major, for uploading to the device or for the CPU backend.
    public var storage: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(table) }

    public func isInUse(row: Int) -> Bool { row >= 0 && row < maxRequests && rowInUse[row] }

    public func allocRow() throws(KVCacheError) -> Int {
        guard let row = freeRows.popLast() else { throw .outOfRequestRows(maxRequests: maxRequests) }
        rowInUse[row] = true
        return row
    }

    public func freeRow(_ row: Int) throws(KVCacheError) {
        guard isInUse(row: row) else { throw .requestRowNotInUse(row: row) }
        rowInUse[row] = false
        freeRows.append(row)
    }

    /// Writes `slots` into `row` from column `column` on.
    public func write<Slots: Collection<Int32>>(row: Int, from column: Int, slots: Slots) throws(KVCacheError) {
        precondition(isInUse(row: row), "ReqToTokenPool.write: row \(row) is not in use")
        precondition(column >= 0, "ReqToTokenPool.write: column \(column) is negative")
        guard column + slots.count <= maxContext else {
            throw .contextOverflow(tokens: column + slots.count, maxContext: maxContext)
        }
        var index = row * maxContext + column
        for slot in slots {
            table[index] = slot
            index += 1
        }
    }

    /// Slot of token `column` of `row`.
    public func slot(row: Int, column: Int) -> Int32 {
        precondition(row >= 0 && row < maxRequests, "ReqToTokenPool: row \(row) is outside 0..<\(maxRequests)")
        precondition(column >= 0 && column < maxContext, "ReqToTokenPool: column \(column) is outside 0..<\(maxContext)")
        return table[row * maxContext + column]
    }

    /// Slots of tokens `columns` of `row` (element 0 is column `columns.lowerBound`).
    public func slots(row: Int, columns: Range<Int>) -> [Int32] {
        precondition(row >= 0 && row < maxRequests, "ReqToTokenPool: row \(row) is outside 0..<\(maxRequests)")
        precondition(columns.lowerBound >= 0 && columns.upperBound <= maxContext,
                     "ReqToTokenPool: columns \(columns) are outside 0..<\(maxContext)")
        let start = row * maxContext
        return Array(table[start + columns.lowerBound..<start + columns.upperBound])
    }
}
