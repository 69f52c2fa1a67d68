// Decode steps replayed from CUDA graphs (DESIGN.md §6). One graph per batch bucket,
// captured largest first over one shared workspace and the backend's one set of metadata
// buffers, so the graphs together hold little more than the largest bucket's activations.
// Before each replay the host writes the step's token ids, positions and metadata in place
// (the same `prepareMetadata` an eager step uses, padded to the bucket); the graph then
// runs the whole forward and the greedy argmax, and the host reads back one key per row.
// Nothing is allocated inside a capture (a warm-up forward at each bucket size first
// allocates every lazily created tensor and builds every cuBLASLt plan), and no host value
// that changes between replays is baked in: lengths, page tables and slots are read from
// device buffers; the only host-side launch parameters are the bucket's own sizes.

import Attention
import CUDA
import Foundation
import Kernels
import Model

public final class DecodeGraphs {
    public typealias GPUModel = LlamaModel<CUDAModelOps, FA3AttentionBackend>

    public let buckets: GraphBuckets
    public private(set) var report: GraphCaptureReport
    private let model: GPUModel
    private let metadata: FA3Metadata
    private let argmax: ArgmaxKernel
    private let workspace: LlamaWorkspace<CUDAModelOps>
    private let keys: DeviceBuffer<UInt64>
    private let readback: ArgmaxReadback
    private var graphs: [Int: CUDAGraphExec] = [:]

    /// Captures a graph for every bucket up to `maxBatch` (largest first).
    public init(model: GPUModel, metadata: FA3Metadata, argmax: ArgmaxKernel, maxBatch: Int,
                progress: ((Int, Int) -> Void)? = nil) throws {
        let context = model.ops.context, stream = model.ops.stream
        guard maxBatch <= metadata.maxBatch else {
            throw DecodeGraphError.bucketTooLarge(maxBatch, metadataBatch: metadata.maxBatch)
        }
        buckets = GraphBuckets(maxBatch: maxBatch)
        self.model = model
        self.metadata = metadata
        self.argmax = argmax
        try stream.synchronize()
        let freeBefore = try context.memoryInfo().free
        let start = Date()
        workspace = model.makeWorkspace(tokens: buckets.largest, logitRows: buckets.largest)
        // A decode step's logits rows are its sequences in order, and a bucket's rows a prefix
        // of the largest's: written once, never per replay.
        model.writeLogitRows((0 ..< Int32(buckets.largest)).map { $0 }, into: workspace)
        keys = try context.allocate(UInt64.self, count: buckets.largest)
        readback = try ArgmaxReadback(context: context, rows: buckets.largest)
        report = GraphCaptureReport(graphs: 0, seconds: 0, bytes: 0, nodes: 0 ... 0, largestBucket: buckets.largest)
        var nodeCounts: [Int] = []
        for (done, bucket) in buckets.sizes.reversed().enumerated() {
            // An all-padding step of `bucket` rows: every row length 1 at the reserved slot 0.
            model.attention.prepareMetadata(for: Self.noSequences, into: metadata, paddedTo: bucket)
            model.writeTokens(Self.paddingBatch(bucket), into: workspace)
            try runForward(bucket)          // warm-up: allocations and GEMM plans happen here
            try checkErrors()
            let graph = try stream.capture { try runForward(bucket) }
            try checkErrors()
            nodeCounts.append(try graph.nodeCount())
            graphs[bucket] = try graph.instantiate()
            progress?(done + 1, buckets.sizes.count)
        }
        try stream.synchronize()
        report = GraphCaptureReport(graphs: graphs.count, seconds: Date().timeIntervalSince(start),
                                    bytes: max(0, freeBefore - (try context.memoryInfo().free)),
                                    nodes: (nodeCounts.min() ?? 0) ... (nodeCounts.max() ?? 0), largestBucket: buckets.largest)
    }

    /// Runs `batch` by replaying its bucket's graph when one serves it — a decode step of at
    /// most the largest bucket whose logits rows are its sequences in order — and returns
    /// each row's greedy token and the logits tensor, whose first rows are the batch's; nil
    /// when no graph serves the step (run it eagerly).
    public func replay(_ batch: ForwardBatch) throws -> (tokens: [Int32], logits: DeviceTensor)? {
        let n = batch.attention.sequenceCount
        guard n >= 1, n <= buckets.largest, batch.attention.isDecode, batch.logitRows.elementsEqual(0 ..< Int32(n)),
              let bucket = buckets.bucket(for: n), let graph = graphs[bucket] else { return nil }
        model.attention.prepareMetadata(for: batch.attention, into: metadata, paddedTo: bucket)
        var padded = batch
        let padding = [Int32](repeating: 0, count: bucket - n)
        padded.tokens += padding
        padded.positions += padding
        model.writeTokens(padded, into: workspace)
        try model.attention.checkError()
        try graph.launch(on: model.ops.stream)
        model.ops.stageErrorFlag()  // read back with the tokens: the step's check then waits for nothing
        let tokens = try readback.tokens(keys, rows: n, stream: model.ops.stream)
        return (tokens, workspace.logits)
    }

    private func runForward(_ bucket: Int) throws {
        let logits = model.forward(tokenCount: bucket, logitRowCount: bucket, metadata: metadata, workspace: workspace)
        guard let ref = logits.ref else { throw DecodeGraphError.forwardFailed(bucket) }
        try argmax.launch(logits: ref, rows: bucket, vocab: model.config.vocabSize, rowStride: model.config.vocabSize,
                          keys: keys, stream: model.ops.stream)
    }

    private func checkErrors() throws { try GPUStepError.check(model) }

    /// GPU milliseconds of one replay of the bucket serving `batch` sequences, replayed
    /// `replays` times back to back between two events over the metadata of the last step
    /// (they rewrite that step's K/V with the same values): what the graph costs the GPU,
    /// without the host's per-step work.
    public func gpuMilliseconds(batch: Int, replays: Int = 20) throws -> Double {
        guard let bucket = buckets.bucket(for: batch), let graph = graphs[bucket] else {
            throw DecodeGraphError.notServed(sequences: batch, decode: true)
        }
        let stream = model.ops.stream, context = model.ops.context
        let start = try CUDAEvent(context: context), end = try CUDAEvent(context: context)
        try graph.launch(on: stream)
        try start.record(on: stream)
        for _ in 0 ..< replays { try graph.launch(on: stream) }
        try end.record(on: stream)
        try end.synchronize()
        return try end.elapsedMilliseconds(since: start) / Double(replays)
    }

    static let noSequences = AttentionBatch(cachedLengths: [], newTokenCounts: [], slots: [], tokenSlotTable: [],
                                            tableStride: 0)

    static func paddingBatch(_ rows: Int) -> ForwardBatch {
        ForwardBatch(tokens: [Int32](repeating: 0, count: rows),
                     attention: AttentionBatch(sequences: Array(repeating: (cachedLength: 0, tokenSlots: [Int32(0)]), count: rows)))
    }
}

public enum DecodeGraphError: Error, CustomStringConvertible {
    case bucketTooLarge(Int, metadataBatch: Int)
    case notServed(sequences: Int, decode: Bool)
    case forwardFailed(Int)

    public var description: String {
        switch self {
        case .bucketTooLarge(let bucket, let metadataBatch):
            return "a decode graph for batch \(bucket) needs metadata for \(bucket) sequences, the backend's hold \(metadataBatch): "
                + "lower --cuda-graph-max-bs or raise --max-running-requests"
        case .notServed(let sequences, let decode):
            return "no decode graph serves a \(decode ? "decode" : "prefill/extend") step of \(sequences) sequences; run it eagerly"
        case .forwardFailed(let bucket):
            return "the forward at batch \(bucket) produced no logits while capturing its graph (an op failed first)"
        }
    }
}
