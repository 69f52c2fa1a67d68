// A Hugging Face model folder: config.json plus model.safetensors, or shards listed by
// model.safetensors.index.json's weight_map.

import Foundation

public struct SafetensorsCheckpoint: Checkpoint {
    public let folder: String
    public let config: ModelConfig
    public var source: String { folder }
    private let files: [String: SafetensorsFile]
    /// Tensor name → shard file name.
    private let fileOfTensor: [String: String]

    public init(folder: String) throws(ModelError) {
        self.folder = folder
        let base = URL(fileURLWithPath: folder)
        config = try ModelConfig(huggingFaceConfig: base.appendingPathComponent("config.json").path)
        let indexPath = base.appendingPathComponent("model.safetensors.index.json").path
        var shardNames: [String]
        var fileOfTensor: [String: String] = [:]
        if FileManager.default.fileExists(atPath: indexPath) {
            guard let data = FileManager.default.contents(atPath: indexPath),
                  let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let map = json["weight_map"] as? [String: String] else {
                throw .unreadable(path: indexPath, reason: "no weight_map object")
            }
            fileOfTensor = map
            shardNames = Array(Set(map.values)).sorted()
        } else {
            let listing = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            shardNames = listing.filter { $0.hasSuffix(".safetensors") }.sorted()
            guard !shardNames.isEmpty else {
                throw .unreadable(path: folder, reason: "no .safetensors files and no model.safetensors.index.json")
            }
        }
        var files: [String: SafetensorsFile] = [:]
        for name in shardNames {
            let path = base.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw .unreadable(path: path, reason: "shard listed in the index is missing")
            }
            let file = try SafetensorsFile(path: path)
            files[name] = file
            if !FileManager.default.fileExists(atPath: indexPath) {
                for tensor in file.entries.keys { fileOfTensor[tensor] = name }
            }
        }
        self.files = files
        self.fileOfTensor = fileOfTensor
    }

    public func contains(_ name: String) -> Bool { fileOfTensor[name] != nil }

    public func tensor(named name: String) throws(ModelError) -> LoadedTensor {
        guard let shard = fileOfTensor[name], let file = files[shard], let tensor = try file.tensor(named: name) else {
            throw .missingTensor(name: name, source: folder)
        }
        return tensor
    }
}
