// ModelConfig from a Hugging Face config.json (snake_case keys, as transformers writes them).

import Foundation

extension ModelConfig {
    private struct HuggingFaceConfig: Decodable {
        struct RopeScaling: Decodable {
            var ropeType: String?
            var type: String?
            var factor: Double?
            var lowFreqFactor: Double?
            var highFreqFactor: Double?
            var originalMaxPositionEmbeddings: Int?
            /// transformers 5 writes the base here too (`rope_parameters`), not at the top level.
            var ropeTheta: Double?
        }
        var modelType: String?
        var architectures: [String]?
        var vocabSize: Int
        var hiddenSize: Int
        var intermediateSize: Int
        var numHiddenLayers: Int
        var numAttentionHeads: Int
        var numKeyValueHeads: Int?
        var headDim: Int?
        var rmsNormEps: Double?
        var ropeTheta: Double?
        var ropeScaling: RopeScaling?
        /// transformers 5's single place for RoPE: rope_type "default" (theta only) or a
        /// scaling such as "llama3" with its parameters.
        var ropeParameters: RopeScaling?
        var maxPositionEmbeddings: Int?
        var tieWordEmbeddings: Bool?
    }

    public init(huggingFaceConfig path: String) throws(ModelError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .missingConfig(path: path)
        }
        try self.init(huggingFaceJSON: data, path: path)
    }

    public init(huggingFaceJSON data: Data, path: String = "config.json") throws(ModelError) {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let raw: HuggingFaceConfig
        do {
            raw = try decoder.decode(HuggingFaceConfig.self, from: data)
        } catch {
            throw .invalidConfig(path: path, reason: "\(error)")
        }
        let name = raw.modelType ?? raw.architectures?.first ?? "unknown"
        let family: ModelFamily
        switch raw.modelType {
        case "llama": family = .llama
        case "mistral": family = .mistral
        case "qwen2": family = .qwen2
        case "qwen3": family = .qwen3
        default: throw .unsupportedArchitecture(name)
        }
        var scaling: Llama3RopeScaling?
        let parameters = raw.ropeParameters
        let parametersScale = parameters.flatMap { ($0.ropeType ?? $0.type ?? "default") == "default" ? nil : $0 }
        if let rope = raw.ropeScaling ?? parametersScale {
            let kind = rope.ropeType ?? rope.type ?? "unknown"
            guard kind == "llama3", let factor = rope.factor, let low = rope.lowFreqFactor,
                  let high = rope.highFreqFactor, let original = rope.originalMaxPositionEmbeddings else {
                throw .invalidConfig(path: path, reason: "rope scaling \"\(kind)\" is not supported (only llama3, with all its parameters)")
            }
            scaling = Llama3RopeScaling(factor: factor, lowFrequencyFactor: low,
                                        highFrequencyFactor: high, originalContextLength: original)
        }
        self.init(family: family, vocabSize: raw.vocabSize, hiddenSize: raw.hiddenSize,
                  intermediateSize: raw.intermediateSize, layers: raw.numHiddenLayers,
                  heads: raw.numAttentionHeads, kvHeads: raw.numKeyValueHeads ?? raw.numAttentionHeads,
                  headDim: raw.headDim, rmsNormEpsilon: Float(raw.rmsNormEps ?? 1e-6),
                  ropeTheta: raw.ropeTheta ?? parameters?.ropeTheta ?? 10_000, ropeScaling: scaling,
                  maxPositions: raw.maxPositionEmbeddings ?? 4096,
                  tieWordEmbeddings: raw.tieWordEmbeddings ?? false)
        if let failure = validationFailure() { throw .invalidConfig(path: path, reason: failure) }
    }
}
