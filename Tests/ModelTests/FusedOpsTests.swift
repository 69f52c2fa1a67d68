// The fused ModelOps steps (ModelOps+Fused.swift) on the CPU op set: each default gives
// exactly what the op sequence it replaces gave, and LlamaModel reaches an op set's own
// implementation of them (they are protocol requirements, so a generic caller dispatches
// to the override, not to the protocol extension's default).
import Attention
import Foundation
import KVCache
import Model
import Testing

@Suite struct FusedOpsTests {
    static func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed
        return (0 ..< count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
    }

    static func weight(_ ops: CPUOps, _ name: String, rows: Int, columns: Int, seed: UInt64) throws -> HostMatrix {
        try ops.makeWeight(LoadedTensor(name: name, shape: [rows, columns],
                                        values: random(rows * columns, seed: seed, scale: 1 / Float(columns).squareRoot())))
    }

    static func values(_ ops: CPUOps, _ buffer: HostBuffer<Float>) -> [Float] { ops.read(buffer, count: buffer.count) }

    @Test(arguments: [1, 3, 7])
    func gatedLinearIsTheProductsThenSiLUMul(rows: Int) throws {
        let ops = CPUOps(threads: 2)
        let k = 48, n = 80
        let x = HostBuffer(Self.random(rows * k, seed: 1))
        let gate = try Self.weight(ops, "gate", rows: n, columns: k, seed: 2)
        let up = try Self.weight(ops, "up", rows: n, columns: k, seed: 3)
        // The sequence LlamaModel issued before the fused op.
        let g = ops.makeTensor(count: rows * n), u = ops.makeTensor(count: rows * n)
        ops.linears(x, rows: rows, [LinearProduct(gate, into: g), LinearProduct(up, into: u)])
        ops.siluMul(gate: g, up: u, count: rows * n, into: g)
        let out = ops.makeTensor(count: rows * n), scratch = ops.makeTensor(count: rows * n)
        ops.gatedLinear(x, rows: rows, gate: gate, up: up, outFeatures: n, upScratch: scratch, into: out)
        #expect(Self.values(ops, out) == Self.values(ops, g))
        // And it is what it says: silu(x · gateᵀ) * (x · upᵀ), here for the last row's first feature.
        let row = Array(Self.values(ops, x)[(rows - 1) * k ..< rows * k])
        let gateRow = Self.random(n * k, seed: 2, scale: 1 / Float(k).squareRoot())[0 ..< k]
        let upRow = Self.random(n * k, seed: 3, scale: 1 / Float(k).squareRoot())[0 ..< k]
        let a = zip(row, gateRow).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let b = zip(row, upRow).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let expected = a / (1 + exp(-a)) * b
        #expect(abs(Double(Self.values(ops, out)[(rows - 1) * n]) - expected) < 1e-5)
    }

    @Test(arguments: [1, 4, 6])
    func linearAddRMSNormIsTheProductThenTheAddNorm(rows: Int) throws {
        let ops = CPUOps(threads: 2)
        let k = 96, n = 64
        let x = HostBuffer(Self.random(rows * k, seed: 4))
        let w = try Self.weight(ops, "o", rows: n, columns: k, seed: 5)
        let normWeight = ops.makeVector(Self.random(n, seed: 6, scale: 2))
        let start = Self.random(rows * n, seed: 7, scale: 3)
        // Old sequence.
        let projectedBefore = ops.makeTensor(count: rows * n), residualBefore = HostBuffer(start)
        let normedBefore = ops.makeTensor(count: rows * n)
        ops.linear(x, rows: rows, weight: w, bias: nil, into: projectedBefore)
        ops.addRMSNorm(residual: residualBefore, adding: projectedBefore, weight: normWeight, epsilon: 1e-5, rows: rows,
                       width: n, into: normedBefore)
        // Fused entry point.
        let projected = ops.makeTensor(count: rows * n), residual = HostBuffer(start), normed = ops.makeTensor(count: rows * n)
        ops.linearAddRMSNorm(x, rows: rows, weight: w, projected: projected, residual: residual, normWeight: normWeight,
                             epsilon: 1e-5, width: n, into: normed)
        #expect(Self.values(ops, projected) == Self.values(ops, projectedBefore))
        #expect(Self.values(ops, residual) == Self.values(ops, residualBefore))
        #expect(Self.values(ops, normed) == Self.values(ops, normedBefore))
        #expect(Self.values(ops, residual) != start)  // the residual really was updated
    }

    @Test func rotaryOfQAndKIsTwoRotations() {
        let ops = CPUOps(threads: 1)
        let rows = 3, heads = 4, kvHeads = 2, headDim = 16
        let positions = ops.makeIndices(count: rows)
        ops.write([0, 7, 4096], to: positions)
        let inverse = ops.makeVector((0 ..< headDim / 2).map { Float(pow(10_000.0, -2.0 * Double($0) / Double(headDim))) })
        let cos = ops.makeTensor(count: rows * headDim / 2), sin = ops.makeTensor(count: rows * headDim / 2)
        ops.rotaryTables(positions: positions, rows: rows, inverseFrequencies: inverse, cos: cos, sin: sin)
        let qStart = Self.random(rows * heads * headDim, seed: 8), kStart = Self.random(rows * kvHeads * headDim, seed: 9)
        let q1 = HostBuffer(qStart), k1 = HostBuffer(kStart), q2 = HostBuffer(qStart), k2 = HostBuffer(kStart)
        ops.applyRotary(q1, rows: rows, heads: heads, headDim: headDim, cos: cos, sin: sin)
        ops.applyRotary(k1, rows: rows, heads: kvHeads, headDim: headDim, cos: cos, sin: sin)
        ops.applyRotary(q: q2, k: k2, rows: rows, heads: heads, kvHeads: kvHeads, headDim: headDim, cos: cos, sin: sin)
        #expect(Self.values(ops, q2) == Self.values(ops, q1))
        #expect(Self.values(ops, k2) == Self.values(ops, k1))
        #expect(Self.values(ops, q2) != qStart && Self.values(ops, k2) != kStart)
    }

    @Test func rotatedLinearsAreTheProductsThenRotary() throws {
        let ops = CPUOps(threads: 1)
        let rows = 2, heads = 4, kvHeads = 2, headDim = 16, hidden = 24
        let positions = ops.makeIndices(count: rows)
        ops.write([3, 900], to: positions)
        let inverse = ops.makeVector((0 ..< headDim / 2).map { Float(pow(10_000.0, -2.0 * Double($0) / Double(headDim))) })
        let cos = ops.makeTensor(count: rows * headDim / 2), sin = ops.makeTensor(count: rows * headDim / 2)
        ops.rotaryTables(positions: positions, rows: rows, inverseFrequencies: inverse, cos: cos, sin: sin)
        let x = HostBuffer(Self.random(rows * hidden, seed: 11))
        let wq = try Self.weight(ops, "q", rows: heads * headDim, columns: hidden, seed: 12)
        let wk = try Self.weight(ops, "k", rows: kvHeads * headDim, columns: hidden, seed: 13)
        let wv = try Self.weight(ops, "v", rows: kvHeads * headDim, columns: hidden, seed: 14)
        let bias = ops.makeVector(Self.random(heads * headDim, seed: 15))
        func outputs() -> (HostBuffer<Float>, HostBuffer<Float>, HostBuffer<Float>) {
            (ops.makeTensor(count: rows * heads * headDim), ops.makeTensor(count: rows * kvHeads * headDim),
             ops.makeTensor(count: rows * kvHeads * headDim))
        }
        let (q1, k1, v1) = outputs(), (q2, k2, v2) = outputs()
        ops.linear(x, rows: rows, weight: wq, bias: bias, into: q1)
        ops.linear(x, rows: rows, weight: wk, bias: nil, into: k1)
        ops.linear(x, rows: rows, weight: wv, bias: nil, into: v1)
        let unrotated = Self.values(ops, q1)
        ops.applyRotary(q: q1, k: k1, rows: rows, heads: heads, kvHeads: kvHeads, headDim: headDim, cos: cos, sin: sin)
        ops.rotatedLinears(x, rows: rows, q: LinearProduct(wq, bias: bias, into: q2), k: LinearProduct(wk, into: k2),
                           v: LinearProduct(wv, into: v2), heads: heads, kvHeads: kvHeads, headDim: headDim, cos: cos, sin: sin)
        #expect(Self.values(ops, q2) == Self.values(ops, q1))
        #expect(Self.values(ops, k2) == Self.values(ops, k1))
        #expect(Self.values(ops, v2) == Self.values(ops, v1))
        #expect(Self.values(ops, q2) != unrotated)  // row 1 sits at position 900: really rotated
    }

    /// A forward over an op set that overrides the fused steps reaches the overrides, once
    /// per layer (RoPE, gate/up) or twice (o and down), and computes the CPU op set's logits.
    @Test(arguments: ["llama3", "qwen3"])
    func modelCallsTheFusedSteps(family: String) throws {
        let config = TinyConfigs.all.first { $0.0 == family }!.1
        let checkpoint = RandomWeights(config: config, seed: 21)
        let reference = try CPULlamaModel.cpu(checkpoint: checkpoint, kvSlots: 64, threads: 2)
        let ops = RecordingOps(CPUOps(threads: 2))
        let weights = try LlamaWeights(checkpoint: checkpoint, ops: ops)
        let shape = AttentionShape(layers: config.layers, heads: config.heads, kvHeads: config.kvHeads, headDim: config.headDim)
        let pool = HostKVPool<Float>(shape: KVPoolShape(layers: config.layers, numPages: 64, pageSize: 1,
                                                        kvHeads: config.kvHeads, headDim: config.headDim), fill: 0)
        let model = LlamaModel(config: config, weights: weights, ops: ops,
                               attention: CPUAttentionBackend(shape: shape, pool: pool, threads: 2))
        let tokens: [Int32] = [5, 17, 93, 2, 41]
        let batch = ForwardBatch(tokens: tokens, attention: AttentionBatch(sequences: [(0, (1 ... 5).map { Int32($0) })]),
                                 logitRows: [0, 4])
        let logits = model.logits(batch)
        #expect(logits == reference.logits(batch))
        // RoPE once per layer: inside rotatedLinears, or after Qwen3's per-head norms.
        #expect(ops.calls["applyRotary(q:k:)"] == config.layers)
        #expect(ops.calls["rotatedLinears", default: 0] == (family == "qwen3" ? 0 : config.layers))
        #expect(ops.calls["gatedLinear"] == config.layers)
        #expect(ops.calls["linearAddRMSNorm"] == 2 * config.layers)
        #expect(ops.calls["gatherRows"] == 1)
        // A prefill chunk that ends inside its prompt has no logit rows: no gather, no output
        // head (the CUDA op set refuses a 0-row gather, which once failed such steps on the GPU).
        let chunk = ForwardBatch(tokens: [7, 8], attention: AttentionBatch(sequences: [(0, [6, 7])]), logitRows: [])
        #expect(model.logits(chunk).isEmpty)
        #expect(ops.calls["gatherRows"] == 1)
    }
}
