// Why a model cannot be split over the ranks asked for, with the numbers that do not
// divide, so that the user can pick a --tp that works.

public enum TensorParallelError: Error, Equatable, CustomStringConvertible {
    case invalidRankCount(Int)
    case rankOutOfRange(rank: Int, ranks: Int)
    case headsNotDivisible(heads: Int, ranks: Int)
    /// More KV heads than ranks but not a multiple of them, or fewer KV heads than ranks
    /// and the ranks not a multiple of them (so the copies would not cover whole groups).
    case kvHeadsNotDivisible(kvHeads: Int, ranks: Int)
    case intermediateNotDivisible(intermediateSize: Int, ranks: Int)
    /// A rank's weights failed to load from the sharded checkpoint.
    case rankLoad(rank: Int, ModelError)

    public var description: String {
        switch self {
        case .invalidRankCount(let ranks):
            return "tensor parallelism needs at least 1 rank, got \(ranks)"
        case .rankOutOfRange(let rank, let ranks):
            return "rank \(rank) does not exist in a tensor-parallel group of \(ranks) (ranks are 0..<\(ranks))"
        case .headsNotDivisible(let heads, let ranks):
            return "the model's \(heads) attention heads do not split evenly over \(ranks) ranks; "
                + "use a --tp that divides \(heads)"
        case .kvHeadsNotDivisible(let kvHeads, let ranks):
            return kvHeads > ranks
                ? "the model's \(kvHeads) KV heads do not split evenly over \(ranks) ranks; use a --tp that divides \(kvHeads)"
                : "the model's \(kvHeads) KV heads cannot be replicated evenly over \(ranks) ranks "
                    + "(\(ranks) is not a multiple of \(kvHeads)); use a --tp that divides or is a multiple of \(kvHeads)"
        case .intermediateNotDivisible(let size, let ranks):
            return "the model's MLP width \(size) does not split evenly over \(ranks) ranks; use a --tp that divides \(size)"
        case .rankLoad(let rank, let error):
            return "loading tensor-parallel rank \(rank): \(error)"
        }
    }
}
