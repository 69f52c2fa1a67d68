// The chat stream: a role chunk per choice, content deltas, a finish chunk per choice, and
// with stream_options.include_usage a last chunk with no choices and the usage.
import Tokenizer

struct ChatChunkEncoder: StreamChunkEncoder {
    let id: String
    let created: Int
    let model: String
    let choiceCount: Int
    let choicesPerPrompt: Int
    let includeUsage: Bool
    let logprobs: Bool
    let tokenizer: Tokenizer

    func opening() throws -> [[UInt8]] {
        try (0..<choiceCount).map { index in
            try payload([.init(index: index, delta: .init(role: "assistant", content: ""))])
        }
    }

    func chunk(for event: RunEvent) throws -> [UInt8]? {
        switch event {
        case .delta(let index, let delta):
            let logprobsJSON = logprobs ? ChatLogprobsJSON(delta.tokens, tokenizer: tokenizer) : nil
            guard !delta.text.isEmpty || !(logprobsJSON?.content.isEmpty ?? true) else { return nil }
            return try payload([.init(index: index, delta: .init(content: delta.text), logprobs: logprobsJSON)])
        case .finished(let index, let finish, _):
            return try payload([.init(index: index, delta: .init(), finish_reason: finish.openAIReason)])
        }
    }

    func closing(usage: UsageJSON) throws -> [UInt8]? {
        guard includeUsage else { return nil }
        return try payload([], usage: usage)
    }

    private func payload(_ choices: [ChatCompletionChunkJSON.Choice], usage: UsageJSON? = nil) throws -> [UInt8] {
        try JSONCoding.bytes(ChatCompletionChunkJSON(
            id: id, created: created, model: model, choices: choices, usage: usage, writeNullUsage: includeUsage))
    }
}
