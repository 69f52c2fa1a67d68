// The CPU configuration of the model: CPUOps, a float32 host KV pool and the CPU
// reference attention backend.

import Attention
import KVCache

public typealias CPULlamaModel = LlamaModel<CPUOps, CPUAttentionBackend>

extension LlamaModel where Ops == CPUOps, Backend == CPUAttentionBackend {
    /// Loads `checkpoint` for the CPU with a KV pool of `kvSlots` token slots (slot 0 is
    /// reserved, so `kvSlots - 1` tokens fit) in pages of `pageSize`.
    public static func cpu(checkpoint: any Checkpoint, kvSlots: Int, pageSize: Int = 1,
                           threads: Int = HostThreads.count,
                           progress: LoadProgressHandler? = nil) throws(ModelError) -> CPULlamaModel {
        let config = checkpoint.config
        let ops = CPUOps(threads: threads)
        let weights = try LlamaWeights(checkpoint: checkpoint, ops: ops, progress: progress)
        let poolShape = KVPoolShape(layers: config.layers, numPages: (kvSlots + pageSize - 1) / pageSize,
                                    pageSize: pageSize, kvHeads: config.kvHeads, headDim: config.headDim)
        let attention = CPUAttentionBackend(
            shape: AttentionShape(layers: config.layers, heads: config.heads, kvHeads: config.kvHeads, headDim: config.headDim),
            pool: HostKVPool(shape: poolShape, fill: 0), threads: threads)
        return LlamaModel(config: config, weights: weights, ops: ops, attention: attention)
    }
}
