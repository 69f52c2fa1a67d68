// Small tokenizer.json files built in the tests, for behaviour the real vocabularies do not
// isolate well (templates, added-token flags, byte fallback, merge order).
import Foundation
@testable import Tokenizer

enum SyntheticTokenizer {
    static let llama3Split = #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "\#(jsonEscaped(SplitRule.llama3Pattern))"}, "behavior": "Isolated", "invert": false}, {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}"#
    static let gpt2ByteLevel = #"{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}"#

    /// A byte-level tokenizer whose vocabulary is the 256 byte tokens (ids 0–255 in byte order),
    /// then one token per merge, in order.
    static func json(
        merges: [(String, String)] = [], addedTokens: [String] = [], preTokenizer: String = gpt2ByteLevel,
        postProcessor: String = "null", normalizer: String = "null", extraModelFields: String = ""
    ) -> Data {
        var vocabulary: [(String, Int)] = (0..<256).map { (String(ByteLevelAlphabet.scalarForByte[$0]), $0) }
        for (left, right) in merges where !vocabulary.contains(where: { $0.0 == left + right }) {
            vocabulary.append((left + right, vocabulary.count))
        }
        let vocab = vocabulary.map { "\"\(jsonEscaped($0.0))\": \($0.1)" }.joined(separator: ", ")
        let mergeList = merges.map { "[\"\(jsonEscaped($0.0))\", \"\(jsonEscaped($0.1))\"]" }.joined(separator: ", ")
        let added = addedTokens.enumerated().map { index, entry in
            entry.replacingOccurrences(of: "ID", with: String(vocabulary.count + index))
        }.joined(separator: ", ")
        return Data("""
            {"version": "1.0", "added_tokens": [\(added)], "normalizer": \(normalizer),
             "pre_tokenizer": \(preTokenizer), "post_processor": \(postProcessor),
             "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
             "model": {"type": "BPE", "dropout": null, "unk_token": null, "fuse_unk": false,
                       "byte_fallback": false\(extraModelFields), "vocab": {\(vocab)}, "merges": [\(mergeList)]}}
            """.utf8)
    }

    static func make(
        merges: [(String, String)] = [], addedTokens: [String] = [], preTokenizer: String = gpt2ByteLevel,
        postProcessor: String = "null", normalizer: String = "null"
    ) throws -> Tokenizer {
        try Tokenizer(tokenizerJSON: json(
            merges: merges, addedTokens: addedTokens, preTokenizer: preTokenizer,
            postProcessor: postProcessor, normalizer: normalizer))
    }

    static func addedToken(
        _ content: String, special: Bool = true, lstrip: Bool = false, rstrip: Bool = false, singleWord: Bool = false
    ) -> String {
        """
        {"id": ID, "content": "\(jsonEscaped(content))", "single_word": \(singleWord), "lstrip": \(lstrip), \
        "rstrip": \(rstrip), "normalized": false, "special": \(special)}
        """
    }

    static func jsonEscaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
