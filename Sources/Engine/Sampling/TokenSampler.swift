// The seam between the model's logits and the next token. The CPU sampler reads host
// logits; a GPU sampler can take device logits (its own `Logits` type) and the same rows.

/// Picks one token per row of a step's logits.
public protocol TokenSampler {
    /// The logits the model runner produces (host floats for the CPU runner).
    associatedtype Logits
    /// One token per entry of `rows`, in order; row i of `logits` belongs to `rows[i]`.
    func sample(_ logits: Logits, rows: [SamplingRow]) -> [GeneratedToken]
}

/// Everything about one request the sampler needs to draw its next token.
public struct SamplingRow: Sendable {
    public var params: SamplingParams
    /// The request's seed. With `drawIndex` it fixes the random number, so a seeded request
    /// draws the same tokens whatever it is batched with, and again after a preemption.
    public var seed: UInt64
    /// Which output token is being drawn (0 for the first).
    public var drawIndex: Int
    /// The tokens the penalties look at; nil when the request has no penalty.
    public var history: TokenHistory?

    public init(params: SamplingParams, seed: UInt64 = 0, drawIndex: Int = 0, history: TokenHistory? = nil) {
        self.params = params
        self.seed = seed
        self.drawIndex = drawIndex
        self.history = history
    }
}

/// The tokens a request has seen, in the form the penalties use them.
public struct TokenHistory: Sendable, Equatable {
    /// Distinct prompt tokens (the repetition penalty covers the prompt too, as in HF transformers).
    public private(set) var promptTokens: Set<Int32>
    /// How often each token occurs in the output so far (frequency and presence penalties).
    public private(set) var outputCounts: [Int32: Int] = [:]

    public init(prompt: some Sequence<Int32>, output: some Sequence<Int32> = []) {
        promptTokens = Set(prompt)
        for token in output { append(token) }
    }

    public mutating func append(_ token: Int32) {
        outputCounts[token, default: 0] += 1
    }
}
