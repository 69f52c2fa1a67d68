// Every tensor a Llama-family decoder of a given config has, with its Hugging Face name and
// row-major shape, in load order. The loader checks checkpoints against it; the random
// checkpoint generates it.

public struct LlamaTensorSpec: Sendable, Equatable {
    public enum Role: Sendable, Equatable {
        case matrix       // a linear weight [out, in] or the embedding [vocab, hidden]
        case norm         // RMSNorm gain, 1 at initialisation
        case bias
    }

    public let name: String
    public let shape: [Int]
    public let role: Role
}

extension ModelConfig {
    public var tensorList: [LlamaTensorSpec] {
        var list = [LlamaTensorSpec(name: WeightName.embedding, shape: [vocabSize, hiddenSize], role: .matrix)]
        for i in 0 ..< layers {
            func add(_ suffix: String, _ shape: [Int], _ role: LlamaTensorSpec.Role = .matrix) {
                list.append(LlamaTensorSpec(name: WeightName.layer(i, suffix), shape: shape, role: role))
            }
            add("input_layernorm.weight", [hiddenSize], .norm)
            add("self_attn.q_proj.weight", [queryWidth, hiddenSize])
            add("self_attn.k_proj.weight", [kvWidth, hiddenSize])
            add("self_attn.v_proj.weight", [kvWidth, hiddenSize])
            if hasQKVBias {
                add("self_attn.q_proj.bias", [queryWidth], .bias)
                add("self_attn.k_proj.bias", [kvWidth], .bias)
                add("self_attn.v_proj.bias", [kvWidth], .bias)
            }
            if hasQKNorm {
                add("self_attn.q_norm.weight", [headDim], .norm)
                add("self_attn.k_norm.weight", [headDim], .norm)
            }
            add("self_attn.o_proj.weight", [hiddenSize, queryWidth])
            add("post_attention_layernorm.weight", [hiddenSize], .norm)
            add("mlp.gate_proj.weight", [intermediateSize, hiddenSize])
            add("mlp.up_proj.weight", [intermediateSize, hiddenSize])
            add("mlp.down_proj.weight", [hiddenSize, intermediateSize])
        }
        list.append(LlamaTensorSpec(name: WeightName.finalNorm, shape: [hiddenSize], role: .norm))
        if !tieWordEmbeddings {
            list.append(LlamaTensorSpec(name: WeightName.lmHead, shape: [vocabSize, hiddenSize], role: .matrix))
        }
        return list
    }
}
