// Temperature, then top-k, top-p and min-p over the probabilities, in that order (as SGLang
// and vLLM apply them): what survives, with unnormalised weights, in id order (the order a
// draw walks, on either device).

import Foundation

struct Candidates: Equatable {
    var ids: [Int32]
    /// Unnormalised probabilities of `ids`, same order.
    var weights: [Double]

    var total: Double { weights.reduce(0, +) }
}

enum ProbabilityFilters {
    /// Tokens that may be drawn at temperature > 0, in id order. Top-k and top-p keep a
    /// prefix of the rank order (larger weight first, lower id first among equal weights).
    static func candidates(logits: [Float], params: SamplingParams) -> Candidates {
        precondition(params.temperature > 0, "ProbabilityFilters: greedy requests take the argmax")
        let inverseTemperature = 1 / Double(params.temperature)
        let maximum = Double(logits.max() ?? 0)
        // exp((l - max) / T): the most likely token weighs 1, so min-p compares against 1.
        var weights = logits.map { exp((Double($0) - maximum) * inverseTemperature) }
        var ids: [Int32]
        if params.topK > 0 || params.topP < 1 {
            ids = sortedIDs(weights: weights, topK: params.topK, topP: params.topP)
            if params.topK > 0 && ids.count > params.topK { ids.removeLast(ids.count - params.topK) }
            // Top-p measures against the mass left after top-k (all of it without top-k).
            let mass = params.topK > 0 ? ids.reduce(0) { $0 + weights[Int($1)] } : weights.reduce(0, +)
            if params.topP < 1 { ids = nucleus(ids, weights: weights, topP: Double(params.topP), total: mass) }
        } else {
            ids = (0 ..< Int32(logits.count)).map { $0 }
        }
        if params.minP > 0 {
            // The top token weighs 1 and always survives top-k and top-p.
            let floor = Double(params.minP)
            ids.removeAll { weights[Int($0)] < floor }
        }
        // The draw walks the kept tokens in id order, as the device sampler does, so both
        // pick the same token for the same random number.
        ids.sort()
        weights = ids.map { weights[Int($0)] }
        return Candidates(ids: ids, weights: weights)
    }

    /// Ids by descending weight (ties: lower id first). Only the head that top-k or top-p
    /// can keep is sorted: tokens lighter than a threshold come after every heavier one, so
    /// when the heavier ones already reach the top-k count or the top-p mass, the kept set
    /// lies among them and the rest never needs ordering.
    static func sortedIDs(weights: [Double], topK: Int, topP: Float) -> [Int32] {
        let total = weights.reduce(0, +)
        var threshold = 1e-4
        while threshold > 0 {
            let head = weights.indices.filter { weights[$0] >= threshold }
            let mass = head.reduce(0) { $0 + weights[$1] }
            let enoughForK = topK > 0 && head.count >= topK
            let enoughForP = topK == 0 && mass >= Double(topP) * total
            if enoughForK || enoughForP { return sort(head, by: weights) }
            threshold = threshold > 1e-12 ? threshold * 1e-4 : 0
        }
        return sort(Array(weights.indices), by: weights)
    }

    private static func sort(_ indices: [Int], by weights: [Double]) -> [Int32] {
        indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }.map { Int32($0) }
    }

    /// The shortest prefix of `sorted` whose mass reaches `topP` of `total`.
    static func nucleus(_ sorted: [Int32], weights: [Double], topP: Double, total: Double) -> [Int32] {
        var mass = 0.0
        for (n, id) in sorted.enumerated() {
            mass += weights[Int(id)]
            if mass >= topP * total { return Array(sorted.prefix(n + 1)) }
        }
        return sorted
    }
}
