// Logits in host memory, one row of `vocabSize` floats per sampled sequence: what the CPU
// model runner returns and the CPU sampler reads.

public struct HostLogits: Sendable, Equatable {
    public var values: [Float]
    public var vocabSize: Int

    public init(values: [Float], vocabSize: Int) {
        precondition(vocabSize > 0 && values.count % vocabSize == 0,
                     "HostLogits: \(values.count) values are not whole rows of \(vocabSize)")
        self.values = values
        self.vocabSize = vocabSize
    }

    public var rowCount: Int { values.count / vocabSize }

    public func row(_ index: Int) -> ArraySlice<Float> {
        values[index * vocabSize ..< (index + 1) * vocabSize]
    }
}
