import KernelParams

/// How a decode launch splits each (request, kv head) pair's keys over CTAs
/// (kernels/attention_decode, README "Cluster schedule").
public enum AttentionDecodeSchedule: Sendable, Equatable, CustomStringConvertible {
    /// A fixed grid takes equal shares of all pairs' tiles laid end to end; a pair cut
    /// between CTAs is merged through global memory by the last CTA to finish a piece.
    /// Balances any mix of lengths; the default.
    case streamK
    /// One thread block cluster of `size` CTAs per pair (grid = pairs x size), each CTA an
    /// equal share of the pair's tiles, the pieces merged through distributed shared memory:
    /// no partials in global memory, no fence, no counter. For small batches (Hopper).
    case cluster(size: Int)

    public var description: String {
        switch self {
        case .streamK: "stream-K"
        case .cluster(let size): "cluster of \(size)"
        }
    }
}

/// Picks the schedule of a launch from the batch. The cluster schedule runs while every
/// pair's cluster fits on the GPU at once: up to `clusterBatchLimit` requests, a power of two,
/// so that a batch and the same batch padded to its CUDA-graph bucket (1, 2, 4, 8, then
/// multiples of 8) always get the same schedule, and with it the same bits.
public struct AttentionDecodeSchedulePolicy: Sendable, Equatable {
    /// CTAs per cluster, 0 when the GPU cannot run the cluster schedule.
    public let clusterSize: Int
    /// Clusters of that size resident on the GPU at once.
    public let activeClusters: Int
    /// CTAs of the stream-K grid: a cluster launch never takes more.
    public let grid: Int

    public init(clusterSize: Int, activeClusters: Int, grid: Int) {
        self.clusterSize = clusterSize
        self.activeClusters = activeClusters
        self.grid = grid
    }

    /// Stream-K for every batch.
    public static func streamKOnly(grid: Int) -> Self { Self(clusterSize: 0, activeClusters: 0, grid: grid) }

    /// The largest batch that runs clustered: the largest power of two p with
    /// p x kvHeads clusters resident at once and no more CTAs than the stream-K grid;
    /// 0 when not even one request's clusters fit.
    public func clusterBatchLimit(kvHeads: Int) -> Int {
        guard clusterSize >= 2, kvHeads > 0 else { return 0 }
        let pairs = min(activeClusters, grid / clusterSize)
        guard pairs >= kvHeads else { return 0 }
        var limit = 1
        while limit * 2 * kvHeads <= pairs { limit *= 2 }
        return limit
    }

    public func schedule(batch: Int, kvHeads: Int) -> AttentionDecodeSchedule {
        batch <= clusterBatchLimit(kvHeads: kvHeads) ? .cluster(size: clusterSize) : .streamK
    }
}
