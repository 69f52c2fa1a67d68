// Streaming decoding never emits part of a character, and always adds up to the whole decode.
import Testing
@testable import Tokenizer

struct IncrementalDetokenizerTests {
    @Test func holdsBackBytesUntilTheCharacterIsComplete() throws {
        let tokenizer = try SyntheticTokenizer.make()
        var stream = tokenizer.makeIncrementalDetokenizer()
        // 😀 is F0 9F 98 80; with a byte-only vocabulary each byte is its own token.
        #expect([0xF0, 0x9F, 0x98].map { stream.feed(Int32($0)) } == ["", "", ""])
        #expect(stream.feed(0x80) == "😀")
        #expect(stream.feed(Int32(UInt8(ascii: "!"))) == "!")
        #expect(stream.finish() == "")
    }

    @Test func brokenSequencesDecodeAsTheWholeDecodeDoes() throws {
        let tokenizer = try SyntheticTokenizer.make()
        let ids: [Int32] = [0xE2, 0x82, 0x41, 0x80, 0xF0, 0x9F]
        var stream = tokenizer.makeIncrementalDetokenizer()
        let parts = ids.map { stream.feed($0) } + [stream.finish()]
        #expect(parts.joined() == tokenizer.decode(ids))
        #expect(parts.joined() == "\u{FFFD}A\u{FFFD}\u{FFFD}")
    }

    @Test func randomByteStreamsMatchWholeDecoding() throws {
        let tokenizer = try SyntheticTokenizer.make()
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<2000 {
            let ids = (0..<Int.random(in: 1...16, using: &generator)).map { _ in
                // Mostly bytes that start or continue multi-byte characters.
                Int32.random(in: 0x7E...0xF5, using: &generator)
            }
            let whole = tokenizer.decode(ids)
            var stream = tokenizer.makeIncrementalDetokenizer()
            var streamed = ""
            for id in ids {
                streamed += stream.feed(id)
                // What was emitted is final: a prefix (scalar by scalar) of the whole decode.
                #expect(whole.unicodeScalars.starts(with: streamed.unicodeScalars))
            }
            streamed += stream.finish()
            #expect(Array(streamed.unicodeScalars) == Array(whole.unicodeScalars))
        }
    }
}
