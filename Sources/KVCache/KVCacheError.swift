// Every way the KV cache's host logic can be misused or run dry, with what to do about it.
// Misuse is reported before anything is changed, so a caught error leaves the cache as it was.

public enum KVCacheError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte budget holds fewer than two pages (page 0 is reserved).
    case budgetTooSmall(budgetBytes: Int, bytesPerPage: Int)
    /// More pages were asked for than are free (after evicting what the prefix cache could give up).
    case outOfPages(needed: Int, free: Int)
    /// A page was freed that is already free.
    case doubleFree(page: Int)
    /// Page 0 is the write target of padded graph slots; it is never handed out or freed.
    case reservedPage
    /// A page or slot number outside the pool.
    case pageOutOfRange(page: Int, numPages: Int)
    /// An extend or decode named a last slot that does not continue a page-aligned request.
    case misalignedRequest(existingTokens: Int, lastSlot: Int32, pageSize: Int)
    /// Every request row is taken.
    case outOfRequestRows(maxRequests: Int)
    /// A request row was returned twice, or one that was never handed out.
    case requestRowNotInUse(row: Int)
    /// A request would hold more tokens than a row of the token table.
    case contextOverflow(tokens: Int, maxContext: Int)
    /// Token ids and slots given to the prefix cache differ in count or are not whole pages.
    case unalignedInsert(tokens: Int, slots: Int, pageSize: Int)
    /// A prefix-cache node was unlocked more often than it was locked.
    case unlockBelowZero
    /// A prefix-cache handle whose node has since been evicted.
    case staleNodeHandle

    public var description: String {
        switch self {
        case let .budgetTooSmall(budget, perPage):
            return "KV pool budget of \(budget) bytes holds fewer than 2 pages of \(perPage) bytes "
                + "(page 0 is reserved); raise --mem-fraction or the CPU KV budget, or use a smaller page size"
        case let .outOfPages(needed, free):
            return "KV cache is full: \(needed) pages needed, \(free) free after eviction; "
                + "admit fewer or shorter requests, or give the pool more memory"
        case let .doubleFree(page):
            return "page \(page) was freed twice; a request's slots must be freed exactly once"
        case .reservedPage:
            return "page 0 is reserved for padded CUDA-graph slots and is never allocated or freed"
        case let .pageOutOfRange(page, numPages):
            return "page \(page) is outside the pool's pages 0..<\(numPages)"
        case let .misalignedRequest(existing, lastSlot, pageSize):
            return "a request with \(existing) tokens cannot end at slot \(lastSlot) with page size \(pageSize): "
                + "token i must sit at offset i % \(pageSize) of its page; pass the request's real last slot"
        case let .outOfRequestRows(maxRequests):
            return "all \(maxRequests - 1) request rows are in use (row 0 is reserved); finish a request first"
        case let .requestRowNotInUse(row):
            return "request row \(row) is not in use: it was freed already, never handed out, or is the reserved row 0"
        case let .contextOverflow(tokens, maxContext):
            return "a request of \(tokens) tokens exceeds the context limit of \(maxContext) tokens"
        case let .unalignedInsert(tokens, slots, pageSize):
            return "prefix cache insert of \(tokens) tokens with \(slots) slots: both must be equal and a multiple "
                + "of the page size \(pageSize); insert only the request's whole pages"
        case .unlockBelowZero:
            return "prefix cache node unlocked more often than locked; unlock each lock exactly once"
        case .staleNodeHandle:
            return "prefix cache handle refers to a node that was evicted; lock a node before relying on it"
        }
    }
}
