// The seam between the ranks of a tensor-parallel model: the two collectives Megatron-style
// TP needs, called by every rank at the same points of the forward, in the same order.
// One conformer per rank (as an NCCL communicator is per rank); SimulatedCollective runs
// them between threads on the CPU, a GPU build would run them through NCCL.

public protocol RankCollective<Tensor>: AnyObject {
    associatedtype Tensor
    var rank: Int { get }
    var ranks: Int { get }

    /// x[0..<count] on every rank becomes the sum of every rank's x[0..<count], added in
    /// rank order 0, 1, ..., N-1 so that the result does not depend on timing.
    func allReduceSum(_ x: Tensor, count: Int)

    /// Every rank passes its [rows, sliceColumns] slice; `out`, [rows, outputColumns] on
    /// every rank, gets rank r's slice at columns r * sliceColumns ..., columns at or past
    /// `outputColumns` (padding) dropped.
    func allGatherColumns(_ slice: Tensor, rows: Int, sliceColumns: Int, into out: Tensor, outputColumns: Int)
}
