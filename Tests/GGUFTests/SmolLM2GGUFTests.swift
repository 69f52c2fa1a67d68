// The real SmolLM2-135M-Instruct Q4_1 file: metadata, tensor directory and tensor bytes match
// what pip `gguf`'s GGUFReader reports for it.
import Testing
import GGUF

@Suite struct SmolLM2GGUFTests {
    let file: GGUFFile

    init() throws {
        file = try GGUFFile(path: TestFiles.smolLM2Path)
    }

    @Test func metadata() {
        #expect(file.version == 3)
        #expect(file.architecture == "llama")
        #expect(file.metadata.count == 33)  // the header's kv_count
        #expect(file.metadata["llama.block_count"]?.int == 30)
        #expect(file.metadata["llama.embedding_length"]?.int == 576)
        #expect(file.metadata["llama.feed_forward_length"]?.int == 1536)
        #expect(file.metadata["llama.attention.head_count"]?.int == 9)
        #expect(file.metadata["llama.attention.head_count_kv"]?.int == 3)
        #expect(file.metadata["llama.rope.freq_base"]?.double == 100_000)
        #expect(file.metadata["llama.attention.layer_norm_rms_epsilon"]?.double == Double(Float(1e-5)))
        #expect(file.metadata["tokenizer.ggml.model"]?.string == "gpt2")
        #expect(file.metadata["tokenizer.ggml.pre"]?.string == "smollm")
        #expect(file.metadata["tokenizer.ggml.add_bos_token"]?.bool == false)
        #expect(file.metadata["tokenizer.chat_template"]?.string?.hasPrefix("{% for message in messages %}") == true)
        #expect(file.metadata["general.languages"]?.stringArray == ["en"])
    }

    @Test func vocabulary() throws {
        let tokens = try #require(file.metadata["tokenizer.ggml.tokens"]?.stringArray)
        #expect(tokens.count == 49152)
        #expect(Array(tokens.prefix(3)) == ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
        #expect(tokens[4093] == "user")
        let merges = try #require(file.metadata["tokenizer.ggml.merges"]?.stringArray)
        #expect(merges.count == 48900)
        #expect(merges.first == "Ġ t")
        let types = try #require(file.metadata["tokenizer.ggml.token_type"]?.intArray)
        #expect(types.count == 49152)
        #expect(types[0] == 3 && types[17] == 1)
    }

    @Test func tensorDirectory() throws {
        #expect(file.tensors.count == 272)
        #expect(file.dataOffset == 1_785_664)
        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embedding.type == .q8_0)
        #expect(embedding.dimensions == [576, 49152])
        #expect(embedding.shape == [49152, 576])
        #expect(embedding.offset == 0)
        #expect(Array(file.data(of: embedding).prefix(8)) == [0x32, 0x19, 0xd6, 0x0d, 0x13, 0xf7, 0xe5, 0xee])
        let q = try #require(file.tensor(named: "blk.0.attn_q.weight"))
        #expect(q.type == .q4_1)
        #expect(q.byteCount == 576 * 576 / 32 * 20)
        #expect(file.tensor(named: "output.weight") == nil)  // tied embeddings
        let counts = Dictionary(grouping: file.tensors, by: \.type).mapValues(\.count)
        #expect(counts == [.q4_1: 210, .f32: 61, .q8_0: 1])
    }

    @Test func floatTensorData() throws {
        let norm = try #require(file.tensor(named: "output_norm.weight"))
        #expect(file.dataOffset + norm.offset == 98_360_128)
        let values = file.data(of: norm).withMemoryRebound(to: Float.self) { Array($0.prefix(4)) }
        #expect(values == [1.7578125, 1.8203125, 1.78125, 1.6015625])
    }
}
