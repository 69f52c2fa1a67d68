// One rank's view of a checkpoint: the rank's config (reduced widths) and, for each tensor,
// the rank's slice of the base checkpoint's tensor (TensorParallelLayout.slice). Loading a
// LlamaModel from it gives the rank's model; tied embeddings stay tied because the
// embedding and the head take the same vocabulary rows.

public struct ShardedCheckpoint: Checkpoint {
    public let base: any Checkpoint
    public let layout: TensorParallelLayout
    public let rank: Int
    /// The rank's model.
    public let config: ModelConfig
    public var source: String { "\(base.source), tensor-parallel rank \(rank) of \(layout.ranks)" }
    private let wholeShapes: [String: [Int]]

    public init(base: any Checkpoint, rank: Int, of ranks: Int) throws(TensorParallelError) {
        try self.init(base: base, layout: TensorParallelLayout(config: base.config, ranks: ranks), rank: rank)
    }

    public init(base: any Checkpoint, layout: TensorParallelLayout, rank: Int) throws(TensorParallelError) {
        guard (0 ..< layout.ranks).contains(rank) else { throw .rankOutOfRange(rank: rank, ranks: layout.ranks) }
        self.base = base
        self.layout = layout
        self.rank = rank
        config = layout.config(rank: rank)
        wholeShapes = Dictionary(uniqueKeysWithValues: layout.config.tensorList.map { ($0.name, $0.shape) })
    }

    public func contains(_ name: String) -> Bool { base.contains(name) }

    public func tensor(named name: String) throws(ModelError) -> LoadedTensor {
        let whole = try base.tensor(named: name)
        // Slicing needs the whole model's shape; a mismatch is the base checkpoint's fault.
        if let expected = wholeShapes[name], expected != whole.shape {
            throw .wrongShape(name: name, expected: expected, found: whole.shape)
        }
        switch layout.slice(of: name, rank: rank) {
        case .whole: return whole
        case .rows(let range, let total): return try whole.slicingRows(range, paddedTo: total)
        case .columns(let range): return try whole.slicingColumns(range)
        }
    }
}
