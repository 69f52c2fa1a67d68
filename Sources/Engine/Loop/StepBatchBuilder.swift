// Turning the step's scheduled work into the model's ForwardBatch: per sequence its new
// tokens, its cached length and its row of the token table; logits only for sequences
// whose chunk reaches their last token (an intermediate prefill chunk needs none).

import Attention
import KVCache
import Model

/// One sequence's part of a step, after its KV slots were allocated.
struct StepEntry {
    let request: RequestState
    /// Tokens that had KV before this step.
    let cachedBefore: Int
    let newTokens: Int

    /// The chunk ends at the request's last token: its logits give the next token.
    var samples: Bool { cachedBefore + newTokens == request.tokens.count }
    /// The chunk is part of the prompt (or, after a preemption, of the recomputed tokens).
    var isPrefill: Bool { cachedBefore < request.prefillEnd }
}

enum StepBatchBuilder {
    static func forwardBatch(_ entries: [StepEntry], tokenTable: ReqToTokenPool) -> ForwardBatch {
        var tokens: [Int32] = []
        var sequences: [(cachedLength: Int, tokenSlots: [Int32])] = []
        var logitRows: [Int32] = []
        for entry in entries {
            let end = entry.cachedBefore + entry.newTokens
            guard let kv = entry.request.kv else { preconditionFailure("StepBatchBuilder: request \(entry.request.id) holds no KV") }
            precondition(kv.length == end, "StepBatchBuilder: request \(entry.request.id) holds \(kv.length) slots, step ends at \(end)")
            tokens += entry.request.tokens[entry.cachedBefore ..< end]
            sequences.append((entry.cachedBefore, tokenTable.slots(row: kv.row, columns: 0 ..< end)))
            if entry.samples { logitRows.append(Int32(tokens.count - 1)) }
        }
        return ForwardBatch(tokens: tokens, attention: AttentionBatch(sequences: sequences), logitRows: logitRows)
    }
}
