// What capturing the decode graphs cost, for the start-up banner and `bench latency`.

public struct GraphCaptureReport: Sendable, CustomStringConvertible {
    public var graphs: Int
    public var seconds: Double
    /// Device memory the capture took (free memory before minus after): the graphs
    /// themselves plus the shared workspace their replays write.
    public var bytes: Int
    /// Nodes of the smallest and the largest bucket's graph: batches past the fused kernels'
    /// row limit launch more kernels a layer, so the count differs between buckets.
    public var nodes: ClosedRange<Int>
    public var largestBucket: Int

    public var description: String {
        let nodeCount = nodes.lowerBound == nodes.upperBound ? "\(nodes.lowerBound)" : "\(nodes.lowerBound)-\(nodes.upperBound)"
        return "captured \(graphs) decode CUDA graphs (batch 1…\(largestBucket), \(nodeCount) nodes a graph) in "
            + String(format: "%.2f s, %.1f MiB", seconds, Double(bytes) / 1_048_576)
    }
}
