// /v1/chat/completions responses: the whole completion, and the chunks of a stream.

struct ChatCompletionJSON: Encodable, Sendable {
    struct Message: Encodable, Sendable {
        var role = "assistant"
        var content: String
    }
    struct Choice: Encodable, Sendable {
        var index: Int
        var message: Message
        var logprobs: ChatLogprobsJSON?
        var finish_reason: String

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(message, forKey: .message)
            try container.encode(logprobs, forKey: .logprobs)
            try container.encode(finish_reason, forKey: .finish_reason)
        }
        enum CodingKeys: CodingKey { case index, message, logprobs, finish_reason }
    }
    var id: String
    var object = "chat.completion"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: UsageJSON
}

struct ChatCompletionChunkJSON: Encodable, Sendable {
    struct Delta: Encodable, Sendable {
        var role: String?
        var content: String?
    }
    struct Choice: Encodable, Sendable {
        var index: Int
        var delta: Delta
        var logprobs: ChatLogprobsJSON?
        var finish_reason: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(logprobs, forKey: .logprobs)
            try container.encode(finish_reason, forKey: .finish_reason)
        }
        enum CodingKeys: CodingKey { case index, delta, logprobs, finish_reason }
    }
    var id: String
    var object = "chat.completion.chunk"
    var created: Int
    var model: String
    var choices: [Choice]
    /// Only in the last chunk, and only with stream_options.include_usage (null before it).
    var usage: UsageJSON?
    var includeUsageField: Bool

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        if includeUsageField { try container.encode(usage, forKey: .usage) }
    }
    enum CodingKeys: CodingKey { case id, object, created, model, choices, usage }
}
