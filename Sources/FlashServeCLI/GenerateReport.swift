// `flashserve generate --json`: the whole run as one JSON object, for scripts that compare
// the engine with another implementation (scripts/gpu/hf_compare.py): the prompt and
// output ids, each step's log-probabilities when asked for, and the timing.

import Engine
import Foundation

struct GenerateReport: Encodable {
    struct Alternative: Encodable {
        let id: Int32
        let logprob: Float
    }

    /// One generated token; `logprob` and `topLogprobs` only with --top-logprobs.
    struct Step: Encodable {
        let id: Int32
        let logprob: Float?
        let topLogprobs: [Alternative]?
    }

    struct Timing: Encodable {
        /// Opening the checkpoint and building the engine (weights uploaded, KV pool allocated).
        let loadSeconds: Double
        /// Submission to the first token: the prefill.
        let timeToFirstTokenSeconds: Double?
        /// Submission to the end of the stream.
        let generateSeconds: Double
        /// Tokens after the first over the time after the first (nil below two tokens).
        let decodeTokensPerSecond: Double?
    }

    let model: String
    let device: String
    let promptIds: [Int32]
    let outputIds: [Int32]
    let finishReason: String
    let steps: [Step]
    let timing: Timing

    init(model: String, device: String, promptIDs: [Int32], tokens: [GeneratedToken], finishReason: FinishReason,
         topLogprobsAsked: Bool, timing: Timing) {
        self.model = model
        self.device = device
        promptIds = promptIDs
        outputIds = tokens.map(\.id)
        self.finishReason = finishReason.rawValue
        steps = tokens.map { token in
            Step(id: token.id, logprob: topLogprobsAsked ? token.logprob : nil,
                 topLogprobs: topLogprobsAsked ? token.topLogprobs.map { Alternative(id: $0.id, logprob: $0.logprob) } : nil)
        }
        self.timing = timing
    }

    /// One line of snake_case JSON. A logprob can be -inf (a logit of -inf), which JSON
    /// cannot spell; it is written as the string "-inf" rather than failing the run.
    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension GenerateReport.Timing {
    init(load: Duration, start: ContinuousClock.Instant, firstToken: ContinuousClock.Instant?,
         end: ContinuousClock.Instant, completionTokens: Int) {
        func seconds(_ duration: Duration) -> Double { duration / .seconds(1) }
        loadSeconds = seconds(load)
        timeToFirstTokenSeconds = firstToken.map { seconds($0 - start) }
        generateSeconds = seconds(end - start)
        if let firstToken, completionTokens > 1, end > firstToken {
            decodeTokensPerSecond = Double(completionTokens - 1) / seconds(end - firstToken)
        } else {
            decodeTokensPerSecond = nil
        }
    }
}
