// What a LlamaModel that is one rank of a tensor-parallel group does differently, at exactly
// the four points Megatron-style TP needs (the model calls these and nothing else):
//   embedding: look up the rank's vocabulary rows (zeros elsewhere), then all-reduce;
//   after the o projection and after the down projection: all-reduce the partial sums
//     (row-parallel outputs), before the residual add;
//   after the output head: all-gather the vocabulary slices into full logits rows.

public final class TensorParallelRank<Ops: ModelOps> {
    public let layout: TensorParallelLayout
    public let rank: Int
    public let collective: any RankCollective<Ops.Tensor>
    private let embedOwned: (_ tokens: Ops.Indices, _ rows: Int, _ table: Ops.Weight, _ out: Ops.Tensor) -> Void

    public init(layout: TensorParallelLayout, rank: Int, collective: any RankCollective<Ops.Tensor>,
                ops: Ops) where Ops: VocabularyParallelOps {
        precondition(collective.rank == rank && collective.ranks == layout.ranks,
                     "TensorParallelRank: collective is rank \(collective.rank) of \(collective.ranks), "
                        + "layout wants \(rank) of \(layout.ranks)")
        self.layout = layout
        self.rank = rank
        self.collective = collective
        let owned = layout.vocabulary(rank: rank)
        embedOwned = { tokens, rows, table, out in
            ops.embed(tokens: tokens, rows: rows, table: table, owned: owned, into: out)
        }
    }

    /// The model this rank runs.
    public var config: ModelConfig { layout.config(rank: rank) }
    /// Logit columns after the gather: the whole vocabulary.
    public var vocabSize: Int { layout.config.vocabSize }

    func embed(tokens: Ops.Indices, rows: Int, table: Ops.Weight, into out: Ops.Tensor) {
        embedOwned(tokens, rows, table, out)
        collective.allReduceSum(out, count: rows * layout.config.hiddenSize)
    }

    func sumPartials(_ x: Ops.Tensor, rows: Int) {
        collective.allReduceSum(x, count: rows * layout.config.hiddenSize)
    }

    func gatherLogits(_ slice: Ops.Tensor, rows: Int, into out: Ops.Tensor) {
        collective.allGatherColumns(slice, rows: rows, sliceColumns: layout.vocabPerRank, into: out,
                                    outputColumns: layout.config.vocabSize)
    }
}
