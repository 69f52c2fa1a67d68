// The hand-written scanners against splits worked out by hand from each regex.
import Testing
@testable import Tokenizer

struct PreTokenizerTests {
    /// The pieces `preTokenizer` cuts `text` into.
    func pieces(_ text: String, _ preTokenizer: PreTokenizer) -> [String] {
        var buffer = ScalarBuffer()
        var ranges: [Range<Int>] = []
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { utf8 in
            buffer.load(utf8, range: 0..<utf8.count)
            preTokenizer.split(buffer, into: &ranges)
        }
        return ranges.map { String(decoding: bytes[buffer.byteOffsets[$0.lowerBound]..<buffer.byteOffsets[$0.upperBound]], as: UTF8.self) }
    }

    @Test func llama3GroupsDigitsByThreeAndKeepsContractions() {
        let llama3 = PreTokenizer(rule: .llama3)
        #expect(pieces("I'm 12345 DON'T", llama3) == ["I", "'m", " ", "123", "45", " DON", "'T"])
        #expect(pieces("x'ſ", llama3) == ["x", "'ſ"])  // ſ case-folds to s
    }

    @Test func llama3WhitespaceAndNewlines() {
        let llama3 = PreTokenizer(rule: .llama3)
        #expect(pieces("a  \n\n  b", llama3) == ["a", "  \n\n", " ", " b"])
        #expect(pieces("x   ", llama3) == ["x", "   "])
        #expect(pieces("x   y", llama3) == ["x", "  ", " y"])
        #expect(pieces("\tword", llama3) == ["\tword"])
        #expect(pieces("\nword", llama3) == ["\n", "word"])
        #expect(pieces(" ...\n\nnext", llama3) == [" ...\n\n", "next"])
    }

    @Test func qwen2SplitsEveryDigit() {
        #expect(pieces("v2024", PreTokenizer(rule: .qwen2)) == ["v", "2", "0", "2", "4"])
    }

    @Test func gpt2KeepsNumberRunsAndCaseSensitiveContractions() {
        let gpt2 = PreTokenizer(rule: .gpt2)
        #expect(pieces("I'm 12345 DON'T", gpt2) == ["I", "'m", " 12345", " DON", "'", "T"])
        #expect(pieces("x   y", gpt2) == ["x", "  ", " y"])
        #expect(pieces("\tword", gpt2) == ["\t", "word"])
    }

    @Test func smollm2IsolatesEveryNumericScalarBeforeTheGPT2Split() {
        let smollm = PreTokenizer(numberIsolation: .individually, rule: .gpt2)
        #expect(pieces(" 123 ½x", smollm) == [" ", "1", "2", "3", " ", "½", "x"])
    }

    @Test func everyScalarLandsInExactlyOnePiece() {
        let text = "Hé\u{301}llo, 世界! 123\r\n\t  'LL 😀\u{200D}🔥 \u{0}\u{FFFD}"
        for rule in [SplitRule.llama3, .qwen2, .gpt2] {
            #expect(pieces(text, PreTokenizer(rule: rule)).joined() == text)
        }
    }
}
