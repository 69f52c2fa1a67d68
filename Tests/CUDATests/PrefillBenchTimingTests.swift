@testable import GPUSelfTest
import Testing

/// `bench attention --prefill` times ours the way the Python references time theirs unless
/// asked otherwise: two calls a timed graph (one per input set), not ~20 ms of them.
struct PrefillBenchTimingTests {
    @Test func burstTimesTwoCallsLikeTheReferences() {
        for c in PrefillAttentionBench.cases {
            #expect(PrefillAttentionBench.Timing.burst.callsPerGraph(flops: c.flops) == 2)
        }
    }

    @Test func sustainedFillsAbout20MillisecondsWithAnEvenCount() {
        let short = PrefillAttentionBench.Case(headDim: 128, sequence: 1024, causal: true)  // ~0.23 ms a call
        let long = PrefillAttentionBench.Case(headDim: 128, sequence: 16384, causal: false)  // ~7 ms a call
        let shortCalls = PrefillAttentionBench.Timing.sustained.callsPerGraph(flops: short.flops)
        let longCalls = PrefillAttentionBench.Timing.sustained.callsPerGraph(flops: long.flops)
        #expect(shortCalls == 40)  // capped at 20 pairs
        #expect(longCalls == 2)    // one pair is already longer than 20 ms at 600 TFLOP/s
        #expect(shortCalls % 2 == 0 && longCalls % 2 == 0)
    }

    @Test func timingNamesAreTheCommandLineValues() {
        #expect(PrefillAttentionBench.Timing(rawValue: "burst") == .burst)
        #expect(PrefillAttentionBench.Timing.allCases.map(\.rawValue) == ["burst", "sustained"])
    }
}
