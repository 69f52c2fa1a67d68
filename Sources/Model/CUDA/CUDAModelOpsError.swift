/// The first thing that went wrong in the CUDA op set since the last `checkError()`: the
/// ops themselves do not throw (the model's forward is written once for every device), so
/// they record it here and skip the rest of the step.
public enum CUDAModelOpsError: Error, CustomStringConvertible {
    /// A CUDA or cuBLASLt call, an allocation or a launch check failed inside `op`.
    case failed(op: String, reason: String)
    /// `op` read `argument` before any op wrote it.
    case unwritten(op: String, argument: String)
    /// A buffer that could not be allocated when it was made (`makeIndices`, `makeVector`,
    /// `makeWeight`) was used by `op`.
    case unallocated(op: String, argument: String)
    /// A token id outside the vocabulary reached the embedding (its row was zeroed).
    case tokenOutOfVocabulary

    public var description: String {
        switch self {
        case .failed(let op, let reason): return "GPU op \(op) failed: \(reason)"
        case .unwritten(let op, let argument):
            return "GPU op \(op) read '\(argument)' before anything wrote it: the forward issues its ops out of order"
        case .unallocated(let op, let argument):
            return "GPU op \(op) got '\(argument)', whose device memory could not be allocated earlier "
                + "(see the first error); lower --mem-fraction or use a smaller model"
        case .tokenOutOfVocabulary:
            return "a token id outside the vocabulary reached the embedding on the GPU (its row was zeroed): "
                + "the tokenizer and the model do not belong together"
        }
    }
}
