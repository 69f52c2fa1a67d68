// ModelConfig from GGUF metadata ("{arch}.block_count", "{arch}.attention.head_count", ...).

import GGUF

extension ModelConfig {
    public init(gguf file: GGUFFile) throws(ModelError) {
        guard let arch = file.architecture else {
            throw .invalidConfig(path: file.path, reason: "general.architecture is missing")
        }
        let family: ModelFamily
        switch arch {
        case "llama": family = .llama
        case "mistral": family = .mistral
        case "qwen2": family = .qwen2
        case "qwen3": family = .qwen3
        default: throw .unsupportedArchitecture(arch)
        }
        func value(_ key: String) -> GGUFValue? { file.metadata["\(arch).\(key)"] }
        func required(_ key: String) throws(ModelError) -> Int {
            guard let v = value(key)?.int else {
                throw .invalidConfig(path: file.path, reason: "metadata \(arch).\(key) is missing")
            }
            return v
        }
        let hidden = try required("embedding_length")
        let heads = try required("attention.head_count")
        let vocab = value("vocab_size")?.int
            ?? file.metadata["tokenizer.ggml.tokens"]?.array?.count
            ?? file.tensor(named: "token_embd.weight")?.shape.first ?? 0
        var factors: [Float]?
        if let tensor = file.tensor(named: "rope_freqs.weight") {
            do throws(GGUFError) { factors = try file.dequantize(tensor) } catch { throw .gguf(error) }
        }
        self.init(family: family, vocabSize: vocab, hiddenSize: hidden,
                  intermediateSize: try required("feed_forward_length"), layers: try required("block_count"),
                  heads: heads, kvHeads: value("attention.head_count_kv")?.int ?? heads,
                  headDim: value("attention.key_length")?.int ?? hidden / heads,
                  rmsNormEpsilon: Float(value("attention.layer_norm_rms_epsilon")?.double ?? 1e-5),
                  ropeTheta: value("rope.freq_base")?.double ?? 10_000,
                  ropeFrequencyFactors: factors,
                  maxPositions: value("context_length")?.int ?? 4096,
                  tieWordEmbeddings: file.tensor(named: "output.weight") == nil)
        if let failure = validationFailure() { throw .invalidConfig(path: file.path, reason: failure) }
    }
}
