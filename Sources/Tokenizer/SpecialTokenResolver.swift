// Which ids are BOS, EOS and end-of-turn: from what the file or the model's config declares,
// else from the well-known names the supported model families use.

struct SpecialTokenResolver {
    let description: TokenizerDescription
    let idForToken: TokenTable

    static let bosNames = ["<|begin_of_text|>", "<s>", "<|startoftext|>"]
    static let eosNames = ["<|end_of_text|>", "<|endoftext|>", "</s>", "<|im_end|>"]
    static let endOfTurnNames = ["<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>"]
    static let padNames = ["<|finetune_right_pad_id|>", "<|endoftext|>", "<pad>"]

    func resolve() -> SpecialTokenIds {
        let bos = description.bosId ?? description.bosToken.flatMap { idForToken.id($0) }
            ?? description.prefixIds.first ?? firstPresent(Self.bosNames)
        let eos = description.eosId ?? description.eosToken.flatMap { idForToken.id($0) }
            ?? firstPresent(Self.eosNames)
        var endOfTurn: [Int32] = []
        for id in description.declaredEndOfTurnIds + Self.endOfTurnNames.compactMap({ idForToken.id($0) }) + [eos].compactMap({ $0 })
        where !endOfTurn.contains(id) {
            endOfTurn.append(id)
        }
        return SpecialTokenIds(bos: bos, eos: eos, endOfTurn: endOfTurn, pad: firstPresent(Self.padNames))
    }

    private func firstPresent(_ names: [String]) -> Int32? {
        names.lazy.compactMap { idForToken.id($0) }.first
    }
}
