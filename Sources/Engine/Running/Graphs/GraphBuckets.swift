// The batch sizes decode graphs are captured for: 1, 2, 4, 8, then every 8 up to the
// largest (SGLang's schedule). A batch runs in the smallest bucket that holds it; the
// rows past the batch are padding whose outputs are dropped.

public struct GraphBuckets: Sendable, Equatable {
    /// Ascending bucket sizes; the last is the largest batch a graph serves.
    public let sizes: [Int]

    public init(maxBatch: Int) {
        precondition(maxBatch >= 1, "GraphBuckets: the largest bucket must hold at least one sequence, got \(maxBatch)")
        var sizes = [1, 2, 4, 8].filter { $0 < maxBatch }
        var next = 16
        while next < maxBatch {
            sizes.append(next)
            next += 8
        }
        sizes.append(maxBatch)
        self.sizes = sizes
    }

    public var largest: Int { sizes[sizes.count - 1] }

    /// The smallest bucket holding `batch` sequences, or nil when none does (run eagerly).
    public func bucket(for batch: Int) -> Int? {
        guard batch >= 1 else { return nil }
        return sizes.first { $0 >= batch }
    }

    /// Default largest bucket: 160, or 256 on cards with more than 96 GB.
    public static func defaultMax(deviceBytes: Int) -> Int { deviceBytes > 96 << 30 ? 256 : 160 }
}
