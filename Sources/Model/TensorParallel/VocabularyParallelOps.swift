// The one kernel a tensor-parallel rank needs beyond ModelOps: an embedding lookup over a
// slice of the vocabulary. A rank holds the embedding rows of the tokens in `owned`; every
// other token gets a zero row, so the sum over ranks (an all-reduce) is the full lookup.

import Attention

public protocol VocabularyParallelOps: ModelOps {
    /// out[t] = table[tokens[t] - owned.lowerBound] when tokens[t] is in `owned`, else zeros.
    func embed(tokens: Indices, rows: Int, table: Weight, owned: Range<Int>, into out: Tensor)
}

extension CPUOps: VocabularyParallelOps {
    public func embed(tokens: HostBuffer<Int32>, rows: Int, table: HostMatrix, owned: Range<Int>,
                      into out: HostBuffer<Float>) {
        precondition(owned.count <= table.rows, "embed: \(owned.count) owned tokens but \(table.rows) table rows")
        for t in 0 ..< rows {
            let token = Int(tokens[t]), target = out.pointer + t * table.columns
            if owned.contains(token) {
                table.decode(row: token - owned.lowerBound, into: target)
            } else {
                target.update(repeating: 0, count: table.columns)
            }
        }
    }
}
