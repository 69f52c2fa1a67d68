// Everything below the engine on a Hopper GPU, built from a checkpoint: the context and
// stream, the kernels, the CUDA op set (cuBLASLt + model kernels) with the weights in bf16
// on the device, the paged KV pool sized from the memory left, the FA3 attention backend
// and the model over them. `Engine.gpu` and `bench latency` both start here.

import Attention
import CUDA
import Dispatch
import Foundation
import KVCache
import Kernels
import Model

public struct GPUModelStack {
    public typealias GPUModel = LlamaModel<CUDAModelOps, FA3AttentionBackend>
    public let context: CUDAContext
    public let library: KernelLibrary
    public let model: GPUModel
    public let pool: DeviceKVPool

    /// Throws `CUDAUnavailable`/`FA3Unavailable` on machines that cannot run it.
    /// `maxTokensPerStep` and `maxBatch` size what the KV pool leaves free: the eager
    /// activations of the largest step and the decode graphs' workspace, on top of
    /// `options.reserveBytes`.
    public init(checkpoint: any Checkpoint, options: GPUEngineOptions, maxTokensPerStep: Int, maxBatch: Int,
                progress: LoadProgressHandler? = nil, log: ((String) -> Void)? = nil) throws {
        var phaseStart = DispatchTime.now()
        func phase(_ what: String) {
            let now = DispatchTime.now()
            log?(String(format: "%@ in %.2f s", what, Double(now.uptimeNanoseconds - phaseStart.uptimeNanoseconds) / 1e9))
            phaseStart = now
        }
        let context = try CUDAContext(ordinal: options.ordinal)
        guard context.device.computeCapability.isHopper else {
            throw FA3Unavailable.notHopper(context.device.computeCapability.description)
        }
        let stream = try CUDAStream(context: context)
        let library = try KernelLibrary(context: context)
        let ops = try CUDAModelOps(context: context, stream: stream, library: library,
                                   allocator: CachingAllocator(upstream: context))
        phase("CUDA context, kernels and cuBLASLt")
        let weights = try LlamaWeights(checkpoint: checkpoint, ops: ops, progress: progress)
        try ops.checkError()
        phase("weights (\(checkpoint.source))")
        let config = checkpoint.config
        let activations = LlamaWorkspace<CUDAModelOps>.bytes(config: config, tokens: maxTokensPerStep, logitRows: maxBatch)
            + LlamaWorkspace<CUDAModelOps>.bytes(config: config, tokens: maxBatch, logitRows: maxBatch)
        var poolShape = try DeviceKVPool.sized(context: context, memoryFraction: options.memoryFraction,
                                               reserveBytes: options.reserveBytes + activations, layers: config.layers,
                                               pageSize: options.pageSize, kvHeads: config.kvHeads,
                                               headDim: config.headDim)
        if let cap = options.maxPoolTokens {
            poolShape.numPages = min(poolShape.numPages, max(2, cap / options.pageSize))
        }
        pool = try DeviceKVPool(shape: poolShape, context: context)
        phase("KV pool of \(poolShape.numPages) pages (\(pool.totalBytes >> 20) MiB)")
        let shape = AttentionShape(layers: config.layers, heads: config.heads, kvHeads: config.kvHeads,
                                   headDim: config.headDim)
        let attention = try FA3AttentionBackend(shape: shape, pool: pool, library: library, stream: stream,
                                                maxTokensPerStep: maxTokensPerStep)
        self.context = context
        self.library = library
        model = LlamaModel(config: config, weights: weights, ops: ops, attention: attention)
    }

    /// Bytes a decode step must read of the weights: every matrix and vector except an
    /// untied embedding table, of which a step gathers only its tokens' rows.
    public var streamedWeightBytes: Int {
        let c = model.config
        let elements = c.tensorList.reduce(0) { total, spec in
            let untiedEmbedding = spec.name == WeightName.embedding && !c.tieWordEmbeddings
            return total + (untiedEmbedding ? 0 : spec.shape.reduce(1, *))
        }
        return elements * model.ops.activation.byteSize
    }
}
