// A request's life in the KV cache, over the three levels (DESIGN.md §4): a row of the
// token table, pages from the allocator, and a prefix cache that lends cached prefixes
// and takes finished pages. This is the only place that moves page ownership between a
// request and the prefix cache, so the rules live here once:
//   - a request owns the slots of its tokens cachedLength..<length; the cache owns the rest
//     and keeps them while the request holds its lock;
//   - only whole pages go to the cache; a request's partial last page stays its own;
//   - when the cache already held pages a request computed again, the request's copies
//     are freed.

/// One request's hold on the KV cache. Pass it back `inout` to every call.
public struct RequestKV: Sendable, Equatable {
    /// Its row of the token table.
    public let row: Int
    /// Tokens that have a KV slot: columns 0..<length of the row.
    public internal(set) var length: Int
    /// Leading tokens whose slots the prefix cache owns (matched at admission or cached since).
    public internal(set) var cachedLength: Int
    /// The prefix-cache node it has locked (the root when it holds no cached prefix).
    public internal(set) var lockedNode: PrefixNodeHandle
}

public final class KVCacheManager {
    public let tokenTable: ReqToTokenPool
    public let allocator: PageAllocator
    public let prefixCache: any PrefixCache

    public init(tokenTable: ReqToTokenPool, allocator: PageAllocator, prefixCache: any PrefixCache) {
        precondition(prefixCache.pageSize == allocator.pageSize,
                     "KVCacheManager: prefix cache page size \(prefixCache.pageSize) ≠ allocator page size \(allocator.pageSize)")
        self.tokenTable = tokenTable
        self.allocator = allocator
        self.prefixCache = prefixCache
    }

    public var pageSize: Int { allocator.pageSize }
    /// Pages an extend could get: free ones plus those eviction could free.
    public var availablePages: Int { allocator.freePageCount + prefixCache.evictablePages }

    /// Takes a row for a new request and lends it the longest cached prefix of its prompt,
    /// locked. At least the last prompt token is left to compute: its logits start decoding.
    public func admit(prompt: ArraySlice<Int32>) throws(KVCacheError) -> RequestKV {
        guard prompt.count <= tokenTable.maxContext else {
            throw .contextOverflow(tokens: prompt.count, maxContext: tokenTable.maxContext)
        }
        let row = try tokenTable.allocRow()
        let match = prefixCache.match(prompt.dropLast())
        try prefixCache.lock(match.node)
        try tokenTable.write(row: row, from: 0, slots: match.slots)
        return RequestKV(row: row, length: match.length, cachedLength: match.length, lockedNode: match.node)
    }

    /// Gives slots to the next `newTokens[i]` tokens of each request, evicting cached
    /// prefixes if the free pages do not suffice, and writes them into the requests' rows.
    /// Returns the slots concatenated in batch order (the step's KV store targets). When
    /// even eviction cannot make room, nothing is allocated and `outOfPages` is thrown.
    public func extend(_ requests: inout [RequestKV], newTokens: [Int]) throws(KVCacheError) -> [Int32] {
        precondition(requests.count == newTokens.count, "KVCacheManager.extend: \(requests.count) requests, \(newTokens.count) counts")
        var batch: [PageAllocator.Extension] = []
        batch.reserveCapacity(requests.count)
        for (request, count) in zip(requests, newTokens) {
            guard tokenTable.isInUse(row: request.row) else { throw .requestRowNotInUse(row: request.row) }
            guard request.length + count <= tokenTable.maxContext else {
                throw .contextOverflow(tokens: request.length + count, maxContext: tokenTable.maxContext)
            }
            batch.append(.init(existingTokens: request.length, lastSlot: lastSlot(of: request), newTokens: count))
        }
        let needed = batch.reduce(0) { $0 + allocator.pagesNeeded(existingTokens: $1.existingTokens, newTokens: $1.newTokens) }
        if needed > allocator.freePageCount {
            _ = prefixCache.evict(pages: needed - allocator.freePageCount)
        }
        let slots = try allocator.allocExtend(batch)
        var offset = 0
        for i in requests.indices {
            try tokenTable.write(row: requests[i].row, from: requests[i].length, slots: slots[offset..<offset + newTokens[i]])
            requests[i].length += newTokens[i]
            offset += newTokens[i]
        }
        return slots
    }

    /// `extend` for one request.
    public func extend(_ request: inout RequestKV, newTokens: Int) throws(KVCacheError) -> [Int32] {
        var batch = [request]
        let slots = try extend(&batch, newTokens: [newTokens])
        request = batch[0]
        return slots
    }

    /// After a chunk of prefill: hands the request's whole pages so far to the prefix cache
    /// and moves its lock to them, so a later request can reuse them while this one is
    /// still running. `tokens` are the request's tokens (at least its `length`).
    public func cacheChunk(_ request: inout RequestKV, tokens: ArraySlice<Int32>) throws(KVCacheError) {
        precondition(tokens.count >= request.length, "KVCacheManager.cacheChunk: \(tokens.count) tokens for a request of \(request.length)")
        guard tokenTable.isInUse(row: request.row) else { throw .requestRowNotInUse(row: request.row) }
        let whole = request.length - request.length % pageSize
        let cached = tokens.prefix(whole)
        let insertion = try prefixCache.insert(tokens: cached, slots: tokenTable.slots(row: request.row, columns: 0..<whole)[...])
        try freeRequestSlots(request, columns: request.cachedLength..<max(request.cachedLength, insertion.alreadyCached))
        // The cache's slots replace the duplicates just freed; the rest of the row is unchanged.
        let match = prefixCache.match(cached)
        precondition(match.length >= request.cachedLength, "KVCacheManager: the locked prefix shrank from \(request.cachedLength) to \(match.length)")
        try tokenTable.write(row: request.row, from: request.cachedLength, slots: match.slots[request.cachedLength...])
        try prefixCache.lock(match.node)
        try prefixCache.unlock(request.lockedNode)
        request.cachedLength = match.length
        request.lockedNode = match.node
    }

    /// The request is done: its whole pages go to the prefix cache (unless `caching` is
    /// false, e.g. for an aborted request), everything else it owns goes back to the
    /// allocator, its lock is released and its row returned.
    public func finish(_ request: RequestKV, tokens: ArraySlice<Int32>, caching: Bool = true) throws(KVCacheError) {
        precondition(!caching || tokens.count >= request.length,
                     "KVCacheManager.finish: \(tokens.count) tokens for a request of \(request.length)")
        guard tokenTable.isInUse(row: request.row) else { throw .requestRowNotInUse(row: request.row) }
        var adopted = request.length..<request.length
        if caching {
            let whole = request.length - request.length % pageSize
            let insertion = try prefixCache.insert(tokens: tokens.prefix(whole),
                                                   slots: tokenTable.slots(row: request.row, columns: 0..<whole)[...])
            // An empty adoption (all already cached, or a cache that keeps nothing) leaves
            // the request owning every slot past its cached prefix: all are freed below.
            if !insertion.adopted.isEmpty { adopted = insertion.adopted }
        }
        try freeRequestSlots(request, columns: request.cachedLength..<max(request.cachedLength, adopted.lowerBound))
        try freeRequestSlots(request, columns: adopted.upperBound..<request.length)
        try prefixCache.unlock(request.lockedNode)
        try tokenTable.freeRow(request.row)
    }

    /// Ends a request without caching anything of it (an abort, or a request that could not
    /// get pages): what it owns goes back to the allocator, its lock and row are released.
    public func abort(_ request: RequestKV) throws(KVCacheError) {
        try finish(request, tokens: [], caching: false)
    }

    /// Slot of the request's last token, from its row.
    public func lastSlot(of request: RequestKV) -> Int32? {
        request.length == 0 ? nil : tokenTable.slot(row: request.row, column: request.length - 1)
    }

    /// Frees the pages of columns that start a page (the request is page-aligned, so
    /// every page of a run that starts on a page boundary is reached this way).
    private func freeRequestSlots(_ request: RequestKV, columns: Range<Int>) throws(KVCacheError) {
        guard !columns.isEmpty else { return }
        precondition(columns.lowerBound % pageSize == 0, "KVCacheManager: freeing columns \(columns) that do not start a page")
        try allocator.free(slots: tokenTable.slots(row: request.row, columns: columns))
    }
}
