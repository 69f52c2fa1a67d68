// A validated request, ready for the engine: one entry per choice (prompt × n), plus what
// shapes the output text.
import Engine

struct GenerationPlan: Sendable {
    struct Choice: Sendable {
        var promptTokens: [Int32]
        var sampling: SamplingParams
    }

    var choices: [Choice]
    var stopStrings: [String]
    var skipSpecialTokens: Bool
    /// Seconds before the whole request is aborted (nil: no limit).
    var timeout: Double?
    /// The request field the prompt came from, for errors the engine reports about it.
    var promptParam: String

    /// `n` choices for each prompt; with a seed, choice j of a prompt uses seed + j so that
    /// the choices differ but the request stays reproducible.
    init(
        prompts: [[Int32]], n: Int, mapping: SamplingMapping, fields: SamplingFields, topLogprobs: Int?,
        logprobsParam: String = "top_logprobs", promptParam: String
    ) throws(APIError) {
        var choices: [Choice] = []
        for (index, prompt) in prompts.enumerated() {
            let param = prompts.count > 1 ? "\(promptParam)[\(index)]" : promptParam
            try mapping.checkPromptFits(prompt.count, param: param)
            let sampling = try mapping.samplingParams(
                fields, promptLength: prompt.count, topLogprobs: topLogprobs, logprobsParam: logprobsParam)
            for j in 0..<n {
                var choiceSampling = sampling
                if let seed = sampling.seed { choiceSampling.seed = seed &+ UInt64(j) }
                choices.append(Choice(promptTokens: prompt, sampling: choiceSampling))
            }
        }
        self.choices = choices
        self.stopStrings = try mapping.stopStrings(fields)
        self.skipSpecialTokens = fields.skipSpecialTokens ?? true
        self.timeout = try mapping.timeout(fields)
        self.promptParam = promptParam
    }

    /// Prompt tokens over all prompts (each counted once, not once per choice).
    func promptTokenCount(choicesPerPrompt n: Int) -> Int {
        stride(from: 0, to: choices.count, by: n).reduce(0) { $0 + choices[$1].promptTokens.count }
    }
}
