// The CPU reference attention over the paged pool against direct softmax attention on
// contiguous K/V, for a mixed batch (prefill, extend and decode) with scattered slots.
import Attention
import Foundation
import KVCache
import Testing

@Suite struct CPUAttentionTests {
    static let shape = AttentionShape(layers: 2, heads: 4, kvHeads: 2, headDim: 16)

    static func values(_ count: Int, seed: Int) -> [Float] {
        (0 ..< count).map { Float(sin(Double($0 * 31 + seed * 7919) * 0.37)) }
    }

    /// Softmax attention of query row q at position `position` over keys/values 0...position.
    static func direct(q: ArraySlice<Float>, keys: [[Float]], values: [[Float]], position: Int) -> [Float] {
        let d = shape.headDim, group = shape.heads / shape.kvHeads
        var out = [Float](repeating: 0, count: shape.queryWidth)
        for head in 0 ..< shape.heads {
            let kv = head / group
            var scores: [Double] = []
            for j in 0 ... position {
                var dot = 0.0
                for i in 0 ..< d { dot += Double(q[q.startIndex + head * d + i]) * Double(keys[j][kv * d + i]) }
                scores.append(dot / Double(d).squareRoot())
            }
            let top = scores.max()!
            let weights = scores.map { Foundation.exp($0 - top) }
            let total = weights.reduce(0, +)
            for i in 0 ..< d {
                var sum = 0.0
                for j in 0 ... position { sum += weights[j] / total * Double(values[j][kv * d + i]) }
                out[head * d + i] = Float(sum)
            }
        }
        return out
    }

    @Test func mixedBatchMatchesDirectAttention() throws {
        let pool = HostKVPool<Float>(shape: KVPoolShape(layers: 2, numPages: 32, pageSize: 4, kvHeads: 2, headDim: 16), fill: .nan)
        let backend = CPUAttentionBackend(shape: Self.shape, pool: pool, threads: 2)
        // Sequences: (cached, new). Cached K/V are written first through the backend itself.
        let plan = [(0, 5), (3, 2), (6, 1)]
        let rows: [[Int32]] = [[9, 10, 11, 12, 13], [40, 41, 42, 20, 21], [100, 101, 102, 103, 104, 105, 64]]
        let kvWidth = Self.shape.kvWidth
        var allKeys: [[[Float]]] = [], allValues: [[[Float]]] = []
        for (s, (cached, new)) in plan.enumerated() {
            let length = cached + new
            allKeys.append((0 ..< length).map { Self.values(kvWidth, seed: 100 * s + $0) })
            allValues.append((0 ..< length).map { Self.values(kvWidth, seed: 100 * s + $0 + 50) })
            if cached > 0 {  // a previous step stored the prefix (its outputs are not checked here)
                let batch = AttentionBatch(sequences: [(0, Array(rows[s][0 ..< cached]))])
                let q = HostBuffer<Float>(count: cached * Self.shape.queryWidth, repeating: 0)
                let out = HostBuffer<Float>(count: cached * Self.shape.queryWidth, repeating: 0)
                backend.forward(q: q, k: HostBuffer(allKeys[s][0 ..< cached].flatMap { $0 }),
                                v: HostBuffer(allValues[s][0 ..< cached].flatMap { $0 }), output: out, layer: 1,
                                batch: backend.makeMetadata(for: batch))
            }
        }
        let batch = AttentionBatch(sequences: plan.enumerated().map { s, p in (p.0, Array(rows[s][0 ..< p.0 + p.1])) })
        #expect(!batch.isDecode && batch.tokenCount == 8)
        var queries: [Float] = [], newKeys: [Float] = [], newValues: [Float] = []
        for (s, (cached, new)) in plan.enumerated() {
            for i in cached ..< cached + new {
                queries += Self.values(Self.shape.queryWidth, seed: 1000 * s + i)
                newKeys += allKeys[s][i]
                newValues += allValues[s][i]
            }
        }
        let output = HostBuffer<Float>(count: queries.count, repeating: .nan)
        let metadata = backend.makeGraphBuffers(maxBatch: 4, maxContext: 16)
        backend.prepareMetadata(for: batch, into: metadata)
        backend.forward(q: HostBuffer(queries), k: HostBuffer(newKeys), v: HostBuffer(newValues), output: output,
                        layer: 1, batch: metadata)
        var row = 0
        for (s, (cached, new)) in plan.enumerated() {
            for i in cached ..< cached + new {
                let q = queries[row * Self.shape.queryWidth ..< (row + 1) * Self.shape.queryWidth]
                let expected = Self.direct(q: q, keys: allKeys[s], values: allValues[s], position: i)
                let got = Array(output.array[row * Self.shape.queryWidth ..< (row + 1) * Self.shape.queryWidth])
                let error = zip(got, expected).map { abs($0 - $1) }.max()!
                #expect(error < 1e-5, "sequence \(s) position \(i): error \(error)")
                row += 1
            }
        }
        // The new tokens' K/V landed in their slots; layer 0 was never written.
        #expect(Array(pool.keys(layer: 1)[64 * kvWidth ..< 65 * kvWidth]) == allKeys[2][6])
        #expect(pool.keys(layer: 0)[64 * kvWidth].isNaN)
    }

    @Test func paddingSlotIsSkipped() {
        let pool = HostKVPool<Float>(shape: KVPoolShape(layers: 1, numPages: 4, pageSize: 1, kvHeads: 2, headDim: 16), fill: 0)
        let shape = AttentionShape(layers: 1, heads: 4, kvHeads: 2, headDim: 16)
        let backend = CPUAttentionBackend(shape: shape, pool: pool)
        let batch = AttentionBatch(cachedLengths: [0], newTokenCounts: [1], slots: [-1], tokenSlotTable: [0], tableStride: 1)
        let k = HostBuffer<Float>(count: shape.kvWidth, repeating: 7)
        backend.forward(q: HostBuffer(count: shape.queryWidth, repeating: 1), k: k, v: k,
                        output: HostBuffer(count: shape.queryWidth, repeating: 0), layer: 0, batch: backend.makeMetadata(for: batch))
        #expect(pool.keys(layer: 0).allSatisfy { $0 == 0 })
    }
}
