// The tokenizer a GGUF file describes in its metadata (llama.cpp's key names), read into a
// TokenizerDescription the way transformers' GGUF conversion and llama.cpp read it.

/// The `tokenizer.ggml.*` metadata of a GGUF file.
public struct GGUFTokenizerMetadata: Sendable {
    /// `tokenizer.ggml.model`: "gpt2" for byte-level BPE.
    public var model: String
    /// `tokenizer.ggml.pre`: which pre-tokenizer split the vocabulary was trained with.
    public var pre: String?
    public var tokens: [String]
    /// `tokenizer.ggml.token_type`, llama.cpp's numbering (see `TokenType`).
    public var tokenTypes: [Int]?
    public var merges: [String]
    public var bosId: Int?
    public var eosId: Int?
    public var endOfTurnId: Int?
    public var endOfMessageId: Int?
    public var unknownId: Int?
    public var paddingId: Int?
    public var addBos: Bool?
    public var addEos: Bool?

    public init(model: String, pre: String?, tokens: [String], tokenTypes: [Int]?, merges: [String]) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.merges = merges
    }

    /// llama.cpp's token types.
    enum TokenType {
        static let control = 3
        static let userDefined = 4
    }

    /// How llama.cpp tokenizes for one `tokenizer.ggml.pre` name.
    struct PreTokenizerProfile {
        var preTokenizer: PreTokenizer
        /// Llama-3's `ignore_merges`: a pre-token that is a whole vocabulary entry is not merged.
        var ignoreMerges = false
        /// Whether BOS is added when the file has no `tokenizer.ggml.add_bos_token`.
        var addsBosByDefault = false
    }

    static func profile(named name: String?) throws(TokenizerError) -> PreTokenizerProfile {
        switch name {
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano":
            return PreTokenizerProfile(preTokenizer: PreTokenizer(rule: .llama3), ignoreMerges: true, addsBosByDefault: true)
        case "smaug-bpe", "dbrx":
            return PreTokenizerProfile(preTokenizer: PreTokenizer(rule: .llama3))
        case "qwen2", "deepseek-r1-qwen", "megrez":
            return PreTokenizerProfile(preTokenizer: PreTokenizer(rule: .qwen2))
        case "smollm", "starcoder", "refact", "codeshell", "command-r":
            return PreTokenizerProfile(preTokenizer: PreTokenizer(numberIsolation: .individually, rule: .gpt2))
        case "gpt2", "gpt-2", "phi-2", "olmo", "mpt", "jais", nil:
            return PreTokenizerProfile(preTokenizer: PreTokenizer(rule: .gpt2))
        case let other?:
            throw .unsupportedGGUFPreTokenizer(name: other)
        }
    }

    func description() throws(TokenizerError) -> TokenizerDescription {
        guard model == "gpt2" else { throw .unsupportedGGUFTokenizer(model: model) }
        // A token written outside the byte-level alphabet is respelled in it, as transformers does.
        let vocabulary = tokens.enumerated().map { id, token in
            (ByteLevelAlphabet.bytes(spelledBy: token) != nil ? token : ByteLevelAlphabet.spelling(of: token.utf8), Int32(id))
        }
        let mergePairs = try merges.map { line throws(TokenizerError) -> (String, String) in
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw .invalidGGUF(path: "tokenizer.ggml.merges", reason: "merge \"\(line)\" is not two tokens") }
            return (String(parts[0]), String(parts[1]))
        }
        var description = TokenizerDescription(vocabulary: vocabulary, merges: mergePairs)
        let profile = try Self.profile(named: pre)
        description.preTokenizer = profile.preTokenizer
        description.ignoreMerges = profile.ignoreMerges
        description.addedTokens = addedTokens()
        description.bosId = bosId.map(Int32.init)
        description.eosId = eosId.map(Int32.init)
        description.declaredEndOfTurnIds = [endOfTurnId, endOfMessageId].compactMap { $0.map(Int32.init) }
        if addBos ?? profile.addsBosByDefault, let bosId { description.prefixIds = [Int32(bosId)] }
        if addEos == true, let eosId { description.suffixIds = [Int32(eosId)] }
        return description
    }

    /// Control tokens become special added tokens and user-defined ones plain added tokens, so
    /// both are matched whole in the text. A control token spelled outside the byte-level
    /// alphabet is a conversion mislabel and is left out, as transformers does (it also skips
    /// such user-defined ones, which its vocabulary does not hold under that spelling).
    private func addedTokens() -> [AddedToken] {
        guard let tokenTypes else { return [] }
        var added: [AddedToken] = []
        for (id, (token, type)) in zip(tokens, tokenTypes).enumerated() {
            let inAlphabet = ByteLevelAlphabet.bytes(spelledBy: token) != nil
            if type == TokenType.control, inAlphabet {
                added.append(AddedToken(id: Int32(id), content: token, special: true))
            } else if type == TokenType.userDefined, inAlphabet {
                added.append(AddedToken(id: Int32(id), content: token, special: false))
            }
        }
        return added
    }
}
