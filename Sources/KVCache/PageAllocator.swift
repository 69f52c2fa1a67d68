// The page allocator (DESIGN.md §4): hands out pages of `pageSize` token slots and keeps
// every request page-aligned — token i of a request sits at offset i % P of its page — so
// the page table is every P-th slot divided by P. Page 0 (slot 0 when P == 1) is never
// handed out: it is the write target of padded CUDA-graph slots.

public final class PageAllocator {
    /// One request's growth in an `allocExtend` batch.
    public struct Extension: Sendable, Equatable {
        /// Tokens the request already holds slots for.
        public var existingTokens: Int
        /// Slot of its last token (nil when it holds none); the partial page continues from here.
        public var lastSlot: Int32?
        /// New tokens to give slots to.
        public var newTokens: Int

        public init(existingTokens: Int, lastSlot: Int32?, newTokens: Int) {
            self.existingTokens = existingTokens
            self.lastSlot = lastSlot
            self.newTokens = newTokens
        }
    }

    public let pageSize: Int
    /// Pages in the pool, the reserved page 0 included.
    public let numPages: Int
    /// Pages that can ever be handed out (all but page 0).
    public var capacityPages: Int { numPages - 1 }
    public var freePageCount: Int { freeList.count }
    public var usedPageCount: Int { capacityPages - freeList.count }

    private var freeList: FreePageList

    public init(numPages: Int, pageSize: Int) {
        precondition(numPages >= 2, "PageAllocator: needs at least 2 pages (page 0 is reserved), got \(numPages)")
        precondition(pageSize >= 1, "PageAllocator: pageSize must be positive, got \(pageSize)")
        precondition(numPages * pageSize <= Int(Int32.max), "PageAllocator: \(numPages) pages of \(pageSize) overflow int32 slots")
        self.numPages = numPages
        self.pageSize = pageSize
        freeList = FreePageList(numPages: numPages)
    }

    public convenience init(shape: KVPoolShape) {
        self.init(numPages: shape.numPages, pageSize: shape.pageSize)
    }

    public func isFree(page: Int) -> Bool { freeList.isFree(page) }

    /// Fresh pages a request of `existingTokens` tokens needs to grow by `newTokens`.
    public func pagesNeeded(existingTokens: Int, newTokens: Int) -> Int {
        pagesHolding(existingTokens + newTokens) - pagesHolding(existingTokens)
    }

    /// Pages that hold `tokens` page-aligned tokens.
    public func pagesHolding(_ tokens: Int) -> Int { (tokens + pageSize - 1) / pageSize }

    /// Slots for a batch of extensions, concatenated in batch order. Each request first
    /// fills the rest of its partial last page, then takes fresh pages. All or nothing:
    /// when the free pages do not cover the whole batch, nothing is allocated.
    public func allocExtend(_ batch: [Extension]) throws(KVCacheError) -> [Int32] {
        var needed = 0, totalTokens = 0
        for request in batch {
            try checkContinuation(existingTokens: request.existingTokens, lastSlot: request.lastSlot)
            precondition(request.newTokens >= 0, "PageAllocator.allocExtend: newTokens is \(request.newTokens)")
            needed += pagesNeeded(existingTokens: request.existingTokens, newTokens: request.newTokens)
            totalTokens += request.newTokens
        }
        guard needed <= freeList.count else { throw .outOfPages(needed: needed, free: freeList.count) }
        var slots: [Int32] = []
        slots.reserveCapacity(totalTokens)
        for request in batch {
            appendSlots(to: &slots, existingTokens: request.existingTokens,
                        lastSlot: request.lastSlot, newTokens: request.newTokens)
        }
        return slots
    }

    /// Slots for `newTokens` more tokens of one request.
    public func allocExtend(existingTokens: Int, lastSlot: Int32?, newTokens: Int) throws(KVCacheError) -> [Int32] {
        try allocExtend([Extension(existingTokens: existingTokens, lastSlot: lastSlot, newTokens: newTokens)])
    }

    /// One slot for the next token of one request: the next slot of its page, or a fresh page.
    public func allocDecode(existingTokens: Int, lastSlot: Int32?) throws(KVCacheError) -> Int32 {
        try checkContinuation(existingTokens: existingTokens, lastSlot: lastSlot)
        if existingTokens % pageSize != 0, let lastSlot { return lastSlot + 1 }
        guard let page = freeList.take() else { throw .outOfPages(needed: 1, free: 0) }
        return page * Int32(pageSize)
    }

    /// Returns pages to the pool. Checks every page first, so a bad page frees nothing.
    public func free<Pages: Sequence<Int32>>(pages: Pages) throws(KVCacheError) {
        try freeList.release(pages, repeatsAllowed: false)
    }

    /// Frees the pages that hold these slots; several slots of one page free it once.
    /// (With P == 1 a slot is a page, so a repeated slot is a double free.)
    public func free<Slots: Collection<Int32>>(slots: Slots) throws(KVCacheError) {
        let p = Int32(pageSize)
        for slot in slots where slot < 0 { throw .pageOutOfRange(page: Int(slot), numPages: numPages) }
        try freeList.release(slots.lazy.map { $0 / p }, repeatsAllowed: pageSize > 1)
    }

    // A request that ends inside a page must name a last slot at the matching offset of a
    // page it holds; otherwise filling "the rest of its page" would write into someone else's.
    private func checkContinuation(existingTokens: Int, lastSlot: Int32?) throws(KVCacheError) {
        precondition(existingTokens >= 0, "PageAllocator: existingTokens is \(existingTokens)")
        guard existingTokens % pageSize != 0 else { return }
        guard let lastSlot else { throw .misalignedRequest(existingTokens: existingTokens, lastSlot: -1, pageSize: pageSize) }
        let page = lastSlot < 0 ? -1 : Int(lastSlot) / pageSize
        guard page >= 1, page < numPages, Int(lastSlot) % pageSize == (existingTokens - 1) % pageSize,
              !freeList.isFree(page) else {
            throw .misalignedRequest(existingTokens: existingTokens, lastSlot: lastSlot, pageSize: pageSize)
        }
    }

    private func appendSlots(to slots: inout [Int32], existingTokens: Int, lastSlot: Int32?, newTokens: Int) {
        var remaining = newTokens
        let offset = existingTokens % pageSize
        if offset != 0, let lastSlot, remaining > 0 {
            let fill = min(pageSize - offset, remaining)
            for i in 1...fill { slots.append(lastSlot + Int32(i)) }
            remaining -= fill
        }
        freeList.appendFreshSlots(to: &slots, tokens: remaining, pageSize: pageSize)
    }
}
