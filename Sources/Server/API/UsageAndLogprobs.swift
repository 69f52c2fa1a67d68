// Pieces shared by the OpenAI responses: usage, and logprobs in the chat and legacy shapes.
import Engine
import Tokenizer

struct UsageJSON: Encodable, Sendable, Equatable {
    struct PromptDetails: Encodable, Sendable, Equatable {
        var cached_tokens: Int
    }
    var prompt_tokens: Int
    var completion_tokens: Int
    var total_tokens: Int
    var prompt_tokens_details: PromptDetails

    /// Usage of a whole request: each prompt counted once, every choice's completion tokens.
    init(results: [ChoiceResult], choicesPerPrompt n: Int) {
        let perPrompt = stride(from: 0, to: results.count, by: max(n, 1)).map { results[$0].usage }
        self.init(
            prompt: perPrompt.reduce(0) { $0 + $1.promptTokens },
            cached: perPrompt.reduce(0) { $0 + $1.cachedPromptTokens },
            completion: results.reduce(0) { $0 + $1.usage.completionTokens })
    }

    init(prompt: Int, cached: Int, completion: Int) {
        prompt_tokens = prompt
        completion_tokens = completion
        total_tokens = prompt + completion
        prompt_tokens_details = PromptDetails(cached_tokens: cached)
    }
}

/// Chat logprobs: `{"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}]}`.
struct ChatLogprobsJSON: Encodable, Sendable {
    struct Alternative: Encodable, Sendable {
        var token: String
        var logprob: Float
        var bytes: [UInt8]
    }
    struct Entry: Encodable, Sendable {
        var token: String
        var logprob: Float
        var bytes: [UInt8]
        var top_logprobs: [Alternative]
    }
    var content: [Entry]

    init(_ tokens: [GeneratedToken], tokenizer: Tokenizer) {
        content = tokens.map { token in
            let text = tokenizer.decode([token.id])
            return Entry(
                token: text, logprob: token.logprob ?? 0, bytes: Array(text.utf8),
                top_logprobs: token.topLogprobs.map {
                    let alternative = tokenizer.decode([$0.id])
                    return Alternative(token: alternative, logprob: $0.logprob, bytes: Array(alternative.utf8))
                })
        }
    }
}

/// Legacy completions logprobs: parallel arrays, top alternatives as token → logprob maps.
struct CompletionLogprobsJSON: Encodable, Sendable {
    var tokens: [String]
    var token_logprobs: [Float]
    var top_logprobs: [[String: Float]]
    var text_offset: [Int]

    /// `offset` is where this piece of text starts in the choice's whole text.
    init(_ generated: [GeneratedToken], tokenizer: Tokenizer, offset: Int) {
        tokens = generated.map { tokenizer.decode([$0.id]) }
        token_logprobs = generated.map { $0.logprob ?? 0 }
        top_logprobs = generated.map { token in
            var alternatives: [String: Float] = [:]
            for alternative in token.topLogprobs { alternatives[tokenizer.decode([alternative.id])] = alternative.logprob }
            return alternatives
        }
        var offsets: [Int] = []
        var position = offset
        for token in tokens {
            offsets.append(position)
            position += token.utf8.count
        }
        text_offset = offsets
    }
}
