// The batch scheduler as a policy over plain values: token budget, chunked prefill,
// admission by rows, running limit and KV pages, and preemption order.
import PropertyBased
import Testing
@testable import Engine

private let limits = SchedulerLimits(stepTokenBudget: 64, maxRunningRequests: 4, decodeHeadroomTokens: 4)

private func decoding(_ key: Int, kv: Int, remaining: Int = 100) -> RunningSequence {
    RunningSequence(key: key, kvLength: kv, pendingTokens: 1, remainingOutput: remaining)
}

private func prefilling(_ key: Int, kv: Int, pending: Int, remaining: Int = 100) -> RunningSequence {
    RunningSequence(key: key, kvLength: kv, pendingTokens: pending, remainingOutput: remaining)
}

private func queued(_ key: Int, tokens: Int, cached: Int = 0, remaining: Int = 100) -> WaitingSequence {
    WaitingSequence(key: key, tokenCount: tokens, cachedTokens: cached, remainingOutput: remaining)
}

private func budget(pages: Int, rows: Int = 8, pageSize: Int = 1) -> KVBudget {
    KVBudget(availablePages: pages, freeRows: rows, pageSize: pageSize)
}

@Suite struct SchedulerTests {
    let scheduler = BatchScheduler(limits: limits)

    @Test func decodesTakeOneTokenEachAndPrefillsShareTheRestInOrder() {
        let running = [prefilling(0, kv: 0, pending: 50), decoding(1, kv: 10), prefilling(2, kv: 0, pending: 30), decoding(3, kv: 5)]
        let plan = scheduler.plan(running: running, waiting: [], kv: budget(pages: 1000))
        // 2 decode tokens, then 62 left: 50 to the oldest prefill, 12 to the next.
        #expect(plan.running == [ScheduledWork(key: 0, newTokens: 50), ScheduledWork(key: 1, newTokens: 1),
                                 ScheduledWork(key: 2, newTokens: 12), ScheduledWork(key: 3, newTokens: 1)])
        #expect(plan.tokenCount == limits.stepTokenBudget)
        #expect(plan.preempted.isEmpty && plan.admitted.isEmpty)
    }

    @Test func aLongPromptIsAdmittedWithAChunkOfTheBudget() {
        let plan = scheduler.plan(running: [decoding(0, kv: 8)], waiting: [queued(1, tokens: 200)], kv: budget(pages: 1000))
        #expect(plan.admitted == [ScheduledWork(key: 1, newTokens: 63)])
        // The next step continues it with what the budget allows.
        let next = scheduler.plan(running: [decoding(0, kv: 9), prefilling(1, kv: 63, pending: 137)], waiting: [],
                                  kv: budget(pages: 1000))
        #expect(next.running == [ScheduledWork(key: 0, newTokens: 1), ScheduledWork(key: 1, newTokens: 63)])
    }

    @Test func cachedTokensAreNotComputedAgain() {
        let plan = scheduler.plan(running: [], waiting: [queued(0, tokens: 40, cached: 32)], kv: budget(pages: 1000))
        #expect(plan.admitted == [ScheduledWork(key: 0, newTokens: 8)])
    }

    @Test func admissionStopsAtTheBudget() {
        let waiting = [queued(0, tokens: 30), queued(1, tokens: 30), queued(2, tokens: 30)]
        let plan = scheduler.plan(running: [], waiting: waiting, kv: budget(pages: 1000))
        #expect(plan.admitted == [ScheduledWork(key: 0, newTokens: 30), ScheduledWork(key: 1, newTokens: 30),
                                  ScheduledWork(key: 2, newTokens: 4)])
    }

    @Test func admissionRespectsTheRunningLimitAndTheRows() {
        let waiting = (0 ..< 6).map { queued($0, tokens: 2) }
        #expect(scheduler.plan(running: [], waiting: waiting, kv: budget(pages: 1000)).admitted.count == limits.maxRunningRequests)
        #expect(scheduler.plan(running: [decoding(9, kv: 3)], waiting: waiting, kv: budget(pages: 1000)).admitted.count == 3)
        #expect(scheduler.plan(running: [], waiting: waiting, kv: budget(pages: 1000, rows: 2)).admitted.count == 2)
    }

    @Test func admissionIsFirstComeFirstServedAndNeverSkips() {
        // The head needs 40 + 4 headroom pages, only 30 are left: the small one behind it waits too.
        let plan = scheduler.plan(running: [decoding(0, kv: 10, remaining: 2)], waiting: [queued(1, tokens: 40), queued(2, tokens: 3)],
                                  kv: budget(pages: 33))
        #expect(plan.admitted.isEmpty)
        #expect(plan.running == [ScheduledWork(key: 0, newTokens: 1)])
    }

    @Test func admissionCountsCachedPagesAndTheRunningRequestsFuture() {
        // Page size 4; one running prefill of 40 tokens that may generate 8 more.
        let kv = budget(pages: 20, pageSize: 4)
        let running = [prefilling(0, kv: 0, pending: 40, remaining: 8)]
        // This step: 40 tokens (10 pages); later: 4 headroom tokens (1 page). 9 pages left.
        // A waiting prompt of 28 tokens, 24 of them cached, costs 28 + 4 tokens = 8 pages: it fits.
        let fits = scheduler.plan(running: running, waiting: [queued(1, tokens: 28, cached: 24)], kv: kv)
        #expect(fits.admitted == [ScheduledWork(key: 1, newTokens: 4)])
        // 36 + 4 tokens = 10 pages do not.
        let tooBig = scheduler.plan(running: running, waiting: [queued(1, tokens: 36, cached: 24)], kv: kv)
        #expect(tooBig.admitted.isEmpty)
    }

    @Test func withNothingRunningOnlyThePromptMustFit() {
        let plan = scheduler.plan(running: [], waiting: [queued(0, tokens: 10, remaining: 50)], kv: budget(pages: 10))
        #expect(plan.admitted == [ScheduledWork(key: 0, newTokens: 10)])
    }

    @Test func theNewestRunningRequestsArePreemptedFirst() {
        // Four decodes at page boundaries (page size 4) each need a fresh page; two are free.
        let running = (0 ..< 4).map { decoding($0, kv: 8) }
        let plan = scheduler.plan(running: running, waiting: [queued(9, tokens: 2)], kv: budget(pages: 2, pageSize: 4))
        // Preempting 3 frees its 2 pages: 4 available for the 3 left.
        #expect(plan.preempted == [3])
        #expect(plan.running.map(\.key) == [0, 1, 2])
        // No admission in a step that preempts.
        #expect(plan.admitted.isEmpty)
    }

    @Test func preemptionGoesOnUntilTheRestFits() {
        let running = (0 ..< 4).map { decoding($0, kv: 4 * ($0 + 1)) }
        let plan = scheduler.plan(running: running, waiting: [], kv: budget(pages: 0, pageSize: 4))
        // Preempting 3 (4 pages) covers the 3 pages the others need.
        #expect(plan.preempted == [3])
        let tight = scheduler.plan(running: [decoding(0, kv: 4), decoding(1, kv: 4), decoding(2, kv: 4)], waiting: [],
                                   kv: budget(pages: 0, pageSize: 4))
        // Each victim frees 1 page; the last one left needs 1: two go.
        #expect(tight.preempted == [2, 1])
        #expect(tight.running == [ScheduledWork(key: 0, newTokens: 1)])
    }

    @Test func theOldestRequestIsNeverPreempted() {
        let plan = scheduler.plan(running: [decoding(0, kv: 4)], waiting: [], kv: budget(pages: 0, pageSize: 4))
        #expect(plan.preempted.isEmpty)
        #expect(plan.running == [ScheduledWork(key: 0, newTokens: 1)])
    }

    @Test func waitingRequestsAreReadOnlyAsFarAsAdmissionGoes() {
        var read = 0
        let waiting = (0 ..< 100).lazy.map { key -> WaitingSequence in
            read += 1
            return queued(key, tokens: 30)
        }
        _ = scheduler.plan(running: [], waiting: waiting, kv: budget(pages: 1000))
        // Two fit the budget, the third gets the last 4 tokens, the fourth is refused: no more are read.
        #expect(read <= 4)
    }

    @Test func limitsThatCannotScheduleAreNamed() {
        #expect(SchedulerLimits(stepTokenBudget: 4, maxRunningRequests: 4, decodeHeadroomTokens: 0).validationFailure() != nil)
        #expect(SchedulerLimits(stepTokenBudget: 8, maxRunningRequests: 0, decodeHeadroomTokens: 0).validationFailure() != nil)
        #expect(limits.validationFailure() == nil)
    }

    /// Over random states: the budget holds, admissions are a prefix of the queue, preemptions a
    /// suffix of the running list taken newest first, and what runs fits the pages the plan counts.
    @Test func plansKeepTheirInvariants() async {
        let runningGen = zip(Gen.int(in: 0...40), Gen.int(in: 1...30), Gen.int(in: 0...20))
            .array(of: 0...4)
        let waitingGen = zip(Gen.int(in: 1...60), Gen.int(in: 0...40), Gen.int(in: 0...20)).array(of: 0...6)
        await propertyCheck(count: 300, input: runningGen, waitingGen, Gen.int(in: 0...60)) { runningSpec, waitingSpec, pages in
            let running = runningSpec.enumerated().map { i, spec in
                RunningSequence(key: i, kvLength: spec.0, pendingTokens: spec.1 > 20 ? spec.1 : 1, remainingOutput: spec.2)
            }
            let waiting = waitingSpec.enumerated().map { i, spec in
                WaitingSequence(key: 100 + i, tokenCount: spec.0, cachedTokens: min(spec.1, spec.0 - 1), remainingOutput: spec.2)
            }
            let kv = budget(pages: pages, rows: 5, pageSize: 4)
            let plan = scheduler.plan(running: running, waiting: waiting, kv: kv)
            #expect(plan.tokenCount <= limits.stepTokenBudget)
            #expect(plan.admitted.map(\.key) == Array(waiting.prefix(plan.admitted.count).map(\.key)))
            #expect(plan.preempted == Array(running.suffix(plan.preempted.count).map(\.key).reversed()))
            #expect(plan.preempted.isEmpty || plan.admitted.isEmpty)
            #expect(running.count + plan.admitted.count - plan.preempted.count <= limits.maxRunningRequests || plan.admitted.isEmpty)
            let kept = running.dropLast(plan.preempted.count)
            #expect(plan.running.allSatisfy { work in kept.contains { $0.key == work.key } })
            // Every kept decode runs; nothing runs more tokens than it has pending.
            for sequence in kept where sequence.pendingTokens == 1 { #expect(plan.running.contains { $0.key == sequence.key }) }
            for work in plan.running {
                let sequence = running.first { $0.key == work.key }!
                #expect(work.newTokens >= 1 && work.newTokens <= sequence.pendingTokens)
            }
            for work in plan.admitted {
                let sequence = waiting.first { $0.key == work.key }!
                #expect(work.newTokens >= 1 && work.newTokens <= sequence.tokenCount - sequence.cachedTokens)
            }
            if plan.preempted.isEmpty && kept.count > 1 {
                let needed = plan.running.reduce(0) { total, work in
                    total + kv.pagesNeeded(existing: running.first { $0.key == work.key }!.kvLength, new: work.newTokens)
                }
                #expect(needed <= pages)
            }
        }
    }
}
