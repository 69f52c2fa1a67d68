// The Llama-family forward (Llama 3.x, Mistral, Qwen2.5, Qwen3, SmolLM2), written once over
// ModelOps and an AttentionBackend: the same code runs on the CPU and on a GPU.

import Attention

public final class LlamaModel<Ops: ModelOps, Backend: AttentionBackend> where Backend.Tensor == Ops.Tensor {
    public let config: ModelConfig
    public let ops: Ops
    public let attention: Backend
    public let weights: LlamaWeights<Ops>
    /// Set when this model is one rank of a tensor-parallel group: its config and weights are
    /// the rank's share, and the forward calls the group's collectives.
    public let tensorParallel: TensorParallelRank<Ops>?
    private var workspace: LlamaWorkspace<Ops>?  // the eager steps' own, grown on demand

    public init(config: ModelConfig, weights: LlamaWeights<Ops>, ops: Ops, attention: Backend,
                tensorParallel: TensorParallelRank<Ops>? = nil) {
        precondition(attention.shape == AttentionShape(layers: config.layers, heads: config.heads,
                                                       kvHeads: config.kvHeads, headDim: config.headDim),
                     "LlamaModel: the attention backend's shape does not match the config")
        precondition(tensorParallel.map { $0.config == config } ?? true,
                     "LlamaModel: the config is not the tensor-parallel rank's share of the model")
        self.config = config
        self.weights = weights
        self.ops = ops
        self.attention = attention
        self.tensorParallel = tensorParallel
    }

    /// Logit columns a forward returns: the whole vocabulary, also on a tensor-parallel rank.
    public var vocabSize: Int { tensorParallel?.vocabSize ?? config.vocabSize }

    /// Runs one step and returns logits, [batch.logitRows.count, vocab], in a buffer this
    /// model reuses on the next call. `metadata` must have been prepared for this batch.
    public func forward(_ batch: ForwardBatch, metadata: Backend.Metadata) -> Ops.Tensor {
        let w = eagerWorkspace(tokens: batch.tokenCount, logitRows: batch.logitRows.count)
        writeInputs(batch, into: w)
        return forward(tokenCount: batch.tokenCount, logitRowCount: batch.logitRows.count, metadata: metadata,
                       workspace: w)
    }

    /// Activation buffers for steps of up to `tokens` tokens and `logitRows` logit rows that
    /// the caller owns: a graph runner captures forwards over one and keeps it alive, so that
    /// its buffers never move (the eager workspace is replaced when a longer step arrives).
    public func makeWorkspace(tokens: Int, logitRows: Int) -> LlamaWorkspace<Ops> {
        LlamaWorkspace(ops: ops, config: config, tokens: tokens, logitRows: logitRows,
                       gatheredVocab: tensorParallel?.vocabSize)
    }

    /// Copies the step's token ids, positions and logit rows into `w` (host to device): the
    /// only host-side writes of a step, done before a graph replays.
    public func writeInputs(_ batch: ForwardBatch, into w: LlamaWorkspace<Ops>) {
        writeTokens(batch, into: w)
        writeLogitRows(batch.logitRows, into: w)
    }

    /// The token ids and positions alone (a decode graph's logit rows never change).
    public func writeTokens(_ batch: ForwardBatch, into w: LlamaWorkspace<Ops>) {
        precondition(w.tokenCapacity >= batch.tokenCount,
                     "LlamaModel.writeTokens: \(batch.tokenCount) tokens exceed the workspace's \(w.tokenCapacity)")
        ops.write(batch.tokens, to: w.tokens)
        ops.write(batch.positions, to: w.positions)
    }

    public func writeLogitRows(_ rows: [Int32], into w: LlamaWorkspace<Ops>) {
        precondition(w.logitCapacity >= rows.count,
                     "LlamaModel.writeLogitRows: \(rows.count) logit rows exceed the workspace's \(w.logitCapacity)")
        ops.write(rows, to: w.logitRows)
    }

    /// The forward on inputs already written by `writeInputs`: kernels only, no host reads or
    /// writes, so a CUDA backend can capture it in a graph and replay it. Returns `w.logits`.
    public func forward(tokenCount rows: Int, logitRowCount: Int, metadata: Backend.Metadata,
                        workspace w: LlamaWorkspace<Ops>) -> Ops.Tensor {
        let c = config
        precondition(w.tokenCapacity >= rows && w.logitCapacity >= logitRowCount,
                     "LlamaModel.forward: \(rows) tokens, \(logitRowCount) logit rows exceed the workspace")
        ops.rotaryTables(positions: w.positions, rows: rows, inverseFrequencies: weights.ropeInverseFrequencies,
                         cos: w.cos, sin: w.sin)
        if let tensorParallel {
            tensorParallel.embed(tokens: w.tokens, rows: rows, table: weights.embedding, into: w.residual)
        } else {
            ops.embed(tokens: w.tokens, rows: rows, table: weights.embedding, into: w.residual)
        }
        ops.rmsNorm(w.residual, weight: weights.layers[0].inputNorm, epsilon: c.rmsNormEpsilon,
                    rows: rows, width: c.hiddenSize, into: w.normed)
        for (index, layer) in weights.layers.enumerated() {
            attentionBlock(layer, index: index, rows: rows, workspace: w, metadata: metadata)
            projectAddNorm(w.attended, rows: rows, weight: layer.o, norm: layer.postAttentionNorm, workspace: w)
            ops.gatedLinear(w.normed, rows: rows, gate: layer.gate, up: layer.up, outFeatures: c.intermediateSize,
                            upScratch: w.up, into: w.gate)
            // The next layer's input norm, or the final norm after the last layer.
            let nextNorm = index + 1 < weights.layers.count ? weights.layers[index + 1].inputNorm : weights.finalNorm
            projectAddNorm(w.gate, rows: rows, weight: layer.down, norm: nextNorm, workspace: w)
        }
        // A prefill chunk that ends inside a prompt samples nothing: no rows to gather, no head.
        guard logitRowCount > 0 else { return w.logits }
        ops.gatherRows(w.normed, rowIndices: w.logitRows, rows: logitRowCount, width: c.hiddenSize, into: w.lastHidden)
        ops.linear(w.lastHidden, rows: logitRowCount, weight: weights.lmHead, bias: nil, into: w.headOutput)
        tensorParallel?.gatherLogits(w.headOutput, rows: logitRowCount, into: w.logits)
        return w.logits
    }

    /// Eager step: prepares attention metadata for this batch, runs the forward and reads
    /// the logits back, one row of `vocabSize` per entry of `batch.logitRows`.
    public func logits(_ batch: ForwardBatch) -> [Float] {
        let metadata = attention.makeMetadata(for: batch.attention)
        let logits = forward(batch, metadata: metadata)
        return ops.read(logits, count: batch.logitRows.count * vocabSize)
    }

    private func attentionBlock(_ layer: LlamaLayerWeights<Ops>, index: Int, rows: Int,
                                workspace w: LlamaWorkspace<Ops>, metadata: Backend.Metadata) {
        let c = config
        let q = LinearProduct<Ops>(layer.q, bias: layer.qBias, into: w.q)
        let k = LinearProduct<Ops>(layer.k, bias: layer.kBias, into: w.k)
        let v = LinearProduct<Ops>(layer.v, bias: layer.vBias, into: w.v)
        if let qNorm = layer.qNorm, let kNorm = layer.kNorm {
            // Per-head norms sit between the products and RoPE (Qwen3), so the two stay apart.
            ops.linears(w.normed, rows: rows, [q, k, v])
            ops.rmsNorm(w.q, weight: qNorm, epsilon: c.rmsNormEpsilon, rows: rows * c.heads, width: c.headDim, into: w.q)
            ops.rmsNorm(w.k, weight: kNorm, epsilon: c.rmsNormEpsilon, rows: rows * c.kvHeads, width: c.headDim, into: w.k)
            ops.applyRotary(q: w.q, k: w.k, rows: rows, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim,
                            cos: w.cos, sin: w.sin)
        } else {
            ops.rotatedLinears(w.normed, rows: rows, q: q, k: k, v: v, heads: c.heads, kvHeads: c.kvHeads,
                               headDim: c.headDim, cos: w.cos, sin: w.sin)
        }
        attention.forward(q: w.q, k: w.k, v: w.v, output: w.attended, layer: index, batch: metadata)
    }

    /// residual += x · weightᵀ, then normed = rmsNorm(residual) with `norm` (o and down).
    /// A tensor-parallel rank's product is a partial sum, reduced over the group before the
    /// add, so there the three steps stay apart.
    private func projectAddNorm(_ x: Ops.Tensor, rows: Int, weight: Ops.Weight, norm: Ops.Vector,
                                workspace w: LlamaWorkspace<Ops>) {
        let c = config
        if let tensorParallel {
            ops.linear(x, rows: rows, weight: weight, bias: nil, into: w.projected)
            tensorParallel.sumPartials(w.projected, rows: rows)
            ops.addRMSNorm(residual: w.residual, adding: w.projected, weight: norm, epsilon: c.rmsNormEpsilon,
                           rows: rows, width: c.hiddenSize, into: w.normed)
        } else {
            ops.linearAddRMSNorm(x, rows: rows, weight: weight, projected: w.projected, residual: w.residual,
                                 normWeight: norm, epsilon: c.rmsNormEpsilon, width: c.hiddenSize, into: w.normed)
        }
    }

    private func eagerWorkspace(tokens: Int, logitRows: Int) -> LlamaWorkspace<Ops> {
        let current = workspace
        if let current, current.tokenCapacity >= tokens, current.logitCapacity >= logitRows {
            return current
        }
        // Grow geometrically, and only the dimension that ran out, so a run of slightly longer
        // prompts does not reallocate each step (nor a batch growing by one double the tokens).
        func grown(_ needed: Int, _ capacity: Int?) -> Int {
            guard let capacity else { return needed }
            return needed > capacity ? max(needed, capacity * 2) : capacity
        }
        let next = makeWorkspace(tokens: grown(tokens, current?.tokenCapacity),
                                 logitRows: grown(logitRows, current?.logitCapacity))
        workspace = next
        return next
    }

    /// Sizes the eager workspace for steps of up to `tokens` tokens and `logitRows` logit rows
    /// at once (a runner that knows its step budget calls this, so the workspace never grows).
    public func reserveEager(tokens: Int, logitRows: Int) {
        if let current = workspace, current.tokenCapacity >= tokens, current.logitCapacity >= logitRows { return }
        workspace = makeWorkspace(tokens: max(tokens, workspace?.tokenCapacity ?? 0),
                                  logitRows: max(logitRows, workspace?.logitCapacity ?? 0))
    }
}

/// Activation buffers for up to `tokenCapacity` tokens per step; `logits` holds the output
/// head's float32 rows after a forward (on a tensor-parallel rank, gathered from every rank's
/// `headOutput` slice).
public final class LlamaWorkspace<Ops: ModelOps> {
    /// Bytes of device activations a workspace of this size holds (2-byte activations,
    /// float32 RoPE tables and logits), for sizing what the KV pool must leave free.
    public static func bytes(config c: ModelConfig, tokens: Int, logitRows: Int) -> Int {
        let perToken = 2 * (3 * c.hiddenSize + 2 * c.queryWidth + 2 * c.kvWidth + 2 * c.intermediateSize) + 4 * c.headDim
        return tokens * perToken + logitRows * (2 * c.hiddenSize + 4 * c.vocabSize)
    }

    public let tokenCapacity: Int
    public let logitCapacity: Int
    let tokens, positions, logitRows: Ops.Indices
    let residual, normed, q, k, v, attended, projected, gate, up, cos, sin, lastHidden: Ops.Tensor
    public let logits: Ops.Tensor
    /// `logits` itself, or the rank's vocabulary slice on a tensor-parallel rank.
    let headOutput: Ops.Tensor

    init(ops: Ops, config c: ModelConfig, tokens n: Int, logitRows: Int, gatheredVocab: Int? = nil) {
        tokenCapacity = n
        logitCapacity = logitRows
        tokens = ops.makeIndices(count: n)
        positions = ops.makeIndices(count: n)
        self.logitRows = ops.makeIndices(count: logitRows)
        residual = ops.makeTensor(count: n * c.hiddenSize)
        normed = ops.makeTensor(count: n * c.hiddenSize)
        q = ops.makeTensor(count: n * c.queryWidth)
        k = ops.makeTensor(count: n * c.kvWidth)
        v = ops.makeTensor(count: n * c.kvWidth)
        attended = ops.makeTensor(count: n * c.queryWidth)
        projected = ops.makeTensor(count: n * c.hiddenSize)
        gate = ops.makeTensor(count: n * c.intermediateSize)
        up = ops.makeTensor(count: n * c.intermediateSize)
        cos = ops.makeTensor(count: n * c.headDim / 2)
        sin = ops.makeTensor(count: n * c.headDim / 2)
        lastHidden = ops.makeTensor(count: logitRows * c.hiddenSize)
        logits = ops.makeTensor(count: logitRows * (gatheredVocab ?? c.vocabSize))
        headOutput = gatheredVocab == nil ? logits : ops.makeTensor(count: logitRows * c.vocabSize)
    }
}
