// The parts of a Hugging Face tokenizer.json this tokenizer reads: the BPE model into typed
// fields (its vocabulary and merges straight into arrays), the pipeline components as JSON
// values inspected by their "type".

struct TokenizerJSON {
    struct AddedTokenEntry {
        var id: Int32
        var content: String
        var special: Bool
        var normalized: Bool?
        var leftStrip: Bool?
        var rightStrip: Bool?
        var singleWord: Bool?
    }

    struct Model {
        var type: String?
        /// (spelling, id) in file order.
        var vocabulary: [(String, Int32)] = []
        var merges: [(String, String)] = []
        /// Every other field (unk_token, byte_fallback, ignore_merges...).
        var options: [String: JSONValue] = [:]
    }

    var addedTokens: [AddedTokenEntry] = []
    var normalizer: JSONValue = .null
    var preTokenizer: JSONValue = .null
    var postProcessor: JSONValue = .null
    var decoder: JSONValue = .null
    var model = Model()

    init(utf8: UnsafeBufferPointer<UInt8>) throws(JSONParseError) {
        var parser = JSONParser(utf8)
        var sawModel = false
        try parser.readObject { parser, key throws(JSONParseError) in
            switch key {
            case "model":
                sawModel = true
                model = try Self.readModel(&parser)
            case "added_tokens":
                let offset = parser.position
                guard case .array(let entries) = try parser.readValue() else {
                    throw JSONParseError(message: "added_tokens is not an array", offset: offset)
                }
                addedTokens = try entries.map { entry throws(JSONParseError) in
                    guard let id = entry["id"]?.int, let content = entry["content"]?.string else {
                        throw JSONParseError(message: "an added token lacks its id or content", offset: offset)
                    }
                    return AddedTokenEntry(
                        id: Int32(id), content: content, special: entry["special"]?.bool ?? false,
                        normalized: entry["normalized"]?.bool, leftStrip: entry["lstrip"]?.bool,
                        rightStrip: entry["rstrip"]?.bool, singleWord: entry["single_word"]?.bool)
                }
            case "normalizer": normalizer = try parser.readValue()
            case "pre_tokenizer": preTokenizer = try parser.readValue()
            case "post_processor": postProcessor = try parser.readValue()
            case "decoder": decoder = try parser.readValue()
            default: _ = try parser.readValue()
            }
        }
        try parser.expectEnd()
        guard sawModel else { throw JSONParseError(message: "there is no \"model\"", offset: 0) }
    }

    private static func readModel(_ parser: inout JSONParser) throws(JSONParseError) -> Model {
        var model = Model()
        try parser.readObject { parser, key throws(JSONParseError) in
            switch key {
            case "vocab":
                try parser.readObject { parser, token throws(JSONParseError) in
                    model.vocabulary.append((token, Int32(try parser.readInt())))
                }
            case "merges":
                try parser.readArray { parser throws(JSONParseError) in model.merges.append(try readMerge(&parser)) }
            case "type":
                model.type = try parser.readValue().string
            default:
                model.options[key] = try parser.readValue()
            }
        }
        return model
    }

    /// Older files write a merge as "a b", newer ones as ["a", "b"].
    private static func readMerge(_ parser: inout JSONParser) throws(JSONParseError) -> (String, String) {
        let offset = parser.position
        if try parser.peek() == UInt8(ascii: "[") {
            var parts: [String] = []
            try parser.readArray { parser throws(JSONParseError) in parts.append(try parser.readString()) }
            guard parts.count == 2 else { throw JSONParseError(message: "a merge has \(parts.count) parts, not 2", offset: offset) }
            return (parts[0], parts[1])
        }
        let line = try parser.readString()
        let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw JSONParseError(message: "merge \"\(line)\" is not two tokens", offset: offset) }
        return (String(parts[0]), String(parts[1]))
    }
}
