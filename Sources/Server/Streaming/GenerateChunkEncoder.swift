// The native /generate stream: deltas of text and token ids per choice, a finish chunk per
// choice, and always a last chunk with the usage.
import Engine

struct GenerateChunkEncoder: StreamChunkEncoder {
    let id: String
    let choicesPerPrompt: Int
    let logprobs: Bool

    func opening() throws -> [[UInt8]] { [] }

    func chunk(for event: RunEvent) throws -> [UInt8]? {
        switch event {
        case .delta(let index, let delta):
            return try payload([GenerateJSON.Choice(
                index: index, text: delta.text, token_ids: delta.tokens.map(\.id),
                logprobs: logprobs ? delta.tokens.map(GenerateJSON.TokenLogprob.init) : nil)])
        case .finished(let index, let finish, _):
            return try payload([GenerateJSON.Choice(index: index, text: "", token_ids: [], finish_reason: finish.openAIReason)])
        }
    }

    func closing(usage: UsageJSON) throws -> [UInt8]? { try payload([], usage: usage) }

    private func payload(_ choices: [GenerateJSON.Choice], usage: UsageJSON? = nil) throws -> [UInt8] {
        try JSONCoding.bytes(GenerateJSON(id: id, object: "generation.chunk", choices: choices, usage: usage))
    }
}

extension GenerateJSON.TokenLogprob {
    init(_ token: GeneratedToken) {
        self.init(
            token_id: token.id, logprob: token.logprob ?? 0,
            top_logprobs: token.topLogprobs.map { .init(token_id: $0.id, logprob: $0.logprob) })
    }
}
