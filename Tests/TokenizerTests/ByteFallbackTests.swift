// A vocabulary missing some byte tokens: byte fallback to <0xXX> tokens, else the unknown
// token (fused per pre-token), else nothing — the ids Hugging Face's BPE gives for the same
// vocabulary (x AA b → [120, 452, 416, 321, 321, 452, 416, 98] / [120, 512, 512, 98] / [120, 98]).
import Foundation
import Testing
@testable import Tokenizer

struct ByteFallbackTests {
    /// Byte tokens 0–255 without space (spelled Ġ) and "A", then <0x00>…<0xFF> as 256–511, then <unk>.
    func tokenizer(byteFallback: Bool, unknown: String?) throws -> Tokenizer {
        var entries = (0..<256).filter { $0 != 0x20 && $0 != 0x41 }.map {
            "\"\(SyntheticTokenizer.jsonEscaped(String(ByteLevelAlphabet.scalarForByte[$0])))\": \($0)"
        }
        entries += (0..<256).map { "\"\(ByteFallback.tokenName(for: UInt8($0)))\": \(256 + $0)" }
        entries.append("\"<unk>\": 512")
        let unknownField = unknown.map { "\"\($0)\"" } ?? "null"
        let json = """
            {"added_tokens": [], "normalizer": null, "pre_tokenizer": \(SyntheticTokenizer.gpt2ByteLevel),
             "post_processor": null, "decoder": {"type": "ByteLevel"},
             "model": {"type": "BPE", "unk_token": \(unknownField), "fuse_unk": true, "byte_fallback": \(byteFallback),
                       "vocab": {\(entries.joined(separator: ", "))}, "merges": []}}
            """
        return try Tokenizer(tokenizerJSON: Data(json.utf8))
    }

    @Test func fallsBackOnTheBytesOfTheMissingSpelling() throws {
        #expect(try tokenizer(byteFallback: true, unknown: nil).encode("x AA b") == [120, 452, 416, 321, 321, 452, 416, 98])
    }

    @Test func elseUsesTheUnknownTokenFusedPerPreToken() throws {
        #expect(try tokenizer(byteFallback: false, unknown: "<unk>").encode("x AA b") == [120, 512, 512, 98])
    }

    @Test func elseDropsTheByte() throws {
        #expect(try tokenizer(byteFallback: false, unknown: nil).encode("x AA b") == [120, 98])
    }
}
