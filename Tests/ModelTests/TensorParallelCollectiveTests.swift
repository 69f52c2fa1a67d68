// The simulated collectives between rank threads: sums in rank order on every rank,
// gathers that drop the padding, many rounds in a row without a lost or torn update.
import Attention
import Dispatch
import Foundation
import Testing
import Model

@Suite struct TensorParallelCollectiveTests {
    /// Runs `body(rank)` on one thread per rank and waits for all.
    static func onRankThreads(_ ranks: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let done = DispatchSemaphore(value: 0)
        for rank in 0 ..< ranks {
            Thread { body(rank); done.signal() }.start()
        }
        for _ in 0 ..< ranks { done.wait() }
    }

    @Test(arguments: [1, 2, 3, 4])
    func allReduceSumsInRankOrderOnEveryRank(ranks: Int) {
        let group = SimulatedCollective(ranks: ranks)
        let count = 37  // not a multiple of the ranks
        let buffers = (0 ..< ranks).map { r in HostBuffer((0 ..< count).map { Float(r * 1000 + $0) * 0.1 }) }
        let inputs = buffers.map(\.array)
        Self.onRankThreads(ranks) { rank in group.member(rank).allReduceSum(buffers[rank], count: count) }
        let expected = (0 ..< count).map { i in inputs.reduce(Float(0)) { $0 + $1[i] } }
        for buffer in buffers { #expect(buffer.array == expected) }
    }

    @Test func allGatherPlacesEachSliceAndDropsPadding() {
        let ranks = 3, rows = 2, slice = 4, vocab = 10
        let group = SimulatedCollective(ranks: ranks)
        // Rank r's slice holds token ids r * 4 + j (-1 past the vocabulary).
        let slices = (0 ..< ranks).map { r in
            HostBuffer((0 ..< rows * slice).map { i -> Float in
                let token = r * slice + i % slice
                return token < vocab ? Float(100 * (i / slice) + token) : -1
            })
        }
        let outputs = (0 ..< ranks).map { _ in HostBuffer<Float>(count: rows * vocab, repeating: .nan) }
        Self.onRankThreads(ranks) { rank in
            group.member(rank).allGatherColumns(slices[rank], rows: rows, sliceColumns: slice, into: outputs[rank],
                                                outputColumns: vocab)
        }
        let expected = (0 ..< rows * vocab).map { Float(100 * ($0 / vocab) + $0 % vocab) }
        for output in outputs { #expect(output.array == expected) }
    }

    @Test func manyRoundsStayInLockstep() {
        let ranks = 4, rounds = 300
        let group = SimulatedCollective(ranks: ranks)
        let buffers = (0 ..< ranks).map { _ in HostBuffer<Float>(count: 8, repeating: 0) }
        let wrongRounds = HostBuffer<Int32>(count: ranks, repeating: 0)
        Self.onRankThreads(ranks) { rank in
            let member = group.member(rank)
            for round in 0 ..< rounds {
                for i in 0 ..< 8 { buffers[rank][i] = Float(rank + round) }
                member.allReduceSum(buffers[rank], count: 8)
                // Every rank must see this round's sum, not a neighbour's next round.
                if buffers[rank].array != [Float](repeating: Float(6 + ranks * round), count: 8) { wrongRounds[rank] += 1 }
            }
        }
        #expect(wrongRounds.array == [0, 0, 0, 0])
    }
}
