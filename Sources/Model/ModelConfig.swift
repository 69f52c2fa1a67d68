// The shape of a Llama-family decoder: every size the weights and the forward need,
// whatever checkpoint format it came from.

public enum ModelFamily: String, Sendable, Codable, CaseIterable {
    case llama      // Llama 1–3.x, SmolLM2
    case mistral
    case qwen2      // Qwen2 / Qwen2.5: bias on q, k, v projections
    case qwen3      // RMSNorm on q and k per head, before RoPE
}

/// Llama 3.x frequency-dependent RoPE scaling ("rope_type": "llama3").
public struct Llama3RopeScaling: Sendable, Equatable, Codable {
    public var factor: Double
    public var lowFrequencyFactor: Double
    public var highFrequencyFactor: Double
    public var originalContextLength: Int

    public init(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContextLength: Int) {
        self.factor = factor
        self.lowFrequencyFactor = lowFrequencyFactor
        self.highFrequencyFactor = highFrequencyFactor
        self.originalContextLength = originalContextLength
    }
}

public struct ModelConfig: Sendable, Equatable, Codable {
    public var family: ModelFamily
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var rmsNormEpsilon: Float
    public var ropeTheta: Double
    public var ropeScaling: Llama3RopeScaling?
    /// Divisors of each RoPE inverse frequency, precomputed by llama.cpp's converter for
    /// Llama 3 scaling (GGUF tensor rope_freqs.weight); nil when absent.
    public var ropeFrequencyFactors: [Float]?
    public var maxPositions: Int
    public var tieWordEmbeddings: Bool

    public init(family: ModelFamily, vocabSize: Int, hiddenSize: Int, intermediateSize: Int, layers: Int,
                heads: Int, kvHeads: Int, headDim: Int? = nil, rmsNormEpsilon: Float = 1e-5,
                ropeTheta: Double = 10_000, ropeScaling: Llama3RopeScaling? = nil,
                ropeFrequencyFactors: [Float]? = nil, maxPositions: Int = 4096, tieWordEmbeddings: Bool = false) {
        self.family = family
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim ?? hiddenSize / heads
        self.rmsNormEpsilon = rmsNormEpsilon
        self.ropeTheta = ropeTheta
        self.ropeScaling = ropeScaling
        self.ropeFrequencyFactors = ropeFrequencyFactors
        self.maxPositions = maxPositions
        self.tieWordEmbeddings = tieWordEmbeddings
    }

    /// Qwen2 puts a bias on the q, k and v projections.
    public var hasQKVBias: Bool { family == .qwen2 }
    /// Qwen3 normalises each head of q and k before RoPE.
    public var hasQKNorm: Bool { family == .qwen3 }

    public var queryWidth: Int { heads * headDim }
    public var kvWidth: Int { kvHeads * headDim }

    /// Why the config cannot describe a model this code runs, or nil when it can.
    public func validationFailure() -> String? {
        for (name, value) in [("vocab size", vocabSize), ("hidden size", hiddenSize), ("intermediate size", intermediateSize),
                              ("layers", layers), ("heads", heads), ("KV heads", kvHeads), ("head dim", headDim)] where value <= 0 {
            return "\(name) is \(value)"
        }
        if heads % kvHeads != 0 { return "\(heads) heads do not split into \(kvHeads) KV-head groups" }
        if headDim % 2 != 0 { return "head dim \(headDim) is odd; RoPE rotates pairs" }
        return nil
    }
}
