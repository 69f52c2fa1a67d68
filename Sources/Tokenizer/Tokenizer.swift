// Byte-level BPE tokenizers loaded from tokenizer.json or GGUF metadata: encoding (added
// tokens, normalizer, pre-tokenizer, BPE, post-processor) and decoding.

/// A byte-level BPE tokenizer. Immutable and safe to share between threads; encoding memoises
/// pre-tokens in a shared cache.
public final class Tokenizer: Sendable {
    let model: BytePairModel
    let rawAddedTokens: AddedTokenMatcher
    let normalizedAddedTokens: AddedTokenMatcher
    let normalizer: TextNormalizer
    let preTokenizer: PreTokenizer
    let prefixIds: [Int32]
    let suffixIds: [Int32]
    /// The bytes each id decodes to; ids that name no token have none and decode to nothing.
    let bytesForId: [[UInt8]?]
    let isSpecialId: [Bool]
    let tokenForId: [String?]
    /// Model vocabulary and added tokens; an added token wins over a model entry spelled alike.
    let idForToken: TokenTable
    let cache = PreTokenCache()

    /// One more than the largest token id (model vocabulary and added tokens together).
    public var vocabularySize: Int { tokenForId.count }
    public let specialTokens: SpecialTokenIds

    init(_ description: TokenizerDescription) throws(TokenizerError) {
        var vocabulary = TokenTable(minimumCapacity: description.vocabulary.count)
        for (token, id) in description.vocabulary { vocabulary.insert(token, id: id) }
        var unknown = BytePairModel.UnknownHandling()
        if description.byteFallback {
            let ids = (0..<256).map { vocabulary.id(ByteFallback.tokenName(for: UInt8($0))) ?? -1 }
            if ids.contains(where: { $0 >= 0 }) { unknown.byteFallbackIds = ids }
        }
        unknown.unknownId = description.unknownToken.flatMap { vocabulary.id($0) }
        unknown.fuseUnknown = description.fuseUnknown
        model = try BytePairModel(
            vocabulary: vocabulary, spellings: description.vocabulary, merges: description.merges,
            ignoreMerges: description.ignoreMerges, unknown: unknown)
        rawAddedTokens = AddedTokenMatcher(description.addedTokens.filter { !$0.normalized })
        normalizedAddedTokens = AddedTokenMatcher(description.addedTokens.filter { $0.normalized })
        normalizer = description.normalizer
        preTokenizer = description.preTokenizer
        prefixIds = description.prefixIds
        suffixIds = description.suffixIds

        var idForToken = vocabulary
        for token in description.addedTokens { idForToken.insert(token.content, id: token.id) }
        let largestId = (description.vocabulary.map(\.1) + description.addedTokens.map(\.id)).max() ?? -1
        var tokenForId = [String?](repeating: nil, count: Int(largestId) + 1)
        for (token, id) in description.vocabulary { tokenForId[Int(id)] = token }
        var isSpecialId = [Bool](repeating: false, count: tokenForId.count)
        for token in description.addedTokens {
            // Decoding prefers the added token's text over the model's entry for the same id.
            tokenForId[Int(token.id)] = token.content
            isSpecialId[Int(token.id)] = token.special
        }
        self.tokenForId = tokenForId
        self.idForToken = idForToken
        self.isSpecialId = isSpecialId
        bytesForId = tokenForId.map { token in token.map(ByteLevelDecoding.bytes(for:)) }
        specialTokens = SpecialTokenResolver(description: description, idForToken: idForToken).resolve()
    }

    /// The id of a token spelled as in the vocabulary file (e.g. "<|im_end|>" or "Ġthe").
    public func tokenId(for token: String) -> Int32? { idForToken.id(token) }

    /// The vocabulary spelling of an id (e.g. "Ġthe"), or nil for an id that names no token.
    public func token(for id: Int32) -> String? {
        id >= 0 && Int(id) < tokenForId.count ? tokenForId[Int(id)] : nil
    }

    public func isSpecial(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < isSpecialId.count && isSpecialId[Int(id)]
    }

    /// Token ids of `text`. Added and special tokens written in the text are always matched
    /// whole; `addSpecialTokens` adds what the post-processor adds (e.g. BOS).
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        if addSpecialTokens { ids.append(contentsOf: prefixIds) }
        var text = text
        text.withUTF8 { utf8 in
            var encoder = SegmentEncoder(tokenizer: self)
            encoder.encode(utf8, ids: &ids)
        }
        if addSpecialTokens { ids.append(contentsOf: suffixIds) }
        return ids
    }

    /// The text of `ids`. Ids that name no token are ignored; special tokens are dropped when
    /// `skipSpecialTokens` is set. Bytes that do not form UTF-8 become U+FFFD.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids { appendBytes(of: id, skipSpecialTokens: skipSpecialTokens, to: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A streaming decoder over this tokenizer.
    public func makeIncrementalDetokenizer(skipSpecialTokens: Bool = false) -> IncrementalDetokenizer {
        IncrementalDetokenizer(tokenizer: self, skipSpecialTokens: skipSpecialTokens)
    }

    func appendBytes(of id: Int32, skipSpecialTokens: Bool, to bytes: inout [UInt8]) {
        guard id >= 0, Int(id) < bytesForId.count, let tokenBytes = bytesForId[Int(id)] else { return }
        if skipSpecialTokens && isSpecialId[Int(id)] { return }
        bytes.append(contentsOf: tokenBytes)
    }
}

/// Hugging Face's ByteLevel decoder, one token at a time: a token wholly spelled in the
/// byte-level alphabet decodes to the bytes it spells; any other (e.g. an added token with a
/// space in it) decodes to its own UTF-8.
enum ByteLevelDecoding {
    static func bytes(for token: String) -> [UInt8] {
        ByteLevelAlphabet.bytes(spelledBy: token) ?? Array(token.utf8)
    }
}

/// `<0x00>`…`<0xFF>`: the tokens byte fallback uses.
enum ByteFallback {
    static func tokenName(for byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
    }
}
