// One request inside the engine: its tokens, where it stands in the KV cache, and the
// stream its events go to. Owned by the engine loop thread alone.

import KVCache

final class RequestState {
    /// Increasing with arrival; the scheduler's key.
    let key: Int
    let id: String
    let promptCount: Int
    /// Prompt then output tokens.
    private(set) var tokens: [Int32]
    let sampling: SamplingParams
    let seed: UInt64
    private(set) var history: TokenHistory?
    let events: AsyncStream<GenerationEvent>.Continuation

    /// Its hold on the KV cache while running; nil while waiting.
    var kv: RequestKV?
    /// Tokens it held when last admitted: up to there it is prefilling.
    var prefillEnd = 0
    /// Prompt tokens the prefix cache lent it at its first admission.
    var cachedPromptTokens = 0
    var wasAdmitted = false

    init(key: Int, request: GenerationRequest, seed: UInt64, events: AsyncStream<GenerationEvent>.Continuation) {
        self.key = key
        id = request.id
        promptCount = request.promptTokens.count
        tokens = request.promptTokens
        sampling = request.sampling
        self.seed = seed
        history = request.sampling.hasPenalties ? TokenHistory(prompt: request.promptTokens) : nil
        self.events = events
    }

    var outputCount: Int { tokens.count - promptCount }
    var kvLength: Int { kv?.length ?? 0 }
    /// Tokens whose KV is not computed yet (the last one's logits give the next token).
    var pendingTokens: Int { tokens.count - kvLength }
    var remainingOutput: Int { max(sampling.maxNewTokens - outputCount, 0) }

    func append(_ token: Int32) {
        tokens.append(token)
        history?.append(token)
    }

    var samplingRow: SamplingRow {
        SamplingRow(params: sampling, seed: seed, drawIndex: outputCount, history: history)
    }

    var usage: GenerationUsage {
        GenerationUsage(promptTokens: promptCount, cachedPromptTokens: cachedPromptTokens, completionTokens: outputCount)
    }

    var runningView: RunningSequence {
        RunningSequence(key: key, kvLength: kvLength, pendingTokens: pendingTokens, remainingOutput: remainingOutput)
    }
}
