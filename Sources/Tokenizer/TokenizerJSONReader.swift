// Turns a parsed tokenizer.json into a TokenizerDescription, accepting exactly the components
// byte-level BPE files use and naming anything else in a typed error.

enum TokenizerJSONReader {
    static func description(of file: TokenizerJSON) throws(TokenizerError) -> TokenizerDescription {
        let model = file.model
        if let type = model.type, type != "BPE" { throw .unsupportedModel(type: type) }
        let options = model.options
        if case .number(let dropout)? = options["dropout"], dropout > 0 {
            throw .unsupportedComponent(kind: "BPE option", description: "dropout \(dropout)")
        }
        for name in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = options[name]?.string, !value.isEmpty {
                throw .unsupportedComponent(kind: "BPE option", description: "\(name) \"\(value)\"")
            }
        }
        var description = TokenizerDescription(vocabulary: model.vocabulary, merges: model.merges)
        description.ignoreMerges = options["ignore_merges"]?.bool ?? false
        description.byteFallback = options["byte_fallback"]?.bool ?? false
        description.unknownToken = options["unk_token"]?.string
        description.fuseUnknown = options["fuse_unk"]?.bool ?? false
        description.addedTokens = file.addedTokens.map { entry in
            AddedToken(
                id: entry.id, content: entry.content, special: entry.special,
                // Hugging Face's default: special tokens match the raw text, others the normalized.
                normalized: entry.normalized ?? !entry.special,
                leftStrip: entry.leftStrip ?? false, rightStrip: entry.rightStrip ?? false,
                singleWord: entry.singleWord ?? false)
        }
        description.normalizer = try normalizer(file.normalizer)
        description.preTokenizer = try preTokenizer(file.preTokenizer)
        let addedIds = Dictionary(description.addedTokens.map { ($0.content, $0.id) }, uniquingKeysWith: { $1 })
        // Template tokens are nearly always added tokens; the vocabulary scan is the rare fallback.
        let lookup = { (name: String) -> Int32? in
            addedIds[name] ?? model.vocabulary.first(where: { $0.0 == name })?.1
        }
        (description.prefixIds, description.suffixIds) = try postProcessor(file.postProcessor, lookup: lookup)
        try checkDecoder(file.decoder)
        return description
    }

    static func normalizer(_ value: JSONValue) throws(TokenizerError) -> TextNormalizer {
        switch value.type {
        case nil where value.isNull: return .none
        case "NFC": return .nfc
        case "Sequence":
            let steps = value["normalizers"]?.array ?? []
            var result = TextNormalizer.none
            for step in steps {
                let normalizer = try normalizer(step)
                guard normalizer != .none else { continue }
                // One NFC step is all the supported files use; chains of several are not implemented.
                guard result == .none else { throw .unsupportedComponent(kind: "normalizer", description: value.summary) }
                result = normalizer
            }
            return result
        default: throw .unsupportedComponent(kind: "normalizer", description: value.summary)
        }
    }

    static func preTokenizer(_ value: JSONValue) throws(TokenizerError) -> PreTokenizer {
        let steps = value.type == "Sequence" ? value["pretokenizers"]?.array ?? [] : [value]
        var result = PreTokenizer()
        var sawByteLevel = false
        for step in steps {
            let unsupported = TokenizerError.unsupportedComponent(kind: "pre-tokenizer", description: step.summary)
            // Each step must come in the order Digits → Split → ByteLevel that the pipeline applies.
            switch step.type {
            case "Digits":
                guard result.numberIsolation == nil, result.rule == nil, !sawByteLevel else { throw unsupported }
                result.numberIsolation = step["individual_digits"]?.bool == true ? .individually : .runs
            case "Split":
                guard result.rule == nil, !sawByteLevel, step["behavior"]?.string == "Isolated",
                    step["invert"]?.bool != true
                else { throw unsupported }
                guard let regex = step["pattern"]?["Regex"]?.string else { throw unsupported }
                guard let rule = SplitRule(regex: regex) else { throw .unsupportedSplitRegex(regex) }
                result.rule = rule
            case "ByteLevel":
                guard !sawByteLevel else { throw unsupported }
                sawByteLevel = true
                if step["use_regex"]?.bool ?? true {
                    guard result.rule == nil else { throw unsupported }
                    result.rule = .gpt2
                }
                if step["add_prefix_space"]?.bool ?? true {
                    // Hugging Face adds it to every piece reaching ByteLevel; only the case
                    // where ByteLevel sees whole segments (it is the only step) is supported.
                    guard steps.count == 1 else { throw unsupported }
                    result.addPrefixSpace = true
                }
            default:
                throw unsupported
            }
        }
        guard sawByteLevel else {
            throw .unsupportedComponent(kind: "pre-tokenizer without ByteLevel", description: value.summary)
        }
        return result
    }

    /// The ids the post-processor adds before and after a single sequence.
    static func postProcessor(_ value: JSONValue, lookup: (String) -> Int32?) throws(TokenizerError) -> ([Int32], [Int32]) {
        switch value.type {
        case nil where value.isNull: return ([], [])
        case "ByteLevel": return ([], [])  // it only adjusts offsets
        case "Sequence":
            var prefix: [Int32] = []
            var suffix: [Int32] = []
            for step in value["processors"]?.array ?? [] {
                let (before, after) = try postProcessor(step, lookup: lookup)
                prefix = before + prefix
                suffix += after
            }
            return (prefix, suffix)
        case "TemplateProcessing":
            return try template(value, lookup: lookup)
        default:
            throw .unsupportedComponent(kind: "post-processor", description: value.summary)
        }
    }

    private static func template(_ value: JSONValue, lookup: (String) -> Int32?) throws(TokenizerError) -> ([Int32], [Int32]) {
        var prefix: [Int32] = []
        var suffix: [Int32] = []
        var sawSequence = false
        for item in value["single"]?.array ?? [] {
            if item["Sequence"] != nil {
                sawSequence = true
                continue
            }
            guard let name = item["SpecialToken"]?["id"]?.string else {
                throw .unsupportedComponent(kind: "template item", description: item.summary)
            }
            // The template's own table gives the ids; fall back on the vocabulary.
            let declared = value["special_tokens"]?[name]?["ids"]?.array?.compactMap(\.int).map(Int32.init)
            guard let ids = declared ?? lookup(name).map({ [$0] }) else { throw .specialTokenNotInVocabulary(name) }
            if sawSequence { suffix += ids } else { prefix += ids }
        }
        return (prefix, suffix)
    }

    static func checkDecoder(_ value: JSONValue) throws(TokenizerError) {
        switch value.type {
        case "ByteLevel": return
        case "Sequence" where (value["decoders"]?.array ?? []).allSatisfy({ $0.type == "ByteLevel" }): return
        default: throw .unsupportedComponent(kind: "decoder", description: value.summary)
        }
    }
}
