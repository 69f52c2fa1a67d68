// The engine's state on its loop thread: the queue, the running requests, the KV cache,
// and the counters behind EngineStats. Accepting, aborting, preempting and finishing
// requests live here; one step of work is in EngineCore+Step.swift.

import Collections
import KVCache
import Logging

final class EngineCore<Runner: ModelRunner, Sampler: TokenSampler> where Runner.Logits == Sampler.Logits {
    let runner: Runner
    let sampler: Sampler
    let kvCache: KVCacheManager
    let scheduler: BatchScheduler
    let contextLength: Int
    let logger: Logger
    /// Told a request's id just before its `.finished` event, so the id can be reused at once.
    let onFinish: (String) -> Void

    /// Queued requests, in the order they are admitted (preempted ones go back to the front).
    var waiting: Deque<RequestState> = []
    /// Admitted requests, oldest first.
    var running: [RequestState] = []
    var byID: [String: RequestState] = [:]
    var counters = EngineStats()

    init(runner: Runner, sampler: Sampler, kvCache: KVCacheManager, scheduler: BatchScheduler, contextLength: Int,
         logger: Logger, onFinish: @escaping (String) -> Void) {
        self.runner = runner
        self.sampler = sampler
        self.kvCache = kvCache
        self.scheduler = scheduler
        self.contextLength = contextLength
        self.logger = logger
        self.onFinish = onFinish
        counters.kvPagesTotal = kvCache.allocator.capacityPages
    }

    var isIdle: Bool { waiting.isEmpty && running.isEmpty }

    func accept(_ request: RequestState) {
        precondition(byID[request.id] == nil, "EngineCore: request id \(request.id) is already live")
        byID[request.id] = request
        waiting.append(request)
    }

    /// Ends the request now, releasing its KV without caching it. Unknown ids (already
    /// finished) are ignored: an abort may race the request's own end. With a key, only
    /// the request of that key is aborted, not a later one reusing the id.
    func abort(id: String, key: Int? = nil) {
        guard let request = byID[id], key == nil || request.key == key else { return }
        finish(request, reason: .abort)
    }

    func abortAll() {
        for request in running + waiting { finish(request, reason: .abort) }
    }

    /// Removes the request, returns its KV (its whole pages to the prefix cache unless it
    /// was aborted) and closes its stream with `.finished`.
    func finish(_ request: RequestState, reason: FinishReason) {
        if let kv = request.kv {
            do {
                if reason == .abort {
                    try kvCache.abort(kv)
                } else {
                    try kvCache.finish(kv, tokens: request.tokens[...])
                }
            } catch {
                logger.error("releasing the KV of request \(request.id) failed: \(error)")
            }
            request.kv = nil
            running.removeAll { $0 === request }
        } else {
            waiting.removeAll { $0 === request }
        }
        byID[request.id] = nil
        onFinish(request.id)
        request.events.yield(.finished(reason, request.usage))
        request.events.finish()
    }

    /// Retracts a running request: its computed pages go to the prefix cache (so what is
    /// not evicted meanwhile is reused when it comes back), and it waits at the queue's front.
    func preempt(_ request: RequestState) {
        guard let kv = request.kv else { return }
        do {
            try kvCache.finish(kv, tokens: request.tokens[...])
        } catch {
            logger.error("releasing the KV of preempted request \(request.id) failed: \(error)")
        }
        request.kv = nil
        running.removeAll { $0 === request }
        waiting.prepend(request)
        counters.preemptionsTotal += 1
    }

    /// Takes a row and the cached prefix for a waiting request and moves it to `running`.
    func admit(_ request: RequestState) throws(KVCacheError) {
        let kv = try kvCache.admit(prompt: request.tokens[...])
        request.kv = kv
        request.prefillEnd = request.tokens.count
        if !request.wasAdmitted {
            request.wasAdmitted = true
            request.cachedPromptTokens = kv.cachedLength
            counters.promptTokensTotal += request.promptCount
            counters.cachedPromptTokensTotal += kv.cachedLength
        }
        waiting.removeAll { $0 === request }
        running.append(request)
    }

    /// Gives the request back its place at the queue's front after an admission that could not proceed.
    func unadmit(_ request: RequestState) {
        guard let kv = request.kv else { return }
        do {
            try kvCache.abort(kv)
        } catch {
            logger.error("undoing the admission of request \(request.id) failed: \(error)")
        }
        request.kv = nil
        running.removeAll { $0 === request }
        waiting.prepend(request)
    }

    /// The request as the scheduler sees it while it waits; the prefix match is what
    /// `KVCacheManager.admit` would lend it.
    func waitingView(_ request: RequestState) -> WaitingSequence {
        let cached = kvCache.prefixCache.match(request.tokens.dropLast()).length
        return WaitingSequence(key: request.key, tokenCount: request.tokens.count, cachedTokens: cached,
                               remainingOutput: request.remainingOutput)
    }

    var kvBudget: KVBudget {
        KVBudget(availablePages: kvCache.availablePages, freeRows: kvCache.tokenTable.freeRowCount, pageSize: kvCache.pageSize)
    }

    var stats: EngineStats {
        var stats = counters
        stats.runningRequests = running.count
        stats.waitingRequests = waiting.count
        // Pages that cannot be reclaimed now: held by live requests (cached pages nobody
        // locks are evictable, so they count as free, as in SGLang's token usage).
        stats.kvPagesUsed = kvCache.allocator.usedPageCount - kvCache.prefixCache.evictablePages
        return stats
    }
}
