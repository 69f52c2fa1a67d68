// /v1/chat/completions responses: the whole completion, and the chunks of a stream.

typealias ChatCompletionJSON = OpenAIObject<ChatChoiceJSON>
typealias ChatCompletionChunkJSON = OpenAIObject<ChatChunkChoiceJSON>

struct ChatChoiceJSON: OpenAIChoice {
    static let object = "chat.completion"
    struct Message: Encodable, Sendable {
        var role = "assistant"
        var content: String
    }
    var index: Int
    var message: Message
    @NullWhenAbsent var logprobs: ChatLogprobsJSON? = nil
    var finish_reason: String
}

struct ChatChunkChoiceJSON: OpenAIChoice {
    static let object = "chat.completion.chunk"
    struct Delta: Encodable, Sendable {
        var role: String?
        var content: String?
    }
    var index: Int
    var delta: Delta
    @NullWhenAbsent var logprobs: ChatLogprobsJSON? = nil
    @NullWhenAbsent var finish_reason: String? = nil
}
