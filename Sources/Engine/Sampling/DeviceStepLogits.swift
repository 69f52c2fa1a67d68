// What a GPU step hands the sampler: each row's greedy token, already computed on the GPU
// (inside the decode graph when one ran), and the logits rows left on the device, read back
// only when some request needs more than its argmax (temperature, penalties, logprobs).

public struct DeviceStepLogits {
    /// The first index of each row's largest logit, one per logits row.
    public let greedyTokens: [Int32]
    public let vocabSize: Int
    /// Reads the step's logits rows back (valid until the runner's next forward).
    private let readRows: () -> HostLogits

    public init(greedyTokens: [Int32], vocabSize: Int, readRows: @escaping () -> HostLogits) {
        self.greedyTokens = greedyTokens
        self.vocabSize = vocabSize
        self.readRows = readRows
    }

    public var rowCount: Int { greedyTokens.count }

    /// The rows on the host: a copy of rowCount × vocab floats, so only when needed.
    public func hostLogits() -> HostLogits { readRows() }
}
