// bench/configs/: the Hugging Face configs of the benchmark models parse into the shapes
// those models have (the facts from their model cards), so a benchmark on them measures
// the real layer sizes.

import Foundation
import Model
import Testing

struct BenchConfigTests {
    static func config(_ name: String) throws -> ModelConfig {
        try ModelConfig(huggingFaceConfig: TestModel.repositoryRoot.appendingPathComponent("bench/configs/\(name)/config.json").path)
    }

    /// Vocabulary, hidden, intermediate, layers.
    static func sizes(_ config: ModelConfig) -> [Int] { [config.vocabSize, config.hiddenSize, config.intermediateSize, config.layers] }
    /// Query heads, KV heads, head dim.
    static func heads(_ config: ModelConfig) -> [Int] { [config.heads, config.kvHeads, config.headDim] }

    @Test func llama3_8B() throws {
        let config = try Self.config("llama-3-8b")
        #expect(config.family == .llama)
        #expect(Self.sizes(config) == [128_256, 4096, 14_336, 32])
        #expect(Self.heads(config) == [32, 8, 128])
        #expect(config.ropeTheta == 500_000 && config.ropeScaling == nil)
        #expect(config.rmsNormEpsilon == 1e-5 && config.maxPositions == 8192 && !config.tieWordEmbeddings)
        #expect(!config.hasQKVBias && !config.hasQKNorm)
    }

    @Test func qwen25_7B() throws {
        let config = try Self.config("qwen2.5-7b")
        #expect(config.family == .qwen2 && config.hasQKVBias && !config.hasQKNorm)
        #expect(Self.sizes(config) == [152_064, 3584, 18_944, 28])
        #expect(Self.heads(config) == [28, 4, 128])
        #expect(config.ropeTheta == 1_000_000 && config.ropeScaling == nil)
        #expect(config.rmsNormEpsilon == 1e-6 && config.maxPositions == 32_768 && !config.tieWordEmbeddings)
    }

    @Test func qwen3_8B() throws {
        let config = try Self.config("qwen3-8b")
        #expect(config.family == .qwen3 && config.hasQKNorm && !config.hasQKVBias)
        #expect(Self.sizes(config) == [151_936, 4096, 12_288, 36])
        #expect(Self.heads(config) == [32, 8, 128])
        #expect(config.ropeTheta == 1_000_000 && config.ropeScaling == nil)
        #expect(config.rmsNormEpsilon == 1e-6 && config.maxPositions == 40_960 && !config.tieWordEmbeddings)
    }

    /// The token ids the folders name, for the stop tokens a tokenizer-less folder uses.
    @Test func endOfSequenceIDs() throws {
        for (name, bos, eos) in [("llama-3-8b", 128_000, 128_009), ("qwen2.5-7b", 151_643, 151_645), ("qwen3-8b", 151_643, 151_645)] {
            let data = try Data(contentsOf: TestModel.repositoryRoot.appendingPathComponent("bench/configs/\(name)/config.json"))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(json["bos_token_id"] as? Int == bos, "\(name)")
            #expect(json["eos_token_id"] as? Int == eos, "\(name)")
            #expect(json["torch_dtype"] as? String == "bfloat16", "\(name)")
        }
    }
}
