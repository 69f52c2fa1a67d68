// Log-probabilities as OpenAI reports them. They are those of the model's own
// distribution: the raw logits, before penalties, temperature and filters (vLLM's default
// too), so they mean the same whatever sampling settings a client picked.

import Foundation

enum Logprobs {
    /// `token` with its log-probability and the `top` most likely alternatives under `logits`.
    static func annotate(_ token: Int32, logits: ArraySlice<Float>, top: Int) -> GeneratedToken {
        let normaliser = logSumExp(logits)
        let base = logits.startIndex
        let alternatives = topIndices(logits, count: top).map {
            TokenLogprob(id: Int32($0 - base), logprob: Float(Double(logits[$0]) - normaliser))
        }
        return GeneratedToken(id: token, logprob: Float(Double(logits[base + Int(token)]) - normaliser),
                              topLogprobs: alternatives)
    }

    static func logSumExp(_ logits: ArraySlice<Float>) -> Double {
        let maximum = Double(logits.max() ?? 0)
        var sum = 0.0
        for logit in logits { sum += exp(Double(logit) - maximum) }
        return maximum + log(sum)
    }

    /// Indices of the `count` largest values, largest first (ties: lower index first).
    static func topIndices(_ values: ArraySlice<Float>, count: Int) -> [Int] {
        guard count > 0 else { return [] }
        var best: [Int] = []   // kept sorted, at most `count` long: count is small (≤ 20)
        best.reserveCapacity(count + 1)
        for i in values.indices {
            if best.count == count, values[i] <= values[best[count - 1]] { continue }
            var position = best.count
            while position > 0 && values[best[position - 1]] < values[i] { position -= 1 }
            best.insert(i, at: position)
            if best.count > count { best.removeLast() }
        }
        return best
    }
}
