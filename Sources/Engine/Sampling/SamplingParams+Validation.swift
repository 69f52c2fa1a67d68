// Checking sampling parameters once, at submission, so the sampler never meets a value
// it would have to guess about (a negative temperature, a top-p of 0).

extension SamplingParams {
    /// The most alternatives a request may ask log-probabilities for (OpenAI's limit).
    public static let maxTopLogprobs = 20

    /// Why these parameters cannot be sampled with, or nil when they can.
    public func validationFailure() -> String? {
        if !temperature.isFinite || temperature < 0 { return "temperature is \(temperature); use 0 (greedy) or a positive number" }
        if !topP.isFinite || topP <= 0 || topP > 1 { return "top_p is \(topP); use a value in (0, 1]" }
        if topK < 0 { return "top_k is \(topK); use 0 (off) or a positive count" }
        if !minP.isFinite || minP < 0 || minP > 1 { return "min_p is \(minP); use a value in [0, 1]" }
        if !repetitionPenalty.isFinite || repetitionPenalty <= 0 {
            return "repetition_penalty is \(repetitionPenalty); use a positive number (1 is off)"
        }
        if !frequencyPenalty.isFinite || abs(frequencyPenalty) > 2 { return "frequency_penalty is \(frequencyPenalty); use a value in [-2, 2]" }
        if !presencePenalty.isFinite || abs(presencePenalty) > 2 { return "presence_penalty is \(presencePenalty); use a value in [-2, 2]" }
        if maxNewTokens < 1 { return "max_tokens is \(maxNewTokens); ask for at least one token" }
        if let top = topLogprobs, top < 0 || top > Self.maxTopLogprobs {
            return "top_logprobs is \(top); use a value in 0...\(Self.maxTopLogprobs)"
        }
        return nil
    }

    /// Whether any penalty reads the request's earlier tokens.
    public var hasPenalties: Bool { repetitionPenalty != 1 || frequencyPenalty != 0 || presencePenalty != 0 }
}
