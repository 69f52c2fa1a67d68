// Cutting a rank's slice out of checkpoint tensors: the values each rank gets, zero padding,
// encodings kept where the cut falls on whole blocks, and a ShardedCheckpoint that loads.
import GGUF
import Testing
import Model

@Suite struct TensorParallelSlicingTests {
    /// [4, 6] with element (r, c) = 10 r + c.
    static let matrix = LoadedTensor(name: "m", shape: [4, 6], values: (0 ..< 24).map { Float($0 / 6 * 10 + $0 % 6) })

    @Test func rowsAreTheRowsThenZeros() throws {
        let middle = try Self.matrix.slicingRows(1 ..< 3, paddedTo: 2)
        #expect(middle.shape == [2, 6] && middle.type == .f32)
        #expect(try middle.floats() == [10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25])
        let padded = try Self.matrix.slicingRows(3 ..< 4, paddedTo: 3)
        #expect(padded.shape == [3, 6])
        #expect(try padded.floats() == [30, 31, 32, 33, 34, 35] + [Float](repeating: 0, count: 12))
        let vector = LoadedTensor(name: "b", shape: [5], values: [1, 2, 3, 4, 5])
        #expect(try vector.slicingRows(2 ..< 4, paddedTo: 2).floats() == [3, 4])
    }

    @Test func columnsAreTheColumnsOfEveryRow() throws {
        let right = try Self.matrix.slicingColumns(4 ..< 6)
        #expect(right.shape == [4, 2])
        #expect(try right.floats() == [4, 5, 14, 15, 24, 25, 34, 35])
    }

    @Test func bfloat16StaysBfloat16() throws {
        let name = WeightName.layer(0, "self_attn.o_proj.weight")
        let whole = try RandomWeights(config: TinyConfigs.llama3, seed: 4, type: .bf16).tensor(named: name)
        let values = try whole.floats()
        let columns = try whole.slicingColumns(16 ..< 48)
        #expect(columns.type == .bf16 && columns.shape == [64, 32])
        #expect(try columns.floats() == (0 ..< 64).flatMap { values[$0 * 64 + 16 ..< $0 * 64 + 48] })
        let rows = try whole.slicingRows(8 ..< 12, paddedTo: 5)
        #expect(rows.type == .bf16)
        #expect(try rows.floats() == Array(values[8 * 64 ..< 12 * 64]) + [Float](repeating: 0, count: 64))
    }

    /// Q8_0 rows of 64 (two blocks): block b of row r has scale (r + 1) / 4 and quants k - 16 + b.
    static func q8Matrix(rows: Int) -> (LoadedTensor, [Float]) {
        var bytes: [UInt8] = []
        var values: [Float] = []
        for r in 0 ..< rows {
            for b in 0 ..< 2 {
                let scale = Float16(Float(r + 1) / 4)
                withUnsafeBytes(of: scale.bitPattern.littleEndian) { bytes += $0 }
                for k in 0 ..< 32 {
                    let q = Int8(k - 16 + b)
                    bytes.append(UInt8(bitPattern: q))
                    values.append(Float(scale) * Float(q))
                }
            }
        }
        let owner = OwnedBytes(bytes)
        return (LoadedTensor(name: "q8", shape: [rows, 64], type: .q8_0, bytes: owner.view, owner: owner), values)
    }

    @Test func quantizedColumnsOnBlockBoundariesStayQuantized() throws {
        let (whole, values) = Self.q8Matrix(rows: 3)
        #expect(try whole.floats() == values)
        let second = try whole.slicingColumns(32 ..< 64)
        #expect(second.type == .q8_0 && second.shape == [3, 32])
        #expect(try second.floats() == (0 ..< 3).flatMap { values[$0 * 64 + 32 ..< $0 * 64 + 64] })
        // A cut through a block falls back to float32, same values.
        let inside = try whole.slicingColumns(8 ..< 40)
        #expect(inside.type == .f32)
        #expect(try inside.floats() == (0 ..< 3).flatMap { values[$0 * 64 + 8 ..< $0 * 64 + 40] })
        // Padding rows of a quantized matrix decode to zeros.
        let padded = try whole.slicingRows(2 ..< 3, paddedTo: 2)
        #expect(padded.type == .q8_0)
        #expect(try padded.floats() == Array(values[128 ..< 192]) + [Float](repeating: 0, count: 64))
    }

    @Test func shardedCheckpointMatchesTheRanksConfig() throws {
        let config = ModelConfig(family: .qwen3, vocabSize: 99, hiddenSize: 64, intermediateSize: 96, layers: 2,
                                 heads: 4, kvHeads: 2, headDim: 32)
        let base = RandomWeights(config: config, seed: 3)
        for rank in 0 ..< 2 {
            let shard = try ShardedCheckpoint(base: base, rank: rank, of: 2)
            #expect(shard.config.heads == 2 && shard.config.kvHeads == 1 && shard.config.vocabSize == 50)
            for spec in shard.config.tensorList {
                #expect(try shard.tensor(named: spec.name).shape == spec.shape, "\(spec.name)")
            }
            // Rank 1's q rows are heads 2 and 3 of the whole q projection.
            let name = WeightName.layer(1, "self_attn.q_proj.weight")
            let whole = try base.tensor(named: name).floats()
            #expect(try shard.tensor(named: name).floats() == Array(whole[rank * 64 * 64 ..< (rank + 1) * 64 * 64]))
            #expect(try shard.tensor(named: WeightName.layer(0, "self_attn.q_norm.weight")).floats()
                == base.tensor(named: WeightName.layer(0, "self_attn.q_norm.weight")).floats())
        }
        #expect(try ShardedCheckpoint(base: base, rank: 1, of: 2).source == "random weights (seed 3), tensor-parallel rank 1 of 2")
    }

    @Test func aBaseTensorOfTheWrongShapeIsReported() throws {
        struct Skewed: Checkpoint {
            let config = TinyConfigs.llama3
            var source: String { "skewed" }
            func contains(_ name: String) -> Bool { true }
            func tensor(named name: String) throws(ModelError) -> LoadedTensor {
                LoadedTensor(name: name, shape: [3, 3], values: [Float](repeating: 1, count: 9))
            }
        }
        let shard = try ShardedCheckpoint(base: Skewed(), rank: 0, of: 2)
        let name = WeightName.layer(0, "mlp.up_proj.weight")
        #expect(throws: ModelError.wrongShape(name: name, expected: [96, 64], found: [3, 3])) {
            try shard.tensor(named: name)
        }
    }
}

/// Bytes a test builds, kept alive for a LoadedTensor.
final class OwnedBytes: @unchecked Sendable {
    let storage: UnsafeMutableRawBufferPointer

    init(_ bytes: [UInt8]) {
        storage = .allocate(byteCount: max(bytes.count, 1), alignment: 64)
        storage.copyBytes(from: bytes)
    }

    deinit { storage.deallocate() }

    var view: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0 ..< storage.count]) }
}
