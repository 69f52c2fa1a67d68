import Attention
import CUDA
import Engine
import Foundation
import Kernels
import KVCache
import Model

/// Graph replay against eager steps (issue 7): for every bucket size and bucket ± 1 up to
/// the largest bucket, a batch of sequences with ragged prompts (1–64 tokens, slots on pages
/// in random order) is prefilled, then decoded greedily for 256 steps twice over the same
/// slots — once eagerly at the batch's own size, once by replaying the bucket's graph with
/// padding rows — and the two token streams must be identical. Halfway through, half the
/// sequences are swapped for fresh ones on other pages, so the replays see lengths and page
/// tables change under them. Run for P = 1 and P = 16 on a 4-layer SmolLM2-width model.
enum DecodeGraphCheck {
    static let config = ModelConfig(
        family: .llama, vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, layers: 4, heads: 9, kvHeads: 3,
        headDim: 64, rmsNormEpsilon: 1e-5, ropeTheta: 100_000, maxPositions: 8192, tieWordEmbeddings: true)
    static let steps = 256
    static let maxBucket = 160

    static func run(_ env: SelfTestEnvironment) throws -> CheckResult {
        var details: [String] = []
        var passed = true
        let checkpoint = RandomWeights(config: config, seed: env.random.next(), type: .bf16)
        let ops = try CUDAModelOps(context: env.context, stream: env.stream, library: env.library, allocator: env.allocator)
        let weights = try LlamaWeights(checkpoint: checkpoint, ops: ops)
        for pageSize in [1, 16] {
            let outcome = try runPageSize(pageSize, env: env, ops: ops, weights: weights)
            passed = passed && outcome.mismatches == 0
            details.append("P=\(pageSize): \(outcome.sizes) batch sizes × \(steps) steps, \(outcome.tokens) tokens, "
                           + "\(outcome.mismatches) differ\(outcome.firstMismatch.map { " (first: \($0))" } ?? ""); "
                           + outcome.capture)
        }
        return CheckResult(name: "decode CUDA graphs vs eager", passed: passed, detail: details.joined(separator: "; "))
    }

    struct Outcome {
        var sizes = 0, tokens = 0, mismatches = 0
        var firstMismatch: String?
        var capture = ""
    }

    private static func runPageSize(_ pageSize: Int, env: SelfTestEnvironment, ops: CUDAModelOps,
                                    weights: LlamaWeights<CUDAModelOps>) throws -> Outcome {
        // Room for the largest batch twice over (the swapped-in half), prompts ≤ 64 + 256 steps each.
        let tokensPerSequence = 64 + steps + pageSize
        let pagesNeeded = 2 * (maxBucket + 1) * ((tokensPerSequence + pageSize - 1) / pageSize) + 1
        let shape = AttentionShape(layers: config.layers, heads: config.heads, kvHeads: config.kvHeads, headDim: config.headDim)
        let pool = try DeviceKVPool(shape: KVPoolShape(layers: config.layers, numPages: pagesNeeded, pageSize: pageSize,
                                                       kvHeads: config.kvHeads, headDim: config.headDim),
                                    context: env.context)
        let backend = try FA3AttentionBackend(shape: shape, pool: pool, library: env.library, stream: env.stream,
                                              maxTokensPerStep: 64 * (maxBucket + 1))
        let model = LlamaModel(config: config, weights: weights, ops: ops, attention: backend)
        let runner = try GPULlamaModelRunner(model: model, library: env.library, maxBatch: maxBucket + 1,
                                             maxContext: tokensPerSequence, graphs: .enabled(maxBatch: maxBucket))
        guard let graphs = runner.graphs else { throw DecodeGraphError.notServed(sequences: 0, decode: true) }
        var outcome = Outcome()
        outcome.capture = graphs.report.description
        let sizes = Set(graphs.buckets.sizes.flatMap { [$0 - 1, $0, $0 + 1] }).filter { $0 >= 1 && $0 <= maxBucket }.sorted()
        var pages = (1..<pagesNeeded).map { Int32($0) }
        for n in sizes {
            pages.shuffle(using: &env.random)
            let plan = SequencePlan(batch: n, pageSize: pageSize, pages: pages, tokensPerSequence: tokensPerSequence,
                                    vocab: config.vocabSize, random: &env.random)
            let eager = try plan.decode(steps: steps) { try runner.runEager($0).tokens }
            let replayed = try plan.decode(steps: steps) { try runner.run($0).tokens }
            outcome.sizes += 1
            outcome.tokens += eager.count
            let differ = zip(eager, replayed).enumerated().filter { $0.element.0 != $0.element.1 }
            outcome.mismatches += differ.count
            if outcome.firstMismatch == nil, let first = differ.first {
                outcome.firstMismatch = "batch \(n), token \(first.offset): eager \(first.element.0), graph \(first.element.1)"
            }
        }
        return outcome
    }
}

/// The sequences of one batch size: prompts, their slots, and the swap at half time.
private struct SequencePlan {
    struct Sequence {
        var prompt: [Int32]
        var slots: [Int32]  // every token's slot, prompt first
    }
    let initial: [Sequence]
    let swappedIn: [Sequence]

    init(batch: Int, pageSize: Int, pages: [Int32], tokensPerSequence: Int, vocab: Int, random: inout SeededRandom) {
        let pagesPerSequence = (tokensPerSequence + pageSize - 1) / pageSize
        func sequence(_ index: Int, random: inout SeededRandom) -> Sequence {
            let own = pages[(index * pagesPerSequence) ..< ((index + 1) * pagesPerSequence)]
            let slots = own.flatMap { page in (0 ..< Int32(pageSize)).map { page * Int32(pageSize) + $0 } }
            let length = 1 + Int(random.next() % 64)
            return Sequence(prompt: (0 ..< length).map { _ in Int32(random.next() % UInt64(vocab)) }, slots: slots)
        }
        initial = (0 ..< batch).map { sequence($0, random: &random) }
        swappedIn = (0 ..< batch / 2).map { sequence(batch + $0, random: &random) }
    }

    /// Prefills, then decodes `steps` tokens per sequence with `step` (eager or graph),
    /// swapping the second half of the batch for fresh sequences at half time. Returns
    /// every generated token in order.
    func decode(steps: Int, step: (ForwardBatch) throws -> [Int32]) throws -> [Int32] {
        var live = initial
        var generated: [[Int32]] = []
        var produced: [Int32] = []
        var next = try prefill(live, step: step)
        generated = next.map { [$0] }
        produced += next
        for s in 1 ..< steps {
            if s == steps / 2, !swappedIn.isEmpty {
                let keep = live.count - swappedIn.count
                live = Array(live[..<keep]) + swappedIn
                generated = Array(generated[..<keep]) + Array(repeating: [], count: swappedIn.count)
                let fresh = try prefill(swappedIn, step: step)
                for (i, token) in fresh.enumerated() { generated[keep + i] = [token] }
                produced += fresh
                next = generated.map { $0.last! }
            }
            let sequences = live.indices.map { i -> (cachedLength: Int, tokenSlots: [Int32]) in
                let length = live[i].prompt.count + generated[i].count
                return (length - 1, Array(live[i].slots[..<length]))
            }
            let batch = ForwardBatch(tokens: next, attention: AttentionBatch(sequences: sequences))
            next = try step(batch)
            for i in live.indices { generated[i].append(next[i]) }
            produced += next
        }
        return produced
    }

    private func prefill(_ sequences: [Sequence], step: (ForwardBatch) throws -> [Int32]) throws -> [Int32] {
        let batch = ForwardBatch(tokens: sequences.flatMap(\.prompt),
                                 attention: AttentionBatch(sequences: sequences.map { (0, Array($0.slots[..<$0.prompt.count])) }))
        return try step(batch)
    }
}
