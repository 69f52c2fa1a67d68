// Continuous batching with chunked prefill, as a policy over plain data (SchedulerTypes).
// Each step:
//   1. every running request that decodes gets its one token; running prefills share the
//      rest of the step's token budget, oldest first (chunked prefill);
//   2. if the KV pages cannot cover that, the newest running requests are preempted —
//      the oldest always keeps running, so the queue drains in order;
//   3. if nothing was preempted, waiting requests are admitted in arrival order while the
//      budget, the running limit, the token-table rows and the KV pages allow: a request's
//      whole prompt and a little decode headroom must fit beside what the running ones
//      will still need, so admitting it does not force a preemption later.

public struct SchedulerLimits: Sendable, Equatable {
    /// Tokens one step computes at most (decode tokens plus prefill chunks).
    public var stepTokenBudget: Int
    public var maxRunningRequests: Int
    /// Decode tokens each running request keeps room for when new ones are admitted.
    public var decodeHeadroomTokens: Int

    public init(stepTokenBudget: Int, maxRunningRequests: Int, decodeHeadroomTokens: Int) {
        self.stepTokenBudget = stepTokenBudget
        self.maxRunningRequests = maxRunningRequests
        self.decodeHeadroomTokens = decodeHeadroomTokens
    }

    /// Why these limits cannot schedule, or nil when they can.
    public func validationFailure() -> String? {
        if maxRunningRequests < 1 { return "maxRunningRequests is \(maxRunningRequests); allow at least one" }
        if stepTokenBudget <= maxRunningRequests {
            return "the step token budget \(stepTokenBudget) must exceed maxRunningRequests \(maxRunningRequests), "
                + "or a full decode batch would leave prefills no token"
        }
        if decodeHeadroomTokens < 0 { return "decodeHeadroomTokens is \(decodeHeadroomTokens); use 0 or more" }
        return nil
    }
}

public struct BatchScheduler: Sendable {
    public let limits: SchedulerLimits

    public init(limits: SchedulerLimits) {
        precondition(limits.validationFailure() == nil, "BatchScheduler: \(limits.validationFailure()!)")
        self.limits = limits
    }

    /// `running` in admission order (oldest first); `waiting` in queue order, read lazily
    /// and only as far as admission goes (its cached lengths may cost a prefix match each).
    public func plan(running: [RunningSequence], waiting: some Sequence<WaitingSequence>, kv: KVBudget) -> StepPlan {
        var kept = running
        var plan = StepPlan()
        var available = kv.availablePages
        var work = runningWork(kept)
        while kept.count > 1 && pagesNeeded(kept, work, kv) > available, let victim = kept.popLast() {
            plan.preempted.append(victim.key)
            // Optimistic when its prefix is shared with others; the engine checks for real.
            available += kv.pages(holding: victim.kvLength)
            work = runningWork(kept)
        }
        available -= pagesNeeded(kept, work, kv)
        plan.running = zip(kept, work).compactMap { $1 > 0 ? ScheduledWork(key: $0.key, newTokens: $1) : nil }
        guard plan.preempted.isEmpty else { return plan }
        plan.admitted = admissions(from: waiting, kept: kept, work: work, available: available, kv: kv)
        return plan
    }

    /// New tokens per running request: 1 for each decode, then the remaining budget to the
    /// prefills in order.
    func runningWork(_ running: [RunningSequence]) -> [Int] {
        var left = limits.stepTokenBudget
        var work = running.map { $0.pendingTokens == 1 ? 1 : 0 }
        left -= work.reduce(0, +)
        for i in running.indices where running[i].pendingTokens > 1 && left > 0 {
            work[i] = min(running[i].pendingTokens, left)
            left -= work[i]
        }
        return work
    }

    private func pagesNeeded(_ running: [RunningSequence], _ work: [Int], _ kv: KVBudget) -> Int {
        zip(running, work).reduce(0) { $0 + kv.pagesNeeded(existing: $1.0.kvLength, new: $1.1) }
    }

    private func admissions(from waiting: some Sequence<WaitingSequence>, kept: [RunningSequence], work: [Int],
                            available: Int, kv: KVBudget) -> [ScheduledWork] {
        // Pages the running requests will still take after this step: the rest of their
        // prompts plus decode headroom.
        let reserved = zip(kept, work).reduce(0) { total, pair in
            let (sequence, new) = pair
            let later = sequence.pendingTokens - new + min(sequence.remainingOutput, limits.decodeHeadroomTokens)
            return total + kv.pagesNeeded(existing: sequence.kvLength + new, new: later)
        }
        var room = available - reserved
        var left = limits.stepTokenBudget - work.reduce(0, +)
        var runningCount = kept.count, rows = kv.freeRows
        var admitted: [ScheduledWork] = []
        for candidate in waiting {
            guard runningCount < limits.maxRunningRequests, rows > 0, left > 0 else { break }
            // Its cached pages are counted too: locking them takes them out of the evictable
            // pool. With nothing running, only the prompt must fit (it always does, the
            // context being no longer than the pool), so the queue can never stall.
            let headroom = runningCount == 0 ? 0 : min(candidate.remainingOutput, limits.decodeHeadroomTokens)
            let cost = kv.pages(holding: candidate.tokenCount + headroom)
            guard cost <= room else { break }
            let chunk = min(candidate.tokenCount - candidate.cachedTokens, left)
            admitted.append(ScheduledWork(key: candidate.key, newTokens: chunk))
            room -= cost
            left -= chunk
            runningCount += 1
            rows -= 1
        }
        return admitted
    }
}
