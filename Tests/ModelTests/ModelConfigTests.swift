// Configs from config.json and GGUF metadata, and the RoPE frequencies they imply.
import Foundation
import Testing
import Model

@Suite struct ModelConfigTests {
    static let llama31 = """
    {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 128256, "hidden_size": 4096,
     "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
     "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "max_position_embeddings": 131072, "tie_word_embeddings": false,
     "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 8192, "rope_type": "llama3"}}
    """

    @Test func llama31FromHuggingFace() throws {
        let config = try ModelConfig(huggingFaceJSON: Data(Self.llama31.utf8))
        #expect(config.family == .llama)
        #expect(config.headDim == 128 && config.kvHeads == 8 && config.layers == 32)
        #expect(config.ropeScaling == Llama3RopeScaling(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContextLength: 8192))
        #expect(!config.tieWordEmbeddings && !config.hasQKVBias && !config.hasQKNorm)
    }

    /// Values from transformers' _compute_llama3_parameters (numpy, float64, rounded to float32).
    @Test func llama3RopeFrequencies() throws {
        let frequencies = try ModelConfig(huggingFaceJSON: Data(Self.llama31.utf8)).ropeInverseFrequencies
        #expect(frequencies.count == 64)
        let expected: [Int: Float] = [0: 1.0, 20: 0.016560440883040428, 30: 0.0013718935661017895,
                                      32: 0.000524846138432622, 34: 0.00017850780568551272,
                                      40: 3.428102354519069e-05, 63: 3.068925877869333e-07]
        for (i, value) in expected {
            #expect(abs(frequencies[i] - value) <= 2 * value.ulp, "frequency \(i): \(frequencies[i]) vs \(value)")
        }
    }

    /// transformers 5 writes RoPE only under rope_parameters: the base and the llama3 scaling
    /// must come from there (read as theta 10000 they moved log-probs by 1-3 nats).
    @Test func transformers5RopeParameters() throws {
        let plain = try ModelConfig(huggingFaceJSON: Data("""
            {"model_type": "qwen3", "vocab_size": 64, "hidden_size": 64, "intermediate_size": 128,
             "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
             "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0}}
            """.utf8))
        #expect(plain.ropeTheta == 1_000_000 && plain.ropeScaling == nil)
        let scaled = try ModelConfig(huggingFaceJSON: Data("""
            {"model_type": "llama", "vocab_size": 64, "hidden_size": 64, "intermediate_size": 128,
             "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2,
             "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
                                 "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}
            """.utf8))
        #expect(scaled.ropeTheta == 500_000)
        #expect(scaled.ropeScaling == Llama3RopeScaling(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4,
                                                        originalContextLength: 8192))
    }

    @Test func qwenFamilies() throws {
        let qwen2 = try ModelConfig(huggingFaceJSON: Data("""
            {"model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896, "intermediate_size": 4864,
             "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "rope_theta": 1000000.0,
             "rms_norm_eps": 1e-06, "tie_word_embeddings": true, "rope_scaling": null}
            """.utf8))
        #expect(qwen2.family == .qwen2 && qwen2.hasQKVBias && qwen2.headDim == 64 && qwen2.tieWordEmbeddings)
        let qwen3 = try ModelConfig(huggingFaceJSON: Data("""
            {"model_type": "qwen3", "vocab_size": 151936, "hidden_size": 1024, "intermediate_size": 3072,
             "num_hidden_layers": 28, "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128,
             "rope_theta": 1000000, "rms_norm_eps": 1e-06, "tie_word_embeddings": true}
            """.utf8))
        #expect(qwen3.family == .qwen3 && qwen3.hasQKNorm && qwen3.headDim == 128 && qwen3.queryWidth == 2048)
    }

    @Test func rejectsUnsupportedArchitecturesAndScaling() {
        #expect(throws: ModelError.unsupportedArchitecture("gpt2")) {
            try ModelConfig(huggingFaceJSON: Data("""
                {"model_type": "gpt2", "vocab_size": 1, "hidden_size": 1, "intermediate_size": 1,
                 "num_hidden_layers": 1, "num_attention_heads": 1}
                """.utf8))
        }
        #expect(throws: ModelError.self) {
            try ModelConfig(huggingFaceJSON: Data("""
                {"model_type": "llama", "vocab_size": 8, "hidden_size": 8, "intermediate_size": 8,
                 "num_hidden_layers": 1, "num_attention_heads": 2, "rope_scaling": {"type": "yarn", "factor": 4}}
                """.utf8))
        }
        #expect(ModelError.unsupportedArchitecture("gpt2").description.contains("Qwen3"))
    }

    @Test func smolLM2FromGGUF() throws {
        let config = try GGUFCheckpoint(path: ModelFiles.smolLM2()).config
        #expect(config == ModelConfig(family: .llama, vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, layers: 30,
                                      heads: 9, kvHeads: 3, headDim: 64, rmsNormEpsilon: 1e-5, ropeTheta: 100_000,
                                      maxPositions: 8192, tieWordEmbeddings: true))
    }
}
