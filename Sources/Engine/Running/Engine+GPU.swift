// Building a whole engine on a Hopper GPU from a checkpoint: weights in bf16 on the device,
// the CUDA op set (cuBLASLt + model kernels), the paged KV pool sized from free memory,
// the FA3 attention backend, and the same scheduler, KV cache manager and sampler as the CPU.

import Attention
import CUDA
import KVCache
import Kernels
import Logging
import Model

/// The KV side of a GPU engine.
public struct GPUEngineOptions: Sendable, Equatable {
    /// Fraction of the device memory free after the weights that the KV pool may take.
    public var memoryFraction = 0.85
    /// Bytes kept out of the pool for activations, workspaces and graphs.
    public var reserveBytes = 2 << 30
    /// Tokens per page (the kernels serve powers of two; 16 keeps the page table small).
    public var pageSize = 16
    /// Upper bound on the pool, in tokens (nil: as much as fits).
    public var maxPoolTokens: Int? = 1 << 20
    public var prefixCaching = PrefixCaching.radix
    public var ordinal = 0

    public init() {}
}

extension Engine {
    /// An engine over `checkpoint` on GPU `options.ordinal` with the FA3 backend. Throws
    /// `CUDAUnavailable`/`FA3Unavailable` on machines that cannot run it (use `Engine.cpu`).
    public static func gpu(checkpoint: any Checkpoint, options: GPUEngineOptions = GPUEngineOptions(),
                           configuration: EngineConfiguration = EngineConfiguration(),
                           logger: Logger = Logger(label: "flashserve.engine"),
                           progress: LoadProgressHandler? = nil) throws -> Engine {
        let context = try CUDAContext(ordinal: options.ordinal)
        guard context.device.computeCapability.isHopper else {
            throw FA3Unavailable.notHopper(context.device.computeCapability.description)
        }
        let stream = try CUDAStream(context: context)
        let library = try KernelLibrary(context: context)
        let allocator = CachingAllocator(upstream: context)
        let ops = try CUDAModelOps(context: context, stream: stream, library: library, allocator: allocator)
        let weights = try LlamaWeights(checkpoint: checkpoint, ops: ops, progress: progress)
        try ops.checkError()
        let config = checkpoint.config
        var poolShape = try DeviceKVPool.sized(context: context, memoryFraction: options.memoryFraction,
                                               reserveBytes: options.reserveBytes, layers: config.layers,
                                               pageSize: options.pageSize, kvHeads: config.kvHeads,
                                               headDim: config.headDim)
        if let cap = options.maxPoolTokens {
            poolShape.numPages = min(poolShape.numPages, max(2, cap / options.pageSize))
        }
        let pool = try DeviceKVPool(shape: poolShape, context: context)
        let shape = AttentionShape(layers: config.layers, heads: config.heads, kvHeads: config.kvHeads,
                                   headDim: config.headDim)
        let attention = try FA3AttentionBackend(shape: shape, pool: pool, library: library, stream: stream,
                                                maxTokensPerStep: max(configuration.stepTokenBudget,
                                                                      configuration.maxRunningRequests))
        let model = LlamaModel(config: config, weights: weights, ops: ops, attention: attention)
        let allocatorPages = PageAllocator(shape: poolShape)
        let poolTokens = allocatorPages.capacityPages * allocatorPages.pageSize
        let contextLength = min(config.maxPositions, poolTokens, configuration.maxContextLength ?? .max)
        let kvCache = KVCacheManager(
            tokenTable: ReqToTokenPool(maxRequests: configuration.maxRunningRequests + 1, maxContext: contextLength),
            allocator: allocatorPages, prefixCache: options.prefixCaching.makeCache(allocator: allocatorPages))
        let summary = "GPU engine: \(context.device); KV pool \(poolShape.numPages) pages of \(poolShape.pageSize) "
            + "(\(pool.totalBytes >> 20) MiB), context \(contextLength)"
        logger.info("\(summary)")
        return try Engine(runner: GPULlamaModelRunner(model: model, context: context), sampler: CPUSampler(),
                          kvCache: kvCache, configuration: configuration, logger: logger)
    }
}
