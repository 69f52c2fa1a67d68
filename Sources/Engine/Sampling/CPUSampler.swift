// The sampler on the CPU, over host logits: penalties, then greedy argmax or a seeded draw
// from the filtered distribution, then log-probabilities if asked for.

public struct CPUSampler: TokenSampler {
    public typealias Logits = HostLogits

    public init() {}

    public func sample(_ logits: HostLogits, rows: [SamplingRow]) -> [GeneratedToken] {
        precondition(logits.rowCount == rows.count, "CPUSampler: \(logits.rowCount) logit rows for \(rows.count) requests")
        return rows.indices.map { sampleRow(logits.row($0), rows[$0]) }
    }

    func sampleRow(_ raw: ArraySlice<Float>, _ row: SamplingRow) -> GeneratedToken {
        let params = row.params
        var logits = Array(raw)
        if let history = row.history, params.hasPenalties {
            LogitPenalties.apply(history, params: params, to: &logits)
        }
        let id: Int32
        if params.temperature == 0 {
            id = Self.argmax(logits)
        } else {
            let candidates = ProbabilityFilters.candidates(logits: logits, params: params)
            id = Self.draw(candidates, uniform: SeededUniform.value(seed: row.seed, index: row.drawIndex))
        }
        guard let top = params.topLogprobs else { return GeneratedToken(id: id) }
        return Logprobs.annotate(id, logits: raw, top: top)
    }

    /// The first index of the largest logit.
    static func argmax(_ logits: [Float]) -> Int32 {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return Int32(best)
    }

    /// Walks the candidates until their cumulative weight passes `uniform` × total.
    static func draw(_ candidates: Candidates, uniform: Double) -> Int32 {
        precondition(!candidates.ids.isEmpty, "CPUSampler: every token was filtered out")
        let target = uniform * candidates.total
        var cumulative = 0.0
        for (id, weight) in zip(candidates.ids, candidates.weights) {
            cumulative += weight
            if cumulative > target { return id }
        }
        // Rounding can leave the target a hair past the sum; the last candidate owns that edge.
        return candidates.ids[candidates.ids.count - 1]
    }
}
