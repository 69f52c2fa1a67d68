// Penalties on tokens a request has already seen, applied to its logits before anything
// else (temperature, filters, argmax).

enum LogitPenalties {
    /// Repetition (HF transformers: divide a positive logit by the penalty, multiply a
    /// negative one, once per distinct token of prompt or output), then frequency and
    /// presence (OpenAI: subtract frequency × count + presence, over output tokens).
    static func apply(_ history: TokenHistory, params: SamplingParams, to logits: inout [Float]) {
        let vocab = logits.count
        if params.repetitionPenalty != 1 {
            let penalty = params.repetitionPenalty
            func penalise(_ token: Int32) {
                let i = Int(token)
                guard i >= 0 && i < vocab else { return }
                logits[i] = logits[i] > 0 ? logits[i] / penalty : logits[i] * penalty
            }
            for token in history.promptTokens { penalise(token) }
            for token in history.outputCounts.keys where !history.promptTokens.contains(token) { penalise(token) }
        }
        if params.frequencyPenalty != 0 || params.presencePenalty != 0 {
            for (token, count) in history.outputCounts {
                let i = Int(token)
                guard i >= 0 && i < vocab else { continue }
                logits[i] -= params.frequencyPenalty * Float(count) + params.presencePenalty
            }
        }
    }
}
