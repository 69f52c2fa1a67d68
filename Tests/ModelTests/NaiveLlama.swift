// An independent, deliberately plain Llama-family forward for tests: whole sequence, no KV
// cache, double-precision accumulation, written from the Hugging Face modeling code's
// definitions (RMSNorm, half-split RoPE, GQA softmax attention, SwiGLU MLP).
import Foundation
import Model

struct NaiveLlama {
    let config: ModelConfig
    let weights: [String: [Float]]

    init(checkpoint: any Checkpoint) throws {
        config = checkpoint.config
        var weights: [String: [Float]] = [:]
        for spec in config.tensorList { weights[spec.name] = try checkpoint.tensor(named: spec.name).floats() }
        self.weights = weights
    }

    private func w(_ name: String) -> [Float] { weights[name]! }

    private func linear(_ name: String, _ x: [Double], outputs: Int, bias: String? = nil) -> [Double] {
        let m = w(name), b = bias.flatMap { weights[$0] }
        return (0 ..< outputs).map { r in
            var sum = 0.0
            for c in x.indices { sum += Double(m[r * x.count + c]) * x[c] }
            return sum + Double(b?[r] ?? 0)
        }
    }

    private func rmsNorm(_ x: [Double], _ gain: [Float]) -> [Double] {
        var sumOfSquares = 0.0
        for v in x { sumOfSquares += v * v }
        let scale = 1 / (sumOfSquares / Double(x.count) + Double(config.rmsNormEpsilon)).squareRoot()
        return x.indices.map { x[$0] * scale * Double(gain[$0 % gain.count]) }
    }

    private func rope(_ x: [Double], heads: Int, position: Int) -> [Double] {
        let d = config.headDim, half = d / 2
        let frequencies = config.ropeInverseFrequencies
        var out = x
        for h in 0 ..< heads {
            for i in 0 ..< half {
                let angle = Double(position) * Double(frequencies[i])
                let a = x[h * d + i], b = x[h * d + half + i]
                out[h * d + i] = a * cos(angle) - b * sin(angle)
                out[h * d + half + i] = b * cos(angle) + a * sin(angle)
            }
        }
        return out
    }

    /// Logits at every position of `tokens`.
    func logits(_ tokens: [Int32]) -> [[Float]] {
        let c = config, d = c.headDim
        let embedding = w(WeightName.embedding)
        var hidden = tokens.map { t in (0 ..< c.hiddenSize).map { Double(embedding[Int(t) * c.hiddenSize + $0]) } }
        for layer in 0 ..< c.layers {
            func name(_ s: String) -> String { WeightName.layer(layer, s) }
            let bias = c.hasQKVBias
            var qs: [[Double]] = [], ks: [[Double]] = [], vs: [[Double]] = []
            for (position, h) in hidden.enumerated() {
                let x = rmsNorm(h, w(name("input_layernorm.weight")))
                var q = linear(name("self_attn.q_proj.weight"), x, outputs: c.queryWidth, bias: bias ? name("self_attn.q_proj.bias") : nil)
                var k = linear(name("self_attn.k_proj.weight"), x, outputs: c.kvWidth, bias: bias ? name("self_attn.k_proj.bias") : nil)
                let v = linear(name("self_attn.v_proj.weight"), x, outputs: c.kvWidth, bias: bias ? name("self_attn.v_proj.bias") : nil)
                if c.hasQKNorm {
                    q = (0 ..< c.heads).flatMap { rmsNorm(Array(q[$0 * d ..< ($0 + 1) * d]), w(name("self_attn.q_norm.weight"))) }
                    k = (0 ..< c.kvHeads).flatMap { rmsNorm(Array(k[$0 * d ..< ($0 + 1) * d]), w(name("self_attn.k_norm.weight"))) }
                }
                qs.append(rope(q, heads: c.heads, position: position))
                ks.append(rope(k, heads: c.kvHeads, position: position))
                vs.append(v)
            }
            for position in hidden.indices {
                var attended = [Double](repeating: 0, count: c.queryWidth)
                for head in 0 ..< c.heads {
                    let kv = head / (c.heads / c.kvHeads)
                    var scores: [Double] = []
                    for j in 0 ... position {
                        var dot = 0.0
                        for i in 0 ..< d { dot += qs[position][head * d + i] * ks[j][kv * d + i] }
                        scores.append(dot / Double(d).squareRoot())
                    }
                    let top = scores.max()!
                    let weights = scores.map { exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for j in 0 ... position {
                        for i in 0 ..< d { attended[head * d + i] += weights[j] / total * vs[j][kv * d + i] }
                    }
                }
                let projected = linear(name("self_attn.o_proj.weight"), attended, outputs: c.hiddenSize)
                hidden[position] = zip(hidden[position], projected).map(+)
                let x = rmsNorm(hidden[position], w(name("post_attention_layernorm.weight")))
                let gate = linear(name("mlp.gate_proj.weight"), x, outputs: c.intermediateSize)
                let up = linear(name("mlp.up_proj.weight"), x, outputs: c.intermediateSize)
                let act: [Double] = zip(gate, up).map { (g: Double, u: Double) -> Double in g / (1 + exp(-g)) * u }
                hidden[position] = zip(hidden[position], linear(name("mlp.down_proj.weight"), act, outputs: c.hiddenSize)).map(+)
            }
        }
        let head = c.tieWordEmbeddings ? WeightName.embedding : WeightName.lmHead
        return hidden.map { h in linear(head, rmsNorm(h, w(WeightName.finalNorm)), outputs: c.vocabSize).map { Float($0) } }
    }
}
