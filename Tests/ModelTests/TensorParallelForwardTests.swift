// The sharded model against the unsharded one: N = 2 and 4 ranks of every family give the
// logits of one rank (relative L2 < 1e-4, float32) over a batched prefill and teacher-forced
// decode steps through a paged KV pool; vocabularies are not multiples of N.
import Attention
import Testing
import Model

@Suite struct TensorParallelForwardTests {
    static let families: [(String, ModelConfig)] = [
        // GQA: 8 query heads over 4 KV heads (N = 4: one KV head per rank).
        ("llama-gqa", ModelConfig(family: .llama, vocabSize: 101, hiddenSize: 64, intermediateSize: 96, layers: 2,
                                  heads: 8, kvHeads: 4, ropeTheta: 500_000, maxPositions: 128)),
        // q/k/v bias, tied embeddings, 98 tokens (N = 4: 25, 25, 25, 23).
        ("qwen2.5", ModelConfig(family: .qwen2, vocabSize: 98, hiddenSize: 64, intermediateSize: 96, layers: 2,
                                heads: 4, kvHeads: 2, rmsNormEpsilon: 1e-6, ropeTheta: 1_000_000, tieWordEmbeddings: true)),
        // Per-head q/k RMSNorm, head dim 32 != hidden / heads.
        ("qwen3", ModelConfig(family: .qwen3, vocabSize: 103, hiddenSize: 64, intermediateSize: 96, layers: 2,
                              heads: 4, kvHeads: 2, headDim: 32, rmsNormEpsilon: 1e-6, ropeTheta: 1_000_000)),
        // Tied embeddings and a single KV head, replicated on every rank.
        ("smollm2", ModelConfig(family: .llama, vocabSize: 99, hiddenSize: 64, intermediateSize: 96, layers: 2,
                                heads: 4, kvHeads: 1, ropeTheta: 100_000, tieWordEmbeddings: true)),
    ]

    static func relativeL2(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        let difference = zip(a, b).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let norm = b.reduce(Float(0)) { $0 + $1 * $1 }
        return (difference / norm).squareRoot()
    }

    static func argmax(_ row: ArraySlice<Float>) -> Int32 {
        Int32(row.indices.max { row[$0] < row[$1] }! - row.startIndex)
    }

    /// Two sequences prefilled together, then decoded together for `steps` steps with the
    /// reference's greedy tokens; returns the worst relative L2 over all logits rows.
    static func worstError(checkpoint: any Checkpoint, ranks: Int, steps: Int = 5) throws -> Float {
        let vocab = checkpoint.config.vocabSize
        let reference = try CPULlamaModel.cpu(checkpoint: checkpoint, kvSlots: 128, pageSize: 4, threads: 1)
        let sharded = try TensorParallelCPUModel(checkpoint: checkpoint, ranks: ranks, kvSlots: 128, pageSize: 4, threads: 2)
        var sequences: [[Int32]] = [[5, 17, 93, 2, 41, 41, 0], [60, 12, 33, 97, 8]]
        // Page-aligned regions of the pool, one per sequence.
        let firstSlot: [Int32] = [4, 64]
        var cached = [0, 0]
        var worst: Float = 0
        for _ in 0 ... steps {
            var tokens: [Int32] = []
            var spec: [(cachedLength: Int, tokenSlots: [Int32])] = []
            for s in sequences.indices {
                tokens += sequences[s][cached[s]...]
                spec.append((cached[s], (0 ..< Int32(sequences[s].count)).map { firstSlot[s] + $0 }))
            }
            let batch = ForwardBatch(tokens: tokens, attention: AttentionBatch(sequences: spec))
            let expected = reference.logits(batch), found = sharded.logits(batch)
            #expect(found.count == expected.count)
            for s in sequences.indices {
                let row = s * vocab ..< (s + 1) * vocab
                worst = max(worst, relativeL2(found[row], expected[row]))
                cached[s] = sequences[s].count
                sequences[s].append(argmax(expected[row]))
            }
        }
        return worst
    }

    @Test(arguments: families.map(\.0), [2, 4])
    func shardedLogitsMatchOneRank(family: String, ranks: Int) throws {
        let config = Self.families.first { $0.0 == family }!.1
        let error = try Self.worstError(checkpoint: RandomWeights(config: config, seed: 21), ranks: ranks)
        #expect(error < 1e-4, "\(family) over \(ranks) ranks: relative L2 \(error)")
    }

    @Test func bfloat16CheckpointShardsToo() throws {
        let config = Self.families[0].1
        let error = try Self.worstError(checkpoint: RandomWeights(config: config, seed: 8, type: .bf16), ranks: 2)
        #expect(error < 1e-4, "relative L2 \(error)")
    }

    @Test func kvHeadsReplicatedOverEightRanks() throws {
        // 8 ranks of 1 query head each over 2 KV heads: each KV head on 4 ranks.
        let config = ModelConfig(family: .llama, vocabSize: 100, hiddenSize: 64, intermediateSize: 64, layers: 1,
                                 heads: 8, kvHeads: 2)
        let error = try Self.worstError(checkpoint: RandomWeights(config: config, seed: 2), ranks: 8, steps: 2)
        #expect(error < 1e-4, "relative L2 \(error)")
    }

    @Test func oneRankIsTheUnshardedModelExactly() throws {
        let checkpoint = RandomWeights(config: Self.families[2].1, seed: 5)
        #expect(try Self.worstError(checkpoint: checkpoint, ranks: 1, steps: 2) == 0)
    }

    @Test func ranksHoldOnlyTheirShareOfTheKVPool() throws {
        let config = Self.families[0].1
        let sharded = try TensorParallelCPUModel(checkpoint: RandomWeights(config: config, seed: 1), ranks: 4, kvSlots: 64)
        #expect(sharded.ranks.map(\.attention.pool.shape.kvHeads) == [1, 1, 1, 1])
        #expect(sharded.ranks.map(\.config.heads) == [2, 2, 2, 2])
        #expect(sharded.ranks.allSatisfy { $0.vocabSize == 101 && $0.config.vocabSize == 26 })
    }
}
