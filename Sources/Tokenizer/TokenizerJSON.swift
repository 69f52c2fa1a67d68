// The shape of a Hugging Face tokenizer.json: the BPE model is decoded into typed fields
// (its vocabulary is large), the pipeline components as JSON values read by `type`.

struct TokenizerJSON: Decodable {
    struct AddedTokenEntry: Decodable {
        var id: Int32
        var content: String
        var special: Bool
        var normalized: Bool?
        var lstrip: Bool?
        var rstrip: Bool?
        var single_word: Bool?
    }

    struct Model: Decodable {
        var type: String?
        var vocab: [String: Int32]
        var merges: [(String, String)]
        var unk_token: String?
        var byte_fallback: Bool?
        var fuse_unk: Bool?
        var ignore_merges: Bool?
        var continuing_subword_prefix: String?
        var end_of_word_suffix: String?
        var dropout: Double?

        enum CodingKeys: String, CodingKey {
            case type, vocab, merges, unk_token, byte_fallback, fuse_unk, ignore_merges
            case continuing_subword_prefix, end_of_word_suffix, dropout
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decodeIfPresent(String.self, forKey: .type)
            vocab = try container.decode([String: Int32].self, forKey: .vocab)
            // Older files write a merge as "a b", newer ones as ["a", "b"].
            if let pairs = try? container.decode([[String]].self, forKey: .merges) {
                merges = try pairs.map { pair in
                    guard pair.count == 2 else {
                        throw DecodingError.dataCorruptedError(
                            forKey: .merges, in: container, debugDescription: "a merge has \(pair.count) parts, not 2")
                    }
                    return (pair[0], pair[1])
                }
            } else {
                let lines = try container.decodeIfPresent([String].self, forKey: .merges) ?? []
                merges = try lines.map { line in
                    let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                    guard parts.count == 2 else {
                        throw DecodingError.dataCorruptedError(
                            forKey: .merges, in: container, debugDescription: "merge \"\(line)\" is not two tokens")
                    }
                    return (String(parts[0]), String(parts[1]))
                }
            }
            unk_token = try container.decodeIfPresent(String.self, forKey: .unk_token)
            byte_fallback = try container.decodeIfPresent(Bool.self, forKey: .byte_fallback)
            fuse_unk = try container.decodeIfPresent(Bool.self, forKey: .fuse_unk)
            ignore_merges = try container.decodeIfPresent(Bool.self, forKey: .ignore_merges)
            continuing_subword_prefix = try container.decodeIfPresent(String.self, forKey: .continuing_subword_prefix)
            end_of_word_suffix = try container.decodeIfPresent(String.self, forKey: .end_of_word_suffix)
            dropout = try container.decodeIfPresent(Double.self, forKey: .dropout)
        }
    }

    var added_tokens: [AddedTokenEntry]?
    var normalizer: JSONValue?
    var pre_tokenizer: JSONValue?
    var post_processor: JSONValue?
    var decoder: JSONValue?
    var model: Model
}
