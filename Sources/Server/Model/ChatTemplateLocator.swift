// Where a model keeps its chat template: GGUF metadata `tokenizer.chat_template`, or beside
// tokenizer.json in chat_template.jinja / tokenizer_config.json `chat_template` (a string, or
// a list of named templates of which "default" is the one to use).
import ChatTemplate
import Foundation
import GGUF

public enum ChatTemplateLocator {
    /// The model's template, nil if it has none; throws if it has one that does not parse.
    public static func template(forModelAt path: String) throws -> ChatTemplate? {
        guard let source = try source(forModelAt: path) else { return nil }
        return try ChatTemplate(source: source)
    }

    static func source(forModelAt path: String) throws -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        if !isDirectory.boolValue {
            guard path.hasSuffix(".gguf") else {
                // A tokenizer.json: look at the folder around it.
                return try folderSource(URL(fileURLWithPath: path).deletingLastPathComponent().path)
            }
            return try GGUFFile(path: path).metadata["tokenizer.chat_template"]?.string
        }
        if let source = try folderSource(path) { return source }
        let ggufs = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".gguf") }.sorted()
        if let gguf = ggufs.first { return try GGUFFile(path: path + "/" + gguf).metadata["tokenizer.chat_template"]?.string }
        return nil
    }

    private static func folderSource(_ folder: String) throws -> String? {
        if let jinja = FileManager.default.contents(atPath: folder + "/chat_template.jinja") {
            return String(decoding: jinja, as: UTF8.self)
        }
        guard let data = FileManager.default.contents(atPath: folder + "/tokenizer_config.json"),
            let config = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        switch config["chat_template"] {
        case let source as String:
            return source
        case let named as [[String: Any]]:
            let chosen = named.first { $0["name"] as? String == "default" } ?? named.first
            return chosen?["template"] as? String
        default:
            return nil
        }
    }
}
