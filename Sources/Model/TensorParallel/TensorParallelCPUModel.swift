// A Llama-family model split over N ranks on the CPU: each rank is an ordinary LlamaModel
// on CPUOps and the CPU attention backend, built from its ShardedCheckpoint with its own
// KV pool (its KV heads only, the same slots), running on its own thread; the ranks meet in
// a SimulatedCollective. What a GPU build would do with N devices and NCCL, done here so
// the sharding itself is exercised and checked against the unsharded model.

import Attention
import KVCache

public final class TensorParallelCPUModel {
    public let layout: TensorParallelLayout
    /// Rank r's model, run only on rank r's thread.
    public let ranks: [CPULlamaModel]
    private let rankThreads: RankThreads

    /// Loads every rank's share of `checkpoint` with a KV pool of `kvSlots` token slots
    /// (slot 0 reserved) in pages of `pageSize`; each rank's ops get `threads / ranks` cores.
    public init(checkpoint: any Checkpoint, ranks: Int, kvSlots: Int, pageSize: Int = 1,
                threads: Int = HostThreads.count, progress: LoadProgressHandler? = nil) throws(TensorParallelError) {
        let layout = try TensorParallelLayout(config: checkpoint.config, ranks: ranks)
        let group = SimulatedCollective(ranks: ranks)
        let threadsPerRank = max(1, threads / ranks)
        var models: [CPULlamaModel] = []
        for rank in 0 ..< ranks {
            let shard = try ShardedCheckpoint(base: checkpoint, layout: layout, rank: rank)
            let config = shard.config
            let ops = CPUOps(threads: threadsPerRank)
            do throws(ModelError) {
                let weights = try LlamaWeights(checkpoint: shard, ops: ops, progress: progress)
                let poolShape = KVPoolShape(layers: config.layers, numPages: (kvSlots + pageSize - 1) / pageSize,
                                            pageSize: pageSize, kvHeads: config.kvHeads, headDim: config.headDim)
                let attention = CPUAttentionBackend(
                    shape: AttentionShape(layers: config.layers, heads: config.heads, kvHeads: config.kvHeads,
                                          headDim: config.headDim),
                    pool: HostKVPool(shape: poolShape, fill: 0), threads: threadsPerRank)
                let member = TensorParallelRank(layout: layout, rank: rank, collective: group.member(rank), ops: ops)
                models.append(LlamaModel(config: config, weights: weights, ops: ops, attention: attention,
                                         tensorParallel: member))
            } catch {
                throw .rankLoad(rank: rank, error)
            }
        }
        self.layout = layout
        self.ranks = models
        rankThreads = RankThreads(ranks: ranks)
    }

    /// The whole model.
    public var config: ModelConfig { layout.config }
    /// Every rank's KV pool has this page geometry (with the rank's KV heads).
    public var poolShape: KVPoolShape { ranks[0].attention.pool.shape }

    /// One step on every rank in lockstep; returns the full logits rows (vocabSize each) of
    /// `batch.logitRows`, as rank 0 gathered them.
    public func logits(_ batch: ForwardBatch) -> [Float] {
        var result: [Float] = []
        let models = ranks
        rankThreads.run { rank in
            let model = models[rank]
            let metadata = model.attention.makeMetadata(for: batch.attention)
            let logits = model.forward(batch, metadata: metadata)
            // Every rank holds the gathered rows; one copy out is enough.
            if rank == 0 { result = model.ops.read(logits, count: batch.logitRows.count * model.vocabSize) }
        }
        return result
    }
}
