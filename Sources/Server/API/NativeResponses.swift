// Responses of the native endpoints: /generate (whole or streamed), /tokenize, /detokenize,
// /v1/models.

/// /generate: `{"id", "choices": [{"index", "text", "token_ids", "finish_reason", "logprobs"}], "usage"}`;
/// a stream sends the same shape with deltas, then a last chunk with usage.
struct GenerateJSON: Encodable, Sendable {
    struct TokenLogprob: Encodable, Sendable {
        struct Alternative: Encodable, Sendable {
            var token_id: Int32
            var logprob: Float
        }
        var token_id: Int32
        var logprob: Float
        var top_logprobs: [Alternative]
    }
    struct Choice: Encodable, Sendable {
        var index: Int
        var text: String
        var token_ids: [Int32]
        @NullWhenAbsent var finish_reason: String? = nil
        var logprobs: [TokenLogprob]? = nil
    }
    var id: String
    var object: String
    var choices: [Choice]
    var usage: UsageJSON?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(choices, forKey: .choices)
        try container.encode(usage, forKey: .usage)
    }
    enum CodingKeys: CodingKey { case id, object, choices, usage }
}

struct TokenizeJSON: Encodable, Sendable {
    var tokens: [Int32]
    var count: Int
    var max_model_len: Int
}

struct DetokenizeJSON: Encodable, Sendable {
    var prompt: String
}

struct ModelListJSON: Encodable, Sendable {
    struct Model: Encodable, Sendable {
        var id: String
        var object = "model"
        var created: Int
        var owned_by = "flashserve"
        var max_model_len: Int
    }
    var object = "list"
    var data: [Model]
}
