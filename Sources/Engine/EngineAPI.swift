// The engine's public contract: what the server and the CLI submit, and what comes back.
// The engine owns scheduling, KV memory and sampling; callers see only token events.

/// How the next token is chosen, and when generation stops. Defaults are greedy.
public struct SamplingParams: Sendable, Equatable {
    /// 0 means greedy (argmax).
    public var temperature: Float = 0
    /// Keep the smallest set of tokens whose probabilities sum to at least topP (1: off).
    public var topP: Float = 1
    /// Keep the topK most likely tokens (0: off).
    public var topK: Int = 0
    /// Drop tokens whose probability is below minP × the top probability (0: off).
    public var minP: Float = 0
    /// > 1 penalises tokens already in the prompt or output (1: off), as HF transformers does.
    public var repetitionPenalty: Float = 1
    /// Subtracted from a token's logit once per earlier occurrence in the output (OpenAI).
    public var frequencyPenalty: Float = 0
    /// Subtracted from a token's logit once if it occurred in the output (OpenAI).
    public var presencePenalty: Float = 0
    /// Per-request seed; nil draws a fresh one.
    public var seed: UInt64?
    /// Generation stops after this many new tokens (finish reason `.length`).
    public var maxNewTokens: Int = 128
    /// Tokens that end generation (finish reason `.stop`); the model's end-of-sequence and
    /// end-of-turn ids are added by the caller that knows the tokenizer.
    public var stopTokenIDs: Set<Int32> = []
    /// Keep generating past stop tokens (benchmarks).
    public var ignoreStopTokens = false
    /// Report the chosen token's log-probability and this many top alternatives (nil: none).
    public var topLogprobs: Int?

    public init() {}
}

public struct GenerationRequest: Sendable {
    /// Caller-chosen id, unique among live requests; used to abort.
    public var id: String
    public var promptTokens: [Int32]
    public var sampling: SamplingParams

    public init(id: String, promptTokens: [Int32], sampling: SamplingParams = SamplingParams()) {
        self.id = id
        self.promptTokens = promptTokens
        self.sampling = sampling
    }
}

public struct GeneratedToken: Sendable, Equatable {
    public var id: Int32
    /// Log-probability of `id` (nil unless asked for).
    public var logprob: Float?
    /// The most likely alternatives, best first (empty unless asked for).
    public var topLogprobs: [TokenLogprob]

    public init(id: Int32, logprob: Float? = nil, topLogprobs: [TokenLogprob] = []) {
        self.id = id
        self.logprob = logprob
        self.topLogprobs = topLogprobs
    }
}

public struct TokenLogprob: Sendable, Equatable {
    public var id: Int32
    public var logprob: Float
    public init(id: Int32, logprob: Float) { self.id = id; self.logprob = logprob }
}

public enum FinishReason: String, Sendable, Equatable {
    /// A stop token was generated (it is not emitted as a `.token` event).
    case stop
    /// maxNewTokens reached, or the context is full.
    case length
    /// Aborted by the caller (or the client went away), or the engine shut down.
    case abort
}

public struct GenerationUsage: Sendable, Equatable {
    public var promptTokens: Int
    /// Prompt tokens whose KV came from the prefix cache (not computed again).
    public var cachedPromptTokens: Int
    public var completionTokens: Int
    public init(promptTokens: Int, cachedPromptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.completionTokens = completionTokens
    }
}

public enum GenerationEvent: Sendable, Equatable {
    case token(GeneratedToken)
    /// Always the last event of a stream.
    case finished(FinishReason, GenerationUsage)
}

/// Why a request was refused at submission. Each case says what the caller can change.
public enum SubmissionError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyPrompt
    /// Prompt plus at least one new token does not fit the model's context.
    case promptTooLong(promptTokens: Int, contextLength: Int)
    /// The waiting queue is full; retry later.
    case queueFull(capacity: Int)
    case duplicateID(String)
    case invalidSampling(String)
    case shuttingDown

    public var description: String {
        switch self {
        case .emptyPrompt: return "the prompt is empty: send at least one token"
        case .promptTooLong(let prompt, let context):
            return "the prompt has \(prompt) tokens but the context holds \(context) (including at least one new token): shorten it"
        case .queueFull(let capacity): return "the waiting queue is full (\(capacity) requests): retry later"
        case .duplicateID(let id): return "a request with id \(id) is already running"
        case .invalidSampling(let why): return "invalid sampling parameters: \(why)"
        case .shuttingDown: return "the engine is shutting down"
        }
    }
}

/// A snapshot of the engine for /health and /metrics.
public struct EngineStats: Sendable, Equatable {
    public var runningRequests = 0
    public var waitingRequests = 0
    /// Pages held by live requests. Prefix-cache pages no request locks are evictable and
    /// count as free (SGLang's token usage), so this is 0 whenever nothing runs.
    public var kvPagesUsed = 0
    /// Pages that can be handed out (the reserved page 0 excluded).
    public var kvPagesTotal = 0
    public var promptTokensTotal = 0
    public var cachedPromptTokensTotal = 0
    public var generatedTokensTotal = 0
    /// Running requests retracted to free KV (they are recomputed later).
    public var preemptionsTotal = 0
    /// Steps run since start; unchanged while work waits means the engine is stalled.
    public var stepsTotal = 0
    public var secondsSinceLastStep: Double = 0
    public init() {}
}

/// What the server and the CLI drive. `Engine` is the real one; tests may use others.
public protocol InferenceEngine: AnyObject, Sendable {
    /// Queues a request; events arrive on the returned stream, ending with `.finished`.
    /// Cancelling the stream's consumer (or `abort`) aborts the request and frees its KV
    /// within one engine step.
    func submit(_ request: GenerationRequest) throws(SubmissionError) -> AsyncStream<GenerationEvent>
    func abort(id: String)
    var stats: EngineStats { get }
    /// The model's context length (prompt + output).
    var contextLength: Int { get }
    /// Stops accepting requests; finishes or aborts what runs within `deadline` seconds.
    func shutdown(deadline: Double) async
}
