// `flashserve detokenize`: the text of token ids, the inverse of `flashserve tokenize`.
import ArgumentParser
import Tokenizer

struct DetokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detokenize",
        abstract: "Print the text of token ids.",
        discussion: "Ids that name no token are ignored; bytes that are not UTF-8 print as U+FFFD.")

    @Option(help: "A tokenizer.json, a model folder that holds one, or a GGUF file.")
    var tokenizer: String

    @Flag(help: "Leave special tokens (e.g. <|im_end|>) out of the text.")
    var skipSpecialTokens = false

    @Argument(help: "The token ids.")
    var ids: [Int32]

    func run() throws {
        print(try Tokenizer.load(path: tokenizer).decode(ids, skipSpecialTokens: skipSpecialTokens))
    }
}
