// The runner on the GPU: the Llama forward on the CUDA op set with the FA3 backend. Decode
// steps that a captured graph serves are replayed (DecodeGraphs); everything else runs
// eagerly. Either way the attention metadata lives in one set of device buffers written in
// place each step, the greedy token of every row is found on the GPU, and the logits stay
// on the device unless the sampler asks for them. The engine loop runs on its own thread,
// so the CUDA context is made current there on every step (a cheap driver call).

import Attention
import CUDA
import Kernels
import Model

public final class GPULlamaModelRunner: ModelRunner {
    public typealias GPUModel = LlamaModel<CUDAModelOps, FA3AttentionBackend>
    public let model: GPUModel
    /// Nil when graphs are disabled (`--disable-cuda-graph`).
    public let graphs: DecodeGraphs?
    private let context: CUDAContext
    private let metadata: FA3Metadata
    private let argmax: ArgmaxKernel
    private var eagerKeys: DeviceBuffer<UInt64>
    private let readback: ArgmaxReadback

    /// `maxBatch`/`maxContext` size the metadata buffers (the engine's running requests and
    /// context length); `graphs` captures decode graphs up to that bucket, or none.
    public init(model: GPUModel, library: KernelLibrary, maxBatch: Int, maxContext: Int,
                graphs policy: CUDAGraphPolicy, progress: ((Int, Int) -> Void)? = nil) throws {
        self.model = model
        context = model.ops.context
        argmax = try ArgmaxKernel(library: library)
        let graphBatch = policy.maxBatch(deviceBytes: context.device.totalMemoryBytes, maxRunningRequests: maxBatch)
        metadata = model.attention.makeGraphBuffers(maxBatch: maxBatch, maxContext: maxContext)
        eagerKeys = try context.allocate(UInt64.self, count: max(maxBatch, 1))
        readback = try ArgmaxReadback(context: context, rows: maxBatch)
        // The eager workspace at its final size now, so it never grows (and leaves freed
        // blocks behind) while the KV pool holds nearly all the rest of the memory.
        model.reserveEager(tokens: metadata.maxTokens, logitRows: max(maxBatch, 1))
        if let graphBatch {
            graphs = try DecodeGraphs(model: model, metadata: metadata, argmax: argmax, maxBatch: graphBatch,
                                      progress: progress)
        } else {
            graphs = nil
        }
    }

    public var vocabSize: Int { model.config.vocabSize }

    public func forward(_ batch: ForwardBatch) -> DeviceStepLogits {
        do {
            try context.bind()
            let (tokens, logits) = try run(batch)
            return DeviceStepLogits(greedyTokens: tokens, vocabSize: vocabSize, logits: logits, stream: model.ops.stream)
        } catch {
            // A failed launch or a kernel fault leaves the CUDA context unusable: nothing
            // later can run, so stop loudly with the driver's own words.
            fatalError("GPU step failed (\(batch.tokenCount) tokens, \(batch.attention.sequenceCount) sequences): \(error)")
        }
    }

    /// One step, graph or eager: each logits row's greedy token and the logits tensor.
    public func run(_ batch: ForwardBatch) throws -> (tokens: [Int32], logits: DeviceTensor) {
        guard let result = try graphs?.replay(batch) else { return try runEager(batch) }
        try checkStep()
        return result
    }

    /// The step without graphs, whatever its shape (what `--disable-cuda-graph` runs).
    public func runEager(_ batch: ForwardBatch) throws -> (tokens: [Int32], logits: DeviceTensor) {
        model.attention.prepareMetadata(for: batch.attention, into: metadata)
        let logits = model.forward(batch, metadata: metadata)
        let rows = batch.logitRows.count
        if rows == 0 {   // nothing to sample: a prefill chunk that ends inside its prompt
            try checkStep()
            return ([], logits)
        }
        guard let ref = logits.ref else {
            try checkStep()
            throw DecodeGraphError.forwardFailed(rows)
        }
        if eagerKeys.count < rows { eagerKeys = try context.allocate(UInt64.self, count: rows) }
        try argmax.launch(logits: ref, rows: rows, vocab: vocabSize, rowStride: vocabSize, keys: eagerKeys,
                          stream: model.ops.stream)
        model.ops.stageErrorFlag()  // read back with the tokens: the step's check then waits for nothing
        let tokens = try readback.tokens(eagerKeys, rows: rows, stream: model.ops.stream)
        try checkStep()
        return (tokens, logits)
    }
}

extension GPULlamaModelRunner {
    func checkStep() throws { try GPUStepError.check(model) }
}

public struct GPUStepError: Error, CustomStringConvertible {
    public let causes: [String]
    public var description: String { causes.joined(separator: "; ") }

    /// Throws what failed in the step: the attention backend's and the op set's first errors
    /// together, since either can starve the other (a failed attention leaves its output
    /// unwritten, and the next op then reports that, not the cause).
    static func check(_ model: LlamaModel<CUDAModelOps, FA3AttentionBackend>) throws {
        var causes: [String] = []
        do { try model.attention.checkError() } catch { causes.append("attention: \(error)") }
        do { try model.ops.checkError() } catch { causes.append("ops: \(error)") }
        if !causes.isEmpty { throw GPUStepError(causes: causes) }
    }
}

/// Whether decode steps replay CUDA graphs, and up to which batch.
public enum CUDAGraphPolicy: Sendable, Equatable {
    case disabled
    /// Buckets up to `maxBatch` (nil: 160, or 256 on cards over 96 GB; never more than the
    /// engine's running requests).
    case enabled(maxBatch: Int?)

    func maxBatch(deviceBytes: Int, maxRunningRequests: Int) -> Int? {
        switch self {
        case .disabled: return nil
        case .enabled(let requested):
            return min(requested ?? GraphBuckets.defaultMax(deviceBytes: deviceBytes), maxRunningRequests)
        }
    }
}
