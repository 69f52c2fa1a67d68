// POST /v1/completions (the legacy text API), as sent.

struct CompletionRequest: Decodable, Sendable {
    var model: String?
    var prompt: PromptField
    var sampling: SamplingFields
    var stream: Bool
    var includeUsage: Bool
    /// How many top alternatives to report per token (nil: no logprobs).
    var logprobs: Int?
    /// Return the prompt text before the completion.
    var echo: Bool

    private struct StreamOptions: Decodable { var include_usage: Bool? }

    enum CodingKeys: String, CodingKey {
        case model, prompt, stream, logprobs, echo, suffix
        case streamOptions = "stream_options", bestOf = "best_of", logitBias = "logit_bias"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        prompt = try container.decode(PromptField.self, forKey: .prompt)
        sampling = try SamplingFields(from: decoder)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        includeUsage = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)?.include_usage ?? false
        logprobs = try container.decodeIntegerIfPresent(Int.self, forKey: .logprobs)
        echo = try container.decodeIfPresent(Bool.self, forKey: .echo) ?? false
        if let suffix = try container.decodeIfPresent(String.self, forKey: .suffix), !suffix.isEmpty {
            throw APIError.unsupported(param: "suffix", reason: "fill-in-the-middle is not implemented; send no suffix")
        }
        if let bestOf = try container.decodeIntegerIfPresent(Int.self, forKey: .bestOf), bestOf != (sampling.n ?? 1) {
            throw APIError.unsupported(param: "best_of", reason: "best_of must equal n (candidates are not ranked)")
        }
        if let bias = try container.decodeIfPresent([String: Double].self, forKey: .logitBias), !bias.isEmpty {
            throw APIError.unsupported(param: "logit_bias", reason: "send no logit_bias")
        }
    }
}
