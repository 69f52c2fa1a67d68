// `flashserve tokenize`: the token ids of a text, for checking a tokenizer by hand.
import ArgumentParser
import Foundation
import Tokenizer

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text.",
        discussion: "Added and special tokens written in the text (e.g. <|im_start|>) are matched whole.")

    @Option(help: "A tokenizer.json, a model folder that holds one, or a GGUF file.")
    var tokenizer: String

    @Option(help: "Read the text from this file instead of the argument.")
    var file: String?

    @Flag(help: "Print the ids as a JSON array.")
    var json = false

    @Flag(help: "Do not add what the tokenizer's post-processor adds (e.g. BOS).")
    var noSpecialTokens = false

    @Argument(help: "The text to tokenize.")
    var text: String?

    func validate() throws {
        guard (text == nil) != (file == nil) else {
            throw ValidationError("Give the text either as an argument or with --file, not both or neither.")
        }
    }

    func run() throws {
        let input: String
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("Cannot read \(file); check the path.")
            }
            input = String(decoding: data, as: UTF8.self)
        } else {
            input = text ?? ""
        }
        let ids = try Tokenizer.load(path: tokenizer).encode(input, addSpecialTokens: !noSpecialTokens)
        let numbers = ids.map(String.init)
        print(json ? "[" + numbers.joined(separator: ", ") + "]" : numbers.joined(separator: " "))
    }
}
