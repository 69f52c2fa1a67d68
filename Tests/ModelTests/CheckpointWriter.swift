// Writes a checkpoint's tensors out as a Hugging Face folder or as a GGUF file, for tests
// that load the same weights through different formats.
import Foundation
import GGUF
import Model

enum CheckpointWriter {
    static func configJSON(_ c: ModelConfig) -> String {
        let modelType = ["llama": "llama", "mistral": "mistral", "qwen2": "qwen2", "qwen3": "qwen3"][c.family.rawValue]!
        return """
        {"model_type": "\(modelType)", "vocab_size": \(c.vocabSize), "hidden_size": \(c.hiddenSize),
         "intermediate_size": \(c.intermediateSize), "num_hidden_layers": \(c.layers),
         "num_attention_heads": \(c.heads), "num_key_value_heads": \(c.kvHeads), "head_dim": \(c.headDim),
         "rms_norm_eps": \(c.rmsNormEpsilon), "rope_theta": \(c.ropeTheta), "max_position_embeddings": \(c.maxPositions),
         "tie_word_embeddings": \(c.tieWordEmbeddings)}
        """
    }

    /// config.json and the tensors in `shards` safetensors files (with an index when more than one).
    static func writeHuggingFace(_ checkpoint: any Checkpoint, to folder: URL, shards: Int = 1,
                                 dtype: String = "F32") throws {
        try Data(configJSON(checkpoint.config).utf8).write(to: folder.appendingPathComponent("config.json"))
        let specs = checkpoint.config.tensorList
        var weightMap: [String: String] = [:]
        for shard in 0 ..< shards {
            let name = shards == 1 ? "model.safetensors" : "model-\(shard + 1)-of-\(shards).safetensors"
            var tensors: [SafetensorsWriter.Tensor] = []
            for (i, spec) in specs.enumerated() where i % shards == shard {
                let values = try checkpoint.tensor(named: spec.name).floats()
                switch dtype {
                case "BF16": tensors.append(.bfloat16(spec.name, shape: spec.shape, values))
                case "F16": tensors.append(.float16(spec.name, shape: spec.shape, values))
                default: tensors.append(.float32(spec.name, shape: spec.shape, values))
                }
                weightMap[spec.name] = name
            }
            try SafetensorsWriter.write(tensors, to: folder.appendingPathComponent(name))
        }
        if shards > 1 {
            let index = try JSONSerialization.data(withJSONObject: ["metadata": [String: Any](), "weight_map": weightMap])
            try index.write(to: folder.appendingPathComponent("model.safetensors.index.json"))
        }
    }

    /// llama.cpp's converter reorders q/k rows of llama-architecture models:
    /// w.reshape(heads, 2, rows / heads / 2, cols).swapaxes(1, 2), i.e. GGUF row (head, i, half)
    /// takes Hugging Face row (head, half, i). Written here as the converter states it.
    static func llamaCppPermute(_ values: [Float], rows: Int, columns: Int, heads: Int) -> [Float] {
        let headDim = rows / heads, half = headDim / 2
        var out = [Float](repeating: 0, count: values.count)
        for head in 0 ..< heads {
            for i in 0 ..< half {
                for pair in 0 ..< 2 {
                    let source = head * headDim + pair * half + i
                    let destination = head * headDim + i * 2 + pair
                    for c in 0 ..< columns { out[destination * columns + c] = values[source * columns + c] }
                }
            }
        }
        return out
    }

    /// A float32 GGUF as llama.cpp's converter would write it (q/k permuted for llama
    /// unless `permute` is false, which makes a deliberately broken file).
    static func writeGGUF(_ checkpoint: any Checkpoint, to path: String, permute: Bool = true) throws {
        let c = checkpoint.config
        let arch = c.family == .mistral ? "llama" : c.family.rawValue
        var writer = GGUFWriter()
        writer.set("general.architecture", .string(arch))
        writer.set("\(arch).block_count", .uint32(UInt32(c.layers)))
        writer.set("\(arch).context_length", .uint32(UInt32(c.maxPositions)))
        writer.set("\(arch).embedding_length", .uint32(UInt32(c.hiddenSize)))
        writer.set("\(arch).feed_forward_length", .uint32(UInt32(c.intermediateSize)))
        writer.set("\(arch).attention.head_count", .uint32(UInt32(c.heads)))
        writer.set("\(arch).attention.head_count_kv", .uint32(UInt32(c.kvHeads)))
        writer.set("\(arch).attention.key_length", .uint32(UInt32(c.headDim)))
        writer.set("\(arch).attention.layer_norm_rms_epsilon", .float32(c.rmsNormEpsilon))
        writer.set("\(arch).rope.freq_base", .float32(Float(c.ropeTheta)))
        writer.set("\(arch).vocab_size", .uint32(UInt32(c.vocabSize)))
        for spec in c.tensorList {
            var values = try checkpoint.tensor(named: spec.name).floats()
            let isLlama = arch == "llama"
            if permute, isLlama, spec.name.hasSuffix("q_proj.weight") || spec.name.hasSuffix("k_proj.weight") {
                let heads = spec.name.hasSuffix("q_proj.weight") ? c.heads : c.kvHeads
                values = llamaCppPermute(values, rows: spec.shape[0], columns: spec.shape.count > 1 ? spec.shape[1] : 1, heads: heads)
            }
            writer.tensors.append(.float32(WeightName.ggufName(spec.name)!, shape: spec.shape, values))
        }
        try writer.write(to: path)
    }
}
