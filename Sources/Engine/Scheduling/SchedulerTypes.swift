// The scheduler's world, as plain values: what it knows of running and waiting requests
// and of KV memory, and the plan it returns. No model, no KV cache, no streams: the
// engine core fills these in and carries the plan out.

/// A running request: it holds a token-table row and KV pages.
public struct RunningSequence: Sendable, Equatable {
    /// The engine's key for the request (unique, increasing with arrival).
    public var key: Int
    /// Tokens that hold KV slots.
    public var kvLength: Int
    /// Tokens whose KV is still to compute: the rest of the prompt while prefilling, 1 while decoding.
    public var pendingTokens: Int
    /// Tokens it may still generate; bounds the decode headroom kept for it.
    public var remainingOutput: Int

    public init(key: Int, kvLength: Int, pendingTokens: Int, remainingOutput: Int) {
        self.key = key
        self.kvLength = kvLength
        self.pendingTokens = pendingTokens
        self.remainingOutput = remainingOutput
    }
}

/// A queued request: new, or preempted and waiting to be recomputed.
public struct WaitingSequence: Sendable, Equatable {
    public var key: Int
    /// Tokens it brings: its prompt, plus what it generated before a preemption.
    public var tokenCount: Int
    /// Leading tokens whose KV the prefix cache would lend it (always < tokenCount: the
    /// last token is computed for its logits).
    public var cachedTokens: Int
    public var remainingOutput: Int

    public init(key: Int, tokenCount: Int, cachedTokens: Int, remainingOutput: Int) {
        precondition(cachedTokens < tokenCount, "WaitingSequence: \(cachedTokens) cached of \(tokenCount) tokens leaves nothing to compute")
        self.key = key
        self.tokenCount = tokenCount
        self.cachedTokens = cachedTokens
        self.remainingOutput = remainingOutput
    }
}

/// KV memory as the scheduler counts it.
public struct KVBudget: Sendable, Equatable {
    /// Pages an extend can get now: free ones plus those the prefix cache could evict.
    public var availablePages: Int
    /// Token-table rows not in use (one per running request).
    public var freeRows: Int
    public var pageSize: Int

    public init(availablePages: Int, freeRows: Int, pageSize: Int) {
        self.availablePages = availablePages
        self.freeRows = freeRows
        self.pageSize = pageSize
    }

    /// Pages that hold `tokens` page-aligned tokens.
    public func pages(holding tokens: Int) -> Int { (tokens + pageSize - 1) / pageSize }

    /// Fresh pages a request of `existing` tokens needs to grow by `new`.
    public func pagesNeeded(existing: Int, new: Int) -> Int { pages(holding: existing + new) - pages(holding: existing) }
}

/// New tokens one request computes in a step.
public struct ScheduledWork: Sendable, Equatable {
    public var key: Int
    public var newTokens: Int

    public init(key: Int, newTokens: Int) {
        self.key = key
        self.newTokens = newTokens
    }
}

/// What one step does.
public struct StepPlan: Sendable, Equatable {
    /// Running requests to retract (KV released, back to the front of the queue), newest first.
    public var preempted: [Int] = []
    /// Work of the requests that keep running, in running order.
    public var running: [ScheduledWork] = []
    /// Waiting requests admitted with their first chunk, in queue order.
    public var admitted: [ScheduledWork] = []

    public init(preempted: [Int] = [], running: [ScheduledWork] = [], admitted: [ScheduledWork] = []) {
        self.preempted = preempted
        self.running = running
        self.admitted = admitted
    }

    /// Tokens the step's forward computes.
    public var tokenCount: Int { (running + admitted).reduce(0) { $0 + $1.newTokens } }
    public var hasWork: Bool { !running.isEmpty || !admitted.isEmpty }
}
