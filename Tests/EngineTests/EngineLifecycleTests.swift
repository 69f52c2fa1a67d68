// Submission checks, abort, stream cancellation and shutdown, over the toy runner. A gate
// in the runner holds the loop inside a step where a test needs it still.
import Dispatch
import Engine
import Foundation
import Testing

@Suite struct EngineLifecycleTests {
    @Test func submissionsAreChecked() async throws {
        let engine = try Engine(runner: ToyRunner(slots: 64), sampler: CPUSampler(), kvCache: makeKVCache(slots: 64, rows: 2))
        #expect(throws: SubmissionError.emptyPrompt) { try engine.submit(GenerationRequest(id: "e", promptTokens: [])) }
        #expect(throws: SubmissionError.promptTooLong(promptTokens: 63, contextLength: 63)) {
            try engine.submit(GenerationRequest(id: "long", promptTokens: [Int32](repeating: 5, count: 63)))
        }
        var bad = SamplingParams()
        bad.topP = 2
        #expect(throws: SubmissionError.self) { try engine.submit(GenerationRequest(id: "p", promptTokens: [5], sampling: bad)) }
        #expect(throws: SubmissionError.self) { try engine.submit(GenerationRequest(id: "v", promptTokens: [5, 97])) }
        // The longest prompt that leaves room for one new token is fine.
        let fits = try engine.submit(GenerationRequest(id: "fits", promptTokens: [Int32](repeating: 5, count: 62),
                                                       sampling: greedy(maxNewTokens: 5)))
        let result = await collect(fits)
        #expect(result.ids.count == 1 && result.finish == .length)
        await engine.shutdown(deadline: 1)
        #expect(throws: SubmissionError.shuttingDown) { try engine.submit(GenerationRequest(id: "late", promptTokens: [5])) }
    }

    @Test func duplicateIDsAndAFullQueueAreRefused() async throws {
        let gate = DispatchSemaphore(value: 0)
        let runner = ToyRunner(slots: 256, gate: gate)
        let engine = try Engine(runner: runner, sampler: CPUSampler(),
                                kvCache: makeKVCache(slots: 256, rows: 1),
                                configuration: EngineConfiguration(maxRunningRequests: 1, maxQueuedRequests: 2, stepTokenBudget: 8))
        let first = try engine.submit(GenerationRequest(id: "a", promptTokens: [5, 6], sampling: greedy(maxNewTokens: 2)))
        // The loop admits "a" and blocks in its first forward.
        #expect(await eventually { runner.snapshot.started == 1 })
        #expect(engine.stats.runningRequests == 1)
        #expect(throws: SubmissionError.duplicateID("a")) { try engine.submit(GenerationRequest(id: "a", promptTokens: [5])) }
        let queued = try (0 ..< 2).map { try engine.submit(GenerationRequest(id: "q\($0)", promptTokens: [7], sampling: greedy(maxNewTokens: 1))) }
        #expect(throws: SubmissionError.queueFull(capacity: 2)) { try engine.submit(GenerationRequest(id: "q2", promptTokens: [7])) }
        #expect(engine.stats.waitingRequests == 2)
        for _ in 0 ..< 64 { gate.signal() }
        #expect(await collect(first).ids.count == 2)
        for stream in queued { #expect(await collect(stream).finish == .length) }
        // A finished id can be used again at once.
        let again = try engine.submit(GenerationRequest(id: "a", promptTokens: [5], sampling: greedy(maxNewTokens: 1)))
        for _ in 0 ..< 64 { gate.signal() }
        #expect(await collect(again).finish == .length)
        await engine.shutdown(deadline: 1)
    }

    @Test func abortEndsARequestAndFreesItsPages() async throws {
        let engine = try Engine(runner: ToyRunner(slots: 2048, stepDelay: 0.002), sampler: CPUSampler(),
                                kvCache: makeKVCache(slots: 2048, pageSize: 4, rows: 4))
        let prompt: [Int32] = (0 ..< 40).map { 4 + $0 % 80 }
        let running = try engine.submit(GenerationRequest(id: "run", promptTokens: prompt, sampling: greedy(maxNewTokens: 2000)))
        let other = try engine.submit(GenerationRequest(id: "other", promptTokens: prompt + [9], sampling: greedy(maxNewTokens: 2000)))
        var iterator = running.makeAsyncIterator()
        guard case .token = await iterator.next() else { Issue.record("no first token"); return }
        #expect(engine.stats.kvPagesUsed > 0)
        engine.abort(id: "run")
        engine.abort(id: "other")
        var last: GenerationEvent?
        while let event = await iterator.next() { last = event }
        guard case .finished(.abort, let usage) = last else { Issue.record("ended with \(String(describing: last))"); return }
        #expect(usage.completionTokens >= 1)
        #expect(await collect(other).finish == .abort)
        #expect(await eventually { engine.stats.kvPagesUsed == 0 && engine.stats.runningRequests == 0 })
        // Aborting an unknown or finished id is harmless.
        engine.abort(id: "run")
        engine.abort(id: "never")
        await engine.shutdown(deadline: 1)
    }

    @Test func cancellingTheConsumerAbortsTheRequest() async throws {
        let engine = try Engine(runner: ToyRunner(slots: 2048, stepDelay: 0.002), sampler: CPUSampler(),
                                kvCache: makeKVCache(slots: 2048, rows: 4))
        let stream = try engine.submit(GenerationRequest(id: "c", promptTokens: [5, 6, 7, 8], sampling: greedy(maxNewTokens: 2000)))
        let firstToken = DispatchSemaphore(value: 0)
        let consumer = Task {
            var count = 0
            for await event in stream {
                if case .token = event, count == 0 { firstToken.signal() }
                count += 1
            }
            return count
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { firstToken.wait(); continuation.resume() }
        }
        #expect(engine.stats.kvPagesUsed > 0)
        consumer.cancel()
        _ = await consumer.value
        #expect(await eventually { engine.stats.kvPagesUsed == 0 && engine.stats.runningRequests == 0 })
        // The id is free again once the abort went through.
        let again = try engine.submit(GenerationRequest(id: "c", promptTokens: [5], sampling: greedy(maxNewTokens: 1)))
        #expect(await collect(again).finish == .length)
        await engine.shutdown(deadline: 1)
    }

    @Test func shutdownFinishesWhatItCanThenAborts() async throws {
        let engine = try Engine(runner: ToyRunner(slots: 2048, stepDelay: 0.002), sampler: CPUSampler(),
                                kvCache: makeKVCache(slots: 2048, rows: 4))
        let short = try engine.submit(GenerationRequest(id: "short", promptTokens: [5], sampling: greedy(maxNewTokens: 2)))
        let long = try engine.submit(GenerationRequest(id: "long", promptTokens: [6], sampling: greedy(maxNewTokens: 2000)))
        await engine.shutdown(deadline: 0.2)
        #expect(await collect(short).finish == .length)
        // 2000 tokens take at least 4 s at 2 ms a step: the deadline cut it short.
        let cut = await collect(long)
        #expect(cut.finish == .abort)
        #expect(cut.ids.count < 2000)
        #expect(engine.stats.kvPagesUsed == 0)
        // A second shutdown returns at once.
        await engine.shutdown(deadline: 1)
    }

    @Test func statsFollowTheWork() async throws {
        let engine = try Engine(runner: ToyRunner(slots: 512), sampler: CPUSampler(), kvCache: makeKVCache(slots: 512, rows: 4))
        #expect(engine.stats.kvPagesTotal == 511)
        #expect(engine.stats.stepsTotal == 0)
        _ = await collect(try engine.submit(GenerationRequest(id: "a", promptTokens: [4, 5, 6], sampling: greedy(maxNewTokens: 5))))
        #expect(await eventually { engine.stats.stepsTotal == 5 })
        let stats = engine.stats
        #expect(stats.generatedTokensTotal == 5 && stats.promptTokensTotal == 3 && stats.runningRequests == 0)
        #expect(stats.secondsSinceLastStep >= 0 && stats.secondsSinceLastStep < 5)
        await engine.shutdown(deadline: 1)
    }

    @Test func invalidConfigurationsAreRefused() {
        #expect(throws: EngineError.self) {
            try Engine(runner: ToyRunner(slots: 64), sampler: CPUSampler(), kvCache: makeKVCache(slots: 64, rows: 4),
                       configuration: EngineConfiguration(maxRunningRequests: 4, stepTokenBudget: 4))
        }
        #expect(throws: EngineError.self) {
            try Engine(runner: ToyRunner(slots: 64), sampler: CPUSampler(), kvCache: makeKVCache(slots: 64, rows: 4),
                       configuration: EngineConfiguration(maxQueuedRequests: 0))
        }
    }
}
