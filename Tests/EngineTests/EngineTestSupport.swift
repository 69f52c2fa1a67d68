// Building engines over a KV cache of a chosen size, and reading a request's stream to its end.
import Engine
import KVCache

struct StreamResult: Equatable {
    var tokens: [GeneratedToken] = []
    var finish: FinishReason?
    var usage: GenerationUsage?

    var ids: [Int32] { tokens.map(\.id) }
}

func collect(_ stream: AsyncStream<GenerationEvent>) async -> StreamResult {
    var result = StreamResult()
    for await event in stream {
        switch event {
        case .token(let token): result.tokens.append(token)
        case .finished(let reason, let usage):
            result.finish = reason
            result.usage = usage
        }
    }
    return result
}

/// A KV cache of `slots` token slots (slot 0 reserved) in pages of `pageSize`.
func makeKVCache(slots: Int, pageSize: Int = 1, rows: Int, maxContext: Int? = nil,
                 prefixCaching: PrefixCaching = .radix) -> KVCacheManager {
    let allocator = PageAllocator(numPages: slots / pageSize, pageSize: pageSize)
    return KVCacheManager(tokenTable: ReqToTokenPool(maxRequests: rows + 1, maxContext: maxContext ?? slots),
                          allocator: allocator, prefixCache: prefixCaching.makeCache(allocator: allocator))
}

func greedy(maxNewTokens: Int, stop: Set<Int32> = []) -> SamplingParams {
    var params = SamplingParams()
    params.maxNewTokens = maxNewTokens
    params.stopTokenIDs = stop
    return params
}

/// Polls `condition` until it holds or `seconds` pass; the engine settles asynchronously.
func eventually(within seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock(), end = clock.now + .seconds(seconds)
    while clock.now < end {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}
