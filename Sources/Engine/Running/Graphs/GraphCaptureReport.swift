// What capturing the decode graphs cost, for the start-up banner and `bench latency`.

public struct GraphCaptureReport: Sendable, CustomStringConvertible {
    public var graphs: Int
    public var seconds: Double
    /// Device memory the capture took (free memory before minus after): the graphs
    /// themselves plus the shared workspace their replays write.
    public var bytes: Int
    public var nodesPerGraph: Int
    public var largestBucket: Int

    public var description: String {
        "captured \(graphs) decode CUDA graphs (batch 1…\(largestBucket), \(nodesPerGraph) nodes each) in "
            + String(format: "%.2f s, %.1f MiB", seconds, Double(bytes) / 1_048_576)
    }
}
