// Long inputs (100k+ characters) encode in time linear in their length, including the
// shapes that defeat the pre-token cache: one huge word, one huge whitespace run, digits.
import Foundation
import Testing
@testable import Tokenizer

struct LinearityTests {
    static let shapes: [(name: String, unit: String)] = [
        ("one letter run", "a"), ("CJK run", "中"), ("spaces", " "), ("newlines and spaces", "\n "),
        ("digits", "7"), ("words", "lorem ipsum dolor "), ("punctuation", "!?"),
    ]

    func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    @Test func encodingTimeGrowsLinearly() throws {
        let tokenizer = try SyntheticTokenizer.make(
            merges: [("a", "a"), ("aa", "aa"), ("ä", "¸"), ("Ġ", "Ġ"), ("7", "7")], preTokenizer: SyntheticTokenizer.llama3Split)
        for (name, unit) in Self.shapes {
            let short = String(repeating: unit, count: 100_000 / unit.count)
            let long = String(repeating: unit, count: 400_000 / unit.count)
            let shortTime = seconds { _ = tokenizer.encode(short) }
            let longTime = seconds { _ = tokenizer.encode(long) }
            // 4× the input: linear is ~4×, n log n a little more, quadratic 16×. The margin
            // absorbs a busy machine.
            #expect(longTime / shortTime < 9, "\(name): 100k chars \(shortTime)s, 400k chars \(longTime)s")
        }
    }
}
