// One query row's attention on the CPU: for each head, softmax(scale * q·k) over the
// row's visible tokens, then the weighted sum of their values.

struct CPUAttentionKernel: @unchecked Sendable {  // raw pointers into buffers the caller keeps alive
    let shape: AttentionShape
    let keys: UnsafeMutablePointer<Float>    // [slots, kvHeads, headDim]
    let values: UnsafeMutablePointer<Float>
    let q: UnsafeMutablePointer<Float>       // [tokens, heads, headDim]
    let output: UnsafeMutablePointer<Float>

    /// Attends query row `row` over tokens 0..<context, whose KV slots `slotOf` gives.
    func attend(row: Int, context: Int, scores: inout [Float], slotOf: (Int) -> Int) {
        let headDim = shape.headDim, group = shape.heads / shape.kvHeads
        scores.withUnsafeMutableBufferPointer { scores in
            for head in 0 ..< shape.heads {
                let kvHead = head / group
                let query = q + (row * shape.heads + head) * headDim
                var maximum = -Float.infinity
                for j in 0 ..< context {
                    let key = keys + (slotOf(j) * shape.kvHeads + kvHead) * headDim
                    let score = HostMath.dot(query, key, count: headDim) * shape.scale
                    scores[j] = score
                    maximum = max(maximum, score)
                }
                var total: Float = 0
                for j in 0 ..< context {
                    let e = HostMath.exp(scores[j] - maximum)
                    scores[j] = e
                    total += e
                }
                let out = output + (row * shape.heads + head) * headDim
                out.initialize(repeating: 0, count: headDim)
                let inverse = 1 / total
                for j in 0 ..< context {
                    let value = values + (slotOf(j) * shape.kvHeads + kvHead) * headDim
                    HostMath.addScaled(value, scores[j] * inverse, into: out, count: headDim)
                }
            }
        }
    }
}
