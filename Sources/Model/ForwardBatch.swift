// One model step's inputs: new tokens of several sequences (prefill, extend and decode
// mixed), their positions, what attention needs, and which rows to compute logits for.

import Attention

public struct ForwardBatch: Sendable, Equatable {
    /// New tokens, sequences concatenated in the attention batch's order.
    public var tokens: [Int32]
    public var positions: [Int32]
    public var attention: AttentionBatch
    /// Rows of `tokens` whose next-token logits are wanted (by default the last of each sequence).
    public var logitRows: [Int32]

    public init(tokens: [Int32], attention: AttentionBatch, logitRows: [Int32]? = nil) {
        precondition(tokens.count == attention.tokenCount,
                     "ForwardBatch: \(tokens.count) tokens for an attention batch of \(attention.tokenCount)")
        self.tokens = tokens
        self.attention = attention
        var positions: [Int32] = []
        var lastRows: [Int32] = []
        for (cached, new) in zip(attention.cachedLengths, attention.newTokenCounts) {
            positions += (0 ..< new).map { cached + $0 }
            lastRows.append(Int32(positions.count - 1))
        }
        self.positions = positions
        self.logitRows = logitRows ?? lastRows
    }

    public var tokenCount: Int { tokens.count }
}
