// The CPU sampler on handmade logits: each filter, the penalties, seeded determinism and
// log-probabilities, with values worked out by hand.
import Foundation
import Testing
@testable import Engine

private func params(_ configure: (inout SamplingParams) -> Void) -> SamplingParams {
    var params = SamplingParams()
    configure(&params)
    return params
}

/// Logits whose softmax is `probabilities` exactly (up to float rounding).
private func logits(probabilities: [Double]) -> [Float] { probabilities.map { Float(log($0)) } }

private func sampleOne(_ logits: [Float], _ params: SamplingParams, seed: UInt64 = 7, draw: Int = 0,
                       history: TokenHistory? = nil) -> GeneratedToken {
    CPUSampler().sample(HostLogits(values: logits, vocabSize: logits.count),
                        rows: [SamplingRow(params: params, seed: seed, drawIndex: draw, history: history)])[0]
}

/// How often each id is drawn over `draws` consecutive draw indices of one seed.
private func frequencies(_ logits: [Float], _ params: SamplingParams, draws: Int = 4000) -> [Double] {
    var counts = [Double](repeating: 0, count: logits.count)
    for draw in 0 ..< draws { counts[Int(sampleOne(logits, params, seed: 11, draw: draw).id)] += 1 }
    return counts.map { $0 / Double(draws) }
}

@Suite struct SamplerTests {
    @Test func greedyTakesTheFirstLargestLogit() {
        #expect(sampleOne([0.1, 3, -2, 3, 1], SamplingParams()).id == 1)
        #expect(sampleOne([-5, -4, -4.5], SamplingParams()).id == 1)
    }

    @Test func temperatureDrawsFollowTheDistribution() {
        let observed = frequencies(logits(probabilities: [0.5, 0.3, 0.2]), params { $0.temperature = 1 })
        for (seen, expected) in zip(observed, [0.5, 0.3, 0.2]) { #expect(abs(seen - expected) < 0.03) }
        // Temperature 2 flattens: probabilities ∝ sqrt(p).
        let flat = frequencies(logits(probabilities: [0.5, 0.3, 0.2]), params { $0.temperature = 2 })
        let roots = [0.5, 0.3, 0.2].map { $0.squareRoot() }
        for (seen, root) in zip(flat, roots) { #expect(abs(seen - root / roots.reduce(0, +)) < 0.03) }
    }

    @Test func aTinyTemperatureIsGreedy() {
        let observed = frequencies(logits(probabilities: [0.3, 0.4, 0.3]), params { $0.temperature = 0.01 }, draws: 300)
        #expect(observed == [0, 1, 0])
    }

    @Test func topKKeepsTheKMostLikely() {
        let input = logits(probabilities: [0.1, 0.4, 0.05, 0.3, 0.15])
        let kept = ProbabilityFilters.candidates(logits: input, params: params { $0.temperature = 1; $0.topK = 2 })
        #expect(kept.ids == [1, 3])
        let observed = frequencies(input, params { $0.temperature = 1; $0.topK = 2 })
        #expect(abs(observed[1] - 4.0 / 7) < 0.03 && abs(observed[3] - 3.0 / 7) < 0.03)
        #expect(observed[0] == 0 && observed[2] == 0 && observed[4] == 0)
    }

    @Test func topPKeepsTheSmallestSetReachingP() {
        let input = logits(probabilities: [0.15, 0.5, 0.05, 0.3])
        func kept(_ p: Float) -> [Int32] {
            ProbabilityFilters.candidates(logits: input, params: params { $0.temperature = 1; $0.topP = p }).ids
        }
        #expect(kept(0.45) == [1])
        #expect(kept(0.79) == [1, 3])
        #expect(kept(0.81) == [0, 1, 3])
        #expect(kept(1) == [0, 1, 2, 3])
    }

    @Test func topPAppliesToTheTopKSurvivors() {
        // Top-2 leaves 0.5 and 0.3, renormalised to 0.625 / 0.375: top-p 0.6 keeps the first only.
        let input = logits(probabilities: [0.15, 0.5, 0.05, 0.3])
        let kept = ProbabilityFilters.candidates(logits: input, params: params { $0.temperature = 1; $0.topK = 2; $0.topP = 0.6 })
        #expect(kept.ids == [1])
    }

    @Test func minPDropsTokensBelowAFractionOfTheTop() {
        let input = logits(probabilities: [0.4, 0.25, 0.15, 0.22])
        let kept = ProbabilityFilters.candidates(logits: input, params: params { $0.temperature = 1; $0.minP = 0.5 })
        #expect(kept.ids == [0, 1, 3])
        let observed = frequencies(input, params { $0.temperature = 1; $0.minP = 0.5 })
        #expect(observed[2] == 0)
        #expect(abs(observed[0] - 0.4 / 0.87) < 0.03)
    }

    @Test func topPSortsOnlyTheHeadItNeedsYetMatchesAFullSort() {
        // A long flat tail below the 1e-4 threshold: the head reaches top-p 0.9 without it.
        var probabilities = [0.6, 0.35]
        probabilities += [Double](repeating: 0.05 / 5000, count: 5000)
        let input = logits(probabilities: probabilities)
        #expect(ProbabilityFilters.candidates(logits: input, params: params { $0.temperature = 1; $0.topP = 0.9 }).ids == [0, 1])
        // Top-p 0.99 needs the tail: the threshold drops and the tail is sorted by id on ties.
        let wide = ProbabilityFilters.candidates(logits: input, params: params { $0.temperature = 1; $0.topP = 0.99 })
        #expect(wide.ids.prefix(3) == [0, 1, 2])
        #expect(wide.ids.count > 2 && wide.ids.count < 5002)
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        let history = TokenHistory(prompt: [0], output: [2])
        var values: [Float] = [2.0, 1.5, -1.0, 0.5]
        LogitPenalties.apply(history, params: params { $0.repetitionPenalty = 2 }, to: &values)
        #expect(values == [1.0, 1.5, -2.0, 0.5])
        // Greedy now prefers token 1.
        #expect(sampleOne([2.0, 1.5, -1.0, 0.5], params { $0.repetitionPenalty = 2 }, history: history).id == 1)
    }

    @Test func frequencyAndPresencePenaltiesCountOutputTokensOnly() {
        let history = TokenHistory(prompt: [1], output: [0, 0, 0, 3])
        var values: [Float] = [1, 1, 1, 1]
        LogitPenalties.apply(history, params: params { $0.frequencyPenalty = 0.5; $0.presencePenalty = 0.25 }, to: &values)
        #expect(values == [1 - 1.5 - 0.25, 1, 1, 1 - 0.5 - 0.25])
    }

    @Test func seededDrawsRepeatAndDoNotDependOnTheBatch() {
        let vocab = 50
        let values = (0 ..< vocab).map { Float(sin(Double($0))) }
        let sampling = params { $0.temperature = 1.3; $0.topP = 0.95 }
        let alone = (0 ..< 20).map { sampleOne(values, sampling, seed: 42, draw: $0).id }
        // The same rows in one batch, in reverse order, with other requests between them.
        var rows: [SamplingRow] = []
        var batch: [Float] = []
        for draw in (0 ..< 20).reversed() {
            rows.append(SamplingRow(params: sampling, seed: 42, drawIndex: draw))
            rows.append(SamplingRow(params: sampling, seed: 5, drawIndex: draw))
            batch += values + values
        }
        let batched = CPUSampler().sample(HostLogits(values: batch, vocabSize: vocab), rows: rows)
        #expect(stride(from: 0, to: 40, by: 2).map { batched[$0].id }.reversed() == alone)
        // Another seed gives another sequence.
        #expect((0 ..< 20).map { sampleOne(values, sampling, seed: 43, draw: $0).id } != alone)
    }

    @Test func logprobsAreThoseOfTheRawLogits() throws {
        let input = logits(probabilities: [0.1, 0.6, 0.3])
        // Penalties and temperature change the pick's odds, not the reported log-probabilities.
        let sampled = sampleOne(input, params { $0.topLogprobs = 2; $0.repetitionPenalty = 1.5 },
                                history: TokenHistory(prompt: [1]))
        let logprob = try #require(sampled.logprob)
        #expect(abs(Double(logprob) - log(sampled.id == 1 ? 0.6 : 0.3)) < 1e-5)
        #expect(sampled.topLogprobs.map(\.id) == [1, 2])
        #expect(abs(Double(sampled.topLogprobs[0].logprob) - log(0.6)) < 1e-5)
        #expect(abs(Double(sampled.topLogprobs[1].logprob) - log(0.3)) < 1e-5)
    }

    @Test func logprobsAreAbsentUnlessAskedAndZeroAlternativesGiveTheChosenOnly() {
        let input: [Float] = [0, 1, 2]
        #expect(sampleOne(input, SamplingParams()) == GeneratedToken(id: 2))
        let chosen = sampleOne(input, params { $0.topLogprobs = 0 })
        #expect(chosen.logprob != nil && chosen.topLogprobs.isEmpty)
    }

    @Test func topIndicesBreakTiesByLowerIndex() {
        #expect(Logprobs.topIndices([1, 3, 3, 2, 3][...], count: 3) == [1, 2, 4])
        #expect(Logprobs.topIndices([5][...], count: 4) == [0])
    }

    @Test func invalidParametersAreNamed() {
        #expect(params { $0.temperature = -1 }.validationFailure()?.contains("temperature") == true)
        #expect(params { $0.topP = 0 }.validationFailure()?.contains("top_p") == true)
        #expect(params { $0.topK = -3 }.validationFailure()?.contains("top_k") == true)
        #expect(params { $0.minP = 1.5 }.validationFailure()?.contains("min_p") == true)
        #expect(params { $0.repetitionPenalty = 0 }.validationFailure()?.contains("repetition") == true)
        #expect(params { $0.frequencyPenalty = 3 }.validationFailure()?.contains("frequency") == true)
        #expect(params { $0.maxNewTokens = 0 }.validationFailure()?.contains("max_tokens") == true)
        #expect(params { $0.topLogprobs = 21 }.validationFailure()?.contains("top_logprobs") == true)
        #expect(SamplingParams().validationFailure() == nil)
    }

    @Test func seededUniformIsInTheUnitIntervalAndSpreads() {
        let values = (0 ..< 10_000).map { SeededUniform.value(seed: 3, index: $0) }
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(abs(mean - 0.5) < 0.01)
        #expect(Set(values).count == values.count)
    }
}
