// A deterministic InferenceEngine for server tests: every request generates the tokens of a
// script (one per step, with continuous batching over a bounded waiting queue), KV pages are
// counted as a real engine would hold them, and aborts are applied at the next step.
import Engine
import Foundation
import Synchronization

final class ScriptedEngine: InferenceEngine {
    struct Settings: Sendable {
        /// The tokens each request generates in order (cycled); a seed rotates the start.
        var script: [Int32]
        var contextLength = 2048
        var queueCapacity = 64
        var maxRunning = 8
        var pageSize = 16
        var totalPages = 4096
        var stepInterval: Duration = .milliseconds(2)
    }

    private struct Live {
        var request: GenerationRequest
        var continuation: AsyncStream<GenerationEvent>.Continuation
        var generated = 0
        var offset: Int
    }

    private struct State {
        var waiting: [Live] = []
        var running: [Live] = []
        var aborted: Set<String> = []
        var shuttingDown = false
        var paused = false
        var steps = 0
        var lastStep = ContinuousClock.now
        var promptTokens = 0
        var generatedTokens = 0
        /// Every request ever submitted (tests check that none was lost).
        var submitted: [String] = []
        var finished: [String: FinishReason] = [:]
    }

    private enum Action {
        case yield(AsyncStream<GenerationEvent>.Continuation, GenerationEvent)
        case finish(AsyncStream<GenerationEvent>.Continuation, FinishReason, GenerationUsage)
    }

    let settings: Settings
    private let state = Mutex(State())
    private let loop = Mutex<Task<Void, Never>?>(nil)

    init(_ settings: Settings) {
        self.settings = settings
        let task = Task { [weak self] in
            while !Task.isCancelled {
                guard let interval = self?.settings.stepInterval else { return }
                self?.step()
                try? await Task.sleep(for: interval)
            }
        }
        loop.withLock { $0 = task }
    }

    deinit { loop.withLock { $0?.cancel() } }

    var contextLength: Int { settings.contextLength }

    func submit(_ request: GenerationRequest) throws(SubmissionError) -> AsyncStream<GenerationEvent> {
        let (stream, continuation) = AsyncStream<GenerationEvent>.makeStream()
        let id = request.id
        try state.withLock { (state: inout State) throws(SubmissionError) in
            if state.shuttingDown { throw .shuttingDown }
            if request.promptTokens.isEmpty { throw .emptyPrompt }
            if request.promptTokens.count + 1 > settings.contextLength {
                throw .promptTooLong(promptTokens: request.promptTokens.count, contextLength: settings.contextLength)
            }
            if state.waiting.contains(where: { $0.request.id == id }) || state.running.contains(where: { $0.request.id == id }) {
                throw .duplicateID(id)
            }
            if state.waiting.count >= settings.queueCapacity { throw .queueFull(capacity: settings.queueCapacity) }
            let offset = Int(truncatingIfNeeded: (request.sampling.seed ?? 0) % UInt64(max(settings.script.count, 1)))
            state.waiting.append(Live(request: request, continuation: continuation, offset: offset))
            state.submitted.append(id)
        }
        continuation.onTermination = { [weak self] termination in
            if case .cancelled = termination { self?.abort(id: id) }
        }
        return stream
    }

    func abort(id: String) {
        state.withLock { _ = $0.aborted.insert(id) }
    }

    var stats: EngineStats {
        state.withLock { state in
            var stats = EngineStats()
            stats.runningRequests = state.running.count
            stats.waitingRequests = state.waiting.count
            stats.kvPagesUsed = state.running.reduce(0) { $0 + pages(for: $1) }
            stats.kvPagesTotal = settings.totalPages
            stats.promptTokensTotal = state.promptTokens
            stats.generatedTokensTotal = state.generatedTokens
            stats.stepsTotal = state.steps
            let idle = ContinuousClock.now - state.lastStep
            stats.secondsSinceLastStep = Double(idle.components.seconds) + Double(idle.components.attoseconds) * 1e-18
            return stats
        }
    }

    func shutdown(deadline: Double) async {
        state.withLock { $0.shuttingDown = true }
        let end = ContinuousClock.now + .milliseconds(Int(deadline * 1000))
        while ContinuousClock.now < end, state.withLock({ !$0.running.isEmpty || !$0.waiting.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(5))
        }
        let actions = state.withLock { state -> [Action] in
            let all = state.waiting + state.running
            state.waiting.removeAll()
            state.running.removeAll()
            return all.map { finish($0, .abort, in: &state) }
        }
        perform(actions)
    }

    /// Stops stepping (to simulate a stalled engine or to let the queue fill up).
    func setPaused(_ paused: Bool) {
        state.withLock {
            $0.paused = paused
            if !paused { $0.lastStep = .now }
        }
    }

    var submittedIDs: [String] { state.withLock { $0.submitted } }
    var finishReasons: [String: FinishReason] { state.withLock { $0.finished } }

    private func pages(for live: Live) -> Int {
        (live.request.promptTokens.count + live.generated + settings.pageSize - 1) / settings.pageSize
    }

    private func step() {
        let actions = state.withLock { state -> [Action] in
            guard !state.paused else { return [] }
            var actions: [Action] = []
            // Aborts first: a request aborted now frees its pages in this step.
            for live in state.waiting + state.running where state.aborted.contains(live.request.id) {
                actions.append(finish(live, .abort, in: &state))
            }
            state.waiting.removeAll { state.aborted.contains($0.request.id) }
            state.running.removeAll { state.aborted.contains($0.request.id) }
            state.aborted.removeAll()
            guard !state.waiting.isEmpty || !state.running.isEmpty else { return actions }
            var used = state.running.reduce(0) { $0 + pages(for: $1) }
            while state.running.count < settings.maxRunning, let next = state.waiting.first,
                used + pages(for: next) + 1 <= settings.totalPages
            {
                state.waiting.removeFirst()
                used += pages(for: next)
                state.promptTokens += next.request.promptTokens.count
                state.running.append(next)
            }
            var stillRunning: [Live] = []
            for var live in state.running {
                let sampling = live.request.sampling
                let token = settings.script[(live.generated + live.offset) % settings.script.count]
                if sampling.stopTokenIDs.contains(token) && !sampling.ignoreStopTokens {
                    actions.append(finish(live, .stop, in: &state))
                    continue
                }
                actions.append(.yield(live.continuation, .token(generatedToken(token, position: live.generated, sampling))))
                live.generated += 1
                state.generatedTokens += 1
                if live.generated >= sampling.maxNewTokens || live.request.promptTokens.count + live.generated >= settings.contextLength {
                    actions.append(finish(live, .length, in: &state))
                } else {
                    stillRunning.append(live)
                }
            }
            state.running = stillRunning
            state.steps += 1
            state.lastStep = .now
            return actions
        }
        perform(actions)
    }

    private func finish(_ live: Live, _ reason: FinishReason, in state: inout State) -> Action {
        state.finished[live.request.id] = reason
        return .finish(
            live.continuation, reason,
            GenerationUsage(promptTokens: live.request.promptTokens.count, cachedPromptTokens: 0, completionTokens: live.generated))
    }

    private func generatedToken(_ id: Int32, position: Int, _ sampling: SamplingParams) -> GeneratedToken {
        guard let top = sampling.topLogprobs else { return GeneratedToken(id: id) }
        let logprob = -0.125 * Float(position % 4 + 1)
        let alternatives = (0..<top).map { TokenLogprob(id: id + Int32($0), logprob: logprob - Float($0)) }
        return GeneratedToken(id: id, logprob: logprob, topLogprobs: alternatives)
    }

    // Continuations are resumed outside the lock: finishing one runs its onTermination.
    private func perform(_ actions: [Action]) {
        for action in actions {
            switch action {
            case .yield(let continuation, let event):
                continuation.yield(event)
            case .finish(let continuation, let reason, let usage):
                continuation.yield(.finished(reason, usage))
                continuation.finish()
            }
        }
    }
}
