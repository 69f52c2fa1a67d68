// Page-table rows from token-slot rows (DESIGN.md §3): because the allocator keeps every
// request page-aligned, the page holding tokens kP..<(k+1)P is slot[kP] / P, and the page
// table of a request is every P-th slot of its row divided by P.

public enum PageTable {
    /// Pages that hold `tokens` tokens.
    public static func pageCount(tokens: Int, pageSize: Int) -> Int { (tokens + pageSize - 1) / pageSize }

    /// The page-table row of a request whose token slots are `tokenSlots`.
    public static func row<Slots: Collection<Int32>>(tokenSlots: Slots, pageSize: Int) -> [Int32]
    where Slots.Index == Int {
        precondition(pageSize >= 1, "PageTable: pageSize must be positive, got \(pageSize)")
        let p = Int32(pageSize)
        return stride(from: tokenSlots.startIndex, to: tokenSlots.endIndex, by: pageSize).map { tokenSlots[$0] / p }
    }

    /// Writes the page-table row of the first `tokens` slots of `tokenSlots` into `pages`;
    /// the allocation-free form for filling a step's [batch, maxPages] buffer in place.
    public static func fill(_ pages: UnsafeMutableBufferPointer<Int32>, tokenSlots: UnsafeBufferPointer<Int32>,
                            tokens: Int, pageSize: Int) {
        let count = pageCount(tokens: tokens, pageSize: pageSize)
        precondition(tokens <= tokenSlots.count, "PageTable.fill: \(tokens) tokens but \(tokenSlots.count) slots")
        precondition(count <= pages.count, "PageTable.fill: \(count) pages do not fit a row of \(pages.count)")
        let p = Int32(pageSize)
        for k in 0..<count { pages[k] = tokenSlots[k * pageSize] / p }
    }

    /// Whether the slots keep token i at offset i % P of one page per P tokens — the
    /// property that makes `row` correct.
    public static func isPageAligned<Slots: Collection<Int32>>(tokenSlots: Slots, pageSize: Int) -> Bool
    where Slots.Index == Int {
        var pageStart: Int32 = 0
        for (i, slot) in zip(0..., tokenSlots) {
            if i % pageSize == 0 {
                guard slot % Int32(pageSize) == 0 else { return false }
                pageStart = slot
            } else if slot != pageStart + Int32(i % pageSize) {
                return false
            }
        }
        return true
    }
}
