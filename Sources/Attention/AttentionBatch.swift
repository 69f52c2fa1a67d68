// What attention needs to know about one step, and nothing more: per sequence, how many
// tokens are already cached and how many are new; per new token, its KV slot; per
// sequence, the slots of all its tokens (its row of the request→token table). Requests,
// sampling and scheduling never reach the backend.

public struct AttentionBatch: Sendable, Equatable {
    /// Tokens of each sequence already in the KV cache before this step.
    public var cachedLengths: [Int32]
    /// New tokens of each sequence in this step (1 for a decode step).
    public var newTokenCounts: [Int32]
    /// The KV slot each new token is written to, sequences concatenated; -1 writes nothing (padding).
    public var slots: [Int32]
    /// Row s (stride `tableStride`) holds the KV slot of each token 0..<cached+new of sequence s.
    public var tokenSlotTable: [Int32]
    public var tableStride: Int

    public init(cachedLengths: [Int32], newTokenCounts: [Int32], slots: [Int32],
                tokenSlotTable: [Int32], tableStride: Int) {
        precondition(cachedLengths.count == newTokenCounts.count,
                     "AttentionBatch: \(cachedLengths.count) cached lengths for \(newTokenCounts.count) sequences")
        precondition(slots.count == newTokenCounts.reduce(0) { $0 + Int($1) },
                     "AttentionBatch: \(slots.count) slots for \(newTokenCounts.reduce(0) { $0 + Int($1) }) new tokens")
        precondition(tokenSlotTable.count == cachedLengths.count * tableStride,
                     "AttentionBatch: token-slot table of \(tokenSlotTable.count) is not \(cachedLengths.count) rows of \(tableStride)")
        for s in cachedLengths.indices {
            precondition(Int(cachedLengths[s] + newTokenCounts[s]) <= tableStride,
                         "AttentionBatch: sequence \(s) has \(cachedLengths[s] + newTokenCounts[s]) tokens, table stride \(tableStride)")
        }
        self.cachedLengths = cachedLengths
        self.newTokenCounts = newTokenCounts
        self.slots = slots
        self.tokenSlotTable = tokenSlotTable
        self.tableStride = tableStride
    }

    /// Builds the batch from each sequence's cached length and token-slot row (whose
    /// length is cached + new tokens); new tokens' slots are the row's tail.
    public init(sequences: [(cachedLength: Int, tokenSlots: [Int32])]) {
        let stride = sequences.map(\.tokenSlots.count).max() ?? 0
        var table: [Int32] = []
        var slots: [Int32] = []
        for sequence in sequences {
            precondition(sequence.cachedLength < sequence.tokenSlots.count,
                         "AttentionBatch: a sequence needs at least one new token")
            table += sequence.tokenSlots + [Int32](repeating: 0, count: stride - sequence.tokenSlots.count)
            slots += sequence.tokenSlots[sequence.cachedLength...]
        }
        self.init(cachedLengths: sequences.map { Int32($0.cachedLength) },
                  newTokenCounts: sequences.map { Int32($0.tokenSlots.count - $0.cachedLength) },
                  slots: slots, tokenSlotTable: table, tableStride: stride)
    }

    public var sequenceCount: Int { cachedLengths.count }
    public var tokenCount: Int { slots.count }
    /// Every sequence adds exactly one token (the decode kernel's case).
    public var isDecode: Bool { newTokenCounts.allSatisfy { $0 == 1 } }
    /// Longest cached + new length in the batch.
    public var maxContextLength: Int { zip(cachedLengths, newTokenCounts).map { Int($0 + $1) }.max() ?? 0 }
}
