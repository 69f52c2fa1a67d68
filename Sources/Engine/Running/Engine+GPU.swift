// Building a whole engine on a Hopper GPU from a checkpoint: the model stack (weights in
// bf16, the CUDA op set, the paged KV pool, the FA3 backend), the runner with its decode
// graphs, and the same scheduler and KV cache manager as the CPU; tokens are sampled on the
// GPU (rows that ask for log-probabilities by the CPU sampler).

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
    /// Decode steps replay CUDA graphs by default (`--disable-cuda-graph` turns them off).
    public var cudaGraphs = CUDAGraphPolicy.enabled(maxBatch: nil)

    public init() {}
}

extension Engine {
    /// An engine over `checkpoint` on GPU `options.ordinal` with the FA3 backend. Throws
    /// `CUDAUnavailable`/`FA3Unavailable` on machines that cannot run it (use `Engine.cpu`).
    public static func gpu(checkpoint: any Checkpoint, options: GPUEngineOptions = GPUEngineOptions(),
                           configuration: EngineConfiguration = EngineConfiguration(),
                           logger: Logger = Logger(label: "flashserve.engine"),
                           progress: LoadProgressHandler? = nil) throws -> Engine {
        let stack = try GPUModelStack(checkpoint: checkpoint, options: options,
                                      maxTokensPerStep: max(configuration.stepTokenBudget, configuration.maxRunningRequests),
                                      maxBatch: configuration.maxRunningRequests, progress: progress,
                                      log: { logger.info("\($0)") })
        let config = checkpoint.config
        let allocatorPages = PageAllocator(shape: stack.pool.shape)
        let poolTokens = allocatorPages.capacityPages * allocatorPages.pageSize
        let contextLength = min(config.maxPositions, poolTokens, configuration.maxContextLength ?? .max)
        let kvCache = KVCacheManager(
            tokenTable: ReqToTokenPool(maxRequests: configuration.maxRunningRequests + 1, maxContext: contextLength),
            allocator: allocatorPages, prefixCache: options.prefixCaching.makeCache(allocator: allocatorPages))
        let summary = "GPU engine: \(stack.context.device); KV pool \(stack.pool.shape.numPages) pages of \(stack.pool.shape.pageSize) "
            + "(\(stack.pool.totalBytes >> 20) MiB), context \(contextLength)"
        logger.info("\(summary)")
        let runner = try GPULlamaModelRunner(model: stack.model, library: stack.library,
                                             maxBatch: configuration.maxRunningRequests, maxContext: contextLength,
                                             graphs: options.cudaGraphs)
        if let report = runner.graphs?.report {
            logger.info("\(report.description)")
        } else {
            logger.info("CUDA graphs disabled: every step runs eagerly")
        }
        return try Engine(runner: runner, sampler: try DeviceSampler(library: stack.library), kvCache: kvCache,
                          configuration: configuration, logger: logger)
    }
}
