// /v1/completions responses; a stream's chunks have the same shape with text deltas.

struct CompletionJSON: Encodable, Sendable {
    struct Choice: Encodable, Sendable {
        var index: Int
        var text: String
        var logprobs: CompletionLogprobsJSON?
        var finish_reason: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(text, forKey: .text)
            try container.encode(logprobs, forKey: .logprobs)
            try container.encode(finish_reason, forKey: .finish_reason)
        }
        enum CodingKeys: CodingKey { case index, text, logprobs, finish_reason }
    }
    var id: String
    var object = "text_completion"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: UsageJSON?
    /// Streams write `"usage": null` in chunks before the last (when usage was asked for).
    var writeNullUsage = false

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        if usage != nil || writeNullUsage { try container.encode(usage, forKey: .usage) }
    }
    enum CodingKeys: CodingKey { case id, object, created, model, choices, usage }
}
