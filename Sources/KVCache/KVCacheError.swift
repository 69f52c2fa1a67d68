// Every way the KV cache's host logic can be misused or run dry, with what to do about it.

public enum KVCacheError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte budget holds fewer than two pages (page 0 is reserved).
    case budgetTooSmall(budgetBytes: Int, bytesPerPage: Int)

    public var description: String {
        switch self {
        case let .budgetTooSmall(budget, perPage):
            return "KV pool budget of \(budget) bytes holds fewer than 2 pages of \(perPage) bytes "
                + "(page 0 is reserved); raise --mem-fraction or the CPU KV budget, or use a smaller page size"
        }
    }
}
