// The CPU backend's per-step metadata: the batch's host arrays plus the derived query
// offsets, kept in buffers sized once (the CPU twin of the FA3 backend's static buffers).

public final class CPUAttentionMetadata {
    public let maxBatch: Int
    public let maxContext: Int
    public private(set) var sequenceCount = 0
    public private(set) var tokenCount = 0
    /// First query row of each sequence; entry `sequenceCount` is the token count.
    public private(set) var queryStarts: [Int]
    public private(set) var cachedLengths: [Int]
    public private(set) var newTokenCounts: [Int]
    /// [maxBatch, maxContext] token-slot rows.
    public private(set) var tokenSlotTable: [Int32]
    public private(set) var slots: [Int32] = []

    init(maxBatch: Int, maxContext: Int) {
        self.maxBatch = maxBatch
        self.maxContext = maxContext
        queryStarts = [Int](repeating: 0, count: maxBatch + 1)
        cachedLengths = [Int](repeating: 0, count: maxBatch)
        newTokenCounts = [Int](repeating: 0, count: maxBatch)
        tokenSlotTable = [Int32](repeating: 0, count: maxBatch * maxContext)
    }

    func write(_ batch: AttentionBatch) {
        precondition(batch.sequenceCount <= maxBatch,
                     "CPUAttentionMetadata: \(batch.sequenceCount) sequences exceed the buffers' \(maxBatch)")
        precondition(batch.maxContextLength <= maxContext,
                     "CPUAttentionMetadata: a context of \(batch.maxContextLength) exceeds the buffers' \(maxContext)")
        sequenceCount = batch.sequenceCount
        tokenCount = batch.tokenCount
        slots = batch.slots
        var start = 0
        for s in 0 ..< batch.sequenceCount {
            queryStarts[s] = start
            cachedLengths[s] = Int(batch.cachedLengths[s])
            newTokenCounts[s] = Int(batch.newTokenCounts[s])
            start += newTokenCounts[s]
            let length = cachedLengths[s] + newTokenCounts[s]
            let source = s * batch.tableStride, destination = s * maxContext
            for i in 0 ..< length { tokenSlotTable[destination + i] = batch.tokenSlotTable[source + i] }
        }
        queryStarts[batch.sequenceCount] = start
    }

    /// The KV slot of token `position` of sequence `sequence`.
    @inline(__always)
    func slot(sequence: Int, position: Int) -> Int {
        Int(tokenSlotTable[sequence * maxContext + position])
    }
}
