// What a tokenizer file says, in one neutral form: tokenizer.json and GGUF metadata are both
// read into this, and `Tokenizer` is built from it.

struct TokenizerDescription {
    /// The BPE model's vocabulary as (spelling in the byte-level alphabet, id), and its merges,
    /// best first.
    var vocabulary: [(String, Int32)]
    var merges: [(String, String)]
    var ignoreMerges = false
    var byteFallback = false
    var unknownToken: String?
    var fuseUnknown = false
    var addedTokens: [AddedToken] = []
    var normalizer = TextNormalizer.none
    var preTokenizer = PreTokenizer()
    /// Ids the post-processor puts around the text when special tokens are requested.
    var prefixIds: [Int32] = []
    var suffixIds: [Int32] = []
    /// Names of the tokens the model's config calls BOS / EOS, where a config says so.
    var bosToken: String?
    var eosToken: String?
    var bosId: Int32?
    var eosId: Int32?
    /// End-of-turn / end-of-message ids a file declares (GGUF `eot_token_id`, `eom_token_id`).
    var declaredEndOfTurnIds: [Int32] = []
}

/// Ids an engine and server need: what starts a sequence and what ends a turn or a text.
public struct SpecialTokenIds: Sendable, Equatable {
    public var bos: Int32?
    public var eos: Int32?
    /// Tokens that end an assistant turn in this model's chat format (`<|eot_id|>`,
    /// `<|im_end|>`...), eos included: the set generation stops on.
    public var endOfTurn: [Int32]
    public var pad: Int32?
}
