// What every OpenAI completion object shares: id, object, created, model, choices, usage.
// Streams that asked for usage write `"usage": null` in the chunks before the last.

/// A choice type names the object its responses are (`chat.completion`, `text_completion`…).
protocol OpenAIChoice: Encodable, Sendable {
    static var object: String { get }
}

struct OpenAIObject<C: OpenAIChoice>: Encodable, Sendable {
    typealias Choice = C
    var id: String
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: UsageJSON?
    /// Write `"usage": null` while `usage` is absent (stream_options.include_usage).
    var writeNullUsage = false

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(C.object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        if usage != nil || writeNullUsage { try container.encode(usage, forKey: .usage) }
    }
    enum CodingKeys: CodingKey { case id, object, created, model, choices, usage }
}

/// An optional field written as `null` when absent, where synthesized Encodable would leave
/// the key out: OpenAI's clients read `"finish_reason": null` and `"logprobs": null`.
@propertyWrapper
struct NullWhenAbsent<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
