// The sampler paired with a GPU runner: greedy rows take the argmax the GPU already found;
// any other row (temperature, penalties, logprobs) is drawn by the CPU sampler from the
// logits read back for that step, so every sampling option behaves exactly as on the CPU.

public struct DeviceGreedySampler: TokenSampler {
    public typealias Logits = DeviceStepLogits
    private let host = CPUSampler()

    public init() {}

    public func sample(_ logits: DeviceStepLogits, rows: [SamplingRow]) -> [GeneratedToken] {
        precondition(logits.rowCount == rows.count, "DeviceGreedySampler: \(logits.rowCount) logit rows for \(rows.count) requests")
        var hostRows: HostLogits?
        return rows.indices.map { i in
            if Self.isPlainGreedy(rows[i].params) { return GeneratedToken(id: logits.greedyTokens[i]) }
            if hostRows == nil { hostRows = logits.hostLogits() }
            return host.sampleRow(hostRows!.row(i), rows[i])
        }
    }

    /// Temperature 0 with nothing that reads the distribution: the argmax is the answer.
    static func isPlainGreedy(_ params: SamplingParams) -> Bool {
        params.temperature == 0 && !params.hasPenalties && params.topLogprobs == nil
    }
}
