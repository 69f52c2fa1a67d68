// Building a CPU engine whose model is split over N tensor-parallel ranks: the same KV cache
// manager, scheduler and sampler as Engine.cpu, one page allocator for the slots every
// rank's pool shares (each rank's pool holds only its KV heads).

import KVCache
import Logging
import Model

extension Engine {
    /// An engine over `checkpoint` split over `tensorParallel` ranks on the CPU (each rank on
    /// its own thread with `options.threads / tensorParallel` cores). Throws
    /// TensorParallelError when the model does not split that way.
    public static func cpu(checkpoint: any Checkpoint, tensorParallel ranks: Int,
                           options: CPUEngineOptions = CPUEngineOptions(),
                           configuration: EngineConfiguration = EngineConfiguration(),
                           logger: Logger = Logger(label: "flashserve.engine"),
                           progress: LoadProgressHandler? = nil) throws -> Engine {
        guard options.kvTokens >= 2 * options.pageSize, options.pageSize >= 1 else {
            throw EngineError.invalidConfiguration("a KV pool of \(options.kvTokens) tokens in pages of \(options.pageSize) "
                + "holds no request; give it at least two pages")
        }
        let model = try TensorParallelCPUModel(checkpoint: checkpoint, ranks: ranks, kvSlots: options.kvTokens,
                                               pageSize: options.pageSize, threads: options.threads, progress: progress)
        let allocator = PageAllocator(shape: model.poolShape)
        let poolTokens = allocator.capacityPages * allocator.pageSize
        let context = min(model.config.maxPositions, poolTokens, configuration.maxContextLength ?? .max)
        let kvCache = KVCacheManager(
            tokenTable: ReqToTokenPool(maxRequests: configuration.maxRunningRequests + 1, maxContext: context),
            allocator: allocator, prefixCache: options.prefixCaching.makeCache(allocator: allocator))
        logger.info("CPU engine with tensor parallelism over \(ranks) ranks (simulated collectives, one thread per rank)")
        return try Engine(runner: TensorParallelModelRunner(model: model), sampler: CPUSampler(), kvCache: kvCache,
                          configuration: configuration, logger: logger)
    }
}
