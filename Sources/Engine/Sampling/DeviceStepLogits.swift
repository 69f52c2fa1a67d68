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
    /// The step's logits on the device, [rowCount, vocabSize] float32 (valid until the
    /// runner's next forward).
    public let device: DeviceLogits
    /// Reads the step's logits rows back (valid until the runner's next forward).
    private let readRows: () -> HostLogits

    public init(greedyTokens: [Int32], vocabSize: Int, device: DeviceLogits, readRows: @escaping () -> HostLogits) {
        self.greedyTokens = greedyTokens
        self.vocabSize = vocabSize
        self.device = device
        self.readRows = readRows
    }

    public var rowCount: Int { greedyTokens.count }

    /// The rows on the host: a copy of rowCount × vocab floats, so only when needed.
    public func hostLogits() -> HostLogits { readRows() }
}

/// Where a step's logits rows are on the device, and the stream that wrote them.
public struct DeviceLogits {
    public let rows: DeviceTensorRef
    public let stream: CUDAStream

    public init(rows: DeviceTensorRef, stream: CUDAStream) {
        self.rows = rows
        self.stream = stream
    }
}
