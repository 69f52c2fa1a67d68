// Building a whole engine on the CPU from a checkpoint: the Llama-family model on CPUOps
// with a host KV pool, the KV cache over the same pool geometry, the CPU sampler.

import Attention
import KVCache
import Logging
import Model

/// The KV side of a CPU engine.
public struct CPUEngineOptions: Sendable, Equatable {
    /// Token slots in the KV pool (one is reserved); bounds the context and the batch.
    public var kvTokens = 8192
    public var pageSize = 1
    public var prefixCaching = PrefixCaching.radix
    /// Cores the model's ops use.
    public var threads = HostThreads.count

    public init(kvTokens: Int = 8192, pageSize: Int = 1, prefixCaching: PrefixCaching = .radix,
                threads: Int = HostThreads.count) {
        self.kvTokens = kvTokens
        self.pageSize = pageSize
        self.prefixCaching = prefixCaching
        self.threads = threads
    }
}

extension Engine {
    /// An engine over `checkpoint` on the CPU reference backend.
    public static func cpu(checkpoint: any Checkpoint, options: CPUEngineOptions = CPUEngineOptions(),
                           configuration: EngineConfiguration = EngineConfiguration(),
                           logger: Logger = Logger(label: "flashserve.engine"),
                           progress: LoadProgressHandler? = nil) throws(EngineError) -> Engine {
        guard options.kvTokens >= 2 * options.pageSize, options.pageSize >= 1 else {
            throw .invalidConfiguration("a KV pool of \(options.kvTokens) tokens in pages of \(options.pageSize) holds no request; "
                + "give it at least two pages")
        }
        let model: CPULlamaModel
        do {
            model = try CPULlamaModel.cpu(checkpoint: checkpoint, kvSlots: options.kvTokens, pageSize: options.pageSize,
                                          threads: options.threads, progress: progress)
        } catch {
            throw .model(error)
        }
        let allocator = PageAllocator(shape: model.attention.pool.shape)
        let poolTokens = allocator.capacityPages * allocator.pageSize
        let context = min(model.config.maxPositions, poolTokens, configuration.maxContextLength ?? .max)
        let kvCache = KVCacheManager(
            tokenTable: ReqToTokenPool(maxRequests: configuration.maxRunningRequests + 1, maxContext: context),
            allocator: allocator, prefixCache: options.prefixCaching.makeCache(allocator: allocator))
        return try Engine(runner: LlamaModelRunner(model: model), sampler: CPUSampler(), kvCache: kvCache,
                          configuration: configuration, logger: logger)
    }
}
