// What a GPU step hands the sampler: each row's greedy token, already computed on the GPU
// (inside the decode graph when one ran), and the logits rows left on the device, where
// the device sampler draws the other rows; they are read back only for rows that need the
// host sampler (log-probabilities).

import CUDA
import Kernels

public struct DeviceStepLogits {
    /// The first index of each row's largest logit, one per logits row.
    public let greedyTokens: [Int32]
    public let vocabSize: Int
    /// The step's logits, [rowCount, vocabSize] float32 on the device (valid until the
    /// runner's next forward; unwritten when the step has no rows), and the stream that wrote them.
    public let logits: DeviceTensor
    public let stream: CUDAStream

    public init(greedyTokens: [Int32], vocabSize: Int, logits: DeviceTensor, stream: CUDAStream) {
        self.greedyTokens = greedyTokens
        self.vocabSize = vocabSize
        self.logits = logits
        self.stream = stream
    }

    public var rowCount: Int { greedyTokens.count }

    /// The rows on the host: a copy of rowCount × vocab floats, so only when needed.
    public func hostLogits() -> HostLogits {
        do {
            return HostLogits(values: try logits.download(count: rowCount * vocabSize, stream: stream), vocabSize: vocabSize)
        } catch {
            // A failed copy leaves the CUDA context unusable: stop loudly, as the runner does.
            fatalError("reading back a GPU step's logits failed: \(error)")
        }
    }
}
