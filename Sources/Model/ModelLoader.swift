// Opening a model path in the format asked for (`--load-format`).

import Foundation

public enum LoadFormat: String, Sendable, CaseIterable {
    /// A .gguf file → GGUF; a folder → safetensors.
    case auto
    case safetensors
    case gguf
    /// The config of the path (config.json or GGUF metadata) with seeded random weights.
    case random
}

public enum ModelLoader {
    public static func checkpoint(path: String, format: LoadFormat = .auto, seed: UInt64 = 0) throws(ModelError) -> any Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file or folder")
        }
        let isGGUF = !isDirectory.boolValue
        switch format {
        case .auto: return isGGUF ? try GGUFCheckpoint(path: path) : try SafetensorsCheckpoint(folder: path)
        case .gguf: return try GGUFCheckpoint(path: path)
        case .safetensors: return try SafetensorsCheckpoint(folder: path)
        case .random:
            let config = isGGUF ? try GGUFCheckpoint(path: path).config
                : try ModelConfig(huggingFaceConfig: URL(fileURLWithPath: path).appendingPathComponent("config.json").path)
            // bf16, as a released checkpoint is: the GPU uploads it as is, and an 8B config
            // is 16 GB of host memory instead of 32.
            return RandomWeights(config: config, seed: seed, type: .bf16)
        }
    }
}
