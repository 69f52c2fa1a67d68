// What a model folder says about its special tokens beside tokenizer.json: the BOS/EOS names
// in tokenizer_config.json and the stop ids in generation_config.json. Encoding itself follows
// tokenizer.json alone, as the Hugging Face `tokenizers` library does.
import Foundation

public struct ModelTokenConfig: Sendable {
    public var bosToken: String?
    public var eosToken: String?
    /// generation_config.json's `eos_token_id` (a number or a list): what generation stops on.
    public var stopIds: [Int32] = []

    public init(bosToken: String? = nil, eosToken: String? = nil, stopIds: [Int32] = []) {
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.stopIds = stopIds
    }

    /// Reads the optional config files of a model folder; missing or unreadable ones add nothing.
    public init(folder: String) {
        let tokenizerConfig = Self.json(folder + "/tokenizer_config.json")
        bosToken = Self.tokenName(tokenizerConfig?["bos_token"])
        eosToken = Self.tokenName(tokenizerConfig?["eos_token"])
        switch Self.json(folder + "/generation_config.json")?["eos_token_id"] {
        case let id as Int: stopIds = [Int32(id)]
        case let ids as [Int]: stopIds = ids.map(Int32.init)
        default: break
        }
    }

    func apply(to description: inout TokenizerDescription) {
        if let bosToken { description.bosToken = bosToken }
        if let eosToken { description.eosToken = eosToken }
        description.declaredEndOfTurnIds += stopIds
    }

    private static func json(_ path: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// A token written either as a string or as `{"content": "..."}`.
    private static func tokenName(_ value: Any?) -> String? {
        if let name = value as? String { return name }
        return (value as? [String: Any])?["content"] as? String
    }
}
