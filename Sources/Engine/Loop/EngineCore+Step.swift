// One engine step: plan (BatchScheduler), carry the plan out on the KV cache, run the
// model on the resulting ForwardBatch, sample, and deliver tokens and finishes.

import KVCache

extension EngineCore {
    /// Returns false when there was nothing to run. `scheduled` is called once the step's
    /// requests are admitted and hold their KV, before the forward (which may take a while).
    @discardableResult
    func step(scheduled: () -> Void = {}) -> Bool {
        guard let entries = scheduleAndAllocate() else { return false }
        scheduled()
        let batch = StepBatchBuilder.forwardBatch(entries, tokenTable: kvCache.tokenTable)
        let logits = runner.forward(batch)
        counters.stepsTotal += 1
        let sampled = entries.filter(\.samples)
        let tokens = sampler.sample(logits, rows: sampled.map(\.request.samplingRow))
        // Prompt pages go to the prefix cache as soon as they are computed, so requests
        // running beside this one can share them.
        for entry in entries where entry.isPrefill { cacheChunk(entry.request) }
        for (entry, token) in zip(sampled, tokens) { deliver(token, to: entry.request) }
        return true
    }

    /// The step's sequences with KV slots for their new tokens, or nil when nothing runs.
    /// The plan counts pages as the scheduler sees them; when the real cache disagrees
    /// (shared prefixes), the step is planned again without admissions, then with one more
    /// request preempted each time.
    func scheduleAndAllocate() -> [StepEntry]? {
        var admitting = true
        while true {
            let candidates = waiting.lazy.prefix(admitting ? waiting.count : 0).map(waitingView)
            let plan = scheduler.plan(running: running.map(\.runningView), waiting: candidates, kv: kvBudget)
            for key in plan.preempted {
                if let request = running.first(where: { $0.key == key }) { preempt(request) }
            }
            guard plan.hasWork else { return nil }
            var work: [(request: RequestState, newTokens: Int)] = plan.running.compactMap { item in
                running.first { $0.key == item.key }.map { ($0, item.newTokens) }
            }
            var admitted: [RequestState] = []
            for item in plan.admitted {
                guard let request = waiting.first(where: { $0.key == item.key }) else { continue }
                do {
                    try admit(request)
                } catch {
                    logger.warning("admitting request \(request.id) failed: \(error)")
                    break
                }
                admitted.append(request)
                work.append((request, min(item.newTokens, request.pendingTokens)))
            }
            // Every admission failed (no row): nothing to run this step.
            if work.isEmpty { return nil }
            var kvs = work.map { $0.request.kv! }
            let before = kvs.map(\.length)
            do {
                _ = try kvCache.extend(&kvs, newTokens: work.map(\.newTokens))
            } catch {
                for request in admitted.reversed() { unadmit(request) }
                if case .outOfPages = error {
                    if admitted.isEmpty { relieveMemoryPressure() }
                    admitting = false
                } else {
                    logger.error("allocating KV for a step failed: \(error); aborting its requests")
                    for item in work where item.request.kv != nil { finish(item.request, reason: .abort) }
                }
                continue
            }
            for (item, kv) in zip(work, kvs) { item.request.kv = kv }
            return zip(work, before).map { StepEntry(request: $0.request, cachedBefore: $1, newTokens: $0.newTokens) }
        }
    }

    /// Frees pages after an allocation failed: preempts the newest running request, or
    /// ends the only one (it cannot grow even alone: its context is full).
    private func relieveMemoryPressure() {
        if running.count > 1, let newest = running.last {
            preempt(newest)
        } else if let only = running.first {
            finish(only, reason: .length)
        } else if let head = waiting.first {
            // Unreachable while the context is no longer than the pool; never loop on it.
            logger.error("request \(head.id) does not fit the KV pool even alone; ending it")
            finish(head, reason: .length)
        }
    }

    private func cacheChunk(_ request: RequestState) {
        guard var kv = request.kv else { return }
        do {
            try kvCache.cacheChunk(&kv, tokens: request.tokens[...])
            request.kv = kv
        } catch {
            logger.error("caching the prompt pages of request \(request.id) failed: \(error)")
        }
    }

    /// A sampled token: a stop token ends the request unseen; any other is emitted, and
    /// ends it when it is the last allowed.
    private func deliver(_ token: GeneratedToken, to request: RequestState) {
        let params = request.sampling
        if !params.ignoreStopTokens && params.stopTokenIDs.contains(token.id) {
            finish(request, reason: .stop)
            return
        }
        request.append(token.id)
        counters.generatedTokensTotal += 1
        request.events.yield(.token(token))
        if request.outputCount >= params.maxNewTokens || request.tokens.count >= contextLength {
            finish(request, reason: .length)
        }
    }
}
