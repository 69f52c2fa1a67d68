// One request in flight: its choices submitted to the engine, their token streams merged
// into one stream of text deltas. Aborting (client gone, timeout) or dropping the run aborts
// every choice in the engine, which frees their KV within one step.
import Engine
import Synchronization
import Tokenizer

/// What happens to a request, in order, over all its choices.
enum RunEvent: Sendable, Equatable {
    case delta(index: Int, ChoiceDelta)
    /// The choice's last event; `usage.completionTokens` counts only tokens that were output.
    case finished(index: Int, ChoiceFinish, GenerationUsage)
}

final class GenerationRun: Sendable {
    enum AbortReason: Sendable { case clientGone, timedOut }

    let events: AsyncStream<RunEvent>
    private let engine: any InferenceEngine
    private let engineIDs: [String]
    private let abortReason: AbortFlag
    private let producer: Task<Void, Never>

    /// Submits every choice; if the engine refuses one, the ones already queued are aborted.
    init(
        id: String, plan: GenerationPlan, engine: any InferenceEngine, tokenizer: Tokenizer,
        metrics: ServerMetrics, arrival: ContinuousClock.Instant
    ) throws(APIError) {
        let engineIDs = plan.choices.indices.map { "\(id)-\($0)" }
        var streams: [AsyncStream<GenerationEvent>] = []
        for (index, choice) in plan.choices.enumerated() {
            do {
                streams.append(try engine.submit(
                    GenerationRequest(id: engineIDs[index], promptTokens: choice.promptTokens, sampling: choice.sampling)))
            } catch {
                for submitted in engineIDs[..<index] { engine.abort(id: submitted) }
                throw APIError(error, promptParam: plan.promptParam)
            }
        }
        let abortReason = AbortFlag()
        let (events, continuation) = AsyncStream<RunEvent>.makeStream()
        let choiceCount = streams.count
        let timeout = plan.timeout
        producer = Task {
            await withTaskGroup(of: Bool.self) { group in
                for (index, stream) in streams.enumerated() {
                    let assembler = ChoiceAssembler(
                        tokenizer: tokenizer, skipSpecialTokens: plan.skipSpecialTokens, stopStrings: plan.stopStrings)
                    let consumer = ChoiceConsumer(
                        index: index, engineID: engineIDs[index], promptTokens: plan.choices[index].promptTokens.count, engine: engine, assembler: assembler,
                        metrics: metrics, arrival: arrival, abortReason: abortReason)
                    group.addTask {
                        await consumer.consume(stream, into: continuation)
                        return true
                    }
                }
                if let timeout {
                    group.addTask {
                        try? await Task.sleep(for: .seconds(timeout))
                        if !Task.isCancelled, abortReason.set(.timedOut) {
                            for id in engineIDs { engine.abort(id: id) }
                        }
                        return false
                    }
                }
                var remaining = choiceCount
                for await isChoice in group where isChoice {
                    remaining -= 1
                    if remaining == 0 { break }
                }
                group.cancelAll()
            }
            continuation.finish()
        }
        self.events = events
        self.engine = engine
        self.engineIDs = engineIDs
        self.abortReason = abortReason
    }

    /// Aborts every choice still running; each ends with `.finished(_, .aborted or .timedOut, _)`.
    func abort(_ reason: AbortReason) {
        if abortReason.set(reason) {
            for id in engineIDs { engine.abort(id: id) }
        }
    }

    deinit {
        // Nobody will read the rest: free the engine's work now rather than at max_tokens.
        for id in engineIDs { engine.abort(id: id) }
        producer.cancel()
    }

    /// Every choice's whole output (non-streaming responses).
    func collect() async -> [ChoiceResult] {
        var results: [Int: ChoiceResult] = [:]
        for await event in events {
            switch event {
            case .delta(let index, let delta):
                results[index, default: ChoiceResult()].append(delta)
            case .finished(let index, let finish, let usage):
                results[index, default: ChoiceResult()].finish = finish
                results[index, default: ChoiceResult()].usage = usage
            }
        }
        return results.keys.sorted().map { results[$0]! }
    }
}

/// A choice's complete output.
struct ChoiceResult: Sendable, Equatable {
    var text = ""
    var tokens: [GeneratedToken] = []
    var finish: ChoiceFinish = .aborted
    var usage = GenerationUsage(promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0)

    mutating func append(_ delta: ChoiceDelta) {
        text += delta.text
        tokens += delta.tokens
    }
}

/// The first reason a run was aborted for; later ones are ignored.
final class AbortFlag: Sendable {
    private let reason = Mutex<GenerationRun.AbortReason?>(nil)

    /// Records `newReason` unless one is already set; true if this call set it.
    func set(_ newReason: GenerationRun.AbortReason) -> Bool {
        reason.withLock { current in
            guard current == nil else { return false }
            current = newReason
            return true
        }
    }

    var value: GenerationRun.AbortReason? { reason.withLock { $0 } }
}
