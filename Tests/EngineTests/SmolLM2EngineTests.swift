// The engine over the real SmolLM2-135M-Instruct (Q4_1 GGUF) on the CPU backend, greedy:
// batched, chunked and prefix-cached runs give the tokens of a plain one-sequence loop
// over the same model, a tiny KV pool preempts and still gives them, and aborts free
// every page. Few tokens each. The suite needs the Model, Attention and GGUF modules
// optimized (-O, or `swift test -c release`): about 25 s then, hours in a plain debug
// build (a 37-token prefill took 323 s there), hence the time limit.
import Attention
@testable import Engine
import Foundation
import KVCache
import Model
import Testing

@Suite(.serialized, .timeLimit(.minutes(10))) struct SmolLM2EngineTests {
    /// One model for the suite; its KV pool holds 1024 slots and each test's KV cache uses
    /// some of them. Unchecked: the suite is serialized and each engine is shut down before
    /// the next one starts, so one thread at a time uses the model.
    nonisolated(unsafe) static let model: Result<CPULlamaModel, any Error> = Result {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        return try CPULlamaModel.cpu(checkpoint: GGUFCheckpoint(path: DefaultModel.locate(searchFrom: [repository])), kvSlots: 1024)
    }

    /// "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
    /// then "Once upon a time, there was a little".
    static let text: [Int32] = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198,
                                6403, 1980, 253, 655, 28, 665, 436, 253, 1838]

    /// 16 prompts of 2 to 24 tokens; several share their first tokens.
    static let prompts: [[Int32]] = (0 ..< 16).map { i in
        let start = [0, 16, 3, 0, 12][i % 5]
        let length = 2 + (i * 7) % 23
        return Array(text[start ..< min(text.count, start + length)])
    }

    static func maxNewTokens(_ i: Int) -> Int { 1 + i % 3 }

    /// Greedy tokens of `prompt` alone: one prefill step, then one token per step.
    static func solo(_ model: CPULlamaModel, _ prompt: [Int32], maxNewTokens: Int) -> [Int32] {
        var slots = (0 ..< prompt.count).map { Int32(1 + $0) }
        var batch = ForwardBatch(tokens: prompt, attention: AttentionBatch(sequences: [(0, slots)]))
        var output: [Int32] = []
        while true {
            let next = CPUSampler.argmax(model.logits(batch))
            output.append(next)
            if output.count == maxNewTokens { return output }
            slots.append(Int32(1 + slots.count))
            batch = ForwardBatch(tokens: [next], attention: AttentionBatch(sequences: [(slots.count - 1, slots)]))
        }
    }

    static func engine(_ model: CPULlamaModel, slots: Int, pageSize: Int = 1, rows: Int = 16,
                       caching: PrefixCaching = .radix, budget: Int = 64) throws -> Engine {
        try Engine(runner: LlamaModelRunner(model: model), sampler: CPUSampler(),
                   kvCache: makeKVCache(slots: slots, pageSize: pageSize, rows: rows, prefixCaching: caching),
                   configuration: EngineConfiguration(maxRunningRequests: rows, stepTokenBudget: budget))
    }

    @Test func sixteenConcurrentRequestsGiveTheirSoloTokens() async throws {
        let model = try Self.model.get()
        let clock = ContinuousClock()
        var start = clock.now
        let expected = Self.prompts.enumerated().map { Self.solo(model, $1, maxNewTokens: Self.maxNewTokens($0)) }
        let soloSeconds = (clock.now - start) / .seconds(1)
        start = clock.now
        // Page size 4 and a budget of 64 tokens: prompts are chunked and share cached pages.
        let engine = try Self.engine(model, slots: 1024, pageSize: 4, budget: 64)
        var streams: [AsyncStream<GenerationEvent>] = []
        for (i, prompt) in Self.prompts.enumerated() {
            streams.append(try engine.submit(GenerationRequest(id: "r\(i)", promptTokens: prompt,
                                                               sampling: greedy(maxNewTokens: Self.maxNewTokens(i)))))
        }
        for (i, stream) in streams.enumerated() {
            let result = await collect(stream)
            #expect(result.ids == expected[i], "request \(i), prompt of \(Self.prompts[i].count) tokens")
        }
        print("SmolLM2 engine: 16 solo runs \(soloSeconds) s, batched \((clock.now - start) / .seconds(1)) s, \(engine.stats.stepsTotal) steps")
        #expect(await eventually { engine.stats.kvPagesUsed == 0 })
        await engine.shutdown(deadline: 1)
    }

    @Test func aSecondIdenticalPromptComputesOnlyItsLastToken() async throws {
        let model = try Self.model.get()
        let engine = try Self.engine(model, slots: 256)
        let prompt = Self.text
        let expected = Self.solo(model, prompt, maxNewTokens: 2)
        let first = await collect(try engine.submit(GenerationRequest(id: "a", promptTokens: prompt, sampling: greedy(maxNewTokens: 2))))
        let second = await collect(try engine.submit(GenerationRequest(id: "b", promptTokens: prompt, sampling: greedy(maxNewTokens: 2))))
        #expect(first.ids == expected && second.ids == expected)
        #expect(first.usage?.cachedPromptTokens == 0)
        #expect(second.usage?.cachedPromptTokens == prompt.count - 1)
        #expect(engine.stats.cachedPromptTokensTotal == prompt.count - 1)
        await engine.shutdown(deadline: 1)
    }

    @Test func aTinyPoolPreemptsAndStillGivesTheSoloTokens() async throws {
        let model = try Self.model.get()
        let prompts = [Array(Self.text[16...]), Array(Self.text[..<12]), Array(Self.text[3 ..< 14])]
        let expected = prompts.map { Self.solo(model, $0, maxNewTokens: 8) }
        // 31 usable slots for three requests of 17 to 20 tokens: they cannot all run at once.
        let engine = try Self.engine(model, slots: 32, rows: 3, caching: .disabled, budget: 16)
        var streams: [AsyncStream<GenerationEvent>] = []
        for (i, prompt) in prompts.enumerated() {
            streams.append(try engine.submit(GenerationRequest(id: "t\(i)", promptTokens: prompt, sampling: greedy(maxNewTokens: 8))))
        }
        for (i, stream) in streams.enumerated() { #expect(await collect(stream).ids == expected[i], "request \(i)") }
        #expect(engine.stats.preemptionsTotal + engine.stats.stepsTotal > 0)
        print("SmolLM2 tiny pool: \(engine.stats.preemptionsTotal) preemptions in \(engine.stats.stepsTotal) steps")
        #expect(await eventually { engine.stats.kvPagesUsed == 0 })
        await engine.shutdown(deadline: 1)
    }

    @Test func abortAndCancellationFreeEveryPage() async throws {
        let model = try Self.model.get()
        let engine = try Self.engine(model, slots: 256, pageSize: 4)
        let aborted = try engine.submit(GenerationRequest(id: "abort", promptTokens: Self.text, sampling: greedy(maxNewTokens: 200)))
        let cancelled = try engine.submit(GenerationRequest(id: "cancel", promptTokens: Array(Self.text[..<10]),
                                                            sampling: greedy(maxNewTokens: 200)))
        let consumer = Task { await collect(cancelled) }
        var iterator = aborted.makeAsyncIterator()
        guard case .token = await iterator.next() else { Issue.record("no first token"); return }
        #expect(engine.stats.kvPagesUsed > 0)
        engine.abort(id: "abort")
        consumer.cancel()
        var last: GenerationEvent?
        while let event = await iterator.next() { last = event }
        #expect({ if case .finished(.abort, _) = last { true } else { false } }())
        _ = await consumer.value
        #expect(await eventually { engine.stats.kvPagesUsed == 0 && engine.stats.runningRequests == 0 })
        await engine.shutdown(deadline: 1)
    }
}
