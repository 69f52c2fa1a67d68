// The legacy completions stream: text deltas (with logprobs whose text offsets run on over
// the whole choice), a finish chunk per choice, and the usage chunk when asked for.
import Tokenizer

struct CompletionChunkEncoder: StreamChunkEncoder {
    let id: String
    let created: Int
    let model: String
    let choicesPerPrompt: Int
    let includeUsage: Bool
    let logprobs: Bool
    let tokenizer: Tokenizer
    /// Bytes of text each choice has sent so far (for logprobs' text_offset).
    private var offsets: [Int: Int] = [:]
    /// With echo, each choice's prompt text, sent first.
    private let echoes: [String]?

    init(
        id: String, created: Int, model: String, choicesPerPrompt: Int, includeUsage: Bool, logprobs: Bool,
        tokenizer: Tokenizer, echoes: [String]?
    ) {
        self.id = id
        self.created = created
        self.model = model
        self.choicesPerPrompt = choicesPerPrompt
        self.includeUsage = includeUsage
        self.logprobs = logprobs
        self.tokenizer = tokenizer
        self.echoes = echoes
    }

    mutating func opening() throws -> [[UInt8]] {
        guard let echoes else { return [] }
        return try echoes.enumerated().map { index, text in
            offsets[index] = text.utf8.count
            return try payload([.init(index: index, text: text)])
        }
    }

    mutating func chunk(for event: RunEvent) throws -> [UInt8]? {
        switch event {
        case .delta(let index, let delta):
            let offset = offsets[index, default: 0]
            offsets[index] = offset + delta.text.utf8.count
            let logprobsJSON = logprobs ? CompletionLogprobsJSON(delta.tokens, tokenizer: tokenizer, offset: offset) : nil
            guard !delta.text.isEmpty || !(logprobsJSON?.tokens.isEmpty ?? true) else { return nil }
            return try payload([.init(index: index, text: delta.text, logprobs: logprobsJSON)])
        case .finished(let index, let finish, _):
            return try payload([.init(index: index, text: "", finish_reason: finish.openAIReason)])
        }
    }

    func closing(usage: UsageJSON) throws -> [UInt8]? {
        guard includeUsage else { return nil }
        return try payload([], usage: usage)
    }

    private func payload(_ choices: [CompletionJSON.Choice], usage: UsageJSON? = nil) throws -> [UInt8] {
        try JSONCoding.bytes(CompletionJSON(
            id: id, created: created, model: model, choices: choices, usage: usage, writeNullUsage: includeUsage))
    }
}
