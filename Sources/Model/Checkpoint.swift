// Where weights come from: a Hugging Face folder, a GGUF file, or a seeded random generator.
// Every source speaks Hugging Face tensor names and layouts; the GGUF source translates.

public protocol Checkpoint {
    var config: ModelConfig { get }
    /// Human-readable origin (a path, or "random (seed 7)") for messages.
    var source: String { get }
    func contains(_ name: String) -> Bool
    /// The tensor named `name` (Hugging Face naming), in Hugging Face layout.
    func tensor(named name: String) throws(ModelError) -> LoadedTensor
}

/// Hugging Face tensor names of a Llama-family decoder.
public enum WeightName {
    public static let embedding = "model.embed_tokens.weight"
    public static let finalNorm = "model.norm.weight"
    public static let lmHead = "lm_head.weight"

    public static func layer(_ i: Int, _ suffix: String) -> String { "model.layers.\(i).\(suffix)" }

    /// Hugging Face name → llama.cpp GGUF name (the one place the two vocabularies meet).
    public static func ggufName(_ name: String) -> String? {
        switch name {
        case embedding: return "token_embd.weight"
        case finalNorm: return "output_norm.weight"
        case lmHead: return "output.weight"
        default: break
        }
        let parts = name.split(separator: ".", maxSplits: 3)
        guard parts.count == 4, parts[0] == "model", parts[1] == "layers", let index = Int(parts[2]) else { return nil }
        let suffixes: [String: String] = [
            "input_layernorm.weight": "attn_norm.weight",
            "post_attention_layernorm.weight": "ffn_norm.weight",
            "self_attn.q_proj.weight": "attn_q.weight", "self_attn.q_proj.bias": "attn_q.bias",
            "self_attn.k_proj.weight": "attn_k.weight", "self_attn.k_proj.bias": "attn_k.bias",
            "self_attn.v_proj.weight": "attn_v.weight", "self_attn.v_proj.bias": "attn_v.bias",
            "self_attn.o_proj.weight": "attn_output.weight",
            "self_attn.q_norm.weight": "attn_q_norm.weight", "self_attn.k_norm.weight": "attn_k_norm.weight",
            "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
            "mlp.down_proj.weight": "ffn_down.weight",
        ]
        return suffixes[String(parts[3])].map { "blk.\(index).\($0)" }
    }
}
