// Finding and reading a tokenizer: a tokenizer.json, a model folder (tokenizer.json plus the
// optional tokenizer_config.json / generation_config.json), or a GGUF file.
import Foundation
import GGUF

extension Tokenizer {
    /// Loads the tokenizer at `path`: a tokenizer.json, a model folder holding one (or a
    /// single .gguf), or a .gguf file.
    public static func load(path: String) throws(TokenizerError) -> Tokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: path)
        }
        if isDirectory.boolValue { return try loadFolder(path) }
        if path.hasSuffix(".gguf") || startsWithGGUFMagic(path) { return try Tokenizer(ggufPath: path) }
        return try Tokenizer(tokenizerJSONPath: path)
    }

    /// A tokenizer from the text of a tokenizer.json (`path` only names it in errors).
    public convenience init(
        tokenizerJSON data: Data, path: String = "tokenizer.json", modelConfig: ModelTokenConfig = ModelTokenConfig()
    ) throws(TokenizerError) {
        let parsed = data.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) in try TokenizerJSON(utf8: raw.bindMemory(to: UInt8.self)) }
        }
        let file: TokenizerJSON
        switch parsed {
        case .success(let value): file = value
        case .failure(let error): throw .invalidTokenizerJSON(path: path, reason: error.description)
        }
        var description = try TokenizerJSONReader.description(of: file)
        modelConfig.apply(to: &description)
        try self.init(description)
    }

    public convenience init(tokenizerJSONPath path: String, modelConfig: ModelTokenConfig = ModelTokenConfig())
        throws(TokenizerError)
    {
        try self.init(tokenizerJSON: try readFile(path), path: path, modelConfig: modelConfig)
    }

    public convenience init(ggufPath path: String) throws(TokenizerError) {
        let file: GGUFFile
        do {
            file = try GGUFFile(path: path)
        } catch {
            throw .invalidGGUF(path: path, reason: error.description)
        }
        try self.init(ggufMetadata: GGUFTokenizerMetadata(file))
    }

    public convenience init(ggufMetadata: GGUFTokenizerMetadata) throws(TokenizerError) {
        try self.init(ggufMetadata.description())
    }

    private static func loadFolder(_ folder: String) throws(TokenizerError) -> Tokenizer {
        let jsonPath = folder + "/tokenizer.json"
        if FileManager.default.fileExists(atPath: jsonPath) {
            return try Tokenizer(tokenizerJSONPath: jsonPath, modelConfig: ModelTokenConfig(folder: folder))
        }
        let ggufFiles = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".gguf") }.sorted()
        guard let gguf = ggufFiles.first else { throw .noTokenizerInFolder(path: folder) }
        return try Tokenizer(ggufPath: folder + "/" + gguf)
    }

    private static func startsWithGGUFMagic(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data("GGUF".utf8)
    }
}

func readFile(_ path: String) throws(TokenizerError) -> Data {
    do {
        return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw .unreadableFile(path: path, reason: error.localizedDescription)
    }
}

extension GGUFTokenizerMetadata {
    /// The tokenizer metadata of an opened GGUF file.
    public init(_ file: GGUFFile) throws(TokenizerError) {
        let metadata = file.metadata
        func value(_ key: String) -> GGUFValue? { metadata["tokenizer.ggml." + key] }
        guard let model = value("model")?.string else { throw .missingGGUFKey("tokenizer.ggml.model") }
        guard let tokens = value("tokens")?.stringArray else { throw .missingGGUFKey("tokenizer.ggml.tokens") }
        self.init(
            model: model, pre: value("pre")?.string, tokens: tokens, tokenTypes: value("token_type")?.intArray,
            merges: value("merges")?.stringArray ?? [])
        bosId = value("bos_token_id")?.int
        eosId = value("eos_token_id")?.int
        endOfTurnId = value("eot_token_id")?.int
        endOfMessageId = value("eom_token_id")?.int
        unknownId = value("unknown_token_id")?.int
        paddingId = value("padding_token_id")?.int
        addBos = value("add_bos_token")?.bool
        addEos = value("add_eos_token")?.bool
    }
}
