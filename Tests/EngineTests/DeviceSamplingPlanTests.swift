// The device sampler's host side: which rows go where, and the per-request inputs of the
// sampling kernel (its penalty entries must mean exactly what LogitPenalties does).
import Kernels
import Testing
@testable import Engine

private func params(_ configure: (inout SamplingParams) -> Void) -> SamplingParams {
    var params = SamplingParams()
    configure(&params)
    return params
}

/// The kernel's penalty arithmetic (kernels/model/sampling.cu, apply_penalties) on the host.
private func applyEntries(_ request: SamplingKernel.Request, _ entries: [SamplingKernel.PenaltyEntry],
                          to logits: inout [Float]) {
    for entry in entries[request.penalties] {
        let i = Int(entry.token)
        var v = logits[i]
        if request.repetitionPenalty != 1 { v = v > 0 ? v / request.repetitionPenalty : v * request.repetitionPenalty }
        if entry.outputCount > 0 && (request.frequencyPenalty != 0 || request.presencePenalty != 0) {
            v -= request.frequencyPenalty * Float(entry.outputCount) + request.presencePenalty
        }
        logits[i] = v
    }
}

@Suite struct DeviceSamplingPlanTests {
    @Test func rowsAreRoutedByWhatTheyNeed() {
        #expect(SamplingRoute(SamplingParams()) == .greedy)
        #expect(SamplingRoute(params { $0.repetitionPenalty = 1.1 }) == .device)
        #expect(SamplingRoute(params { $0.temperature = 0.7; $0.topP = 0.9 }) == .device)
        #expect(SamplingRoute(params { $0.topLogprobs = 0 }) == .host)
        #expect(SamplingRoute(params { $0.temperature = 1; $0.topLogprobs = 3 }) == .host)
    }

    @Test func requestsCarryTheParametersAndTheSeededUniform() {
        let sampling = params { $0.temperature = 0.8; $0.topK = 40; $0.topP = 0.95; $0.minP = 0.05 }
        let plan = DeviceSamplingPlan(rows: [(3, SamplingRow(params: sampling, seed: 99, drawIndex: 17)),
                                             (0, SamplingRow(params: params { $0.presencePenalty = 0.5 }))])
        #expect(plan.requests.count == 2)
        let first = plan.requests[0]
        #expect(first.logitsRow == 3 && first.temperature == 0.8 && first.topK == 40 && first.topP == 0.95)
        #expect(first.minP == 0.05 && first.penalties.isEmpty)
        #expect(first.uniform == SeededUniform.value(seed: 99, index: 17))
        // Greedy with a penalty but no history yet: nothing to penalise, no random number.
        #expect(plan.requests[1].uniform == 0 && plan.requests[1].penalties.isEmpty && plan.entries.isEmpty)
    }

    @Test func penaltyEntriesMatchTheHostPenalties() {
        let history = TokenHistory(prompt: [5, 1, 5, 9], output: [1, 7, 7, 7, 2, 9])
        let penalties = params { $0.repetitionPenalty = 1.3; $0.frequencyPenalty = 0.4; $0.presencePenalty = -0.2 }
        let other = TokenHistory(prompt: [0], output: [4])
        let plan = DeviceSamplingPlan(rows: [(0, SamplingRow(params: params { $0.temperature = 1 }, history: other)),
                                             (1, SamplingRow(params: penalties, history: history)),
                                             (2, SamplingRow(params: params { $0.frequencyPenalty = 1 }, history: other))])
        // No penalty, no entries, even with a history.
        #expect(plan.requests[0].penalties.isEmpty)
        let entries = plan.entries[plan.requests[1].penalties]
        #expect(entries.count == 5)   // the distinct tokens 1, 2, 5, 7, 9, each once
        #expect(Dictionary(uniqueKeysWithValues: entries.map { ($0.token, $0.outputCount) }) ==
                [5: 0, 1: 1, 9: 1, 7: 3, 2: 1])
        for row in 1 ... 2 {
            let request = plan.requests[row]
            let rowHistory = row == 1 ? history : other
            let rowParams = row == 1 ? penalties : params { $0.frequencyPenalty = 1 }
            var expected: [Float] = (0 ..< 12).map { Float($0) * 0.75 - 4 }
            var viaEntries = expected
            LogitPenalties.apply(rowHistory, params: rowParams, to: &expected)
            applyEntries(request, plan.entries, to: &viaEntries)
            #expect(viaEntries == expected)
        }
    }
}
