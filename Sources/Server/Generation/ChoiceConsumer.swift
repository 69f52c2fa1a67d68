// Reads one choice's engine stream: turns tokens into deltas, stops at a stop string (and
// aborts the rest in the engine), times first and later tokens, and reports how it ended.
import Engine

struct ChoiceConsumer: Sendable {
    let index: Int
    let engineID: String
    let promptTokens: Int
    let engine: any InferenceEngine
    var assembler: ChoiceAssembler
    let metrics: ServerMetrics
    let arrival: ContinuousClock.Instant
    let abortReason: AbortFlag

    consuming func consume(_ stream: AsyncStream<GenerationEvent>, into output: AsyncStream<RunEvent>.Continuation) async {
        var lastToken: ContinuousClock.Instant?
        var finished = false
        for await event in stream {
            switch event {
            case .token(let token):
                let now = ContinuousClock.now
                if let lastToken { metrics.recordInterTokenLatency(now - lastToken) } else { metrics.recordTimeToFirstToken(now - arrival) }
                lastToken = now
                let wasStopped = assembler.hitStopString
                let delta = assembler.accept(token)
                if !delta.isEmpty { output.yield(.delta(index: index, delta)) }
                // The stop string is in: the engine need not go on (the stream still ends with .finished).
                if !wasStopped && assembler.hitStopString { engine.abort(id: engineID) }
            case .finished(let reason, var usage):
                let tail = assembler.finish()
                if !tail.isEmpty { output.yield(.delta(index: index, ChoiceDelta(text: tail, tokens: []))) }
                let finish = finishReason(reason)
                usage.completionTokens = assembler.completionTokens
                metrics.recordFinished(finish, endToEnd: ContinuousClock.now - arrival)
                output.yield(.finished(index: index, finish, usage))
                finished = true
            }
        }
        if !finished {
            // The stream ended without its final event (the engine went away): report an abort.
            output.yield(.finished(
                index: index, .aborted,
                GenerationUsage(promptTokens: promptTokens, cachedPromptTokens: 0, completionTokens: assembler.completionTokens)))
        }
    }

    private func finishReason(_ reason: FinishReason) -> ChoiceFinish {
        if assembler.hitStopString { return .stop }
        switch reason {
        case .stop: return .stop
        case .length: return .length
        case .abort: return abortReason.value == .timedOut ? .timedOut : .aborted
        }
    }
}
