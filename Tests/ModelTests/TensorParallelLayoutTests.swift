// Which heads, MLP rows and vocabulary each rank of a tensor-parallel layout gets, which
// slice of every tensor that means, and the errors for models that do not split.
import Testing
import Model

@Suite struct TensorParallelLayoutTests {
    // 8 query heads of 16 in 4 KV groups, MLP 96, vocabulary 101 (not a multiple of 2 or 4).
    static let config = ModelConfig(family: .qwen2, vocabSize: 101, hiddenSize: 128, intermediateSize: 96, layers: 2,
                                    heads: 8, kvHeads: 4, headDim: 16)

    @Test func twoRanksSplitHeadsMLPAndVocabulary() throws {
        let layout = try TensorParallelLayout(config: Self.config, ranks: 2)
        #expect(layout.queryHeads(rank: 0) == 0 ..< 4 && layout.queryHeads(rank: 1) == 4 ..< 8)
        #expect(layout.kvHeads(rank: 0) == 0 ..< 2 && layout.kvHeads(rank: 1) == 2 ..< 4)
        #expect(layout.kvHeadReplicas == 1)
        #expect(layout.intermediate(rank: 0) == 0 ..< 48 && layout.intermediate(rank: 1) == 48 ..< 96)
        #expect(layout.vocabPerRank == 51)
        #expect(layout.vocabulary(rank: 0) == 0 ..< 51 && layout.vocabulary(rank: 1) == 51 ..< 101)
        let share = layout.config(rank: 1)
        #expect(share.heads == 4 && share.kvHeads == 2 && share.headDim == 16 && share.hiddenSize == 128)
        #expect(share.intermediateSize == 48 && share.vocabSize == 51 && share.family == .qwen2)
        #expect(share.validationFailure() == nil)
    }

    @Test func sliceOfEveryTensorOnRankOne() throws {
        let layout = try TensorParallelLayout(config: Self.config, ranks: 2)
        func slice(_ suffix: String) -> TensorSlice { layout.slice(of: WeightName.layer(1, suffix), rank: 1) }
        // Query heads 4..<8 are rows 64..<128; KV heads 2..<4 are rows 32..<64.
        #expect(slice("self_attn.q_proj.weight") == .rows(64 ..< 128, paddedTo: 64))
        #expect(slice("self_attn.q_proj.bias") == .rows(64 ..< 128, paddedTo: 64))
        #expect(slice("self_attn.k_proj.weight") == .rows(32 ..< 64, paddedTo: 32))
        #expect(slice("self_attn.v_proj.bias") == .rows(32 ..< 64, paddedTo: 32))
        #expect(slice("self_attn.o_proj.weight") == .columns(64 ..< 128))
        #expect(slice("mlp.gate_proj.weight") == .rows(48 ..< 96, paddedTo: 48))
        #expect(slice("mlp.up_proj.weight") == .rows(48 ..< 96, paddedTo: 48))
        #expect(slice("mlp.down_proj.weight") == .columns(48 ..< 96))
        #expect(slice("input_layernorm.weight") == .whole)
        #expect(slice("post_attention_layernorm.weight") == .whole)
        #expect(slice("self_attn.q_norm.weight") == .whole)
        #expect(layout.slice(of: WeightName.finalNorm, rank: 1) == .whole)
        // The last rank's vocabulary is one short: one zero row pads it.
        #expect(layout.slice(of: WeightName.embedding, rank: 1) == .rows(51 ..< 101, paddedTo: 51))
        #expect(layout.slice(of: WeightName.lmHead, rank: 0) == .rows(0 ..< 51, paddedTo: 51))
    }

    @Test func fewerKVHeadsThanRanksAreReplicated() throws {
        let layout = try TensorParallelLayout(config: Self.config, ranks: 8)
        #expect(layout.kvHeadReplicas == 2 && layout.kvHeadsPerRank == 1 && layout.queryHeadsPerRank == 1)
        // Query head r belongs to KV group r / 2 (8 heads over 4 KV heads).
        #expect((0 ..< 8).map { layout.kvHeads(rank: $0) } == (0 ..< 8).map { $0 / 2 ..< $0 / 2 + 1 })
        #expect(layout.slice(of: WeightName.layer(0, "self_attn.k_proj.weight"), rank: 5) == .rows(32 ..< 48, paddedTo: 16))
        // 101 tokens over 8: 13 each, the last rank 10 and 3 zero rows.
        #expect(layout.vocabulary(rank: 7) == 91 ..< 101 && layout.vocabPerRank == 13)
    }

    @Test func oneRankHoldsEverything() throws {
        let layout = try TensorParallelLayout(config: Self.config, ranks: 1)
        #expect(layout.config(rank: 0) == Self.config)
        #expect(layout.slice(of: WeightName.layer(0, "mlp.down_proj.weight"), rank: 0) == .columns(0 ..< 96))
    }

    @Test func modelsThatDoNotSplitAreRefusedWithTheirNumbers() {
        #expect(throws: TensorParallelError.headsNotDivisible(heads: 8, ranks: 3)) {
            try TensorParallelLayout(config: Self.config, ranks: 3)
        }
        var sixKV = Self.config
        sixKV.heads = 12
        sixKV.kvHeads = 6
        #expect(throws: TensorParallelError.kvHeadsNotDivisible(kvHeads: 6, ranks: 4)) {
            try TensorParallelLayout(config: sixKV, ranks: 4)
        }
        var threeKV = Self.config
        threeKV.heads = 12
        threeKV.kvHeads = 3
        #expect(throws: TensorParallelError.kvHeadsNotDivisible(kvHeads: 3, ranks: 4)) {
            try TensorParallelLayout(config: threeKV, ranks: 4)
        }
        var oddMLP = Self.config
        oddMLP.intermediateSize = 90
        #expect(throws: TensorParallelError.intermediateNotDivisible(intermediateSize: 90, ranks: 4)) {
            try TensorParallelLayout(config: oddMLP, ranks: 4)
        }
        #expect(throws: TensorParallelError.invalidRankCount(0)) { try TensorParallelLayout(config: Self.config, ranks: 0) }
        #expect(throws: TensorParallelError.rankOutOfRange(rank: 2, ranks: 2)) {
            try ShardedCheckpoint(base: RandomWeights(config: Self.config, seed: 1), rank: 2, of: 2)
        }
    }

    @Test func errorTextsNameTheNumbersAndTheWayOut() {
        #expect(TensorParallelError.headsNotDivisible(heads: 9, ranks: 2).description
            == "the model's 9 attention heads do not split evenly over 2 ranks; use a --tp that divides 9")
        #expect(TensorParallelError.kvHeadsNotDivisible(kvHeads: 3, ranks: 4).description
            == "the model's 3 KV heads cannot be replicated evenly over 4 ranks (4 is not a multiple of 3); "
                + "use a --tp that divides or is a multiple of 3")
        #expect(TensorParallelError.kvHeadsNotDivisible(kvHeads: 6, ranks: 4).description
            == "the model's 6 KV heads do not split evenly over 4 ranks; use a --tp that divides 6")
        #expect(TensorParallelError.intermediateNotDivisible(intermediateSize: 90, ranks: 4).description
            == "the model's MLP width 90 does not split evenly over 4 ranks; use a --tp that divides 90")
    }
}
