// Encoding and decoding rules on small synthetic tokenizers: post-processor templates, added
// tokens and their flags, normalization, decoding of odd ids, and typed loading errors.
import Foundation
import Testing
@testable import Tokenizer

struct TokenizerBehaviourTests {
    @Test func templateProcessingAddsBOSOnlyWhenAsked() throws {
        let template = """
            {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, \
            {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}], \
            "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [256], "tokens": ["<s>"]}, \
            "</s>": {"id": "</s>", "ids": [257], "tokens": ["</s>"]}}}
            """
        let tokenizer = try SyntheticTokenizer.make(
            addedTokens: [SyntheticTokenizer.addedToken("<s>"), SyntheticTokenizer.addedToken("</s>")],
            postProcessor: template)
        #expect(tokenizer.encode("hi", addSpecialTokens: true) == [256, 104, 105, 257])
        #expect(tokenizer.encode("hi", addSpecialTokens: false) == [104, 105])
        #expect(tokenizer.specialTokens.bos == 256)
        #expect(tokenizer.specialTokens.eos == 257)
    }

    @Test func addedTokensMatchLongestFirstAndAreNeverSplit() throws {
        let tokenizer = try SyntheticTokenizer.make(addedTokens: [
            SyntheticTokenizer.addedToken("<a>"), SyntheticTokenizer.addedToken("<a><b>", special: false),
        ])
        #expect(tokenizer.encode("x<a><b>y<a>") == [120, 257, 121, 256])
        #expect(tokenizer.decode([120, 257, 256], skipSpecialTokens: true) == "x<a><b>")
        #expect(tokenizer.decode([120, 257, 256], skipSpecialTokens: false) == "x<a><b><a>")
    }

    @Test func stripFlagsSwallowNeighbouringWhitespace() throws {
        let tokenizer = try SyntheticTokenizer.make(addedTokens: [
            SyntheticTokenizer.addedToken("<L>", lstrip: true), SyntheticTokenizer.addedToken("<R>", rstrip: true),
        ])
        // Expected ids from Hugging Face `tokenizers` with the same flags.
        #expect(tokenizer.encode("a  <L>b") == [97, 256, 98])
        #expect(tokenizer.encode("a<R> \n b") == [97, 257, 98])
        #expect(tokenizer.encode("<R>  <L>") == [257, 256])
        #expect(tokenizer.encode(" \u{3000}<L>x") == [256, 120])
        #expect(tokenizer.encode("x<R>\u{A0}\u{2028}y") == [120, 257, 121])
    }

    /// Expected ids from Hugging Face `tokenizers` with the same single-word token.
    @Test func singleWordTokensMatchOnlyBetweenNonWordCharacters() throws {
        let tokenizer = try SyntheticTokenizer.make(addedTokens: [SyntheticTokenizer.addedToken("<x>", singleWord: true)])
        let expected: [(String, [Int32])] = [
            ("a<x>b", [97, 60, 120, 62, 98]), (" <x> ", [32, 256, 32]), ("_<x>", [95, 60, 120, 62]), ("<x>", [256]),
            ("é<x>", [195, 169, 60, 120, 62]), ("1<x>", [49, 60, 120, 62]), ("-<x>-", [45, 256, 45]),
            ("<x><x>", [256, 256]), ("\u{301}<x>", [204, 129, 60, 120, 62]),
        ]
        for (text, ids) in expected { #expect(tokenizer.encode(text) == ids, "\(text.debugDescription)") }
    }

    @Test func nfcNormalizerAppliesOutsideAddedTokens() throws {
        let tokenizer = try SyntheticTokenizer.make(
            addedTokens: [SyntheticTokenizer.addedToken("e\u{301}!")], normalizer: #"{"type": "NFC"}"#)
        // Decomposed é in plain text becomes the precomposed scalar (UTF-8 C3 A9)...
        #expect(tokenizer.encode("e\u{301}") == [0xC3, 0xA9].map { Int32($0) })
        // ...but an added token is matched in the raw text, before normalization.
        #expect(tokenizer.encode("e\u{301}!") == [256])
    }

    @Test func decodingIgnoresUnknownIdsAndReplacesBrokenUTF8() throws {
        let tokenizer = try SyntheticTokenizer.make()
        #expect(tokenizer.decode([104, -1, 999_999, 105]) == "hi")
        #expect(tokenizer.decode([0xE2, 0x82, 104]) == "\u{FFFD}h")
        #expect(tokenizer.decode([0xF0, 0x9F, 0x98, 0x80]) == "😀")
    }

    @Test func unsupportedComponentsAreNamed() throws {
        #expect(throws: TokenizerError.unsupportedComponent(kind: "normalizer", description: #"{type: "Lowercase"}"#)) {
            try SyntheticTokenizer.make(normalizer: #"{"type": "Lowercase"}"#)
        }
        let customSplit = #"{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Isolated", "invert": false}, {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]}"#
        #expect(throws: TokenizerError.unsupportedSplitRegex(#"\s+"#)) { try SyntheticTokenizer.make(preTokenizer: customSplit) }
        #expect(throws: TokenizerError.mergeResultNotInVocabulary(rank: 0, left: "a", right: "b")) {
            try Tokenizer(tokenizerJSON: Data(String(decoding: SyntheticTokenizer.json(merges: [("a", "b")]), as: UTF8.self)
                .replacingOccurrences(of: "\"ab\": 256", with: "\"zz\": 256").utf8))
        }
    }

    @Test func missingAndMalformedFilesGiveTypedErrors() throws {
        #expect(throws: TokenizerError.fileNotFound(path: "/nonexistent/tokenizer.json")) {
            try Tokenizer.load(path: "/nonexistent/tokenizer.json")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-test-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: TokenizerError.noTokenizerInFolder(path: folder.path)) { try Tokenizer.load(path: folder.path) }
        try Data("{not json".utf8).write(to: folder.appendingPathComponent("tokenizer.json"))
        #expect {
            try Tokenizer.load(path: folder.path)
        } throws: { error in
            if case .invalidTokenizerJSON = error as? TokenizerError { return true }
            return false
        }
    }

    @Test func modelFolderConfigNamesSpecialTokens() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizer-test-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = SyntheticTokenizer.json(addedTokens: [
            SyntheticTokenizer.addedToken("<start>"), SyntheticTokenizer.addedToken("<stop>"), SyntheticTokenizer.addedToken("<turn>"),
        ])
        try json.write(to: folder.appendingPathComponent("tokenizer.json"))
        try Data(#"{"bos_token": {"content": "<start>"}, "eos_token": "<stop>"}"#.utf8)
            .write(to: folder.appendingPathComponent("tokenizer_config.json"))
        try Data(#"{"eos_token_id": [257, 258]}"#.utf8).write(to: folder.appendingPathComponent("generation_config.json"))
        let tokenizer = try Tokenizer.load(path: folder.path)
        #expect(tokenizer.specialTokens.bos == 256)
        #expect(tokenizer.specialTokens.eos == 257)
        #expect(tokenizer.specialTokens.endOfTurn == [257, 258])
        #expect(tokenizer.vocabularySize == 259)
    }
}

struct ConcurrencyTests {
    /// The server encodes from many tasks at once through one tokenizer and its shared cache.
    @Test func concurrentEncodingGivesTheSameIds() async throws {
        let tokenizer = try SyntheticTokenizer.make(
            merges: [("h", "e"), ("he", "l"), ("l", "o"), ("Ġ", "w")], preTokenizer: SyntheticTokenizer.llama3Split)
        let texts = (0..<200).map { "hello world \($0) héllo\n\n" + String(repeating: "lo", count: $0 % 17) }
        let expected = texts.map { tokenizer.encode($0) }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { texts.indices.shuffled().allSatisfy { tokenizer.encode(texts[$0]) == expected[$0] } }
            }
            for try await matched in group { #expect(matched) }
        }
    }
}
