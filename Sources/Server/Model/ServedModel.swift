// What the server knows about the model it serves: its public name, its tokenizer, its chat
// template and the token ids that end a turn.
import ChatTemplate
import Foundation
import Tokenizer

public struct ServedModel: Sendable {
    /// The id clients send as `model` and GET /v1/models lists.
    public var name: String
    public var tokenizer: Tokenizer
    /// nil when the model carries none: /v1/chat/completions then answers 400.
    public var chatTemplate: ChatTemplate?
    /// Unix time the server started serving it (`created` in /v1/models).
    public var created: Int

    public init(name: String, tokenizer: Tokenizer, chatTemplate: ChatTemplate?, created: Int = Int(Date().timeIntervalSince1970)) {
        self.name = name
        self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate
        self.created = created
    }

    /// Loads the tokenizer and chat template of a model file or folder (a GGUF file, or a
    /// Hugging Face folder with tokenizer.json and tokenizer_config.json). `name` defaults to
    /// the file or folder name without its extension.
    public static func load(path: String, name: String? = nil) throws -> ServedModel {
        let tokenizer = try Tokenizer.load(path: path)
        let template = try ChatTemplateLocator.template(forModelAt: path)
        let base = URL(fileURLWithPath: path).lastPathComponent
        let defaultName = base.hasSuffix(".gguf") ? String(base.dropLast(5)) : base
        return ServedModel(name: name ?? defaultName, tokenizer: tokenizer, chatTemplate: template)
    }

    /// The ids generation stops on unless the client sets ignore_eos: EOS and end-of-turn.
    var endOfTurnIDs: Set<Int32> {
        var ids = Set(tokenizer.specialTokens.endOfTurn)
        if let eos = tokenizer.specialTokens.eos { ids.insert(eos) }
        return ids
    }

    /// The variables transformers passes every template besides the messages.
    var templateTokenVariables: [String: TemplateValue] {
        var variables: [String: TemplateValue] = [:]
        if let bos = tokenizer.specialTokens.bos, let text = tokenizer.token(for: bos) { variables["bos_token"] = .string(text) }
        if let eos = tokenizer.specialTokens.eos, let text = tokenizer.token(for: eos) { variables["eos_token"] = .string(text) }
        return variables
    }
}
