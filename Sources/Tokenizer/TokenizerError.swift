// Everything that can go wrong while loading or configuring a tokenizer, each with a message
// that says what is wrong and what to do about it.

public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(path: String)
    case unreadableFile(path: String, reason: String)
    case invalidTokenizerJSON(path: String, reason: String)
    case noTokenizerInFolder(path: String)
    case unsupportedModel(type: String)
    case unsupportedComponent(kind: String, description: String)
    case unsupportedSplitRegex(String)
    case unsupportedGGUFTokenizer(model: String)
    case unsupportedGGUFPreTokenizer(name: String)
    case missingGGUFKey(String)
    case invalidGGUF(path: String, reason: String)
    case mergeWithUnknownToken(rank: Int, left: String, right: String)
    case mergeResultNotInVocabulary(rank: Int, left: String, right: String)
    case specialTokenNotInVocabulary(String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "No tokenizer at \(path): pass a tokenizer.json, a model folder that holds one, or a .gguf file."
        case .unreadableFile(let path, let reason):
            return "Could not read \(path) (\(reason)); check that it exists and is readable."
        case .invalidTokenizerJSON(let path, let reason):
            return "\(path) is not a valid tokenizer.json: \(reason). Re-download it from the model's repository."
        case .noTokenizerInFolder(let path):
            return "\(path) has neither a tokenizer.json nor a .gguf file; point --tokenizer at the file itself."
        case .unsupportedModel(let type):
            return "Tokenizer model \"\(type)\" is not supported; only byte-level BPE (Llama-3, Qwen2/3, GPT-2, SmolLM2) is."
        case .unsupportedComponent(let kind, let description):
            return "This tokenizer uses a \(kind) that is not supported (\(description)); only the byte-level BPE pieces of Llama-3, Qwen2/3, GPT-2 and SmolLM2 are."
        case .unsupportedSplitRegex(let regex):
            return "The pre-tokenizer regex \(regex) is not one of the known ones (Llama-3, Qwen2, GPT-2); a scanner for it must be added to SplitRule."
        case .unsupportedGGUFTokenizer(let model):
            return "GGUF tokenizer.ggml.model \"\(model)\" is not supported; only \"gpt2\" (byte-level BPE) is."
        case .unsupportedGGUFPreTokenizer(let name):
            return "GGUF tokenizer.ggml.pre \"\(name)\" is not a known pre-tokenizer; add its split rule to GGUFTokenizerConfig."
        case .missingGGUFKey(let key):
            return "The GGUF file has no \(key); it cannot describe a tokenizer without it."
        case .invalidGGUF(let path, let reason):
            return "\(path) could not be read as GGUF: \(reason)."
        case .mergeWithUnknownToken(let rank, let left, let right):
            return "Merge #\(rank) (\(left) \(right)) names a token missing from the vocabulary; the tokenizer file is inconsistent."
        case .mergeResultNotInVocabulary(let rank, let left, let right):
            return "Merge #\(rank) (\(left) \(right)) produces a token missing from the vocabulary; the tokenizer file is inconsistent."
        case .specialTokenNotInVocabulary(let token):
            return "The post-processor adds \(token), which is not in the vocabulary; the tokenizer file is inconsistent."
        }
    }
}
