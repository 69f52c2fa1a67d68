// The two merge implementations agree with each other, and merging follows rank order.
import Testing
@testable import Tokenizer

struct BPEMergingTests {
    @Test func lowerRankMergesFirstAndLeftmostWinsTies() throws {
        // "ab" outranks "bc", so "abc" → "ab" "c"; among equal pairs the leftmost merges first.
        let tokenizer = try SyntheticTokenizer.make(merges: [("a", "b"), ("b", "c"), ("a", "a")])
        let ab = try #require(tokenizer.tokenId(for: "ab"))
        let aa = try #require(tokenizer.tokenId(for: "aa"))
        #expect(tokenizer.encode("abc") == [ab, Int32(UInt8(ascii: "c"))])
        #expect(tokenizer.encode("aaa") == [aa, Int32(UInt8(ascii: "a"))])
    }

    @Test func heapAndScanningMergeIdentically() throws {
        let letters = ["a", "b", "c", "d"]
        var merges: [(String, String)] = []
        for left in letters { for right in letters { merges.append((left, right)) } }
        merges += [("ab", "cd"), ("aa", "bb"), ("abcd", "a"), ("cc", "dd"), ("ba", "dc")]
        let tokenizer = try SyntheticTokenizer.make(merges: merges.shuffled(using: &SeededGenerator.fixed))
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            let length = Int.random(in: 2...300, using: &generator)
            let word = (0..<length).map { _ in Int32(UInt8(ascii: "a") + UInt8.random(in: 0..<4, using: &generator)) }
            var scanned = word
            var heaped = word
            BPEMerging.mergeByScanning(&scanned, tokenizer.model.merges)
            BPEMerging.mergeWithHeap(&heaped, tokenizer.model.merges)
            #expect(scanned == heaped)
        }
    }
}

/// A small deterministic generator (SplitMix64) so property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    nonisolated(unsafe) static var fixed = SeededGenerator(seed: 42)
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
