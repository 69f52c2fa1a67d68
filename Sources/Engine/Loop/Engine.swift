// The engine callers use: submit a request, get an AsyncStream of its tokens. The work
// happens on the engine's own thread (EngineLoop); this class only talks to it through
// the mailbox, so it is safe to call from any task or thread.

import Dispatch
import Foundation
import KVCache
import Logging
import Synchronization

public final class Engine: InferenceEngine {
    public let contextLength: Int
    public let configuration: EngineConfiguration
    private let vocabSize: Int
    private let mailbox: Mutex<EngineMailbox>
    private let wakeUp = DispatchSemaphore(value: 0)

    /// Starts the loop thread over `runner` and `kvCache` (whose rows bound the running
    /// requests and whose pool bounds the context).
    public init<Runner: ModelRunner, Sampler: TokenSampler>(
        runner: Runner, sampler: Sampler, kvCache: KVCacheManager, configuration: EngineConfiguration = EngineConfiguration(),
        logger: Logger = Logger(label: "flashserve.engine")
    ) throws(EngineError) where Runner.Logits == Sampler.Logits {
        var configuration = configuration
        configuration.maxRunningRequests = min(configuration.maxRunningRequests, kvCache.tokenTable.maxRequests - 1)
        if let why = configuration.schedulerLimits.validationFailure() { throw .invalidConfiguration(why) }
        if configuration.maxQueuedRequests < 1 {
            throw .invalidConfiguration("maxQueuedRequests is \(configuration.maxQueuedRequests); allow at least one")
        }
        // A lone request must always fit the pool, or the oldest request could never finish.
        let poolTokens = kvCache.allocator.capacityPages * kvCache.pageSize
        let context = min(kvCache.tokenTable.maxContext, poolTokens, configuration.maxContextLength ?? .max)
        guard context >= 2 else {
            throw .invalidConfiguration("the context holds \(context) tokens; give the KV pool and token table room for at least 2")
        }
        contextLength = context
        self.configuration = configuration
        vocabSize = runner.vocabSize
        mailbox = Mutex(EngineMailbox())
        mailbox.withLock { $0.stats.kvPagesTotal = kvCache.allocator.capacityPages }

        let core = EngineCore(runner: runner, sampler: sampler, kvCache: kvCache,
                              scheduler: BatchScheduler(limits: configuration.schedulerLimits), contextLength: context,
                              logger: logger, onFinish: { [self] id in self.requestFinished(id) })
        EngineLoop(core: core, engine: self).start()
    }

    public func submit(_ request: GenerationRequest) throws(SubmissionError) -> AsyncStream<GenerationEvent> {
        if request.promptTokens.isEmpty { throw .emptyPrompt }
        if request.promptTokens.count + 1 > contextLength {
            throw .promptTooLong(promptTokens: request.promptTokens.count, contextLength: contextLength)
        }
        if let why = request.sampling.validationFailure() { throw .invalidSampling(why) }
        if let bad = request.promptTokens.first(where: { $0 < 0 || Int($0) >= vocabSize }) {
            throw .invalidSampling("prompt token \(bad) is outside the vocabulary 0..<\(vocabSize)")
        }
        let (stream, events) = AsyncStream.makeStream(of: GenerationEvent.self)
        let seed = request.sampling.seed ?? UInt64.random(in: .min ... .max)
        let id = request.id
        let key = try mailbox.withLock { (box: inout EngineMailbox) throws(SubmissionError) -> Int in
            guard box.accepting else { throw .shuttingDown }
            guard !box.liveIDs.contains(id) else { throw .duplicateID(id) }
            guard box.waitingCount < configuration.maxQueuedRequests else {
                throw .queueFull(capacity: configuration.maxQueuedRequests)
            }
            box.liveIDs.insert(id)
            box.submissions.append(Submission(key: box.nextKey, request: request, seed: seed, events: events))
            box.nextKey += 1
            return box.nextKey - 1
        }
        // A consumer that stops listening aborts the request; its KV is freed on the next step.
        events.onTermination = { [weak self] termination in
            if case .cancelled = termination { self?.send(AbortOrder(id: id, key: key)) }
        }
        wakeUp.signal()
        return stream
    }

    public func abort(id: String) {
        send(AbortOrder(id: id, key: nil))
    }

    private func send(_ order: AbortOrder) {
        mailbox.withLock { $0.aborts.append(order) }
        wakeUp.signal()
    }

    public var stats: EngineStats {
        mailbox.withLock { box in
            var stats = box.stats
            stats.waitingRequests = box.waitingCount
            stats.secondsSinceLastStep = (ContinuousClock.now - box.lastStep) / .seconds(1)
            return stats
        }
    }

    public func shutdown(deadline: Double) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let ended = mailbox.withLock { box in
                box.accepting = false
                let limit = ContinuousClock.now + .seconds(max(deadline, 0))
                box.shutdownDeadline = min(box.shutdownDeadline ?? limit, limit)
                if !box.loopEnded { box.shutdownWaiters.append(waiter) }
                return box.loopEnded
            }
            if ended { waiter.resume() }
            wakeUp.signal()
        }
    }

    // MARK: The loop's side of the mailbox.

    /// New submissions and aborts since the last call, and the shutdown deadline if any.
    func takeMail() -> (submissions: [Submission], aborts: [AbortOrder], shutdownDeadline: ContinuousClock.Instant?) {
        mailbox.withLock { box in
            defer { box.submissions = []; box.aborts = [] }
            return (box.submissions, box.aborts, box.shutdownDeadline)
        }
    }

    func publish(_ stats: EngineStats, stepped: Bool) {
        mailbox.withLock { box in
            box.stats = stats
            box.loopWaiting = stats.waitingRequests
            if stepped { box.lastStep = .now }
        }
    }

    func requestFinished(_ id: String) {
        _ = mailbox.withLock { $0.liveIDs.remove(id) }
    }

    func loopEnded() {
        let waiters = mailbox.withLock { box in
            box.loopEnded = true
            defer { box.shutdownWaiters = [] }
            return box.shutdownWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Blocks the loop thread until a submission, an abort or a shutdown arrives.
    func waitForMail() { wakeUp.wait() }
}
