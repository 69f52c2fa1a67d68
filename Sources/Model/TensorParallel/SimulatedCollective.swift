// The collectives of a tensor-parallel group between threads of one process, for the CPU:
// each rank's thread runs its own model and calls its member's collectives in lockstep.
// Ranks publish their buffers, meet at a barrier, work on them, and meet again before
// anyone returns (and so before anyone may overwrite its buffer). All-reduce splits the
// elements among the ranks (a reduce-scatter, then every owner writes its sums back to
// every rank); each element is summed in rank order 0..N-1 whichever thread does it, so
// results are the same on every run.

import Attention

public final class SimulatedCollective: @unchecked Sendable {  // shared slots are partitioned by rank; barriers order the phases
    public let ranks: Int
    private let barrier: RankBarrier
    /// Each rank's published buffer for the collective in progress.
    private let published: UnsafeMutablePointer<UnsafeMutablePointer<Float>?>

    public init(ranks: Int) {
        precondition(ranks >= 1, "SimulatedCollective: \(ranks) ranks")
        self.ranks = ranks
        barrier = RankBarrier(parties: ranks)
        published = .allocate(capacity: ranks)
        published.initialize(repeating: nil, count: ranks)
    }

    deinit { published.deallocate() }

    /// Rank `rank`'s end of the group, to be used by that rank's thread only.
    public func member(_ rank: Int) -> Member {
        precondition((0 ..< ranks).contains(rank), "SimulatedCollective: no rank \(rank) of \(ranks)")
        return Member(group: self, rank: rank)
    }

    public final class Member: RankCollective {
        public typealias Tensor = HostBuffer<Float>
        public let rank: Int
        let group: SimulatedCollective

        init(group: SimulatedCollective, rank: Int) {
            self.group = group
            self.rank = rank
        }

        public var ranks: Int { group.ranks }

        public func allReduceSum(_ x: HostBuffer<Float>, count: Int) {
            precondition(x.count >= count, "allReduceSum: \(count) elements of a buffer of \(x.count)")
            group.allReduceSum(x.pointer, count: count, rank: rank)
        }

        public func allGatherColumns(_ slice: HostBuffer<Float>, rows: Int, sliceColumns: Int, into out: HostBuffer<Float>,
                                     outputColumns: Int) {
            precondition(slice.count >= rows * sliceColumns && out.count >= rows * outputColumns,
                         "allGatherColumns: buffers too small for \(rows) rows")
            precondition(sliceColumns * ranks >= outputColumns,
                         "allGatherColumns: \(ranks) slices of \(sliceColumns) cannot fill \(outputColumns) columns")
            group.allGatherColumns(slice.pointer, rows: rows, sliceColumns: sliceColumns, into: out.pointer,
                                   outputColumns: outputColumns, rank: rank)
        }
    }

    private func allReduceSum(_ x: UnsafeMutablePointer<Float>, count: Int, rank: Int) {
        published[rank] = x
        barrier.wait()
        let perRank = (count + ranks - 1) / ranks
        let owned = min(count, rank * perRank) ..< min(count, (rank + 1) * perRank)
        for i in owned {
            var sum: Float = 0
            for r in 0 ..< ranks { sum += published[r]![i] }
            for r in 0 ..< ranks { published[r]![i] = sum }
        }
        barrier.wait()
    }

    private func allGatherColumns(_ slice: UnsafeMutablePointer<Float>, rows: Int, sliceColumns: Int,
                                  into out: UnsafeMutablePointer<Float>, outputColumns: Int, rank: Int) {
        published[rank] = slice
        barrier.wait()
        for r in 0 ..< ranks {
            let first = r * sliceColumns
            let width = max(0, min(sliceColumns, outputColumns - first))
            guard width > 0 else { continue }
            for row in 0 ..< rows {
                (out + row * outputColumns + first).update(from: published[r]! + row * sliceColumns, count: width)
            }
        }
        barrier.wait()
    }
}
