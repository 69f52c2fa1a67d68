// Every CPU weight format computes what float32 math on the dequantized weights computes,
// in the decode path (one token), the prefill path (several tokens) and the embedding.
import Attention
import GGUF
import Testing
import Model

@Suite struct HostMatrixTests {
    static let rows = 24, columns = 64

    /// Random but valid bytes of `type` for a [rows, columns] matrix.
    static func tensor(_ type: GGMLType, seed: UInt64) -> LoadedTensor {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let count = type.byteCount(elements: rows * columns)!
        var bytes = (0 ..< count).map { _ in UInt8(truncatingIfNeeded: next()) }
        func setHalf(_ offset: Int, _ value: Float) {
            let bits = Float16(value).bitPattern
            bytes[offset] = UInt8(bits & 0xFF)
            bytes[offset + 1] = UInt8(bits >> 8)
        }
        let blocks = count / (type.blockBytes ?? 1)
        for b in 0 ..< blocks {
            let scale = Float(next() % 1000 + 1) / 20_000
            switch type {
            case .q8_0: setHalf(b * 34, scale)
            case .q4_0: setHalf(b * 18, scale)
            case .q4_1: setHalf(b * 20, scale); setHalf(b * 20 + 2, -scale * 7)
            case .q4_K: setHalf(b * 144, scale / 10); setHalf(b * 144 + 2, scale / 10)
            case .q6_K: setHalf(b * 210 + 208, scale / 10)
            case .f16, .bf16: break
            default: break
            }
        }
        if type == .f16 || type == .bf16 {
            let values = (0 ..< rows * columns).map { _ in Float(Int(next() % 2001) - 1000) / 997 }
            let halves = values.map { type == .f16 ? Float16($0).bitPattern : UInt16($0.bitPattern >> 16) }
            bytes = halves.withUnsafeBytes { Array($0) }
        }
        let storage = HostBuffer<UInt8>(bytes)
        return LoadedTensor(name: "w", shape: [rows, columns], type: type,
                            bytes: UnsafeRawBufferPointer(start: storage.pointer, count: bytes.count), owner: storage)
    }

    @Test(arguments: [GGMLType.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q4_K, .q6_K])
    func linearMatchesDequantizedMath(type: GGMLType) throws {
        let tensor = type == .f32
            ? LoadedTensor(name: "w", shape: [Self.rows, Self.columns], values: (0 ..< Self.rows * Self.columns).map { Float($0 % 37) / 37 - 0.5 })
            : Self.tensor(type, seed: UInt64(type.rawValue) + 1)
        let weights = try tensor.floats()
        for flavor in KernelFlavor.allCases {
            try check(tensor: tensor, weights: weights, type: type, ops: CPUOps(threads: 2, flavor: flavor))
        }
    }

    func check(tensor: LoadedTensor, weights: [Float], type: GGMLType, ops: CPUOps) throws {
        let matrix = try ops.makeWeight(tensor)
        let expectedFormat: HostMatrix.Format = switch type {
        case .bf16: .bf16
        case .q8_0: .q8
        case .q4_0, .q4_1: .q4
        default: .f32
        }
        #expect(matrix.format == expectedFormat)
        let bias = ops.makeVector((0 ..< Self.rows).map { Float($0) / 10 })
        for tokens in [1, 2, 5] {
            let x = ops.makeVector((0 ..< tokens * Self.columns).map { Float(($0 * 7) % 19) / 19 - 0.4 })
            let out = ops.makeTensor(count: tokens * Self.rows)
            ops.linear(x, rows: tokens, weight: matrix, bias: bias, into: out)
            for t in 0 ..< tokens {
                for r in 0 ..< Self.rows {
                    var sum = Double(bias[r])
                    for c in 0 ..< Self.columns { sum += Double(weights[r * Self.columns + c]) * Double(x[t * Self.columns + c]) }
                    let got = Double(out[t * Self.rows + r])
                    let tolerance: Double = 1e-5 * max(1, abs(sum))
                    let error: Double = abs(got - sum)
                    #expect(error <= tolerance, "\(type) \(ops.flavor) token \(t) row \(r): \(got) vs \(sum)")
                }
            }
        }
        // The embedding path decodes a row exactly.
        let tokens = ops.makeIndices(count: 2)
        ops.write([3, Int32(Self.rows - 1)], to: tokens)
        let embedded = ops.makeTensor(count: 2 * Self.columns)
        ops.embed(tokens: tokens, rows: 2, table: matrix, into: embedded)
        let all = embedded.array, width = Self.columns
        let first: [Float] = Array(all[0 ..< width]), second: [Float] = Array(all[width ..< 2 * width])
        let row3: [Float] = Array(weights[3 * width ..< 4 * width])
        let lastRow: [Float] = Array(weights[(Self.rows - 1) * width ..< Self.rows * width])
        #expect(first == row3)
        #expect(second == lastRow)
    }
}
