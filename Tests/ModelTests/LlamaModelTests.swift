// The CPU forward of every family against the plain reference, and batching: sequences of
// ragged lengths (prefill, extend and decode mixed) in one step give the logits each
// gets alone.
import Attention
import Testing
import Model

@Suite struct LlamaModelTests {
    static func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
        let scale = b.map { abs($0) }.max() ?? 1
        return zip(a, b).map { abs($0 - $1) }.max()! / scale
    }

    @Test(arguments: TinyConfigs.all.map(\.0))
    func matchesPlainReference(family: String) throws {
        let config = TinyConfigs.all.first { $0.0 == family }!.1
        let checkpoint = RandomWeights(config: config, seed: 11)
        let model = try CPULlamaModel.cpu(checkpoint: checkpoint, kvSlots: 64, threads: 2)
        let tokens: [Int32] = [5, 17, 93, 2, 41, 41, 0, 60, 12, 33]
        let reference = try NaiveLlama(checkpoint: checkpoint).logits(tokens)
        // Prefill of the whole prompt, logits at every position.
        let slots = (1 ... tokens.count).map { Int32($0) }
        let batch = ForwardBatch(tokens: tokens, attention: AttentionBatch(sequences: [(0, slots)]),
                                 logitRows: (0 ..< Int32(tokens.count)).map { $0 })
        let logits = model.logits(batch)
        for position in tokens.indices {
            let row = Array(logits[position * config.vocabSize ..< (position + 1) * config.vocabSize])
            let error = Self.maxRelativeError(row, reference[position])
            #expect(error < 1e-4, "\(family) position \(position): relative error \(error)")
        }
    }

    @Test func decodingTokenByTokenMatchesPrefill() throws {
        let config = TinyConfigs.llama3
        let model = try CPULlamaModel.cpu(checkpoint: RandomWeights(config: config, seed: 3), kvSlots: 64)
        let tokens: [Int32] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]  // past the original context of 16
        let slots = (1 ... tokens.count).map { Int32($0) }
        let prefill = model.logits(ForwardBatch(tokens: tokens, attention: AttentionBatch(sequences: [(0, slots)])))
        // Same sequence, one token per step, in slots taken in a scrambled order (paged pool).
        let scrambled = slots.map { 40 - $0 }
        var last: [Float] = []
        for i in tokens.indices {
            last = model.logits(ForwardBatch(tokens: [tokens[i]], attention: AttentionBatch(sequences: [(i, Array(scrambled[0 ... i]))])))
        }
        #expect(Self.maxRelativeError(last, prefill) < 1e-5)
    }

    @Test func raggedBatchMatchesSequencesAlone() throws {
        let config = TinyConfigs.qwen3
        let checkpoint = RandomWeights(config: config, seed: 5)
        let batched = try CPULlamaModel.cpu(checkpoint: checkpoint, kvSlots: 128)
        let alone = try CPULlamaModel.cpu(checkpoint: checkpoint, kvSlots: 128)
        let prompts: [[Int32]] = [[3, 1, 4, 1, 5, 9, 2], [6, 5, 3, 5], [8, 9, 7, 9, 3, 2, 3, 8, 4]]
        let rows: [[Int32]] = [Array(1 ... 12), Array(20 ... 30), Array(40 ... 55)]
        // Step 1 (batched): sequence 0 prefills 4 tokens, 1 prefills all 4, 2 prefills 6.
        // Step 2 (batched): 0 extends by 3, 1 decodes 1 token, 2 extends by 3.
        let step1 = [(0, 4), (0, 4), (0, 6)], step2 = [(4, 3), (4, 1), (6, 3)]
        let extra: Int32 = 77
        let sequences = [prompts[0], prompts[1] + [extra], prompts[2]]
        var batchedLogits: [[Float]] = []
        for step in [step1, step2] {
            var tokens: [Int32] = []
            var spec: [(cachedLength: Int, tokenSlots: [Int32])] = []
            for (s, (cached, new)) in step.enumerated() {
                tokens += sequences[s][cached ..< cached + new]
                spec.append((cached, Array(rows[s][0 ..< cached + new])))
            }
            let logits = batched.logits(ForwardBatch(tokens: tokens, attention: AttentionBatch(sequences: spec)))
            batchedLogits = (0 ..< 3).map { Array(logits[$0 * config.vocabSize ..< ($0 + 1) * config.vocabSize]) }
        }
        for s in 0 ..< 3 {
            let total = step2[s].0 + step2[s].1
            let slots = Array(rows[s][0 ..< total]).map { $0 + 60 }  // other slots, same pool size
            let logits = alone.logits(ForwardBatch(tokens: Array(sequences[s][0 ..< total]), attention: AttentionBatch(sequences: [(0, slots)])))
            #expect(Self.maxRelativeError(batchedLogits[s], logits) < 1e-5, "sequence \(s)")
        }
    }
}
