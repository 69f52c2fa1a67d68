// What callers and the loop thread share, behind one lock: submissions and aborts on
// their way in, the live ids, the last published stats, and the shutdown hand-shake.

/// A request handed to the loop: everything Sendable, turned into a RequestState there.
struct Submission: Sendable {
    let key: Int
    let request: GenerationRequest
    let seed: UInt64
    let events: AsyncStream<GenerationEvent>.Continuation
}

/// An abort on its way to the loop. A cancelled stream names its request's key too, so a
/// late cancellation cannot abort a newer request that reuses the id.
struct AbortOrder: Sendable {
    let id: String
    let key: Int?
}

struct EngineMailbox: ~Copyable {
    var accepting = true
    var nextKey = 0
    var submissions: [Submission] = []
    var aborts: [AbortOrder] = []
    /// Ids from submission until just before their `.finished` event.
    var liveIDs: Set<String> = []
    /// Requests queued inside the loop, as of its last report.
    var loopWaiting = 0
    var stats = EngineStats()
    var lastStep = ContinuousClock.now
    var shutdownDeadline: ContinuousClock.Instant?
    var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    var loopEnded = false

    /// Requests not yet admitted: those the loop has not taken yet and those it queues.
    var waitingCount: Int { submissions.count + loopWaiting }
}
