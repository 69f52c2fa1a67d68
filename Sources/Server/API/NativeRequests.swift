// The native endpoints' requests: /generate (text or token ids in, ids and text out) and
// /tokenize, /detokenize.

/// POST /generate: `{"text" | "input_ids", "sampling_params": {...}, "stream", "logprobs"}`.
struct GenerateRequest: Decodable, Sendable {
    enum Input: Sendable, Equatable {
        case text(String)
        case tokens([Int])
    }
    var input: Input
    var sampling: SamplingFields
    var stream: Bool
    /// How many top alternatives to report per token (nil: no logprobs).
    var logprobs: Int?

    enum CodingKeys: String, CodingKey {
        case text, inputIDs = "input_ids", samplingParams = "sampling_params", stream, logprobs
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decodeIfPresent(String.self, forKey: .text)
        let ids = try container.decodeIntegerArrayIfPresent(forKey: .inputIDs)
        switch (text, ids) {
        case (let text?, nil): input = .text(text)
        case (nil, let ids?): input = .tokens(ids)
        case (nil, nil): throw APIError.missingField(param: "text")
        case (_?, _?): throw APIError.invalidValue(param: "input_ids", reason: "send either text or input_ids, not both")
        }
        sampling = try container.decodeIfPresent(SamplingFields.self, forKey: .samplingParams) ?? SamplingFields()
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        logprobs = try container.decodeIntegerIfPresent(Int.self, forKey: .logprobs)
    }
}

/// POST /tokenize: `{"prompt": text}` or `{"messages": [...]}` (rendered with the chat template).
struct TokenizeRequest: Decodable, Sendable {
    enum Input: Sendable {
        case text(String)
        case messages([ChatMessageInput], addGenerationPrompt: Bool)
    }
    var model: String?
    var input: Input
    var addSpecialTokens: Bool

    enum CodingKeys: String, CodingKey {
        case model, prompt, text, messages
        case addSpecialTokens = "add_special_tokens", addGenerationPrompt = "add_generation_prompt"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        if let messages = try container.decodeIfPresent([ChatMessageInput].self, forKey: .messages) {
            guard !messages.isEmpty else { throw APIError.invalidValue(param: "messages", reason: "send at least one message") }
            let addPrompt = try container.decodeIfPresent(Bool.self, forKey: .addGenerationPrompt) ?? true
            input = .messages(messages, addGenerationPrompt: addPrompt)
            // A rendered template already holds the special tokens it wants.
            addSpecialTokens = try container.decodeIfPresent(Bool.self, forKey: .addSpecialTokens) ?? false
        } else if let prompt = try container.decodeIfPresent(String.self, forKey: .prompt)
            ?? container.decodeIfPresent(String.self, forKey: .text)
        {
            input = .text(prompt)
            addSpecialTokens = try container.decodeIfPresent(Bool.self, forKey: .addSpecialTokens) ?? true
        } else {
            throw APIError.missingField(param: "prompt")
        }
    }
}

/// POST /detokenize: `{"tokens": [ids]}`.
struct DetokenizeRequest: Decodable, Sendable {
    var model: String?
    var tokens: [Int]
    var skipSpecialTokens: Bool

    enum CodingKeys: String, CodingKey {
        case model, tokens, skipSpecialTokens = "skip_special_tokens"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        guard let tokens = try container.decodeIntegerArrayIfPresent(forKey: .tokens) else {
            throw APIError.missingField(param: "tokens")
        }
        self.tokens = tokens
        skipSpecialTokens = try container.decodeIfPresent(Bool.self, forKey: .skipSpecialTokens) ?? false
    }
}
