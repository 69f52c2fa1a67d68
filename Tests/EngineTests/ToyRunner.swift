// A stand-in model for engine tests that runs in microseconds: it keeps the token and
// position written at each KV slot (its "KV pool"), and its next token is a hash of the
// whole context read back through the batch's token-slot table. A wrong slot, a stale
// cached prefix or a wrong position changes the output, so it checks the engine's KV
// bookkeeping, not just its control flow.
import Attention
import Engine
import Foundation
import Model
import Synchronization

final class ToyRunner: ModelRunner {
    let vocabSize: Int
    /// Tokens the toy never picks on its own (ids below this), free for tests to use as stop tokens.
    static let reservedIDs: Int32 = 4
    private var slotTokens: [Int32]
    private var slotPositions: [Int32]
    private let counters = Mutex(Counters())
    /// Waited on at the start of every forward when set (tests that need the loop held).
    let gate: DispatchSemaphore?
    let stepDelay: Double

    struct Counters {
        /// Forwards entered (a gated one counts before it is let through).
        var started = 0
        var forwards = 0
        var computedTokens = 0
        var largestBatch = 0
        var problems: [String] = []
    }

    init(vocabSize: Int = 97, slots: Int, gate: DispatchSemaphore? = nil, stepDelay: Double = 0) {
        self.vocabSize = vocabSize
        slotTokens = [Int32](repeating: -1, count: slots)
        slotPositions = [Int32](repeating: -1, count: slots)
        self.gate = gate
        self.stepDelay = stepDelay
    }

    var snapshot: Counters { counters.withLock { $0 } }

    /// The toy's next token after `context`.
    static func next(after context: some Sequence<Int32>, vocabSize: Int) -> Int32 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for token in context { hash = (hash ^ UInt64(UInt32(bitPattern: token))) &* 0x100_0000_01B3 }
        return reservedIDs + Int32(hash % UInt64(vocabSize - Int(reservedIDs)))
    }

    /// What greedy generation gives for `prompt` alone: the reference for every engine run.
    static func generate(_ prompt: [Int32], maxNewTokens: Int, stop: Set<Int32> = [], vocabSize: Int = 97) -> [Int32] {
        var context = prompt, output: [Int32] = []
        while output.count < maxNewTokens {
            let token = next(after: context, vocabSize: vocabSize)
            if stop.contains(token) { break }
            output.append(token)
            context.append(token)
        }
        return output
    }

    func forward(_ batch: ForwardBatch) -> HostLogits {
        counters.withLock { $0.started += 1 }
        gate?.wait()
        if stepDelay > 0 { Thread.sleep(forTimeInterval: stepDelay) }
        let attention = batch.attention
        for (row, slot) in attention.slots.enumerated() {
            slotTokens[Int(slot)] = batch.tokens[row]
            slotPositions[Int(slot)] = batch.positions[row]
        }
        var sequenceOfRow: [Int] = []
        for (sequence, count) in attention.newTokenCounts.enumerated() {
            sequenceOfRow += [Int](repeating: sequence, count: Int(count))
        }
        var logits = [Float](repeating: 0, count: batch.logitRows.count * vocabSize)
        var problems: [String] = []
        for (i, row) in batch.logitRows.enumerated() {
            let sequence = sequenceOfRow[Int(row)]
            let length = Int(batch.positions[Int(row)]) + 1
            var context: [Int32] = []
            for position in 0 ..< length {
                let slot = Int(attention.tokenSlotTable[sequence * attention.tableStride + position])
                if slotPositions[slot] != Int32(position) {
                    problems.append("slot \(slot) holds position \(slotPositions[slot]), read as \(position)")
                }
                context.append(slotTokens[slot])
            }
            logits[i * vocabSize + Int(Self.next(after: context, vocabSize: vocabSize))] = 10
        }
        counters.withLock {
            $0.forwards += 1
            $0.computedTokens += batch.tokenCount
            $0.largestBatch = max($0.largestBatch, attention.sequenceCount)
            $0.problems += problems
        }
        return HostLogits(values: logits, vocabSize: vocabSize)
    }
}
