// How a Llama-family decoder splits over N ranks, Megatron-style: each rank holds heads/N
// query heads with their KV heads (column-parallel q/k/v, row-parallel o), intermediate/N
// MLP rows (column-parallel gate/up, row-parallel down) and one contiguous range of the
// vocabulary (embedding and output head). Norms are replicated. A rank's share is itself a
// plain ModelConfig, so LlamaModel and the attention backends run on it unchanged.
//
// Fewer KV heads than ranks: each KV head is replicated on ranks / kvHeads ranks, as
// SGLang does, rather than refused. A rank's query heads always fall in one GQA group
// then, so it needs exactly one KV head; the cost is KV memory (and k/v projections)
// repeated ranks / kvHeads times, which beats not being able to shard GQA models with
// few KV heads (Qwen2.5-7B has 4, Llama 3 8B has 8) over 8 GPUs at all.

public struct TensorParallelLayout: Sendable, Equatable {
    /// The whole model.
    public let config: ModelConfig
    public let ranks: Int
    public let queryHeadsPerRank: Int
    public let kvHeadsPerRank: Int
    /// Ranks holding a copy of each KV head (1: no replication).
    public let kvHeadReplicas: Int
    public let intermediatePerRank: Int
    /// Rows of every rank's embedding and head slice: ceil(vocab / ranks). The last rank's
    /// slice is padded with zero rows past the vocabulary; their logits are dropped.
    public let vocabPerRank: Int

    public init(config: ModelConfig, ranks: Int) throws(TensorParallelError) {
        guard ranks >= 1 else { throw .invalidRankCount(ranks) }
        guard config.heads % ranks == 0 else { throw .headsNotDivisible(heads: config.heads, ranks: ranks) }
        if config.kvHeads >= ranks {
            guard config.kvHeads % ranks == 0 else { throw .kvHeadsNotDivisible(kvHeads: config.kvHeads, ranks: ranks) }
        } else {
            guard ranks % config.kvHeads == 0 else { throw .kvHeadsNotDivisible(kvHeads: config.kvHeads, ranks: ranks) }
        }
        guard config.intermediateSize % ranks == 0 else {
            throw .intermediateNotDivisible(intermediateSize: config.intermediateSize, ranks: ranks)
        }
        self.config = config
        self.ranks = ranks
        queryHeadsPerRank = config.heads / ranks
        kvHeadsPerRank = max(1, config.kvHeads / ranks)
        kvHeadReplicas = max(1, ranks / config.kvHeads)
        intermediatePerRank = config.intermediateSize / ranks
        vocabPerRank = (config.vocabSize + ranks - 1) / ranks
    }

    public func queryHeads(rank: Int) -> Range<Int> {
        rank * queryHeadsPerRank ..< (rank + 1) * queryHeadsPerRank
    }

    /// The KV heads whose query heads this rank holds (the same one on every replica).
    public func kvHeads(rank: Int) -> Range<Int> {
        let first = rank / kvHeadReplicas * kvHeadsPerRank
        return first ..< first + kvHeadsPerRank
    }

    public func intermediate(rank: Int) -> Range<Int> {
        rank * intermediatePerRank ..< (rank + 1) * intermediatePerRank
    }

    /// The token ids whose embedding and logits this rank holds; the last rank's range may be
    /// shorter than `vocabPerRank` (even empty when the vocabulary is tiny).
    public func vocabulary(rank: Int) -> Range<Int> {
        min(config.vocabSize, rank * vocabPerRank) ..< min(config.vocabSize, (rank + 1) * vocabPerRank)
    }

    /// The model one rank runs: the reduced widths, everything else as the whole model.
    public func config(rank: Int) -> ModelConfig {
        var share = config
        share.heads = queryHeadsPerRank
        share.kvHeads = kvHeadsPerRank
        share.intermediateSize = intermediatePerRank
        share.vocabSize = vocabPerRank
        return share
    }

    /// Which part of the whole model's tensor `name` (Hugging Face naming) a rank holds.
    public func slice(of name: String, rank: Int) -> TensorSlice {
        if name == WeightName.embedding || name == WeightName.lmHead {
            return .rows(vocabulary(rank: rank), paddedTo: vocabPerRank)
        }
        // model.layers.<i>.<suffix>
        let parts = name.split(separator: ".", maxSplits: 3)
        guard parts.count == 4, parts[0] == "model", parts[1] == "layers" else { return .whole }
        let d = config.headDim
        let query = queryHeads(rank: rank), kv = kvHeads(rank: rank)
        let queryWidth = query.lowerBound * d ..< query.upperBound * d
        let kvWidth = kv.lowerBound * d ..< kv.upperBound * d
        switch parts[3] {
        case "self_attn.q_proj.weight", "self_attn.q_proj.bias":
            return .rows(queryWidth, paddedTo: queryWidth.count)
        case "self_attn.k_proj.weight", "self_attn.k_proj.bias", "self_attn.v_proj.weight", "self_attn.v_proj.bias":
            return .rows(kvWidth, paddedTo: kvWidth.count)
        case "self_attn.o_proj.weight":
            return .columns(queryWidth)
        case "mlp.gate_proj.weight", "mlp.up_proj.weight":
            return .rows(intermediate(rank: rank), paddedTo: intermediatePerRank)
        case "mlp.down_proj.weight":
            return .columns(intermediate(rank: rank))
        default:
            return .whole  // norms, including Qwen3's per-head q/k norms
        }
    }
}

/// The part of a tensor one rank holds.
public enum TensorSlice: Sendable, Equatable {
    case whole
    /// Rows (the outer dimension; the elements of a vector), then zero rows up to `paddedTo`.
    case rows(Range<Int>, paddedTo: Int)
    /// Columns (the inner dimension) of every row.
    case columns(Range<Int>)
}
