import Testing
@testable import Engine

/// The start-up banner's capture line: node counts differ between buckets (batches past the
/// fused kernels' row limit launch more kernels), so it names the range, not one count.
@Suite struct GraphCaptureReportTests {
    @Test func namesTheRangeOfNodeCountsWhenBucketsDiffer() {
        let report = GraphCaptureReport(graphs: 4, seconds: 0.19, bytes: 2 * 1_048_576, nodes: 158 ... 367, largestBucket: 8)
        #expect(report.description == "captured 4 decode CUDA graphs (batch 1…8, 158-367 nodes a graph) in 0.19 s, 2.0 MiB")
    }

    @Test func namesOneCountWhenEveryGraphHasTheSameNodes() {
        let report = GraphCaptureReport(graphs: 1, seconds: 0.01, bytes: 0, nodes: 168 ... 168, largestBucket: 1)
        #expect(report.description == "captured 1 decode CUDA graphs (batch 1…1, 168 nodes a graph) in 0.01 s, 0.0 MiB")
    }
}
