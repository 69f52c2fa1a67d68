// llama.cpp permutes the rows of attn_q/attn_k in llama-architecture GGUFs; loading must
// undo it exactly (for float and quantized rows), or attention scores are garbage.
import Foundation
import GGUF
import Testing
import Model
import Attention

@Suite struct RopePermutationTests {
    static let config = ModelConfig(family: .llama, vocabSize: 40, hiddenSize: 32, intermediateSize: 64, layers: 1,
                                    heads: 4, kvHeads: 2, ropeTheta: 10_000)

    /// A known Hugging Face layout: q_proj row r, column c holds 1000 r + c.
    static func huggingFaceQ(rows: Int, columns: Int) -> [Float] {
        (0 ..< rows * columns).map { Float(1000 * ($0 / columns) + $0 % columns) }
    }

    @Test func undoesTheConverterPermutationOnFloatRows() throws {
        let rows = 32, columns = 32
        let q = Self.huggingFaceQ(rows: rows, columns: columns)
        let permuted = CheckpointWriter.llamaCppPermute(q, rows: rows, columns: columns, heads: 4)
        #expect(permuted != q)  // the converter's order really differs
        // GGUF row 1 of head 0 holds pair (half 1, i 0): Hugging Face row headDim / 2 = 4.
        #expect(permuted[1 * columns] == 4000)
        var restored = [Float](repeating: 0, count: q.count)
        permuted.withUnsafeBytes { source in
            restored.withUnsafeMutableBytes { destination in
                RopeRowPermutation.undo(source, rows: rows, rowBytes: columns * 4, headDim: 8, into: destination)
            }
        }
        #expect(restored == q)
    }

    @Test func ggufCheckpointRestoresQuantizedQRows() throws {
        // Q8_0 rows: each row of 32 columns is one block (scale 1, int8 values = row * 3 + c % 5).
        let rows = 32, columns = 32
        func block(row: Int) -> [UInt8] { [0x00, 0x3C] + (0 ..< columns).map { UInt8(bitPattern: Int8(row * 3 % 100 + $0 % 5)) } }
        let huggingFace = (0 ..< rows).map(block(row:))
        var gguf = [[UInt8]](repeating: [], count: rows)
        for row in 0 ..< rows {  // GGUF row (head, i, half) ← HF row (head, half, i), headDim 8
            let head = row / 8, i = row % 8 / 2, half = row % 2
            gguf[row] = huggingFace[head * 8 + half * 4 + i]
        }
        var writer = GGUFWriter()
        for (key, value): (String, GGUFValue) in [
            ("general.architecture", .string("llama")), ("llama.block_count", .uint32(1)),
            ("llama.embedding_length", .uint32(32)), ("llama.feed_forward_length", .uint32(64)),
            ("llama.attention.head_count", .uint32(4)), ("llama.attention.head_count_kv", .uint32(2)),
            ("llama.vocab_size", .uint32(40)),
        ] { writer.set(key, value) }
        writer.tensors = [GGUFWriter.Tensor(name: "blk.0.attn_q.weight", dimensions: [columns, rows], type: .q8_0, bytes: gguf.flatMap { $0 })]
        let path = try ModelFiles.temporaryFolder().appendingPathComponent("q.gguf").path
        try writer.write(to: path)
        let q = try GGUFCheckpoint(path: path).tensor(named: "model.layers.0.self_attn.q_proj.weight")
        #expect(q.type == .q8_0 && q.shape == [rows, columns])
        #expect(Array(q.bytes) == huggingFace.flatMap { $0 })
    }

    @Test(arguments: ["llama", "qwen2"])
    func ggufAndSafetensorsGiveTheSameLogits(family: String) throws {
        let config = family == "llama" ? TinyConfigs.llama3WithoutScaling : TinyConfigs.qwen2
        let weights = RandomWeights(config: config, seed: 21)
        let folder = try ModelFiles.temporaryFolder()
        try CheckpointWriter.writeHuggingFace(weights, to: folder)
        let ggufPath = folder.appendingPathComponent("model.gguf").path
        try CheckpointWriter.writeGGUF(weights, to: ggufPath)
        let tokens: [Int32] = [3, 14, 15, 92, 65, 35, 89, 79]
        func logits(_ checkpoint: any Checkpoint) throws -> [Float] {
            let model = try CPULlamaModel.cpu(checkpoint: checkpoint, kvSlots: 32)
            let slots = (1 ... tokens.count).map { Int32($0) }
            return model.logits(ForwardBatch(tokens: tokens, attention: AttentionBatch(sequences: [(0, slots)]),
                                             logitRows: Array(0 ..< Int32(tokens.count))))
        }
        let fromSafetensors = try logits(SafetensorsCheckpoint(folder: folder.path))
        let fromGGUF = try logits(GGUFCheckpoint(path: ggufPath))
        #expect(fromGGUF == fromSafetensors)
        if family == "llama" {
            // Control: a llama GGUF whose rows were not permuted loads into a different (wrong) model.
            let unpermuted = folder.appendingPathComponent("unpermuted.gguf").path
            try CheckpointWriter.writeGGUF(weights, to: unpermuted, permute: false)
            #expect(try logits(GGUFCheckpoint(path: unpermuted)) != fromSafetensors)
        }
    }
}
