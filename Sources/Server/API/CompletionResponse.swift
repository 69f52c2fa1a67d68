// /v1/completions responses; a stream's chunks have the same shape with text deltas.

typealias CompletionJSON = OpenAIObject<CompletionChoiceJSON>

struct CompletionChoiceJSON: OpenAIChoice {
    static let object = "text_completion"
    var index: Int
    var text: String
    @NullWhenAbsent var logprobs: CompletionLogprobsJSON? = nil
    @NullWhenAbsent var finish_reason: String? = nil
}
