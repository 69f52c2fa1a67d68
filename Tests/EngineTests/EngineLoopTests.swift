// The whole engine (loop thread, scheduler, KV cache, sampler) over the toy runner: batched
// runs equal solo runs, prefixes are reused, a tiny pool preempts and still finishes
// correctly, aborts and cancellations free every page, submissions are checked.
import Dispatch
import Engine
import Foundation
import Testing

/// Prompts of mixed lengths, different enough that no two share a first token.
private func prompts(_ count: Int, lengths: ClosedRange<Int> = 1...60) -> [[Int32]] {
    (0 ..< count).map { i in
        let length = lengths.lowerBound + (i * 37) % (lengths.count)
        return (0 ..< length).map { Int32(4 + (i * 13 + $0 * 7) % 90) }
    }
}

@Suite struct EngineLoopTests {
    @Test(arguments: [1, 4])
    func concurrentRequestsGiveTheirSoloTokens(pageSize: Int) async throws {
        let runner = ToyRunner(slots: 4096)
        let engine = try Engine(runner: runner, sampler: CPUSampler(),
                                kvCache: makeKVCache(slots: 4096, pageSize: pageSize, rows: 16),
                                configuration: EngineConfiguration(maxRunningRequests: 16, stepTokenBudget: 48))
        let inputs = prompts(16)
        let results = try await withThrowingTaskGroup(of: (Int, StreamResult).self) { group in
            for (i, prompt) in inputs.enumerated() {
                let stream = try engine.submit(GenerationRequest(id: "r\(i)", promptTokens: prompt,
                                                                 sampling: greedy(maxNewTokens: 1 + i % 9)))
                group.addTask { (i, await collect(stream)) }
            }
            var results = [StreamResult](repeating: StreamResult(), count: inputs.count)
            for try await (i, result) in group { results[i] = result }
            return results
        }
        for (i, prompt) in inputs.enumerated() {
            #expect(results[i].ids == ToyRunner.generate(prompt, maxNewTokens: 1 + i % 9), "request \(i)")
            #expect(results[i].finish == .length)
            #expect(results[i].usage == GenerationUsage(promptTokens: prompt.count, cachedPromptTokens: 0,
                                                        completionTokens: 1 + i % 9))
        }
        #expect(runner.snapshot.problems.isEmpty)
        #expect(runner.snapshot.largestBatch > 1)
        // The counters are published after a stream's last event, so wait for them as for the pages.
        let generated = (0 ..< 16).reduce(0) { $0 + 1 + $1 % 9 }
        #expect(await eventually { engine.stats.generatedTokensTotal == generated })
        #expect(engine.stats.promptTokensTotal == inputs.reduce(0) { $0 + $1.count })
        #expect(await eventually { engine.stats.kvPagesUsed == 0 && engine.stats.runningRequests == 0 })
        await engine.shutdown(deadline: 1)
    }

    @Test(arguments: [1, 4])
    func aRepeatedPromptComputesOnlyItsNewTokens(pageSize: Int) async throws {
        let runner = ToyRunner(slots: 1024)
        let engine = try Engine(runner: runner, sampler: CPUSampler(), kvCache: makeKVCache(slots: 1024, pageSize: pageSize, rows: 4))
        let prompt: [Int32] = (0 ..< 21).map { 4 + $0 * 3 }
        let first = await collect(try engine.submit(GenerationRequest(id: "a", promptTokens: prompt, sampling: greedy(maxNewTokens: 3))))
        let computedBefore = runner.snapshot.computedTokens
        let second = await collect(try engine.submit(GenerationRequest(id: "b", promptTokens: prompt, sampling: greedy(maxNewTokens: 3))))
        // The last prompt token is always computed (its logits start decoding); whole pages before it are reused.
        let cached = (prompt.count - 1) / pageSize * pageSize
        #expect(second.usage?.cachedPromptTokens == cached)
        #expect(runner.snapshot.computedTokens - computedBefore == prompt.count - cached + 2)
        #expect(first.ids == second.ids)
        #expect(first.ids == ToyRunner.generate(prompt, maxNewTokens: 3))
        #expect(engine.stats.cachedPromptTokensTotal == cached)
        // A longer prompt that starts with the first one reuses it too (and its generated tokens).
        let extended = prompt + first.ids + [50, 51]
        let third = await collect(try engine.submit(GenerationRequest(id: "c", promptTokens: extended, sampling: greedy(maxNewTokens: 2))))
        #expect(third.usage?.cachedPromptTokens == (prompt.count + 2) / pageSize * pageSize)
        #expect(third.ids == ToyRunner.generate(extended, maxNewTokens: 2))
        #expect(runner.snapshot.problems.isEmpty)
        await engine.shutdown(deadline: 1)
    }

    @Test(arguments: [(1, PrefixCaching.radix), (4, .radix), (4, .disabled)])
    func aTinyPoolPreemptsAndStillFinishesCorrectly(pageSize: Int, caching: PrefixCaching) async throws {
        // 64 slots; 8 requests of up to 30 + 24 tokens need far more.
        let runner = ToyRunner(slots: 64)
        let engine = try Engine(runner: runner, sampler: CPUSampler(),
                                kvCache: makeKVCache(slots: 64, pageSize: pageSize, rows: 8, prefixCaching: caching),
                                configuration: EngineConfiguration(maxRunningRequests: 8, stepTokenBudget: 32, decodeHeadroomTokens: 0))
        let inputs = prompts(8, lengths: 5...30)
        var streams: [AsyncStream<GenerationEvent>] = []
        for (i, prompt) in inputs.enumerated() {
            streams.append(try engine.submit(GenerationRequest(id: "p\(i)", promptTokens: prompt, sampling: greedy(maxNewTokens: 24))))
        }
        for (i, stream) in streams.enumerated() {
            let result = await collect(stream)
            #expect(result.ids == ToyRunner.generate(inputs[i], maxNewTokens: 24), "request \(i)")
            #expect(result.finish == .length)
        }
        #expect(engine.stats.preemptionsTotal > 0)
        #expect(runner.snapshot.problems.isEmpty)
        #expect(await eventually { engine.stats.kvPagesUsed == 0 })
        await engine.shutdown(deadline: 1)
    }

    @Test func aRequestLongerThanThePoolEndsWhenTheContextIsFull() async throws {
        let engine = try Engine(runner: ToyRunner(slots: 32), sampler: CPUSampler(), kvCache: makeKVCache(slots: 32, rows: 2))
        // 31 usable slots: the context is 31 tokens.
        #expect(engine.contextLength == 31)
        let result = await collect(try engine.submit(GenerationRequest(id: "x", promptTokens: [5, 6, 7], sampling: greedy(maxNewTokens: 100))))
        #expect(result.ids.count == 28)
        #expect(result.finish == .length)
        await engine.shutdown(deadline: 1)
    }

    @Test func stopTokensEndGenerationUnseen() async throws {
        let prompt: [Int32] = [9, 8, 7]
        let free = ToyRunner.generate(prompt, maxNewTokens: 12)
        let stop = free[5]
        let engine = try Engine(runner: ToyRunner(slots: 256), sampler: CPUSampler(), kvCache: makeKVCache(slots: 256, rows: 2))
        let result = await collect(try engine.submit(GenerationRequest(id: "s", promptTokens: prompt,
                                                                       sampling: greedy(maxNewTokens: 12, stop: [stop]))))
        let firstStop = free.firstIndex(of: stop)!
        #expect(result.ids == Array(free.prefix(firstStop)))
        #expect(result.finish == .stop)
        var ignoring = greedy(maxNewTokens: 12, stop: [stop])
        ignoring.ignoreStopTokens = true
        let ignored = await collect(try engine.submit(GenerationRequest(id: "t", promptTokens: prompt, sampling: ignoring)))
        #expect(ignored.ids == free)
        await engine.shutdown(deadline: 1)
    }

    @Test func aSeededRequestDrawsTheSameTokensAloneOrBatched() async throws {
        let engine = try Engine(runner: ToyRunner(slots: 1024), sampler: CPUSampler(), kvCache: makeKVCache(slots: 1024, rows: 8),
                                configuration: EngineConfiguration(maxRunningRequests: 8, stepTokenBudget: 16))
        // Temperature 5 flattens the toy's peak (logit 10 against 0) to about 7% of the mass.
        var sampling = greedy(maxNewTokens: 12)
        sampling.temperature = 5
        sampling.seed = 1234
        let prompt: [Int32] = [10, 20, 30]
        let alone = await collect(try engine.submit(GenerationRequest(id: "alone", promptTokens: prompt, sampling: sampling)))
        #expect(alone.ids != ToyRunner.generate(prompt, maxNewTokens: 12))
        var streams: [AsyncStream<GenerationEvent>] = []
        for i in 0 ..< 6 {
            var other = sampling
            other.seed = i == 3 ? 1234 : UInt64(i)
            streams.append(try engine.submit(GenerationRequest(id: "b\(i)", promptTokens: i == 3 ? prompt : prompt + [Int32(40 + i)],
                                                               sampling: other)))
        }
        let batched = await collect(streams[3])
        #expect(batched.ids == alone.ids)
        for stream in streams { _ = await collect(stream) }
        await engine.shutdown(deadline: 1)
    }

    @Test func logprobsReachTheStream() async throws {
        let engine = try Engine(runner: ToyRunner(slots: 256), sampler: CPUSampler(), kvCache: makeKVCache(slots: 256, rows: 2))
        var sampling = greedy(maxNewTokens: 3)
        sampling.topLogprobs = 2
        let result = await collect(try engine.submit(GenerationRequest(id: "l", promptTokens: [4, 5], sampling: sampling)))
        #expect(result.tokens.count == 3)
        for token in result.tokens {
            #expect(token.topLogprobs.count == 2 && token.topLogprobs[0].id == token.id)
            #expect(token.logprob.map { $0 > -0.01 && $0 <= 0 } == true)
        }
        await engine.shutdown(deadline: 1)
    }
}
