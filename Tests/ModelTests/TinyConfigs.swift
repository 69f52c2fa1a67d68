// Small configs of every family, for tests with random weights.
import Model

enum TinyConfigs {
    static let llama3 = ModelConfig(
        family: .llama, vocabSize: 96, hiddenSize: 64, intermediateSize: 96, layers: 2, heads: 4, kvHeads: 2,
        ropeTheta: 500_000,
        ropeScaling: Llama3RopeScaling(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContextLength: 16),
        maxPositions: 128)
    /// GGUF round trips carry no rope-scaling parameters (llama.cpp stores them as rope_freqs).
    static let llama3WithoutScaling = ModelConfig(
        family: .llama, vocabSize: 96, hiddenSize: 64, intermediateSize: 96, layers: 2, heads: 4, kvHeads: 2,
        ropeTheta: 500_000, maxPositions: 128)
    static let smolLM2Like = ModelConfig(
        family: .llama, vocabSize: 96, hiddenSize: 64, intermediateSize: 96, layers: 2, heads: 4, kvHeads: 1,
        ropeTheta: 100_000, tieWordEmbeddings: true)
    static let mistral = ModelConfig(
        family: .mistral, vocabSize: 96, hiddenSize: 64, intermediateSize: 128, layers: 2, heads: 4, kvHeads: 2)
    static let qwen2 = ModelConfig(
        family: .qwen2, vocabSize: 96, hiddenSize: 64, intermediateSize: 96, layers: 2, heads: 4, kvHeads: 2,
        rmsNormEpsilon: 1e-6, ropeTheta: 1_000_000, tieWordEmbeddings: true)
    static let qwen3 = ModelConfig(
        family: .qwen3, vocabSize: 96, hiddenSize: 64, intermediateSize: 96, layers: 2, heads: 4, kvHeads: 2,
        headDim: 32, rmsNormEpsilon: 1e-6, ropeTheta: 1_000_000)

    static let all: [(String, ModelConfig)] = [
        ("llama3", llama3), ("smollm2", smolLM2Like), ("mistral", mistral), ("qwen2", qwen2), ("qwen3", qwen3),
    ]
}
