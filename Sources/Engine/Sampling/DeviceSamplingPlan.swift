// The device sampler's inputs for one step: a request per drawn row, with the row's
// seeded uniform number (the same SeededUniform value the CPU sampler draws with) and its
// penalty entries, one per distinct token of prompt and output.

import Kernels

struct DeviceSamplingPlan {
    var requests: [SamplingKernel.Request] = []
    var entries: [SamplingKernel.PenaltyEntry] = []

    /// `rows`: (logits row, sampling row) for each request drawn on the device.
    init(rows: [(logitsRow: Int, row: SamplingRow)]) {
        requests.reserveCapacity(rows.count)
        for (logitsRow, row) in rows {
            let p = row.params
            let first = entries.count
            if let history = row.history, p.hasPenalties { appendEntries(history) }
            requests.append(SamplingKernel.Request(
                logitsRow: logitsRow, temperature: p.temperature, topK: p.topK, topP: p.topP, minP: p.minP,
                repetitionPenalty: p.repetitionPenalty, frequencyPenalty: p.frequencyPenalty,
                presencePenalty: p.presencePenalty,
                uniform: p.temperature > 0 ? SeededUniform.value(seed: row.seed, index: row.drawIndex) : 0,
                penalties: first ..< entries.count))
        }
    }

    /// Each distinct token once: the prompt's (with its output count, if it recurs there),
    /// then the output's that the prompt lacks.
    private mutating func appendEntries(_ history: TokenHistory) {
        for token in history.promptTokens {
            entries.append(.init(token: token, outputCount: Int32(history.outputCounts[token] ?? 0)))
        }
        for (token, count) in history.outputCounts where !history.promptTokens.contains(token) {
            entries.append(.init(token: token, outputCount: Int32(count)))
        }
    }
}
