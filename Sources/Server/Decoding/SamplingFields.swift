// The sampling and stopping fields every generation endpoint shares, as sent (not yet checked).
// OpenAI's names, plus the vLLM/SGLang extensions clients commonly send.

struct SamplingFields: Decodable, Sendable, Equatable {
    /// Where these fields sit in the request (`""` at the top, `sampling_params.` in /generate),
    /// so that validation errors name the field as the client wrote it.
    var paramPrefix = ""
    /// Which of max_tokens / max_completion_tokens / max_new_tokens the client used.
    var maxTokensKey = "max_tokens"
    var maxTokens: Int?
    var temperature: Double?
    var topP: Double?
    var topK: Int?
    var minP: Double?
    var presencePenalty: Double?
    var frequencyPenalty: Double?
    var repetitionPenalty: Double?
    var seed: Int64?
    var stop: StopField?
    var stopTokenIDs: [Int]?
    var n: Int?
    var ignoreEOS: Bool?
    var skipSpecialTokens: Bool?
    /// Seconds after which the request is aborted (a FlashServe extension).
    var timeout: Double?

    enum CodingKeys: String, CodingKey {
        case maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens", maxNewTokens = "max_new_tokens"
        case temperature, topP = "top_p", topK = "top_k", minP = "min_p"
        case presencePenalty = "presence_penalty", frequencyPenalty = "frequency_penalty"
        case repetitionPenalty = "repetition_penalty"
        case seed, stop, stopTokenIDs = "stop_token_ids", n
        case ignoreEOS = "ignore_eos", skipSpecialTokens = "skip_special_tokens", timeout
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        paramPrefix = decoder.codingPath.isEmpty ? "" : paramName(decoder.codingPath) + "."
        for key in [CodingKeys.maxCompletionTokens, .maxNewTokens, .maxTokens] {
            if let value = try container.decodeIntegerIfPresent(Int.self, forKey: key) {
                maxTokens = value
                maxTokensKey = key.stringValue
            }
        }
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try container.decodeIfPresent(Double.self, forKey: .topP)
        topK = try container.decodeIntegerIfPresent(Int.self, forKey: .topK)
        minP = try container.decodeIfPresent(Double.self, forKey: .minP)
        presencePenalty = try container.decodeIfPresent(Double.self, forKey: .presencePenalty)
        frequencyPenalty = try container.decodeIfPresent(Double.self, forKey: .frequencyPenalty)
        repetitionPenalty = try container.decodeIfPresent(Double.self, forKey: .repetitionPenalty)
        seed = try container.decodeIntegerIfPresent(Int64.self, forKey: .seed)
        stop = try container.decodeIfPresent(StopField.self, forKey: .stop)
        stopTokenIDs = try container.decodeIntegerArrayIfPresent(forKey: .stopTokenIDs)
        n = try container.decodeIntegerIfPresent(Int.self, forKey: .n)
        ignoreEOS = try container.decodeIfPresent(Bool.self, forKey: .ignoreEOS)
        skipSpecialTokens = try container.decodeIfPresent(Bool.self, forKey: .skipSpecialTokens)
        timeout = try container.decodeIfPresent(Double.self, forKey: .timeout)
    }

    func param(_ key: CodingKeys) -> String { paramPrefix + key.stringValue }
    var maxTokensParam: String { paramPrefix + maxTokensKey }
}
